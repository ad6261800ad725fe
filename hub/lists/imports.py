"""Applying a validated list file to the store: new, changed and removed entries, in one
transaction with a ledger row for each.

A file is the issuing authority's whole current list of its type: an entry of the same
(authority, list type) that the file no longer names was removed by the authority and is
DELISTED, which lifts its instructions. An entry whose stated content is unchanged is left
alone (its content hash says so), so re-importing the same file changes nothing.

Reading and validating (hub.lists.reading) come first and refuse the whole file on any bad
row; this module never sees a bad row.
"""

import hashlib
import json
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
    stated = {
        "entry_id": entry.entry_id,
        "list_type": str(entry.list_type),
        "category": str(entry.category),
        "subject_name": entry.subject_name,
        "identifiers": sorted(f"{i.scheme}:{i.value}" for i in entry.identifiers),
        "authority": entry.authority,
        "document_no": entry.document_no,
        "province": entry.province,
        "city": entry.city,
        "listed_at": entry.listed_at.astimezone(UTC).isoformat(),
        "deadline": (
            entry.rectification_deadline.astimezone(UTC).isoformat()
            if entry.rectification_deadline
            else None
        ),
    }
    text = json.dumps(stated, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


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
    connection.execute(list_entries.insert(), rows)
    connection.execute(list_entry_identifiers.insert(), _identifier_rows(entries))
    ledger_rows = [
        LedgerEntry(
            "LIST_ENTRY_LISTED",
            actor,
            {"list": row["list_type"], "category": row["category"], "source": source},
            row["entry_id"],
        )
        for row in rows
    ]
    seqs = append(connection, ledger_rows, now)
    connection.execute(
        list_transitions.insert(),
        [
            {
                "entry_id": row["entry_id"],
                "from_status": None,
                "to_status": str(ListStatus.LISTED),
                "actor": actor,
                "reason": f"listed by {row['authority']} {row['document_no']}, from {source}",
                "at": now,
                "ledger_seq": seq,
            }
            for row, seq in zip(rows, seqs, strict=True)
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
