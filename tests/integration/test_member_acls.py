"""Kafka ACLs confine a member to its own topics (SASL/SCRAM profile, StandardAuthorizer)."""

from collections.abc import Callable

import pytest
from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.errors import TopicAuthorizationFailedError

from alliance_connector.topics import (
    MemberId,
    instructions_topic,
    signals_topic,
)
from hub.kafka.acls import member_group_prefix
from tests.integration.conftest import MEMBER_PASSWORD as PASSWORD
from tests.integration.conftest import SaslBroker


def consume_one(options: dict[str, str], topic: str, group: str) -> bytes:
    """First record of partition 0. Assigned, not subscribed: kafka-python raises authorization
    errors from poll() for assigned partitions, while a subscription only logs them."""
    consumer = KafkaConsumer(
        group_id=group, auto_offset_reset="earliest", enable_auto_commit=False, **options
    )
    try:
        consumer.assign([TopicPartition(topic, 0)])
        for _ in range(20):
            for records in consumer.poll(timeout_ms=1000).values():
                return records[0].value  # type: ignore[no-any-return]
        raise AssertionError(f"nothing arrived on {topic}")
    finally:
        consumer.close()


def produce(options: dict[str, str], topic: str, value: bytes) -> None:
    """Write one record to partition 0, where consume_one looks."""
    producer = KafkaProducer(acks="all", retries=0, **options)
    try:
        producer.send(topic, value=value, partition=0).get(timeout=20)
    finally:
        producer.close()


def test_member_writes_own_signals_and_reads_own_instructions(
    kafka_sasl: SaslBroker, onboard: Callable[[], MemberId]
) -> None:
    member = onboard()
    as_member = kafka_sasl.client_options(member, PASSWORD)

    produce(as_member, signals_topic(member), b"signal")
    # The hub (super-user) writes an instruction; the member reads it in its own group.
    produce(kafka_sasl.admin_options(), instructions_topic(member), b"instruction")
    got = consume_one(as_member, instructions_topic(member), member_group_prefix(member) + "t")

    assert got == b"instruction"
    assert consume_one(kafka_sasl.admin_options(), signals_topic(member), "hub.t") == b"signal"


def test_member_cannot_read_another_members_topic(
    kafka_sasl: SaslBroker, onboard: Callable[[], MemberId]
) -> None:
    member, other = onboard(), onboard()
    as_member = kafka_sasl.client_options(member, PASSWORD)
    produce(kafka_sasl.admin_options(), instructions_topic(other), b"not yours")

    with pytest.raises(TopicAuthorizationFailedError):
        consume_one(as_member, instructions_topic(other), member_group_prefix(member) + "t")


def test_member_cannot_write_another_members_signals(
    kafka_sasl: SaslBroker, onboard: Callable[[], MemberId]
) -> None:
    member, other = onboard(), onboard()
    as_member = kafka_sasl.client_options(member, PASSWORD)

    with pytest.raises(TopicAuthorizationFailedError):
        produce(as_member, signals_topic(other), b"forged")
