"""Applying a validated list file to the store: new, changed and removed entries, in one
transaction, with ledger rows that cover each of them.

A file is the issuing authority's whole current list of its type: an entry of the same
(authority, list type) that the file no longer names was removed by the authority and is
DELISTED, which lifts its instructions. An entry whose stated content is unchanged is left
alone (its content hash says so), so re-importing the same file changes nothing.

Reading and validating (hub.lists.reading) come first and refuse the whole file on any bad
row; this module never sees a bad row.
"""

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from hub.ledger.chain import LedgerEntry, append
from hub.lists.deadlines import add_months
from hub.lists.lifecycle import Moved, move
from hub.lists.model import ACTIVE_STATUSES, ListEntry, ListStatus
from hub.policy.rules import Policy
from hub.store.bulk import bulk_insert
from hub.store.schema import list_entries, list_entry_identifiers, list_transitions

__all__ = ["ImportSummary", "apply_import", "content_hash"]

CHUNK = 20_000  # rows per statement: bounded memory per round trip, progress in steps


@dataclass
class ImportSummary:
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    removed: list[Moved] = field(default_factory=list)


def content_hash(entry: ListEntry) -> str:
    """A digest of what the authority states about the entry (not its status)."""
    deadline = entry.rectification_deadline
    stated = (
        entry.entry_id,
        str(entry.list_type),
        str(entry.category),
        entry.subject_name,
        ";".join(sorted(f"{i.scheme}:{i.value}" for i in entry.identifiers)),
        entry.authority,
        entry.document_no,
        entry.province,
        entry.city,
        entry.listed_at.astimezone(UTC).isoformat(),
        deadline.astimezone(UTC).isoformat() if deadline else "",
    )
    # The unit separator cannot occur in a validated field (control characters are refused).
    return hashlib.sha256("\x1f".join(stated).encode()).hexdigest()


def _entry_row(entry: ListEntry, digest: str, policy: Policy, now: datetime) -> dict[str, Any]:
    listed_at = entry.listed_at.astimezone(UTC)
    deadline = entry.rectification_deadline or add_months(
        listed_at, policy.rectification_months(entry.category)
    )
    return {
        "entry_id": entry.entry_id,
        "list_type": str(entry.list_type),
        "category": str(entry.category),
        "listed_at": listed_at,
        "subject_name": entry.subject_name,
        "authority": entry.authority,
        "document_no": entry.document_no,
        "province": entry.province,
        "city": entry.city,
        "rectification_deadline": deadline.astimezone(UTC),
        "content_hash": digest,
        "updated_at": now,
    }


def _identifier_rows(entries: Sequence[ListEntry]) -> list[dict[str, str]]:
    return [
        {"entry_id": e.entry_id, "scheme": str(i.scheme), "value": i.value}
        for e in entries
        for i in e.identifiers
    ]


def _chunks(items: Sequence[ListEntry]) -> list[Sequence[ListEntry]]:
    return [items[start : start + CHUNK] for start in range(0, len(items), CHUNK)]


