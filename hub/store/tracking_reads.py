"""What the 台账 (per-subject tracking table, hub.reports.tracking) reads: one row per list
entry with its public identifiers, the first time it reached each status, the sanctions
issued and acknowledged per member, and the objections filed against it.

The filters run in SQL and the per-entry facts are read for the filtered entries only, by
subquery, so a table of a few hundred rows out of a million entries costs a few hundred.
"""

import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa

from hub.store.schema import (
    instructions,
    ledger,
    list_entries,
    list_entry_identifiers,
    list_transitions,
)
from hub.store.timestamps import as_utc

__all__ = ["PUBLIC_SCHEMES", "TrackingFilter", "TrackingRow", "tracking_rows"]

# Identifiers the 台账 may print: a company's credit code and its stores are public; resident
# ids, mobiles and accounts are personal and stay out even as tokens (a table is shared).
PUBLIC_SCHEMES = ("USCC", "STORE")


@dataclass(frozen=True)
class TrackingFilter:
    province: str | None = None
    status: str | None = None
    on_list_from: datetime | None = None  # not delisted before this
    on_list_to: datetime | None = None  # listed before this
    limit: int = 10_000


@dataclass(frozen=True)
class TrackingRow:
    entry_id: str
    list_type: str
    category: str
    subject_name: str
    authority: str
    document_no: str
    province: str
    city: str
    status: str
    listed_at: datetime
    rectification_deadline: datetime | None
    identifiers: dict[str, list[str]] = field(default_factory=dict)  # public schemes only
    reached: dict[str, datetime] = field(default_factory=dict)  # status -> first time
    sanctions: dict[str, tuple[int, int]] = field(default_factory=dict)  # member -> issued, acked
    objections: int = 0


def _chosen(wanted: TrackingFilter) -> sa.Select[tuple[str]]:
    query = sa.select(list_entries.c.entry_id)
    if wanted.province is not None:
        query = query.where(list_entries.c.province == wanted.province)
    if wanted.status is not None:
        query = query.where(list_entries.c.status == wanted.status)
    if wanted.on_list_to is not None:
        query = query.where(list_entries.c.listed_at < wanted.on_list_to)
    if wanted.on_list_from is not None:
        gone = (
            sa.select(list_transitions.c.entry_id)
            .where(list_transitions.c.entry_id == list_entries.c.entry_id)
            .where(list_transitions.c.to_status == "DELISTED")
            .where(list_transitions.c.at < wanted.on_list_from)
        )
        query = query.where(~sa.exists(gone))
    return query.order_by(list_entries.c.entry_id).limit(wanted.limit)


def tracking_rows(connection: sa.Connection, wanted: TrackingFilter) -> list[TrackingRow]:
    """The entries `wanted` admits, by entry id, with their facts."""
    chosen = _chosen(wanted).subquery()
    ids = sa.select(chosen.c.entry_id)
    identifiers: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for entry_id, scheme, value in connection.execute(
        sa.select(
            list_entry_identifiers.c.entry_id,
            list_entry_identifiers.c.scheme,
            list_entry_identifiers.c.value,
        )
        .where(list_entry_identifiers.c.entry_id.in_(ids))
        .where(list_entry_identifiers.c.scheme.in_(PUBLIC_SCHEMES))
        .order_by(list_entry_identifiers.c.value)
    ):
        identifiers[entry_id][scheme].append(value)
    reached: dict[str, dict[str, datetime]] = defaultdict(dict)
    for entry_id, status, at in connection.execute(
        sa.select(
            list_transitions.c.entry_id,
            list_transitions.c.to_status,
            sa.func.min(list_transitions.c.at),
        )
        .where(list_transitions.c.entry_id.in_(ids))
        .group_by(list_transitions.c.entry_id, list_transitions.c.to_status)
    ):
        reached[entry_id][status] = as_utc(at)
    sanctions: dict[str, dict[str, tuple[int, int]]] = defaultdict(dict)
    for entry_id, member, issued, acked in connection.execute(
        sa.select(
            instructions.c.entry_id,
            instructions.c.target_member,
            sa.func.count(),
            sa.func.count(instructions.c.acked_at),
        )
        .where(instructions.c.entry_id.in_(ids), instructions.c.action != "LIFT")
        .group_by(instructions.c.entry_id, instructions.c.target_member)
        .order_by(instructions.c.target_member)
    ):
        sanctions[entry_id][member] = (int(issued), int(acked))
    objections: dict[str, int] = defaultdict(int)
    for ref, body in connection.execute(
        sa.select(ledger.c.ref, ledger.c.body).where(
            ledger.c.kind == "OBJECTION_FILED", ledger.c.ref.in_(ids)
        )
    ):
        # `ref` is the entry id by contract; the body says so too, and wins if they differ.
        objections[str(json.loads(body).get("entry_id", ref))] += 1
    rows = connection.execute(
        sa.select(list_entries)
        .where(list_entries.c.entry_id.in_(ids))
        .order_by(list_entries.c.entry_id)
    )
    return [
        TrackingRow(
            entry_id=row.entry_id,
            list_type=row.list_type,
            category=row.category,
            subject_name=row.subject_name,
            authority=row.authority,
            document_no=row.document_no,
            province=row.province,
            city=row.city,
            status=row.status,
            listed_at=as_utc(row.listed_at),
            rectification_deadline=as_utc(row.rectification_deadline)
            if row.rectification_deadline
            else None,
            identifiers={k: list(v) for k, v in identifiers[row.entry_id].items()},
            reached=reached[row.entry_id],
            sanctions=sanctions[row.entry_id],
            objections=objections[row.entry_id],
        )
        for row in rows
    ]
