"""The policy texts the hub has run with, and which one the ledger last recorded as activated:
the SQL `hub.ledger.policy_versions` needs to decide whether to record a policy again."""

import json
from datetime import datetime

import sqlalchemy as sa

from hub.store.schema import ledger, policy_versions
from hub.store.upsert import insert_ignore

__all__ = ["digest_of_version", "last_activated_digest", "store_policy_text"]


def digest_of_version(connection: sa.Connection, version: str) -> str | None:
    """The digest of the policy text stored under `version`, if any."""
    digest: str | None = connection.scalar(
        sa.select(policy_versions.c.digest).where(policy_versions.c.version == version)
    )
    return digest


def last_activated_digest(connection: sa.Connection) -> str | None:
    """The digest named by the newest POLICY_ACTIVATED ledger row, or None before the first."""
    last = connection.scalar(
        sa.select(ledger.c.body)
        .where(ledger.c.kind == "POLICY_ACTIVATED")
        .order_by(ledger.c.seq.desc())
        .limit(1)
    )
    if last is None:
        return None
    digest: str | None = json.loads(last).get("digest")
    return digest


def store_policy_text(
    connection: sa.Connection, digest: str, version: str, text: str, activated_at: datetime
) -> None:
    """Keep the policy's text under its digest; a digest already kept stays as it was."""
    row = {"digest": digest, "version": version, "text": text, "activated_at": activated_at}
    insert_ignore(connection, policy_versions, [row])
