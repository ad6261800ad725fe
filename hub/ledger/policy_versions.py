"""Which policy the hub runs with, recorded: whenever the policy in force changes (by digest),
its text is stored and a POLICY_ACTIVATED ledger row names its version and digest, so every
instruction's policy_version leads to the exact rules that produced it. A version name stands
for one text: reusing it for different rules is refused."""

from datetime import datetime
from importlib.resources import files
from pathlib import Path

import sqlalchemy as sa

from hub.errors import PolicyError
from hub.ledger.chain import LedgerEntry, append, lock_head
from hub.policy.loading import load_policy_text
from hub.policy.rules import Policy
from hub.store.policy_versions import digest_of_version, last_activated_digest, store_policy_text

__all__ = ["activate", "policy_from"]


def policy_from(path: Path | None) -> tuple[Policy, str]:
    """The policy at `path` (or the shipped default) and its text, read once, so the text
    stored is exactly the bytes the digest covers."""
    if path is None:
        data, source = (files("hub.policy") / "default.toml").read_bytes(), "default.toml"
    else:
        try:
            data, source = path.read_bytes(), str(path)
        except OSError as exc:
            raise PolicyError([f"{path}: cannot read: {exc.strerror or exc}"]) from exc
    return load_policy_text(data, source), data.decode("utf-8")


def activate(
    connection: sa.Connection, policy: Policy, text: str, actor: str, now: datetime
) -> bool:
    """Record the policy if it is not the one last activated; True if it was recorded."""
    lock_head(connection)  # concurrent starts record one activation, in order
    same_name = digest_of_version(connection, policy.version)
    if same_name is not None and same_name != policy.digest:
        reuse = f"version {policy.version!r} already names other rules: name the new ones anew"
        raise PolicyError([reuse])
    last = last_activated_digest(connection)
    if last is not None and last == policy.digest:
        return False
    store_policy_text(connection, policy.digest, policy.version, text, now)
    body = {"version": policy.version, "digest": policy.digest}
    append(connection, [LedgerEntry("POLICY_ACTIVATED", actor, body, policy.version)], now)
    return True
