"""The heads topic on the SASL broker: the hub creates it compacted, publishes a head keyed by
its tree size, and a member principal, confined by its ACLs, reads it back."""

import json
import secrets
from collections.abc import Callable
from datetime import UTC, datetime

from kafka import KafkaConsumer, TopicPartition
from kafka.admin import ConfigResource, ConfigResourceType, KafkaAdminClient

from alliance_connector.topics import MemberId
from hub.kafka.topics import HEADS_TOPIC, ensure_topics, hub_topics
from hub.ledger.merkle import leaf_hash
from hub.ledger.tree_heads import HEAD_PAYLOAD_TYPE, SignedTreeHead, publish_head
from tests.integration.conftest import MEMBER_PASSWORD, SaslBroker
from tests.integration.test_tree_heads import HUB_KEY


def test_the_heads_topic_is_compacted_and_a_member_reads_the_published_head(
    kafka_sasl: SaslBroker, sasl_admin: KafkaAdminClient, onboard: Callable[[], MemberId]
) -> None:
    ensure_topics(sasl_admin, [s for s in hub_topics() if s.name == HEADS_TOPIC])
    resource = ConfigResource(ConfigResourceType.TOPIC, HEADS_TOPIC)
    configs = sasl_admin.describe_configs([resource], config_filter="all")["topic"][HEADS_TOPIC]
    assert configs["cleanup.policy"]["value"] == "compact"

    # A size no other run uses, so the record read back is this test's own.
    size = 10**12 + secrets.randbelow(10**9)
    root = leaf_hash(b"root")
    now = datetime.now(UTC).replace(microsecond=0)
    unsigned = SignedTreeHead(size, root, now, HUB_KEY.key_id, b"")
    signature = HUB_KEY.sign(HEAD_PAYLOAD_TYPE, unsigned.payload())
    head = SignedTreeHead(size, root, unsigned.timestamp, HUB_KEY.key_id, signature)
    publish_head(kafka_sasl.admin_options(), head)

    member = onboard()
    consumer = KafkaConsumer(
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        **kafka_sasl.client_options(member, MEMBER_PASSWORD),
    )
    try:
        partition = TopicPartition(HEADS_TOPIC, 0)
        consumer.assign([partition])  # no group: reading needs only READ on the topic
        end = consumer.end_offsets([partition])[partition]
        consumer.seek(partition, max(0, end - 50))
        found: list[bytes] = []
        for _ in range(20):
            for records in consumer.poll(timeout_ms=1000).values():
                found += [r.value for r in records if r.key == f"{size:020d}".encode()]
            if found:
                break
    finally:
        consumer.close()
    assert [SignedTreeHead.from_json(json.loads(v)) for v in found] == [head]