def _insert_new(
    connection: sa.Connection,
    entries: Sequence[ListEntry],
    digests: dict[str, str],
    actor: str,
    source: str,
    policy: Policy,
    now: datetime,
) -> None:
    rows = [
        _entry_row(e, digests[e.entry_id], policy, now)
        | {"status": str(ListStatus.LISTED), "version": 1}
        for e in entries
    ]
    columns = list(rows[0])
    bulk_insert(connection, list_entries, columns, [tuple(r.values()) for r in rows])
    bulk_insert(
        connection,
        list_entry_identifiers,
        ("entry_id", "scheme", "value"),
        [(e.entry_id, str(i.scheme), i.value) for e in entries for i in e.identifiers],
    )
    # One ledger row per chunk, not per entry: it names the chunk's entries through a digest
    # of their ids and content hashes, so the chain still covers each one, at a fraction of
    # the cost for a million-row list.
    digest = hashlib.sha256()
    for row in rows:
        digest.update(f"{row['entry_id']}\x1f{row['content_hash']}\n".encode())
    body = {
        "source": source,
        "count": len(rows),
        "first": rows[0]["entry_id"],
        "last": rows[-1]["entry_id"],
        "entries_sha256": digest.hexdigest(),
    }
    (seq,) = append(connection, [LedgerEntry("LIST_ENTRIES_LISTED", actor, body, source)], now)
    listed = str(ListStatus.LISTED)
    bulk_insert(
        connection,
        list_transitions,
        ("entry_id", "from_status", "to_status", "actor", "reason", "at", "ledger_seq"),
        [
            (
                row["entry_id"],
                None,
                listed,
                actor,
                f"listed by {row['authority']} {row['document_no']}, from {source}",
                now,
                seq,
            )
            for row in rows
        ],
    )


def _update_changed(
    connection: sa.Connection,
    entries: Sequence[ListEntry],
    digests: dict[str, str],
    actor: str,
    source: str,
    policy: Policy,
    now: datetime,
) -> None:
    rows = [_entry_row(e, digests[e.entry_id], policy, now) for e in entries]
    columns = [c for c in rows[0] if c != "entry_id"]
    connection.execute(
        list_entries.update()
        .where(list_entries.c.entry_id == sa.bindparam("key"))
        .values({c: sa.bindparam(c) for c in columns} | {"version": list_entries.c.version + 1}),
        [{"key": row["entry_id"]} | {c: row[c] for c in columns} for row in rows],
    )
    ids = [e.entry_id for e in entries]
    connection.execute(
        list_entry_identifiers.delete().where(list_entry_identifiers.c.entry_id.in_(ids))
    )
    connection.execute(list_entry_identifiers.insert(), _identifier_rows(entries))
    append(
        connection,
        [
            LedgerEntry("LIST_ENTRY_CHANGED", actor, {"source": source}, entry_id)
            for entry_id in ids
        ],
        now,
    )


def apply_import(
    connection: sa.Connection,
    entries: Sequence[ListEntry],
    actor: str,
    source: str,
    policy: Policy,
    now: datetime,
    progress: Callable[[int], None] | None = None,
) -> ImportSummary:
    """Apply the file's entries inside the caller's transaction (see the module docstring)."""
    stored = {
        row.entry_id: row
        for row in connection.execute(
            sa.select(
                list_entries.c.entry_id,
                list_entries.c.content_hash,
                list_entries.c.status,
                list_entries.c.authority,
                list_entries.c.list_type,
            )
        )
    }
    digests = {e.entry_id: content_hash(e) for e in entries}
    fresh = [e for e in entries if e.entry_id not in stored]
    changed = [
        e
        for e in entries
        if e.entry_id in stored and stored[e.entry_id].content_hash != digests[e.entry_id]
    ]
    summary = ImportSummary(len(fresh), len(changed), len(entries) - len(fresh) - len(changed))
    done = 0
    for chunk in _chunks(fresh):
        _insert_new(connection, chunk, digests, actor, source, policy, now)
        done += len(chunk)
        if progress:
            progress(done)
    for chunk in _chunks(changed):
        _update_changed(connection, chunk, digests, actor, source, policy, now)
        done += len(chunk)
        if progress:
            progress(done)
    scope = {(e.authority, str(e.list_type)) for e in entries}
    named = set(digests)
    removed = sorted(
        entry_id
        for entry_id, row in stored.items()
        if (row.authority, row.list_type) in scope
        and entry_id not in named
        and ListStatus(row.status) in ACTIVE_STATUSES
    )
    for entry_id in removed:
        reason = f"no longer on the authority's list ({source})"
        summary.removed.append(
            move(connection, entry_id, ListStatus.DELISTED, actor, reason, policy, now)
        )
    return summary
