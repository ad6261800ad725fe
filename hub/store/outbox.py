"""The outbox in the store: instructions and rejects a batch stored, unsent until the broker
confirmed them (hub.pipeline.worker.relay signs, sends and marks them).

Rows come back as read-only mappings of their columns, since the relay turns each whole row
into its message (`instruction_message`, `reject_record`).
"""

from collections.abc import Collection, Mapping, Sequence
from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa

from hub.store.schema import instructions, rejects

__all__ = ["Outbox", "OutboxRow", "key_of", "mark_sent", "unsent", "unsent_rejects_from"]

OutboxRow = Mapping[Any, Any]


class Outbox(StrEnum):
    """The two outboxes, named as their tables."""

    INSTRUCTIONS = "instructions"
    REJECTS = "rejects"


_TABLES = {Outbox.INSTRUCTIONS: instructions, Outbox.REJECTS: rejects}
_KEYS = {Outbox.INSTRUCTIONS: "instruction_id", Outbox.REJECTS: "reject_id"}
# Oldest first, so that a limited round sends what waited longest.
_ORDER = {
    Outbox.INSTRUCTIONS: (instructions.c.issued_at, instructions.c.instruction_id),
    Outbox.REJECTS: (rejects.c.reject_id,),
}


def key_of(outbox: Outbox) -> str:
    """The column naming a row of `outbox`: instruction_id or reject_id."""
    return _KEYS[outbox]


def mark_sent(
    connection: sa.Connection, outbox: Outbox, sent: Sequence[tuple[Any, datetime]]
) -> None:
    """Mark rows sent: each (key, when the broker confirmed it)."""
    if not sent:
        return
    table = _TABLES[outbox]
    connection.execute(
        table.update()
        .where(table.c[_KEYS[outbox]] == sa.bindparam("key"))
        .values(sent_at=sa.bindparam("at")),
        [{"key": key, "at": at} for key, at in sent],
    )


def unsent(connection: sa.Connection, outbox: Outbox, limit: int) -> list[OutboxRow]:
    """At most `limit` unsent rows of `outbox`, oldest first."""
    return _unsent(connection, outbox, sa.true(), limit)


def unsent_rejects_from(
    connection: sa.Connection, sources: Collection[tuple[str, int, int]], limit: int
) -> list[OutboxRow]:
    """The unsent rejects of these origin records (topic, partition, offset), at most `limit`."""
    if not sources:
        return []
    named = sa.or_(
        *(
            sa.and_(rejects.c.topic == t, rejects.c.partition == p, rejects.c.offset == o)
            for t, p, o in sorted(sources)
        )
    )
    return _unsent(connection, Outbox.REJECTS, named, limit)


def _unsent(
    connection: sa.Connection, outbox: Outbox, which: sa.ColumnElement[bool], limit: int
) -> list[OutboxRow]:
    table = _TABLES[outbox]
    statement = sa.select(table).where(table.c.sent_at.is_(None), which)
    rows = connection.execute(statement.order_by(*_ORDER[outbox]).limit(limit))
    return [row._mapping for row in rows]
