"""Kafka ACLs that confine a member to its own topics.

A member principal (`User:<member>`, SCRAM) may write its signals and acks topics, read its
instructions topic and the hub's signed ledger heads (public to every member: that is what
makes them worth something), and use consumer groups named `<member>.*`. Nothing else: the
broker runs with `allow.everyone.if.no.acl.found=false`, so another member's topics are closed
to it.
"""

from kafka.admin import (
    ACL,
    ACLOperation,
    ACLPermissionType,
    ACLResourcePatternType,
    KafkaAdminClient,
    ResourcePattern,
    ResourceType,
)

from alliance_connector.topics import MemberId, acks_topic, instructions_topic, signals_topic
from hub.errors import BrokerError
from hub.kafka.topics import HEADS_TOPIC


def member_principal(member: MemberId) -> str:
    return f"User:{member}"


def member_group_prefix(member: MemberId) -> str:
    """Consumer groups a member may use start with this; member ids contain no dots."""
    return f"{member}."


def member_acls(member: MemberId) -> list[ACL]:
    """The ALLOW rules for one member; everything not listed is denied."""
    topic = ResourceType.TOPIC
    grants = [
        (ResourcePattern(topic, signals_topic(member)), ACLOperation.WRITE),
        (ResourcePattern(topic, signals_topic(member)), ACLOperation.DESCRIBE),
        (ResourcePattern(topic, acks_topic(member)), ACLOperation.WRITE),
        (ResourcePattern(topic, acks_topic(member)), ACLOperation.DESCRIBE),
        (ResourcePattern(topic, instructions_topic(member)), ACLOperation.READ),
        (ResourcePattern(topic, instructions_topic(member)), ACLOperation.DESCRIBE),
        (ResourcePattern(topic, HEADS_TOPIC), ACLOperation.READ),
        (ResourcePattern(topic, HEADS_TOPIC), ACLOperation.DESCRIBE),
        (
            ResourcePattern(
                ResourceType.GROUP, member_group_prefix(member), ACLResourcePatternType.PREFIXED
            ),
            ACLOperation.READ,
        ),
    ]
    return [
        ACL(member_principal(member), "*", operation, ACLPermissionType.ALLOW, pattern)
        for pattern, operation in grants
    ]


def grant_member_acls(admin: KafkaAdminClient, member: MemberId) -> None:
    """Create the member's ACLs; creating an existing ACL again is a no-op on the broker."""
    result = admin.create_acls(member_acls(member))
    if result["failed"]:
        details = ", ".join(f"{acl.resource_pattern}: {error}" for acl, error in result["failed"])
        raise BrokerError(f"could not grant ACLs to {member}: {details}")
