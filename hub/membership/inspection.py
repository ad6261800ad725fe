"""One member as an operator needs to see it: its record, standing, keys, and whether the
broker holds what the record says (drift), with the command that mends a difference."""

from dataclasses import dataclass

import sqlalchemy as sa

from alliance_connector.topics import member_id
from hub.errors import BrokerError, UnknownMember
from hub.kafka.clients import KafkaAdminClient
from hub.kafka.provisioning import broker_drift
from hub.membership.lifecycle import MEND, Broker
from hub.store.errors import reading
from hub.store.member_reads import MemberListing, all_members, member_listing
from hub.store.member_standing import Standing, standing_of
from hub.store.members import StoredKey, keys_of

__all__ = ["MemberView", "mend_command", "view_member", "view_members"]


@dataclass(frozen=True)
class MemberView:
    """A member's record and standing; `drift` lists what the broker holds otherwise (None
    when the broker could not be read, with `broker_error` saying why)."""

    listing: MemberListing
    standing: Standing
    keys: list[StoredKey]
    drift: list[str] | None
    broker_error: str | None

    @property
    def mend(self) -> str | None:
        return mend_command(self.listing.member_id) if self.drift else None


def mend_command(member: str) -> str:
    return f"{MEND} {member}"


Drift = tuple[list[str] | None, str | None]  # the problems, or None and why not read


def _drift_of(admin: KafkaAdminClient, confined: bool, member: str, state: str) -> Drift:
    try:
        return broker_drift(admin, member_id(member), state, confined), None
    except BrokerError as exc:
        return None, str(exc)


def _drifts(broker: Broker | None, members: list[tuple[str, str]]) -> list[Drift]:
    """The drift of each (member, standing), over one admin client for them all."""
    if broker is None:
        return [(None, "no broker configured")] * len(members)
    try:
        with broker.admin() as admin:
            return [_drift_of(admin, broker.confined, m, state) for m, state in members]
    except BrokerError as exc:  # the admin client could not be opened
        return [(None, str(exc))] * len(members)


def view_members(
    engine: sa.Engine, broker: Broker | None, only: str | None = None
) -> list[MemberView]:
    """Every member (or `only` that one: UnknownMember if none) with its standing, keys and,
    given a broker, its drift. Without a broker, no drift is read."""
    with reading(engine) as connection:
        if only is None:
            listings = all_members(connection)
        elif (found := member_listing(connection, only)) is not None:
            listings = [found]
        else:
            raise UnknownMember()
        records = [
            (m, standing_of(connection, m.member_id), keys_of(connection, m.member_id))
            for m in listings
        ]
    drifts = _drifts(broker, [(m.member_id, standing.state) for m, standing, _ in records])
    return [
        MemberView(m, standing, keys, drift, error)
        for (m, standing, keys), (drift, error) in zip(records, drifts, strict=True)
    ]


def view_member(engine: sa.Engine, broker: Broker | None, member: str) -> MemberView:
    """The member with this id; UnknownMember if none. Without a broker, no drift is read."""
    return view_members(engine, broker, member)[0]
