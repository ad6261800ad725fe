"""Which policy the hub runs with, recorded: the first time a policy (by digest) is used, its
text is stored and a POLICY_ACTIVATED ledger row names its version and digest, so every
instruction's policy_version can be traced to the exact rules that produced it."""

from datetime import datetime
from importlib.resources import files
from pathlib import Path

import sqlalchemy as sa

from hub.ledger.chain import LedgerEntry, append
from hub.policy.loading import default_policy, load_policy
from hub.policy.rules import Policy
from hub.store.schema import policy_versions

__all__ = ["activate", "policy_from"]


def policy_from(path: Path | None) -> tuple[Policy, str]:
    """The policy at `path` (or the shipped default) and its text."""
    if path is None:
        text = (files("hub.policy") / "default.toml").read_text(encoding="utf-8")
        return default_policy(), text
    return load_policy(path), path.read_text(encoding="utf-8")


def activate(
    connection: sa.Connection, policy: Policy, text: str, actor: str, now: datetime
) -> bool:
    """Record the policy if it is new; True if it was."""
    known = connection.scalar(
        sa.select(policy_versions.c.digest).where(policy_versions.c.digest == policy.digest)
    )
    if known:
        return False
    connection.execute(
        policy_versions.insert().values(
            digest=policy.digest, version=policy.version, text=text, activated_at=now
        )
    )
    body = {"version": policy.version, "digest": policy.digest}
    append(connection, [LedgerEntry("POLICY_ACTIVATED", actor, body, policy.version)], now)
    return True
