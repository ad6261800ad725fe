"""Signed tree heads: the hub's signed statement "my ledger's first N rows have this Merkle root".

Why: a chain's head held only in the hub's database proves nothing against whoever controls
that database (hub.ledger.chain). A head signed with the hub's key and handed to every member
(the `alliance.ledger.heads` topic, `GET /ledger/heads`, the monthly report) is held outside
it: a later rewrite of any row below N no longer produces the root members kept, and the
hub cannot sign a second root for the same size without a member holding both to show.

A head (RFC 9162's signed tree head, with the hub's DSSE signing instead of TLS structures):

    payload = canonical JSON of {"key_id", "root_hash" (hex), "timestamp" (ISO-8601 UTC, ms,
              "Z"), "tree_size"}, UTF-8
    signed  = PAE("application/vnd.alliance.tree-head.v1+json", payload), Ed25519 (the hub key)

Signing a head does not append to the ledger: a ledger row per head would grow the tree it
describes, so every head would be stale the moment it was signed. Heads live in their own table
and topic. One head per tree size: asking again before the ledger grew returns the last one.
"""

import base64
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

import sqlalchemy as sa

from alliance_connector.signing import SigningKey, pae, verify_strict
from hub.errors import StoreError
from hub.kafka.clients import broker_errors, open_producer
from hub.kafka.topics import HEADS_TOPIC
from hub.ledger.chain import canonical_json
from hub.ledger.hub_keys import HubKey
from hub.ledger.merkle import (
    CompactRange,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    root,
)
from hub.store.ledger import StoredLedgerRow
from hub.store.timestamps import as_utc
from hub.store.tree_heads import (
    StoredHead,
    StoredSubtrees,
    committed_size,
    find_head,
    head_rows,
    insert_head,
    latest_head_row,
    row_hashes_after,
    tree_leaf_count,
    write_nodes,
)

__all__ = [
    "HEAD_PAYLOAD_TYPE",
    "SignedTreeHead",
    "all_heads",
    "consistency",
    "extend_tree",
    "head_for_size",
    "head_history",
    "head_signature_ok",
    "heads_from_text",
    "hashed_row",
    "inclusion",
    "latest_head",
    "publish_head",
    "row_leaf",
    "sign_head",
]

T = TypeVar("T")

HEAD_PAYLOAD_TYPE = "application/vnd.alliance.tree-head.v1+json"
EXTEND_BATCH = 4096  # rows read per query while the tree catches up with the ledger


def _iso_millis(moment: datetime) -> str:
    text = as_utc(moment).isoformat(timespec="milliseconds")
    return text.removesuffix("+00:00") + "Z"


def row_leaf(row_hash_hex: str) -> bytes:
    """The Merkle leaf hash of a ledger row, from its stored row_hash (hub.ledger.merkle)."""
    return leaf_hash(bytes.fromhex(row_hash_hex))


@dataclass(frozen=True)
class SignedTreeHead:
    """One signed head; `as_json` is how it travels (topic, API, a member's file)."""

    tree_size: int
    root_hash: bytes
    timestamp: datetime  # UTC, whole milliseconds
    key_id: str
    signature: bytes

    def payload(self) -> bytes:
        """The canonical JSON bytes the signature covers (through PAE)."""
        fields = {
            "key_id": self.key_id,
            "root_hash": self.root_hash.hex(),
            "timestamp": _iso_millis(self.timestamp),
            "tree_size": self.tree_size,
        }
        return canonical_json(fields).encode("utf-8")

    def as_json(self) -> dict[str, Any]:
        """The payload's fields and the signature in standard base64."""
        fields: dict[str, Any] = json.loads(self.payload())
        return fields | {"signature": base64.b64encode(self.signature).decode("ascii")}

    @classmethod
    def from_json(cls, value: Mapping[str, Any]) -> "SignedTreeHead":
        """Read `as_json`'s shape back. ValueError names the field that is wrong, never its
        value: a file handed in may hold anything."""
        for name in ("tree_size", "root_hash", "timestamp", "key_id", "signature"):
            if name not in value:
                raise ValueError(f"a head lacks {name}")
        size, key_id = value["tree_size"], value["key_id"]
        if not isinstance(size, int) or isinstance(size, bool) or size < 1:
            raise ValueError("not a signed tree head: tree_size is not a positive integer")
        if not isinstance(key_id, str):
            raise ValueError("not a signed tree head: key_id is not text")
        return cls(
            size,
            _parsed(value, "root_hash", bytes.fromhex),
            as_utc(_parsed(value, "timestamp", _utc_time)),
            key_id,
            _parsed(value, "signature", lambda text: base64.b64decode(text, validate=True)),
        )


def _utc_time(text: str) -> datetime:
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        raise ValueError("no zone")
    return moment


def _parsed(value: Mapping[str, Any], name: str, parse: Callable[[str], T]) -> T:
    try:
        return parse(str(value[name]))
    except (TypeError, ValueError) as exc:  # binascii.Error is a ValueError
        raise ValueError(f"not a signed tree head: {name} is malformed") from exc


def _from_stored(head: StoredHead) -> SignedTreeHead:
    return SignedTreeHead(
        head.tree_size,
        bytes.fromhex(head.root_hash),
        head.signed_at,
        head.key_id,
        base64.b64decode(head.signature),
    )


def head_signature_ok(head: SignedTreeHead, keys: Sequence[HubKey]) -> bool:
    """Whether a published hub key, valid when the head was signed, signed it."""
    signed = pae(HEAD_PAYLOAD_TYPE, head.payload())
    return any(
        key.key_id == head.key_id
        and key.valid_at(head.timestamp)
        and verify_strict(key.public_key, signed, head.signature)
        for key in keys
    )


