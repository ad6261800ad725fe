"""The ledger's hash chain: each row commits to every one of its columns and to the row before it.

Why a chain rather than per-row hashes: a row's hash alone shows an edit, but whoever can edit a
row can also recompute its hash. Chaining makes that forgery surface at the next row, whose
`prev_hash` still names the old hash; deleting, inserting or reordering rows breaks the seq run
or a link; cutting the tail disagrees with `ledger_head`. `hub.ledger.verify` checks all of it.

What a chain cannot show on its own: an attacker with write access who rewrites the whole tail
from some row onwards *and* the head produces a valid chain. Tampering is therefore evident only
against a head hash held outside the database, which is why the head is to be published and
anchored externally (the monthly report carries it, members keep copies): a rewritten tail no
longer ends in the head somebody else already holds.

The hashed text is plain canonical JSON (sorted keys, no spaces, UTF-8), so an auditor can
re-verify an export in a few lines of any language without this code.
"""

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from hub.store.ledger import lock_ledger_head, write_ledger_rows

__all__ = ["GENESIS_HASH", "LedgerEntry", "append", "canonical_json", "lock_head", "row_hash"]

GENESIS_HASH: str = "0" * 64


@dataclass(frozen=True)
class LedgerEntry:
    """One thing the hub did, as handed to `append`; seq, time and hashes are assigned there.

    `body` is JSON-serialisable and never holds personal data: the ledger is kept for years and
    shown to auditors, so it names signals and instructions by id, not people.
    """

    kind: str  # e.g. "SIGNAL_ACCEPTED", "SIGNAL_REJECTED", "INSTRUCTION_ISSUED", "ACK_APPLIED"
    actor: str  # member id, "hub" or an operator name
    body: Mapping[str, Any]
    ref: str | None = None  # signal id / instruction id / entry id
    reason: str | None = None  # reject reason code
    source: tuple[str, int, int] | None = None  # (topic, partition, offset) of the Kafka record


def canonical_json(value: Any) -> str:
    """The one JSON text for `value`: sorted keys, no whitespace, non-ASCII kept as is.

    Datetimes must already be ISO strings: a TypeError here beats a hash that depends on how
    some default encoder happened to format them. NaN and infinities are refused (ValueError)
    because they are not JSON, and another verifier could not reproduce them.
    """
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )


def _normalise_time(moment: datetime) -> datetime:
    # PostgreSQL returns an aware datetime in the session's zone, SQLite a naive one in whatever
    # was stored (UTC, as written here); both keep microseconds, but other tools and exports
    # often do not. Hashing and storing UTC at millisecond precision makes them all agree.
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    moment = moment.astimezone(UTC)
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


def _iso_millis(moment: datetime) -> str:
    text = _normalise_time(moment).isoformat(timespec="milliseconds")
    return text.removesuffix("+00:00") + "Z"


def row_hash(prev_hash: str, seq: int, recorded_at: datetime, entry: LedgerEntry) -> str:
    """The SHA-256 hex digest that chains row `seq` onto `prev_hash`.

    It covers, as canonical JSON, the list [prev_hash, seq, recorded_at, kind, actor, ref,
    reason, source topic, partition, offset, body], with recorded_at as ISO-8601 UTC with
    milliseconds ("2026-11-28T11:14:47.189Z"). A naive `recorded_at` is taken as UTC, which is
    how SQLite hands back what `append` stored.
    """
    body = canonical_json(dict(entry.body))
    return _chained_hash(prev_hash, seq, _iso_millis(recorded_at), entry, body)


def _chained_hash(prev_hash: str, seq: int, recorded_at: str, entry: LedgerEntry, body: str) -> str:
    """`row_hash` from the parts `append` has already made: the time's text, shared by a
    batch's rows, and the body's canonical JSON, which is also stored. A JSON list is its
    items' JSON joined by commas in brackets, so the text is the one `canonical_json` makes
    of the whole list."""
    topic, partition, offset = entry.source if entry.source is not None else (None, None, None)
    fields = [
        prev_hash,
        seq,
        recorded_at,
        entry.kind,
        entry.actor,
        entry.ref,
        entry.reason,
        topic,
        partition,
        offset,
    ]
    text = canonical_json(fields)[:-1] + "," + body + "]"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def lock_head(connection: sa.Connection) -> tuple[int, str]:
    """Lock the chain's head row until the caller's transaction ends and return (seq, hash).

    This is the ledger's serial section: a second appender waits here and then reads the head
    the first one committed (`hub.store.ledger.lock_ledger_head` says how, per backend).
    """
    return lock_ledger_head(connection)


def append(
    connection: sa.Connection,
    entries: Sequence[LedgerEntry],
    recorded_at: datetime,
    head: tuple[int, str] | None = None,
) -> list[int]:
    """Append `entries` in order, all at `recorded_at`, and return the seqs they were given.

    Runs inside the caller's transaction and never commits, so the rows become visible together
    with whatever else the caller writes (or not at all). The head row stays locked until that
    transaction ends: keep it short. A duplicate Kafka source breaks the ledger's unique index:
    callers de-duplicate first (effects' dedupe stage), so it means another worker stored the
    record meanwhile, and the writer's StoreRefused path (hub.store.errors) retries the batch
    record by record, where the dedupe stage then skips it. `head` is what the caller's own
    `lock_head` returned in this transaction, if it took the lock already and appended
    nothing since.
    """
    if not entries:
        return []
    if recorded_at.tzinfo is None:
        # A naive time is ambiguous on the way in; on the way out it can only mean UTC.
        raise ValueError("recorded_at must be timezone-aware")
    moment = _normalise_time(recorded_at)
    moment_text = _iso_millis(moment)
    seq, prev_hash = head if head is not None else lock_head(connection)
    rows: list[tuple[Any, ...]] = []
    for entry in entries:
        seq += 1
        body = canonical_json(dict(entry.body))
        digest = _chained_hash(prev_hash, seq, moment_text, entry, body)
        topic, partition, offset = entry.source or (None, None, None)
        # recorded_at is exactly the value hashed, so it reads back the same.
        rows.append(
            (seq, moment, entry.kind, entry.actor, entry.ref, entry.reason, topic, partition)
            + (offset, body, prev_hash, digest)
        )
        prev_hash = digest
    write_ledger_rows(connection, rows, seq, prev_hash)
    return [int(row[0]) for row in rows]
