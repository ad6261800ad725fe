"""The local broker is a real Kafka broker: a message goes in and comes back out."""

from collections.abc import Callable

from kafka import KafkaConsumer, KafkaProducer
from kafka.admin import KafkaAdminClient

from hub.kafka.topics import TopicSpec, ensure_topics


def test_produce_and_consume_round_trip(
    kafka_bootstrap: str, kafka_admin: KafkaAdminClient, unique_name: Callable[[str], str]
) -> None:
    topic = unique_name("roundtrip")
    ensure_topics(kafka_admin, [TopicSpec(topic, partitions=2)])

    producer = KafkaProducer(bootstrap_servers=kafka_bootstrap, acks="all")
    sent = [(f"key-{i}".encode(), f"value-{i}".encode()) for i in range(10)]
    for key, value in sent:
        producer.send(topic, key=key, value=value)
    producer.flush(timeout=30)
    producer.close()

    consumer = KafkaConsumer(
        topic,
        bootstrap_servers=kafka_bootstrap,
        group_id=unique_name("roundtrip-group"),
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        consumer_timeout_ms=15_000,
    )
    received = []
    for record in consumer:
        received.append((record.key, record.value))
        if len(received) == len(sent):
            break
    consumer.close()

    assert sorted(received) == sorted(sent)


def test_ensure_topics_is_idempotent_and_applies_configs(
    kafka_admin: KafkaAdminClient, unique_name: Callable[[str], str]
) -> None:
    spec = TopicSpec(unique_name("compacted"), partitions=3, configs={"cleanup.policy": "compact"})
    ensure_topics(kafka_admin, [spec])
    ensure_topics(kafka_admin, [spec])  # a second time changes nothing and raises nothing

    [described] = kafka_admin.describe_topics([spec.name])
    assert len(described["partitions"]) == 3