def extend_tree(connection: sa.Connection, batch: int = EXTEND_BATCH) -> int:
    """Bring the stored tree up to the committed ledger and return its size. Reads only the
    rows added since the last call, and the O(log n) nodes the tree's right edge is made of."""
    target = committed_size(connection)
    size = tree_leaf_count(connection)
    if size >= target:
        return size
    compact = CompactRange.resume(StoredSubtrees(connection), size)
    while compact.size < target:
        rows = row_hashes_after(connection, compact.size, target, batch)
        finished: list[tuple[int, int, bytes]] = []
        for seq, digest in rows:
            if seq != compact.size + 1:
                raise StoreError(f"ledger row {compact.size + 1} is missing: run ledger verify")
            finished.extend(compact.append(row_leaf(digest)))
        if not rows:
            raise StoreError(f"ledger row {compact.size + 1} is missing: run ledger verify")
        write_nodes(connection, finished)
    return compact.size


def sign_head(connection: sa.Connection, key: SigningKey, now: datetime) -> SignedTreeHead | None:
    """Sign a head over the committed ledger now, unless the ledger is empty (None) or has not
    grown since the last head (that head is returned). Runs in the caller's transaction."""
    size = extend_tree(connection)
    if size == 0:
        return None
    latest = latest_head_row(connection, None)
    if latest is not None and latest.tree_size >= size:
        return _from_stored(latest)
    moment = as_utc(now)
    moment = moment.replace(microsecond=moment.microsecond // 1000 * 1000)
    unsigned = SignedTreeHead(size, root(StoredSubtrees(connection), size), moment, key.key_id, b"")
    signature = key.sign(HEAD_PAYLOAD_TYPE, unsigned.payload())
    stored = StoredHead(
        size,
        unsigned.root_hash.hex(),
        moment,
        key.key_id,
        base64.b64encode(signature).decode("ascii"),
    )
    return _from_stored(insert_head(connection, stored))


def latest_head(
    connection: sa.Connection, at_or_before: datetime | None = None
) -> SignedTreeHead | None:
    """The newest head, or the newest signed at or before `at_or_before` (the monthly report
    passes the month's end)."""
    found = latest_head_row(connection, at_or_before)
    return None if found is None else _from_stored(found)


def head_for_size(connection: sa.Connection, tree_size: int) -> SignedTreeHead | None:
    """The head signed for exactly `tree_size`, if one was."""
    found = find_head(connection, tree_size)
    return None if found is None else _from_stored(found)


def head_history(
    connection: sa.Connection, limit: int, below_size: int | None = None
) -> list[SignedTreeHead]:
    """Heads largest first; the next page passes the last size seen as `below_size`."""
    return [_from_stored(h) for h in head_rows(connection, limit, below_size)]


def all_heads(connection: sa.Connection, page: int = 1000) -> list[SignedTreeHead]:
    """Every stored head, largest first (one an hour is under 9,000 a year)."""
    found: list[SignedTreeHead] = []
    while chunk := head_history(connection, page, found[-1].tree_size if found else None):
        found.extend(chunk)
    return found


def heads_from_text(text: str) -> list[SignedTreeHead]:
    """Heads a member kept, in any of the shapes the hub hands them out: `GET /ledger/heads`'s
    answer ({"latest", "heads"}), a JSON list of heads, one head, or one head per line (the
    heads topic's values). ValueError when it is none of these."""
    try:
        values: Any = json.loads(text)
    except ValueError:
        values = [json.loads(line) for line in text.splitlines() if line.strip()]
    if isinstance(values, dict) and ("heads" in values or "latest" in values):
        latest = [values["latest"]] if values.get("latest") else []
        values = latest + list(values.get("heads") or [])
    elif isinstance(values, dict):
        values = [values]
    if not isinstance(values, list) or not all(isinstance(v, dict) for v in values):
        raise ValueError("not a list of signed tree heads")
    return [SignedTreeHead.from_json(v) for v in values]


def hashed_row(row: StoredLedgerRow) -> list[Any]:
    """The JSON list whose canonical text hashes to the row's row_hash (hub.ledger.chain):
    what an auditor recomputes a leaf from without trusting the stored hash."""
    body: Any = json.loads(row.body)
    return [
        row.prev_hash,
        row.seq,
        _iso_millis(row.recorded_at),
        row.kind,
        row.actor,
        row.ref,
        row.reason,
        row.source_topic,
        row.source_partition,
        row.source_offset,
        body,
    ]


def inclusion(connection: sa.Connection, seq: int, tree_size: int) -> list[bytes]:
    """The audit path of row `seq` in the tree of `tree_size` rows (leaf index seq - 1).
    ValueError when the row is not in that tree; the stored tree must reach `tree_size`."""
    return inclusion_proof(StoredSubtrees(connection), seq - 1, tree_size)


def consistency(connection: sa.Connection, first: int, second: int) -> list[bytes]:
    """The consistency proof from the tree of `first` rows to that of `second` rows."""
    return consistency_proof(StoredSubtrees(connection), first, second)


def publish_head(options: dict[str, Any], head: SignedTreeHead, topic: str = HEADS_TOPIC) -> None:
    """Send `head` to the heads topic and wait for the broker to take it (BrokerError if not).

    Keyed by the tree size as 20 zero-padded digits: compaction then keeps every head, one per
    size, so a member that joins late reads the whole history from the topic. (A constant key
    would keep only the newest head, and the history would have to come from the hub.)
    """
    value = canonical_json(head.as_json()).encode("utf-8")
    with broker_errors(f"could not publish the tree head to {topic}"):
        producer = open_producer(options, acks="all")
        try:
            producer.send(topic, key=f"{head.tree_size:020d}".encode(), value=value).get(30)
        finally:
            producer.close()
