"""Re-verify the ledger from the database alone: recompute every hash, trust no stored one.

Tamper evidence is only worth something if someone other than the appender can check it: an
auditor, a member, the operator after an incident. This walks the rows in seq order and reports
every inconsistency it finds instead of stopping at the first, because "row 812 edited" and
"rows 900.. gone" are different incidents.

    EDITED         a row's columns no longer produce its stored hash
    GAP            seqs are missing (rows deleted)
    BROKEN_LINK    prev_hash is not the previous row's hash: rows deleted, inserted, reordered,
                   or the previous row was re-hashed after an edit
    HEAD_MISMATCH  ledger_head does not end at the last row: tail cut off, or head forged
    SIGNED_HEAD    a signed tree head (hub.ledger.tree_heads) disagrees with the rows: its
                   root is not the Merkle root of the first tree_size rows (some row below it
                   was rewritten, even with the chain and ledger_head made to fit), the ledger
                   is shorter than the head, or no published hub key signed it

A valid chain ending in a valid head can still be a complete rewrite (see `hub.ledger.chain`).
That is what signed heads catch: the walk also builds the Merkle tree over the rows, in
O(log n) memory, and compares its root at each head's size with every head the hub stored and
every head a member kept (`kept_heads`, e.g. from `GET /ledger/heads` or the heads topic).
The stored heads alone do not suffice against whoever can delete them; the kept ones do.

Verification may run while workers append. The head is read before the rows and again after;
a row and the head move in one transaction and appends are serialised, so every row up to the
first head is visible to the walk and no committed row can lie beyond the second head. The
checks therefore hold under READ COMMITTED, with no long-lived snapshot over a large table.
"""

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, NamedTuple

import sqlalchemy as sa
from sqlalchemy.exc import SQLAlchemyError

from hub.errors import StoreError
from hub.ledger.chain import GENESIS_HASH, LedgerEntry, canonical_json, row_hash
from hub.ledger.hub_keys import published_hub_keys
from hub.ledger.merkle import CompactRange, leaf_hash
from hub.ledger.tree_heads import SignedTreeHead, all_heads, head_signature_ok
from hub.store.ledger import StoredLedgerRow, read_head, rows_in_order

__all__ = ["MAX_PROBLEMS", "Problem", "ProblemKind", "VerifyReport", "verify"]

ProblemKind = Literal["EDITED", "GAP", "BROKEN_LINK", "HEAD_MISMATCH", "SIGNED_HEAD"]
MAX_PROBLEMS = 100  # a wholesale rewrite would otherwise list every row; the count stays exact


class Problem(NamedTuple):
    """One inconsistency: where it shows, what kind it is, and a sentence for the operator."""

    seq: int
    kind: ProblemKind
    detail: str


@dataclass(frozen=True)
class VerifyReport:
    """What `verify` saw: rows read, the first MAX_PROBLEMS problems and how many there were."""

    rows: int
    problems: tuple[Problem, ...]
    problem_count: int
    head_seq: int | None  # None when ledger_head has no row at all
    heads_checked: int = 0  # signed tree heads compared with the rows (stored and kept)

    @property
    def ok(self) -> bool:
        """True when the chain is intact and ends at the head."""
        return self.problem_count == 0


class _Findings:
    def __init__(self) -> None:
        self.kept: list[Problem] = []
        self.count = 0

    def add(self, seq: int, kind: ProblemKind, detail: str) -> None:
        self.count += 1
        if len(self.kept) < MAX_PROBLEMS:
            self.kept.append(Problem(seq, kind, detail))


def _edit_in(row: StoredLedgerRow) -> str | None:
    """Why the row's own columns do not reproduce its hash, or None when they do."""
    # Details the hash cannot see must still be exactly what append wrote: otherwise a body with
    # different spacing, or a time moved by microseconds, would be an edit that goes unnoticed.
    try:
        body = json.loads(row.body)
        canonical = canonical_json(body)
    except ValueError:  # not JSON, or NaN/Infinity, which canonical JSON refuses
        return "body is not JSON"
    if not isinstance(body, dict) or canonical != row.body:
        return "body is not the canonical JSON of an object"
    if row.recorded_at.microsecond % 1000:
        return "recorded_at has sub-millisecond digits"
    topic, partition, offset = row.source_topic, row.source_partition, row.source_offset
    source: tuple[str, int, int] | None = None
    if topic is not None and partition is not None and offset is not None:
        source = (topic, partition, offset)
    elif (topic, partition, offset) != (None, None, None):
        return "source is partly empty"
    entry = LedgerEntry(row.kind, row.actor, body, row.ref, row.reason, source)
    if row_hash(row.prev_hash, row.seq, row.recorded_at, entry) != row.row_hash:
        return "stored hash does not match the row's contents: edited after it was written"
    return None


