"""A member's life in the alliance: added, suspended, resumed, removed; each step written to
the store and the ledger first, then made true on the broker.

The store leads because it is what the worker obeys: a suspension refuses the member's records
(MEMBER_SUSPENDED) from the moment it commits, whether or not the broker could be reached to
take its write ACLs away. A broker step that fails leaves the record as it is and the broker
behind it; `hub.membership.inspection` shows that as drift, with the command that mends it
(`alliance-hub members mend`, which runs `provision` again).
"""

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from alliance_connector.messages import SignalCategory
from alliance_connector.topics import MemberId, member_id
from hub.domain.members import RESERVED_MEMBER_IDS
from hub.errors import BrokerError, ReservedMemberId, StandingConflict, UnknownMember
from hub.kafka.clients import KafkaAdminClient, broker_errors, open_admin
from hub.kafka.provisioning import Step, provision
from hub.ledger.chain import LedgerEntry, append
from hub.store.errors import transaction
from hub.store.member_standing import (
    close_suspension,
    mark_removed,
    open_suspension,
    standing_of,
)
from hub.store.members import is_member, register_member

# The command that makes the broker match a member's record; drift names it.
MEND = "alliance-hub members mend"

__all__ = ["MEND", "Broker", "Change", "add", "mend", "remove", "resume", "suspend"]


@dataclass(frozen=True)
class Broker:
    """The broker members live on: the hub's admin connection `options`, and whether it is
    `confined` (authenticates and authorises: SASL and ACLs; a PLAINTEXT development broker
    does not, and only the topics are provisioned there). The admin client is opened only
    when a step needs the broker, so a record can change while the broker is away."""

    options: dict[str, Any]
    confined: bool

    @property
    def principal(self) -> str | None:
        """The hub's own broker user: no member may take its name (it is a super-user)."""
        user = self.options.get("sasl_plain_username")
        return str(user) if user else None

    @contextmanager
    def admin(self) -> Iterator[KafkaAdminClient]:
        """An admin client of its own, closed after the block: membership requests are
        rare, and kafka-python's admin client is not for sharing between threads."""
        with broker_errors("could not reach the broker"):
            client = open_admin(self.options, bootstrap_timeout_ms=BOOTSTRAP_TIMEOUT_MS)
        try:
            yield client
        finally:
            client.close()


# How long a membership request waits for an unreachable broker before reporting it (the
# record has changed by then; the step says to mend later).
BOOTSTRAP_TIMEOUT_MS = 5_000


@dataclass(frozen=True)
class Change:
    """What a membership request did: its steps in order, and the broker password when one
    was set (shown to the caller once, never stored)."""

    member: MemberId
    steps: list[Step]
    password: str | None = None


def add(
    engine: sa.Engine,
    broker: Broker | None,
    member: str,
    kind: str,
    display_name: str,
    categories: Iterable[SignalCategory],
    actor: str,
    now: datetime,
    password: str | None = None,
) -> Change:
    """Register the member (unless it is already) and give it its place on the broker. Run
    again, it registers nothing and mends the broker."""
    checked = member_id(member)
    if checked in RESERVED_MEMBER_IDS or (broker is not None and checked == broker.principal):
        raise ReservedMemberId()
    with transaction(engine) as connection:
        if is_member(connection, checked):
            standing = standing_of(connection, checked).state
            steps = [Step("member record", f"present ({standing}), left as it is")]
        else:
            register_member(connection, checked, kind, display_name, categories, now)
            append(connection, [_entry("MEMBER_ADDED", checked, actor, kind=kind)], now)
            standing, steps = "active", [Step("member record", "registered")]
    more, chosen = _on_broker(broker, checked, standing, password)
    return Change(checked, steps + more, chosen)


def _on_broker(
    broker: Broker | None,
    member: MemberId,
    standing: str,
    password: str | None = None,
    create_credential: bool = True,
) -> tuple[list[Step], str | None]:
    """The broker's part of a request, after the record's: a broker that is not configured
    or not reached leaves the record as it is, and the step says how to mend it later."""
    if broker is None:
        return [Step("broker", f"not configured: run '{MEND} {member}' once it is")], None
    try:
        with broker.admin() as admin:
            return provision(admin, member, standing, password, broker.confined, create_credential)
    except BrokerError as exc:
        return [Step("broker", f"{exc}; the record stands: run '{MEND} {member}'")], None


def _entry(event: str, member: str, actor: str, **body: str) -> LedgerEntry:
    return LedgerEntry(kind=event, actor=actor, body={"member": member, **body}, ref=member)


def _standing(connection: sa.Connection, member: str) -> str:
    if not is_member(connection, member):
        raise UnknownMember()
    return standing_of(connection, member).state


def _not_removed(connection: sa.Connection, member: str) -> None:
    if _standing(connection, member) == "removed":
        raise StandingConflict("the member was removed; a removal is final")


def suspend(
    engine: sa.Engine, broker: Broker | None, member: str, reason: str, actor: str, now: datetime
) -> Change:
    """Suspend the member: its records are refused from now on, its write ACLs go."""
    with transaction(engine) as connection:
        _not_removed(connection, member)
        if open_suspension(connection, member, reason, actor, now):
            append(connection, [_entry("MEMBER_SUSPENDED", member, actor, reason=reason)], now)
            steps = [Step("member record", "suspended")]
        else:
            steps = [Step("member record", "suspended already, left as it is")]
    more, _ = _on_broker(broker, member_id(member), "suspended", create_credential=False)
    return Change(member_id(member), steps + more)


def resume(
    engine: sa.Engine, broker: Broker | None, member: str, actor: str, now: datetime
) -> Change:
    """End the member's suspension: its records are accepted again, its write ACLs return."""
    with transaction(engine) as connection:
        _not_removed(connection, member)
        if close_suspension(connection, member, now):
            append(connection, [_entry("MEMBER_RESUMED", member, actor)], now)
            steps = [Step("member record", "resumed")]
        else:
            steps = [Step("member record", "not suspended, left as it is")]
    more, _ = _on_broker(broker, member_id(member), "active", create_credential=False)
    return Change(member_id(member), steps + more)


def remove(
    engine: sa.Engine, broker: Broker | None, member: str, reason: str, actor: str, now: datetime
) -> Change:
    """Remove the member for good: its keys are revoked, its records refused, its credential
    and ACLs deleted; its row, ledger rows, instructions and history stay."""
    with transaction(engine) as connection:
        if _standing(connection, member) == "removed":
            steps = [Step("member record", "removed already, left as it is")]
        else:
            mark_removed(connection, member, actor, now)
            append(connection, [_entry("MEMBER_REMOVED", member, actor, reason=reason)], now)
            steps = [Step("member record", "removed; keys revoked; ledger and history kept")]
    more, _ = _on_broker(broker, member_id(member), "removed")
    return Change(member_id(member), steps + more)


def mend(
    engine: sa.Engine, broker: Broker | None, member: str, password: str | None = None
) -> Change:
    """Make the broker match the member's record again (what drift says is missing or extra).
    A missing credential is created with a new password, shown once."""
    with transaction(engine) as connection:
        standing = _standing(connection, member)
    steps, chosen = _on_broker(broker, member_id(member), standing, password)
    return Change(member_id(member), steps, chosen)
