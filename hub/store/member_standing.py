"""A member's standing: the periods it was suspended, and whether it was removed.

The worker refuses what a member's topics received inside a suspension period, so a period is
kept with its end rather than cleared on resumption: a record taken while the member was
suspended is refused even when the worker reaches it later. A removal leaves a period open for
good; the member's row, keys, ledger rows and history all stay.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from hub.store.schema import api_tokens, member_keys, member_suspensions, members
from hub.store.timestamps import as_utc

__all__ = [
    "Standing",
    "SuspendedPeriod",
    "mark_removed",
    "open_suspension",
    "close_suspension",
    "is_removed",
    "standing_of",
    "suspensions_of",
]


@dataclass(frozen=True)
class SuspendedPeriod:
    """[start, end): end None while the suspension lasts."""

    start: datetime
    end: datetime | None

    def covers(self, moment: datetime) -> bool:
        return self.start <= moment and (self.end is None or moment < self.end)


@dataclass(frozen=True)
class Standing:
    """How a member stands now: `active`, `suspended` (since, why) or `removed` (since)."""

    state: str
    since: datetime | None
    reason: str | None


def suspensions_of(
    connection: sa.Connection, member_ids: Iterable[str]
) -> dict[str, tuple[SuspendedPeriod, ...]]:
    """Every suspension period of these members, oldest first; a member never suspended has
    none (and no key in the answer)."""
    rows = connection.execute(
        sa.select(
            member_suspensions.c.member_id,
            member_suspensions.c.suspended_at,
            member_suspensions.c.resumed_at,
        )
        .where(member_suspensions.c.member_id.in_(sorted(set(member_ids))))
        .order_by(member_suspensions.c.member_id, member_suspensions.c.suspended_at)
    ).all()
    periods: dict[str, list[SuspendedPeriod]] = {}
    for member, start, end in rows:
        period = SuspendedPeriod(as_utc(start), as_utc(end) if end else None)
        periods.setdefault(member, []).append(period)
    return {member: tuple(found) for member, found in periods.items()}


def _open_period(connection: sa.Connection, member: str) -> sa.Row[tuple[object, ...]] | None:
    return connection.execute(
        sa.select(member_suspensions)
        .where(member_suspensions.c.member_id == member)
        .where(member_suspensions.c.resumed_at.is_(None))
    ).one_or_none()


def is_removed(connection: sa.Connection, member: str) -> bool:
    """Whether the member left the alliance (False for one that never existed)."""
    removed = connection.scalar(
        sa.select(members.c.removed_at).where(members.c.member_id == member)
    )
    return removed is not None


def standing_of(connection: sa.Connection, member: str) -> Standing:
    """The member's standing now (the member must exist)."""
    removed = connection.scalar(
        sa.select(members.c.removed_at).where(members.c.member_id == member)
    )
    if removed is not None:
        return Standing("removed", as_utc(removed), None)
    period = _open_period(connection, member)
    if period is None:
        return Standing("active", None, None)
    return Standing("suspended", as_utc(period.suspended_at), period.reason)


def open_suspension(
    connection: sa.Connection, member: str, reason: str, actor: str, now: datetime
) -> bool:
    """Start a suspension now; False (and nothing written) if one is open already."""
    if _open_period(connection, member) is not None:
        return False
    connection.execute(
        member_suspensions.insert().values(
            member_id=member, suspended_at=now, resumed_at=None, reason=reason, actor=actor
        )
    )
    return True


def close_suspension(connection: sa.Connection, member: str, now: datetime) -> bool:
    """End the open suspension now; False if there is none."""
    done = connection.execute(
        member_suspensions.update()
        .where(member_suspensions.c.member_id == member)
        .where(member_suspensions.c.resumed_at.is_(None))
        .values(resumed_at=now)
    )
    return done.rowcount > 0


def mark_removed(connection: sa.Connection, member: str, actor: str, now: datetime) -> None:
    """End the membership: an open suspension that is never closed, its keys and API tokens
    revoked, and the removal time on its row. The row and everything that names it stay."""
    open_suspension(connection, member, "removed from the alliance", actor, now)
    connection.execute(members.update().where(members.c.member_id == member).values(removed_at=now))
    for table in (member_keys, api_tokens):
        connection.execute(
            table.update()
            .where(table.c.member_id == member)
            .where(table.c.revoked_at.is_(None))
            .values(revoked_at=now)
        )
