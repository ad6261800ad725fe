"""The worker's list index believes only the hub's signed, correctly keyed states."""

from collections.abc import Callable
from datetime import UTC, datetime

from kafka import KafkaProducer
from kafka.admin import KafkaAdminClient

from alliance_connector.envelope import seal
from alliance_connector.schemas import catalog
from alliance_connector.signing import SigningKey
from alliance_connector.topics import HUB_SIGNER
from hub.kafka.topics import TopicSpec, ensure_topics
from hub.sanctions.index import ListFollower, ListIndex
from tests.integration.alliance import wait_until


def state(entry_id: str, version: int, status: str, key: SigningKey) -> bytes:
    record = {
        "entry_id": entry_id,
        "version": version,
        "list_type": "BLACKLIST",
        "category": "FAKE_TRANSACTION",
        "status": status,
        "identifiers": [{"scheme": "USCC", "value": f"USCC-of-{entry_id}"}],
        "changed_at": datetime.now(UTC),
    }
    return seal(catalog().newest("ListEntryState"), record, HUB_SIGNER, key).to_bytes()


def test_forged_unsigned_and_miskeyed_records_are_skipped(
    kafka_bootstrap: str, kafka_admin: KafkaAdminClient, unique_name: Callable[[str], str]
) -> None:
    topic = f"alliance.lists.{unique_name('idx')}"
    ensure_topics(kafka_admin, [TopicSpec(topic, configs={"cleanup.policy": "compact"})])
    hub, impostor = SigningKey.generate(), SigningKey.generate()
    producer = KafkaProducer(bootstrap_servers=kafka_bootstrap, acks="all")
    sends = [
        (b"good", state("good", 2, "OVERDUE", hub)),
        (b"gone", state("gone", 1, "OVERDUE", hub)),
        (b"gone", None),  # an unsigned tombstone may not delete anything
        (b"forged", state("forged", 1, "OVERDUE", impostor)),
        (b"other", state("good", 3, "DELISTED", hub)),  # signed, but keyed as another entry
        (b"good", state("good", 1, "LISTED", hub)),  # replayed older state
    ]
    for key, value in sends:
        producer.send(topic, key=key, value=value).get(30)
    producer.close()

    index = ListIndex()
    follower = ListFollower({"bootstrap_servers": kafka_bootstrap}, hub.verify_key, index, topic)
    follower.start()
    try:
        wait_until(lambda: follower.caught_up.is_set(), timeout_s=30, what="the index built")
    finally:
        follower.stop()
    good = index.get("good")
    assert good is not None and good.status == "OVERDUE" and good.version == 2
    assert index.get("gone") is not None
    assert index.get("forged") is None
    assert len(index) == 2