class _Walk:
    """What the walk carries from one row to the next, and the checks between them."""

    def __init__(self, found: _Findings, head_seq: int | None) -> None:
        self.found = found
        self.rows = 0
        self.expected_seq = 1
        self.last_seq = 0
        self.prev_hash = GENESIS_HASH  # the previous row's stored hash, or genesis for row 1
        self.head_seq = head_seq
        self.hash_at_head = GENESIS_HASH if head_seq == 0 else None

    def check(self, row: StoredLedgerRow) -> None:
        self.rows += 1
        seq: int = row.seq
        if seq > self.expected_seq:
            missing = f"rows {self.expected_seq}..{seq - 1} are"
            if seq - 1 == self.expected_seq:
                missing = f"row {self.expected_seq} is"
            self.found.add(self.expected_seq, "GAP", f"{missing} missing")
        elif seq < self.expected_seq:  # only a seq below 1 can sort before the expected one
            self.found.add(seq, "GAP", f"seq {seq} is outside the chain, which starts at 1")
        # Linking to the previous row's *stored* hash blames an edit on the edited row alone,
        # and blames a re-hashed forgery on the row after it.
        if row.prev_hash != self.prev_hash:
            previous = f"row {self.last_seq}'s hash" if self.last_seq else "the genesis hash"
            self.found.add(seq, "BROKEN_LINK", f"prev_hash is not {previous}")
        if (edit := _edit_in(row)) is not None:
            self.found.add(seq, "EDITED", edit)
        if seq == self.head_seq:
            self.hash_at_head = row.row_hash
        self.expected_seq = max(seq + 1, self.expected_seq)
        self.last_seq, self.prev_hash = seq, row.row_hash


def _leaf(stored_hash: str) -> bytes:
    try:
        return leaf_hash(bytes.fromhex(stored_hash))
    except ValueError:  # not hex: an edit the chain check names; the root will not match
        return leaf_hash(stored_hash.encode("utf-8", "replace"))


def _check_heads(
    found: _Findings,
    heads: Sequence[tuple[str, SignedTreeHead]],
    roots: dict[int, bytes],
    rows: int,
    connection: sa.Connection,
) -> None:
    keys = published_hub_keys(connection)
    for origin, head in heads:
        size, signed = head.tree_size, head.timestamp.isoformat(timespec="seconds")
        what = f"the {origin} head for {size} rows signed {signed}"
        if not head_signature_ok(head, keys):
            found.add(size, "SIGNED_HEAD", f"{what} is not signed by a published hub key")
        elif size not in roots:
            found.add(size, "SIGNED_HEAD", f"{what} covers more than the {rows} rows there are")
        elif roots[size] != head.root_hash:
            found.add(size, "SIGNED_HEAD", f"rows 1..{size} do not produce the root of {what}")


def verify(
    connection: sa.Connection, batch: int = 5000, kept_heads: Sequence[SignedTreeHead] = ()
) -> VerifyReport:
    """Walk the whole ledger in seq order, `batch` rows at a time, and report what is wrong,
    checking the rows against every stored signed head and every one in `kept_heads`.

    Memory stays constant whatever the ledger's size (but for one root per head). Raises
    StoreError when the tables cannot be read at all; a missing head row is a HEAD_MISMATCH,
    not an error.
    """
    if batch < 1:
        raise ValueError("batch must be at least 1")
    found = _Findings()
    try:
        # Heads first: each covers only rows committed before it, so all of them are visible
        # to the walk that follows.
        heads = [("stored", h) for h in all_heads(connection)]
        heads += [("kept", h) for h in kept_heads]
        sizes = {h.tree_size for _, h in heads}
        tree, roots = CompactRange(), {}
        first_head = read_head(connection)
        walk = _Walk(found, None if first_head is None else first_head[0])
        for row in rows_in_order(connection, batch):
            walk.check(row)
            tree.append(_leaf(row.row_hash))
            if tree.size in sizes:
                roots[tree.size] = tree.root()
        final_head = read_head(connection)
        _check_heads(found, heads, roots, walk.rows, connection)
    except (SQLAlchemyError, ValueError) as exc:  # ValueError: a column the driver cannot parse
        raise StoreError(f"could not read the ledger: {str(exc).splitlines()[0]}") from exc

    if first_head is None or final_head is None:
        found.add(walk.last_seq, "HEAD_MISMATCH", "ledger_head has no row")
    else:
        head_seq, head_hash = first_head
        if walk.hash_at_head is None:
            found.add(head_seq, "HEAD_MISMATCH", f"head names seq {head_seq}, which is missing")
        elif walk.hash_at_head != head_hash:
            found.add(head_seq, "HEAD_MISMATCH", f"head hash is not row {head_seq}'s hash")
        if walk.last_seq > final_head[0]:
            beyond = final_head[0] + 1
            detail = f"rows {beyond}..{walk.last_seq} lie beyond the head"
            found.add(beyond, "HEAD_MISMATCH", detail)
    return VerifyReport(
        rows=walk.rows,
        problems=tuple(found.kept),
        problem_count=found.count,
        head_seq=None if final_head is None else final_head[0],
        heads_checked=len(heads),
    )
