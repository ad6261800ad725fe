"""The API token table: the rows behind issuing, finding and revoking tokens.

Only digests reach this module; making and hashing secrets is hub.api.tokens' business.
"""

from datetime import datetime

import sqlalchemy as sa

from hub.store.schema import api_tokens

__all__ = ["TokenRow", "find_live_token", "insert_token", "revoke"]

# (token_id, role, member_id) of a live token.
TokenRow = tuple[str, str, str | None]


def insert_token(
    connection: sa.Connection,
    token_id: str,
    digest: str,
    role: str,
    member_id: str | None,
    label: str,
    now: datetime,
) -> None:
    """Store a token by its digest."""
    connection.execute(
        api_tokens.insert().values(
            token_id=token_id,
            digest=digest,
            role=role,
            member_id=member_id,
            label=label,
            created_at=now,
        )
    )


def find_live_token(connection: sa.Connection, digest: str) -> TokenRow | None:
    """The unrevoked token with this digest, or None."""
    row = connection.execute(
        sa.select(api_tokens.c.token_id, api_tokens.c.role, api_tokens.c.member_id).where(
            api_tokens.c.digest == digest, api_tokens.c.revoked_at.is_(None)
        )
    ).one_or_none()
    return (row.token_id, row.role, row.member_id) if row else None


def revoke(connection: sa.Connection, token_id: str, now: datetime) -> bool:
    """Mark a live token revoked; False if there was none to revoke."""
    result = connection.execute(
        api_tokens.update()
        .where(api_tokens.c.token_id == token_id, api_tokens.c.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    return bool(result.rowcount)
