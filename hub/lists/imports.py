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
from functools import lru_cache
from typing import Any

import sqlalchemy as sa

from hub.domain.china_time import add_months
from hub.domain.lists import ACTIVE_STATUSES, ListEntry, ListStatus
from hub.errors import ImportRefused
from hub.ledger.chain import LedgerEntry, append, lock_head
from hub.lists.lifecycle import Moved, move, reconcile
from hub.policy.rules import Policy
from hub.sanctions.instructions import Trigger
from hub.store.list_entries import (
    entries_sharing_subject_identifiers,
    insert_entries,
    insert_identifiers,
    insert_transitions,
    replace_identifiers,
    stored_entries,
    update_entries,
)

__all__ = ["ImportSummary", "apply_import", "content_hash"]

CHUNK = 20_000  # rows per statement: bounded memory per round trip, progress in steps


@dataclass
class ImportSummary:
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    removed: list[Moved] = field(default_factory=list)
    issued: int = 0  # instructions issued or lifted for new and changed entries


@lru_cache(maxsize=4096)
def _utc(moment: datetime) -> tuple[datetime, str]:
    # A list is published on a handful of dates: each is converted once, not per entry.
    utc = moment.astimezone(UTC)
    return utc, utc.isoformat()


@lru_cache(maxsize=4096)
def _default_deadline(listed_at: datetime, months: int) -> datetime:
    return add_months(listed_at, months).astimezone(UTC)


def content_hash(entry: ListEntry) -> str:
    """A digest of what the authority states about the entry (not its status)."""
    deadline = entry.rectification_deadline
    ids = [f"{i.scheme.value}:{i.value}" for i in entry.identifiers]
    stated = (
        entry.entry_id,
        entry.list_type.value,
        entry.category.value,
        entry.subject_name,
        ";".join(sorted(ids) if len(ids) > 1 else ids),
        entry.authority,
        entry.document_no,
        entry.province,
        entry.city,
        _utc(entry.listed_at)[1],
        _utc(deadline)[1] if deadline else "",
    )
    # The unit separator cannot occur in a validated field (control characters are refused).
    return hashlib.sha256("\x1f".join(stated).encode()).hexdigest()


# The row is in ENTRY_COLUMNS order (hub.store.list_entries).
def _entry_row(entry: ListEntry, digest: str, policy: Policy, now: datetime) -> tuple[Any, ...]:
    listed_at = _utc(entry.listed_at)[0]
    given = entry.rectification_deadline
    deadline = (
        _utc(given)[0]
        if given
        else _default_deadline(listed_at, policy.rectification_months(entry.category))
    )
    return (
        entry.entry_id,
        entry.list_type.value,
        entry.category.value,
        listed_at,
        entry.subject_name,
        entry.authority,
        entry.document_no,
        entry.province,
        entry.city,
        deadline,
        digest,
        now,
    )


def _identifier_rows(entries: Sequence[ListEntry]) -> list[tuple[str, str, str]]:
    return [(e.entry_id, i.scheme.value, i.value) for e in entries for i in e.identifiers]


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
    listed = ListStatus.LISTED.value
    rows = [_entry_row(e, digests[e.entry_id], policy, now) + (listed, 1) for e in entries]
    insert_entries(connection, rows)
    insert_identifiers(connection, _identifier_rows(entries))
    # One ledger row per chunk, not per entry: it names the chunk's entries through a digest
    # of their ids and content hashes, so the chain still covers each one, at a fraction of
    # the cost for a million-row list.
    digest = hashlib.sha256()
    for e in entries:
        digest.update(f"{e.entry_id}\x1f{digests[e.entry_id]}\n".encode())
    body = {
        "source": source,
        "count": len(entries),
        "first": entries[0].entry_id,
        "last": entries[-1].entry_id,
        "entries_sha256": digest.hexdigest(),
    }
    (seq,) = append(connection, [LedgerEntry("LIST_ENTRIES_LISTED", actor, body, source)], now)
    reasons: dict[tuple[str, str], str] = {}
    insert_transitions(
        connection,
        [
            (
                e.entry_id,
                None,
                listed,
                actor,
                reasons.get((e.authority, e.document_no))
                or reasons.setdefault(
                    (e.authority, e.document_no),
                    f"listed by {e.authority} {e.document_no}, from {source}",
                ),
                now,
                seq,
            )
            for e in entries
        ],
    )


def _update_changed(
    connection: sa.Connection,
    entries: Sequence[ListEntry],
    digests: dict[str, str],
    before: dict[str, str],
    actor: str,
    source: str,
    policy: Policy,
    now: datetime,
) -> None:
    rows = [_entry_row(e, digests[e.entry_id], policy, now) for e in entries]
    update_entries(connection, rows)
    ids = [e.entry_id for e in entries]
    replace_identifiers(connection, ids, _identifier_rows(entries))
    append(
        connection,
        [
            LedgerEntry(
                "LIST_ENTRY_CHANGED",
                actor,
                {"source": source, "before": before[entry_id], "after": digests[entry_id]},
                entry_id,
            )
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
    complete: bool = True,
) -> ImportSummary:
    """Apply the file's entries inside the caller's transaction (see the module docstring).

    Raises ImportRefused, before writing anything, for an id the store holds as DELISTED:
    a subject listed again is a new listing with a new id and a new rectification period.
    With `complete` False the entries are additions and changes only: nothing is delisted
    for being absent (an operator adding one entry)."""
    lock_head(connection)  # one writer of list state at a time (see hub.lists.status)
    stored = stored_entries(connection)
    relisted = [
        e.entry_id
        for e in entries
        if e.entry_id in stored and stored[e.entry_id].status == ListStatus.DELISTED
    ]
    if relisted:
        rule = "was delisted; a subject listed again needs a new entry id"
        raise ImportRefused(source, [(0, "entry_id", f"{i} {rule}") for i in relisted])
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
        before = {e.entry_id: stored[e.entry_id].content_hash for e in chunk}
        _update_changed(connection, chunk, digests, before, actor, source, policy, now)
        done += len(chunk)
        if progress:
            progress(done)
    scope = {(e.authority, str(e.list_type)) for e in entries} if complete else set()
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
    # A new or changed entry whose subject members already reported may call for
    # instructions now (a watch-listed subject present at a platform), or for fewer.
    touched = {e.entry_id for e in fresh} | {e.entry_id for e in changed}
    trigger = Trigger(f"import:{source}", now)
    for entry_id in _already_seen(connection, touched):
        issued, lifted = reconcile(connection, entry_id, policy, trigger, now)
        summary.issued += len(issued) + len(lifted)
    return summary


def _already_seen(connection: sa.Connection, entry_ids: set[str]) -> list[str]:
    """Those of the entries naming an identifier some signal has named (usually few)."""
    if not entry_ids:
        return []
    shared = entries_sharing_subject_identifiers(connection)
    return sorted(entry_id for entry_id in shared if entry_id in entry_ids)
