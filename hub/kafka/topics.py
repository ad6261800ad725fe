"""The alliance's topics with their partitioning and retention, and their idempotent creation.

Names come from the wire contract (`alliance_connector.topics`); this module adds what only
the hub decides: how many partitions and which cleanup policy.
"""

from dataclasses import dataclass, field

from kafka.admin import KafkaAdminClient
from kafka.errors import TopicAlreadyExistsError, for_code

from alliance_connector.topics import (
    LISTS_TOPIC,
    REJECTED_TOPIC,
    MemberId,
    acks_topic,
    instructions_topic,
    signals_topic,
)
from hub.errors import BrokerError

# The hub's signed ledger heads (hub.ledger.tree_heads), which every member may read.
HEADS_TOPIC = "alliance.ledger.heads"

# Signals are keyed by subject, so partitions bound how many workers share the load.
SIGNAL_PARTITIONS = 6
# How long a member's topics keep records: long enough to outlast a hub outage over a holiday
# week (the worker reads from its committed offsets, so a record must still be there).
MEMBER_RETENTION_MS = str(14 * 24 * 3600 * 1000)


@dataclass(frozen=True)
class TopicSpec:
    name: str
    partitions: int = 1
    configs: dict[str, str] = field(default_factory=dict)


def hub_topics(lists_topic: str = LISTS_TOPIC, heads_topic: str = HEADS_TOPIC) -> list[TopicSpec]:
    """Topics the hub owns."""
    return [
        TopicSpec(REJECTED_TOPIC, partitions=3),
        # Latest state per list entry: compaction keeps one record per key forever.
        TopicSpec(lists_topic, configs={"cleanup.policy": "compact"}),
        # Signed heads keyed by tree size: compaction keeps one per size, so all of them,
        # forever; one partition keeps them in the order they were signed.
        TopicSpec(heads_topic, configs={"cleanup.policy": "compact"}),
    ]


def member_topics(member: MemberId) -> list[TopicSpec]:
    """The three topics a member owns."""
    # The broker stamps what members write, so a member cannot backdate a record past a
    # key revocation or a clock-skew check.
    kept = {"retention.ms": MEMBER_RETENTION_MS}
    stamped = kept | {"message.timestamp.type": "LogAppendTime"}
    return [
        TopicSpec(signals_topic(member), partitions=SIGNAL_PARTITIONS, configs=stamped),
        TopicSpec(instructions_topic(member), partitions=3, configs=kept),
        TopicSpec(acks_topic(member), partitions=3, configs=stamped),
    ]


def ensure_topics(admin: KafkaAdminClient, specs: list[TopicSpec]) -> None:
    """Create the topics that do not exist yet; existing ones are left as they are."""
    request = {
        spec.name: {
            "num_partitions": spec.partitions,
            "replication_factor": -1,  # the broker's default: 1 on the local broker
            "configs": spec.configs,
        }
        for spec in specs
    }
    response = admin.create_topics(request, raise_errors=False, wait_for_metadata=False)
    failures = []
    for topic in response["topics"]:
        error = for_code(topic["error_code"])
        if topic["error_code"] and error is not TopicAlreadyExistsError:
            failures.append(f"{topic['name']}: {error.__name__}")
    if failures:
        raise BrokerError("could not create topics: " + ", ".join(failures))
    admin.wait_for_topics([spec.name for spec in specs])
