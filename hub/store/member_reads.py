"""Reading the member registry for the API: every member with the categories it may report."""

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from hub.store.schema import member_categories, members
from hub.store.timestamps import as_utc

__all__ = ["MemberListing", "all_members", "member_listing"]


@dataclass(frozen=True)
class MemberListing:
    """A registered member as GET /members shows it."""

    member_id: str
    kind: str
    display_name: str
    created_at: datetime
    categories: list[str]


def all_members(connection: sa.Connection) -> list[MemberListing]:
    """Every member by id, each with its categories in alphabetical order."""
    return _listings(connection, None)


def member_listing(connection: sa.Connection, member: str) -> MemberListing | None:
    """One member, as `all_members` lists it; None if no member has this id."""
    found = _listings(connection, member)
    return found[0] if found else None


def _listings(connection: sa.Connection, only: str | None) -> list[MemberListing]:
    chosen = sa.select(members).order_by(members.c.member_id)
    categories = sa.select(member_categories).order_by(member_categories.c.category)
    if only is not None:
        chosen = chosen.where(members.c.member_id == only)
        categories = categories.where(member_categories.c.member_id == only)
    rows = connection.execute(chosen).all()
    allowed: dict[str, list[str]] = {}
    for r in connection.execute(categories):
        allowed.setdefault(r.member_id, []).append(r.category)
    return [
        MemberListing(
            member_id=r.member_id,
            kind=r.kind,
            display_name=r.display_name,
            created_at=as_utc(r.created_at),
            categories=allowed.get(r.member_id, []),
        )
        for r in rows
    ]
