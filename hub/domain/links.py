"""The vocabulary of identity links (docs/linking.md), with no I/O: the kinds of assertion,
which identifiers a signal may tie, when an assertion joins two identifiers, and when a join
would bridge two legal persons. hub.pipeline.linking applies it to a batch, hub.sanctions to
ties and withdrawals; hub.store.links keeps the assertions.
"""

import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from alliance_connector.identifiers import Identifier, IdentifierScheme

__all__ = [
    "ANCHOR_ORDER",
    "BRIDGED",
    "NAMESPACED",
    "OPERATOR",
    "WEAK",
    "Edge",
    "Key",
    "LinkKind",
    "LinkRow",
    "anchor_of",
    "cluster_name",
    "conflict",
    "edge",
    "is_foreign",
    "joining_edges",
    "joins",
]

Key = tuple[str, str]  # (scheme, value), as the tables hold identifiers
Edge = tuple[Key, Key]  # (a, b) with a < b


class LinkKind(StrEnum):
    STRONG = "strong"  # joins at once
    WEAK = "weak"  # joins once corroborated
    MENTION = "mention"  # another member's store or account: evidence, never a join
    CONFIRMED = "confirmed"  # an operator's decision: joins


S = IdentifierScheme
OPERATOR = "operator"  # who asserted a confirmed link
# The identifier a signal is about, strongest first; a WAYBILL is never one.
ANCHOR_ORDER = (S.USCC, S.RESIDENT_ID, S.STORE, S.MOBILE, S.ACCOUNT)
WEAK = frozenset({S.MOBILE, S.ACCOUNT})
# Two different values of one of these in one cluster mean two legal persons: never by itself.
BRIDGED = frozenset({str(S.USCC), str(S.RESIDENT_ID)})
NAMESPACED = frozenset({S.STORE, S.ACCOUNT})
_NAMESPACE = uuid.UUID("6f1c1a53-3c1e-4d4e-9a43-5c0a7e1f15a1")  # of derived cluster ids
_RANK = {scheme: n for n, scheme in enumerate(ANCHOR_ORDER)}


@dataclass(frozen=True)
class LinkRow:
    """One assertion as stored."""

    a: Key
    b: Key
    asserted_by: str
    signal_id: str
    kind: str
    held: bool
    withdrawn: bool


def edge(x: Key, y: Key) -> Edge:
    """The pair as stored: its ends in order."""
    return (x, y) if x <= y else (y, x)


def is_foreign(identifier: Identifier, reporter: str) -> bool:
    """Whether the identifier is a store or account in another member's namespace."""
    return identifier.scheme in NAMESPACED and identifier.value.split(":", 1)[0] != reporter


def anchor_of(subject: Iterable[Identifier], reporter: str) -> Identifier | None:
    """What a signal from `reporter` naming `subject` is about: its strongest own identifier
    (`ANCHOR_ORDER`), else the first of the other members' stores or accounts it names;
    None for a subject of waybills only."""
    identity = [i for i in subject if i.scheme is not S.WAYBILL]
    own = [i for i in identity if not is_foreign(i, reporter)]
    if not identity:
        return None
    return min(own or identity, key=lambda i: _RANK[i.scheme])


def cluster_name(smallest: Key) -> str:
    """The id of a cluster first made of identifiers whose smallest is `smallest`: derived,
    so the same input gives the same clusters on every worker and every replay."""
    return str(uuid.uuid5(_NAMESPACE, f"{smallest[0]}\x1f{smallest[1]}"))


def joins(kind: str, held: bool, support: int, corroboration: int) -> bool:
    """Whether an assertion of this kind joins its two ends (`support`: the distinct signals
    asserting the link, which a weak one needs `corroboration` of)."""
    if kind == LinkKind.CONFIRMED:
        return True
    if held or kind == LinkKind.MENTION:
        return False
    return kind == LinkKind.STRONG or support >= corroboration


def conflict(a: set[Key], b: set[Key]) -> bool:
    """Whether joining parts holding these credit codes and resident ids (`BRIDGED`) would
    put two different ones of a scheme together."""
    for scheme in BRIDGED:
        mine = {k for k in a if k[0] == scheme}
        theirs = {k for k in b if k[0] == scheme}
        if mine and theirs and mine != theirs:
            return True
    return False


def joining_edges(rows: Iterable[LinkRow], corroboration: int) -> dict[Edge, frozenset[str]]:
    """The links these assertions join, each with the members whose own assertion of it
    counts (OPERATOR for a confirmed one). Withdrawn assertions count for nothing."""
    weak: dict[Edge, set[str]] = defaultdict(set)
    counted: dict[Edge, set[str]] = defaultdict(set)
    strong: set[Edge] = set()
    for row in rows:
        if row.withdrawn or row.held or row.kind == LinkKind.MENTION:
            continue
        pair = (row.a, row.b)
        if row.kind == LinkKind.CONFIRMED:
            strong.add(pair)
            counted[pair].add(OPERATOR)
        elif row.kind == LinkKind.STRONG:
            strong.add(pair)
            counted[pair].add(row.asserted_by)
        else:
            weak[pair].add(f"{row.asserted_by}\x1f{row.signal_id}")
            counted[pair].add(row.asserted_by)
    joined = strong | {pair for pair, signals in weak.items() if len(signals) >= corroboration}
    return {pair: frozenset(counted[pair]) for pair in sorted(joined)}
