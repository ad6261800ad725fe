"""Topic names of the wire contract, in one place.

Each member owns three topics, named after its member id:

    alliance.signals.<member>        member writes credit signals, hub reads
    alliance.instructions.<member>   hub writes sanction instructions, member reads
    alliance.acks.<member>           member writes acknowledgements, hub reads

and the hub owns `alliance.rejected` (rejects with reason codes) and `alliance.lists`
(compacted sanction-list changes). Kafka ACLs confine a member to its own three topics, so
a member id must be safe inside a topic name and inside an ACL resource name.
"""

import re
from typing import NewType

from alliance_connector.errors import InvalidMemberId

MemberId = NewType("MemberId", str)

SIGNALS_PREFIX = "alliance.signals."
INSTRUCTIONS_PREFIX = "alliance.instructions."
ACKS_PREFIX = "alliance.acks."
REJECTED_TOPIC = "alliance.rejected"
# The hub signs instructions and rejects as this signer; no member may take the name.
HUB_SIGNER = "hub"
LISTS_TOPIC = "alliance.lists"

# Lower-case letters, digits and inner hyphens: no dots (they would nest topic names) and no
# underscores (Kafka treats '.' and '_' as colliding in metric names).
_MEMBER_ID = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")


def member_id(value: str) -> MemberId:
    """Validate `value` as a member id and return it typed."""
    if not _MEMBER_ID.fullmatch(value) or value == HUB_SIGNER:
        raise InvalidMemberId(value)
    return MemberId(value)


def signals_topic(member: MemberId) -> str:
    """The topic where `member` publishes its credit signals."""
    return SIGNALS_PREFIX + member


def instructions_topic(member: MemberId) -> str:
    """The topic where the hub sends `member` its sanction instructions."""
    return INSTRUCTIONS_PREFIX + member


def acks_topic(member: MemberId) -> str:
    """The topic where `member` acknowledges instructions."""
    return ACKS_PREFIX + member
