"""A member written from the docs alone (tests/outsider/client.py: confluent-kafka, Apache
avro, PyNaCl) works with the real hub on the real broker: its signal is accepted, it opens
and verifies the hub's instructions, and its acks are applied. Only the set-up (registering the
member, listing the subject) uses the hub's code, as an operator would."""

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import nacl.signing
from confluent_kafka import Consumer, Producer

from alliance_connector.identifiers import Identifier, IdentifierScheme
from alliance_connector.signing import VerifyKey
from alliance_connector.topics import member_id
from hub.kafka.topics import ensure_topics, member_topics
from hub.store.members import add_key, register_member
from hub.store.schema import instructions
from tests.integration.alliance import ALL_CATEGORIES, Alliance, RunningWorker, wait_until
from tests.outsider import client

USCC = "91330100799655058B"


def _presence(member: str) -> dict[str, Any]:
    now = datetime.now(UTC)
    return {
        "signal_id": str(uuid.uuid4()),
        "reporter": member,
        "reported_at": now,
        "observed_window": {"start": now - timedelta(days=1), "end": now},
        "category": "PRESENCE",
        "subject": [
            {"scheme": "USCC", "value": USCC},
            {"scheme": "STORE", "value": f"{member}:store:1"},
        ],
        "evidence": {
            "order_count": 0,
            "amount_fen": 0,
            "order_refs": [],
            "waybill_refs": [],
            "note": None,
        },
        "severity": "LOW",
    }


def test_a_member_built_from_the_docs_alone_round_trips(alliance: Alliance) -> None:
    member = member_id(f"{alliance.prefix}-outsider")
    key = nacl.signing.SigningKey(bytes(range(100, 132)))
    raw = bytes(key.verify_key)
    key_id = client.default_key_id(raw)
    now = datetime.now(UTC)
    with alliance.engine.begin() as connection:
        register_member(connection, member, "platform", "outsider", ALL_CATEGORIES, now)
        add_key(connection, member, VerifyKey(key_id, raw), now - timedelta(days=1))
    ensure_topics(alliance.admin, member_topics(member))
    alliance.blacklist("entry-outsider", Identifier(IdentifierScheme.USCC, USCC))
    hub_key = alliance.hub_key.verify_key.raw  # handed to members out of band

    producer = Producer({"bootstrap.servers": alliance.bootstrap, "enable.idempotence": True})
    consumer = Consumer(
        {
            "bootstrap.servers": alliance.bootstrap,
            "group.id": f"{member}.instructions",
            "auto.offset.reset": "earliest",
            "enable.auto.commit": False,
        }
    )
    consumer.subscribe([f"alliance.instructions.{member}"])
    received: dict[str, dict[str, Any]] = {}
    try:
        with RunningWorker(alliance.worker()):
            signal = client.seal("CreditSignal.v1.avsc", _presence(member), member, key, key_id)
            producer.produce(f"alliance.signals.{member}", signal, key=f"USCC:{USCC}".encode())
            assert producer.flush(30) == 0

            def instructions_arrived() -> bool:
                record = consumer.poll(0.5)
                value = None if record is None or record.error() else record.value()
                if value is not None:
                    _, instruction = client.open_envelope(value, "hub", hub_key)
                    assert instruction["target_member"] == member
                    received[instruction["instruction_id"]] = instruction
                issued = alliance.count(instructions, instructions.c.target_member == member)
                return bool(received) and len(received) == issued

            wait_until(instructions_arrived, what="every instruction for the outsider")
            for instruction_id in received:
                ack = {
                    "instruction_id": instruction_id,
                    "member": member,
                    "status": "EXECUTED",
                    "acked_at": datetime.now(UTC),
                    "note": None,
                }
                value = client.seal("InstructionAck.v1.avsc", ack, member, key, key_id)
                producer.produce(f"alliance.acks.{member}", value, key=instruction_id.encode())
            assert producer.flush(30) == 0
            wait_until(
                lambda: (
                    alliance.count(instructions, instructions.c.ack_status == "EXECUTED")
                    == len(received)
                ),
                what="both acks applied",
            )
    finally:
        consumer.close()
    assert "RESTRICT_MEMBERSHIP" in {i["action"] for i in received.values()}
