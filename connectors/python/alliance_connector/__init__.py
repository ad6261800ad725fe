"""Alliance connector SDK: what a member needs to talk to the Alliance Hub over Kafka.

The hub reuses these modules for the wire format, so there is one implementation of it.
"""

from alliance_connector.topics import (
    ACKS_PREFIX,
    INSTRUCTIONS_PREFIX,
    LISTS_TOPIC,
    REJECTED_TOPIC,
    SIGNALS_PREFIX,
    InvalidMemberId,
    MemberId,
    acks_topic,
    instructions_topic,
    member_id,
    signals_topic,
)

__all__ = [
    "ACKS_PREFIX",
    "INSTRUCTIONS_PREFIX",
    "LISTS_TOPIC",
    "REJECTED_TOPIC",
    "SIGNALS_PREFIX",
    "InvalidMemberId",
    "MemberId",
    "acks_topic",
    "instructions_topic",
    "member_id",
    "signals_topic",
]
