"""One member as an operator needs to see it: its record, standing, keys, and whether the
broker holds what the record says (drift), with the command that mends a difference."""

from dataclasses import dataclass

import sqlalchemy as sa

from alliance_connector.topics import member_id
from hub.errors import BrokerError, UnknownMember
from hub.kafka.provisioning import broker_drift
from hub.membership.lifecycle import MEND, Broker
from hub.store.errors import reading
from hub.store.member_reads import MemberListing, member_listing
from hub.store.member_standing import Standing, standing_of
from hub.store.members import StoredKey, keys_of

__all__ = ["MemberView", "drift_of", "mend_command", "view_member"]


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


def drift_of(broker: Broker, member: str, state: str) -> tuple[list[str] | None, str | None]:
    """The member's drift, or (None, why) when the broker cannot be read."""
    try:
        with broker.admin() as admin:
            return broker_drift(admin, member_id(member), state, broker.confined), None
    except BrokerError as exc:
        return None, str(exc)


def view_member(engine: sa.Engine, broker: Broker | None, member: str) -> MemberView:
    """The member with this id; UnknownMember if none. Without a broker, no drift is read."""
    with reading(engine) as connection:
        listing = member_listing(connection, member)
        if listing is None:
            raise UnknownMember()
        standing = standing_of(connection, member)
        keys = keys_of(connection, member)
    drift, error = (
        (None, "no broker configured")
        if broker is None
        else drift_of(broker, member, standing.state)
    )
    return MemberView(listing, standing, keys, drift, error)
