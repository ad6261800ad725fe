"""Recent activity per minute, for the dashboard's live charts: signals in per reporter and
instructions out per target member, over the last minutes."""

from datetime import datetime, timedelta

import sqlalchemy as sa

from hub.store.schema import accepted_signals, instructions

__all__ = ["per_minute"]


def _minute(column: sa.ColumnElement[object], dialect: str) -> sa.ColumnElement[str]:
    if dialect == "sqlite":
        return sa.func.strftime("%Y-%m-%dT%H:%M", column)
    return sa.func.to_char(sa.func.date_trunc("minute", column), 'YYYY-MM-DD"T"HH24:MI')


def per_minute(
    connection: sa.Connection, now: datetime, minutes: int = 15
) -> dict[str, dict[str, dict[str, int]]]:
    """{"signals": {member: {minute: n}}, "instructions": {member: {minute: n}}}, minutes as
    "YYYY-MM-DDTHH:MM" in UTC, the last `minutes` of them."""
    since = now - timedelta(minutes=minutes)
    dialect = connection.dialect.name
    found: dict[str, dict[str, dict[str, int]]] = {"signals": {}, "instructions": {}}
    queries = {
        "signals": (accepted_signals.c.reporter, accepted_signals.c.received_at),
        "instructions": (instructions.c.target_member, instructions.c.sent_at),
    }
    for name, (member, moment) in queries.items():
        minute = _minute(moment, dialect)
        rows = connection.execute(
            sa.select(member, minute, sa.func.count())
            .where(moment >= since)
            .group_by(member, minute)
        )
        for who, at, count in rows:
            found[name].setdefault(who, {})[at] = int(count)
    return found
