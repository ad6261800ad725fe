"""The member registry: members, the categories each may report, and their signing keys.

Keys rotate with overlap: a member registers a new key with its own validity window while the
old one is still valid, and the old one expires or is revoked later. Lookups take a set of
signers at once, so the worker reads the keys for a whole batch in one query.
"""

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from alliance_connector.edwards25519 import WeakPublicKey
from alliance_connector.messages import SignalCategory
from alliance_connector.signing import VerifyKey
from alliance_connector.topics import HUB_SIGNER, MemberId, member_id
from hub.domain.members import MEMBER_KINDS
from hub.store.schema import member_categories, member_keys, members, registry_version
from hub.store.timestamps import as_utc

__all__ = [
    "KeyRecord",
    "StoredKey",
    "add_key",
    "allowed_categories",
    "end_current_keys",
    "is_member",
    "keys_for",
    "keys_of",
    "member_ids",
    "register_member",
    "registry_version_now",
    "revoke_key",
    "stored_key",
]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class KeyRecord:
    """A registered key and the window in which it may sign."""

    key: VerifyKey
    member: str
    valid_from: datetime
    valid_until: datetime | None
    revoked_at: datetime | None


@dataclass(frozen=True)
class StoredKey:
    """A key row as stored, without VerifyKey's checks: a weak key registered before keys
    were checked must still be listed, and revocable."""

    key_id: str
    member_id: str
    public_key: bytes
    valid_from: datetime
    valid_until: datetime | None
    revoked_at: datetime | None


def _stored(row: sa.Row[tuple[object, ...]]) -> StoredKey:
    m = row._mapping
    return StoredKey(
        key_id=str(m["key_id"]),
        member_id=str(m["member_id"]),
        public_key=bytes(m["public_key"]),
        valid_from=as_utc(m["valid_from"]),
        valid_until=as_utc(m["valid_until"]) if m["valid_until"] else None,
        revoked_at=as_utc(m["revoked_at"]) if m["revoked_at"] else None,
    )


def is_member(connection: sa.Connection, member: str) -> bool:
    """Whether a member with this id is registered."""
    found = connection.scalar(sa.select(members.c.member_id).where(members.c.member_id == member))
    return found is not None


def member_ids(connection: sa.Connection) -> list[str]:
    """Every registered member's id, in order."""
    return list(connection.scalars(sa.select(members.c.member_id).order_by(members.c.member_id)))


def registry_version_now(connection: sa.Connection) -> int | None:
    """The registry's version: every change to members, categories or keys moves it in the
    changing transaction (triggers, migration 0006). None: the database is not migrated."""
    return connection.scalar(
        sa.select(registry_version.c.version).where(registry_version.c.id == 1)
    )


def keys_of(connection: sa.Connection, member: str) -> list[StoredKey]:
    """Every key of one member, oldest window first."""
    rows = connection.execute(
        sa.select(member_keys)
        .where(member_keys.c.member_id == member)
        .order_by(member_keys.c.valid_from)
    ).all()
    return [_stored(r) for r in rows]


def stored_key(connection: sa.Connection, key_id: str) -> StoredKey:
    """The key with this id; it must exist (raises sqlalchemy's NoResultFound otherwise)."""
    return _stored(
        connection.execute(sa.select(member_keys).where(member_keys.c.key_id == key_id)).one()
    )


def end_current_keys(connection: sa.Connection, member: str, until: datetime) -> None:
    """A rotation's first half: the member's unrevoked keys valid past `until` end then."""
    connection.execute(
        member_keys.update()
        .where(member_keys.c.member_id == member)
        .where(member_keys.c.revoked_at.is_(None))
        .where(
            sa.or_(
                member_keys.c.valid_until.is_(None),
                member_keys.c.valid_until > until,
            )
        )
        .values(valid_until=until)
    )


def register_member(
    connection: sa.Connection,
    member: str,
    kind: str,
    display_name: str,
    categories: Iterable[SignalCategory],
    now: datetime,
) -> MemberId:
    """Add a member and the categories it may report; its id must be a valid member id."""
    checked = member_id(member)
    if kind not in MEMBER_KINDS:
        raise ValueError(f"member kind {kind!r} is not one of {', '.join(MEMBER_KINDS)}")
    connection.execute(
        members.insert().values(
            member_id=checked, kind=kind, display_name=display_name, created_at=now
        )
    )
    rows = [{"member_id": checked, "category": str(c)} for c in set(categories)]
    if rows:
        connection.execute(member_categories.insert(), rows)
    return checked


def add_key(
    connection: sa.Connection,
    member: str,
    key: VerifyKey,
    valid_from: datetime,
    valid_until: datetime | None = None,
) -> None:
    """Register a public key `member` may sign with from `valid_from` (until `valid_until`)."""
    connection.execute(
        member_keys.insert().values(
            key_id=key.key_id,
            member_id=member,
            public_key=key.raw,
            valid_from=valid_from,
            valid_until=valid_until,
        )
    )


def revoke_key(connection: sa.Connection, key_id: str, at: datetime) -> bool:
    """Revoke a key from `at` on; False if no such key."""
    result = connection.execute(
        member_keys.update().where(member_keys.c.key_id == key_id).values(revoked_at=at)
    )
    return bool(result.rowcount)


def keys_for(connection: sa.Connection, signers: Iterable[str]) -> dict[tuple[str, str], KeyRecord]:
    """Every key of these signers, by (signer, key id). A weak key stored before keys were
    checked at registration is left out, so its records are refused as UNKNOWN_KEY."""
    wanted = set(signers) - {HUB_SIGNER}
    if not wanted:
        return {}
    rows = connection.execute(sa.select(member_keys).where(member_keys.c.member_id.in_(wanted)))
    found = {}
    for row in rows:
        try:
            key = VerifyKey(row.key_id, row.public_key)
        except WeakPublicKey as weak:
            log.warning("a stored key of member %s is left out: %s", row.member_id, weak)
            continue
        found[(row.member_id, row.key_id)] = KeyRecord(
            key,
            row.member_id,
            as_utc(row.valid_from),
            as_utc(row.valid_until) if row.valid_until else None,
            as_utc(row.revoked_at) if row.revoked_at else None,
        )
    return found


def allowed_categories(
    connection: sa.Connection, member_ids: Iterable[str]
) -> dict[str, frozenset[str]]:
    """The categories each member may report."""
    found: dict[str, set[str]] = {m: set() for m in member_ids}
    if not found:
        return {}
    rows = connection.execute(
        sa.select(member_categories).where(member_categories.c.member_id.in_(found))
    )
    for row in rows:
        found[row.member_id].add(row.category)
    return {m: frozenset(c) for m, c in found.items()}
