"""Issuing, finding and revoking API tokens. The secret is shown once, at issue, and only
its SHA-256 digest is stored."""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from hub.domain.roles import API_ROLES
from hub.errors import TokenRefused
from hub.store.member_standing import is_removed
from hub.store.members import is_member
from hub.store.tokens import find_live_token, insert_token, revoke

__all__ = ["Principal", "find_principal", "issue_token", "revoke_token"]

# "ah_" marks the string as an Alliance Hub token for secret scanners; then id and secret.
_PREFIX = "ah_"


@dataclass(frozen=True)
class Principal:
    """Who is calling: a role and, for a member, which member."""

    token_id: str
    role: str
    member_id: str | None


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def issue_token(
    connection: sa.Connection, role: str, member_id: str | None, label: str, now: datetime
) -> str:
    """Store a new token and return it (the only time its secret exists in clear); raises
    TokenRefused for an unknown role or member, or a member given with another role."""
    if role not in API_ROLES:
        raise TokenRefused("role", f"must be one of {', '.join(API_ROLES)}")
    if (role == "member") != (member_id is not None):
        raise TokenRefused("member", "a member token names its member; other roles name none")
    if member_id is not None and not is_member(connection, member_id):
        # Checked here, not left to the foreign key, whose error would surface as a traceback.
        raise TokenRefused("member", "no registered member has this id (see GET /members)")
    if member_id is not None and is_removed(connection, member_id):
        raise TokenRefused("member", "the member was removed from the alliance")
    token_id = secrets.token_hex(8)
    token = f"{_PREFIX}{token_id}_{secrets.token_urlsafe(32)}"
    insert_token(connection, token_id, _digest(token), role, member_id, label, now)
    return token


def find_principal(connection: sa.Connection, token: str) -> Principal | None:
    """The principal a presented token stands for; None if unknown or revoked."""
    if not token.startswith(_PREFIX) or len(token) > 200:
        return None
    row = find_live_token(connection, _digest(token))
    return Principal(*row) if row else None


def revoke_token(connection: sa.Connection, token_id: str, now: datetime) -> bool:
    return revoke(connection, token_id, now)
