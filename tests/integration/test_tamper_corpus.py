"""A tamper corpus on the real broker: every class of forged or non-conforming record the
outside integrator found is refused with its reason, and every valid record interleaved with
them is accepted (0 accepted forgeries, 0 false rejections). The counts per class are printed
(`pytest -s`) for the record."""

import base64
import io
import json
import random
from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import fastavro
import sqlalchemy as sa
from fastapi.testclient import TestClient
from kafka import KafkaProducer

from alliance_connector.edwards25519 import GROUP_ORDER
from alliance_connector.envelope import ENVELOPE_SIGNING_TYPE, SignedEnvelope, seal
from alliance_connector.identifiers import Identifier, IdentifierScheme
from alliance_connector.messages import AckStatus, InstructionAck, SignalCategory
from alliance_connector.schemas import catalog
from alliance_connector.topics import acks_topic, signals_topic
from hub.api.app import create_app
from hub.api.tokens import issue_token
from hub.policy.loading import default_policy
from hub.store.schema import accepted_signals, member_keys, rejects
from tests.envelopes import rebuilt
from tests.integration.alliance import Alliance, Member, RunningWorker, wait_until
from tests.testvectors import VECTOR_DIR, _avro_long, _small_order_r_signature

USCC = Identifier(IdentifierScheme.USCC, "91330100799655058B")
SIGNAL_SCHEMA = catalog().newest("CreditSignal")
# Which check catches a random flip depends on where it lands; it only must not be accepted.
ANY_REFUSAL: set[str] | None = None


def _offset(record: dict[str, Any], field: str) -> int:
    """Where `field` starts in the record's encoding: the length of the fields before it
    (which define inline every named type they use)."""
    schema = SIGNAL_SCHEMA.schema
    before = schema["fields"][: [f["name"] for f in schema["fields"]].index(field)]
    prefix = {"type": "record", "name": "Prefix", "namespace": schema["namespace"]}
    buffer = io.BytesIO()
    fastavro.schemaless_writer(buffer, fastavro.parse_schema(prefix | {"fields": before}), record)
    return buffer.tell()


def _non_canonical_payloads(payload: bytes, record: dict[str, Any]) -> dict[str, bytes]:
    """The signal's payload re-written in ways only a careless or hostile encoder writes."""
    category, subject = _offset(record, "category"), _offset(record, "subject")
    reported = _offset(record, "reported_at")
    items = payload[subject + 1 : _offset(record, "evidence") - 1]  # one block, count 1
    assert payload[subject] == 0x02 and payload[subject + 1 + len(items)] == 0
    negative_block = bytes([0x01]) + _avro_long(len(items)) + items + b"\x00"
    return {
        "category index -1": payload[:category] + b"\x01" + payload[category + 1 :],
        "category index -2": payload[:category] + b"\x03" + payload[category + 1 :],
        "severity index -1": payload[:-1] + b"\x01",
        "scheme index -1": payload[: subject + 1] + b"\x01" + payload[subject + 2 :],
        "signal_id length overlong": bytes([payload[0] | 0x80, 0x00]) + payload[1:],
        "reported_at overlong": payload[: reported + 5]
        + bytes([payload[reported + 5] | 0x80, 0x00])
        + payload[reported + 6 :],
        "subject as a negative-count block": payload[:subject]
        + negative_block
        + payload[subject + 2 + len(items) :],
        "trailing byte": payload + b"\x00",
    }


def _signed(envelope: SignedEnvelope, member: Member) -> bytes:
    return replace(
        envelope, signature=member.key.sign(ENVELOPE_SIGNING_TYPE, envelope.signed)
    ).to_bytes()


def _corpus(alliance: Alliance, shop: Member, weak_key_id: str) -> dict[str, list[bytes]]:
    random.seed(716)
    now = datetime.now(UTC)

    def sealed() -> SignedEnvelope:
        signal = alliance.signal("shop", SignalCategory.FAKE_TRANSACTION, USCC)
        return seal(SIGNAL_SCHEMA, signal.to_record(), shop.id, shop.key, now)

    corpus: dict[str, list[bytes]] = {name: [] for name in CLASSES}
    # issued_at: every bit of its 6 varint bytes, just before the signature.
    base = sealed()
    data, at = base.to_bytes(), len(base.signed) - 6
    corpus["issued_at bit flips"] = [_flip(data, at * 8 + bit) for bit in range(48)]
    # Anywhere in the signed part: 400 random single-bit flips of fresh signals.
    for _ in range(400):
        data = sealed().to_bytes()
        corpus["random bit flips"].append(_flip(data, random.randrange((len(data) - 64) * 8)))
    # Signature edge cases under the member's real key.
    for _ in range(20):
        envelope = sealed()
        small_r = _small_order_r_signature(shop.key.seed(), envelope.signing_input)
        high_s = int.from_bytes(envelope.signature[32:], "little") + GROUP_ORDER
        corpus["small-order R"].append(envelope.signed + small_r)
        corpus["S + L"].append(
            envelope.signed + envelope.signature[:32] + high_s.to_bytes(32, "little")
        )
    # Forgery under a small-order key stored before registration checked keys.
    identity = (1).to_bytes(32, "little")
    for _ in range(20):
        forged = rebuilt(sealed(), key_id=weak_key_id, signature=identity + bytes(32))
        corpus["forgery under a stored weak key"].append(forged.to_bytes())
    # Non-conforming Avro, honestly signed.
    for _ in range(5):
        envelope = sealed()
        record = catalog().codec(SIGNAL_SCHEMA).decode(envelope.payload)
        for payload in _non_canonical_payloads(envelope.payload, record).values():
            corpus["non-canonical payload"].append(
                _signed(rebuilt(envelope, payload=payload), shop)
            )
        overlong_version = replace(envelope, signed=b"\x84\x00" + envelope.signed[1:])
        corpus["non-canonical envelope"].append(_signed(overlong_version, shop))
        corpus["non-canonical envelope"].append(envelope.to_bytes()[1:])  # version 1
    return corpus


# The reasons a record of each class may be refused with.
CLASSES: dict[str, set[str] | None] = {
    "issued_at bit flips": {"BAD_SIGNATURE", "DECODE_ERROR", "EXPIRED_KEY"},
    "random bit flips": ANY_REFUSAL,
    "small-order R": {"BAD_SIGNATURE"},
    "S + L": {"BAD_SIGNATURE"},
    "forgery under a stored weak key": {"UNKNOWN_KEY"},
    "non-canonical payload": {"DECODE_ERROR"},
    "non-canonical envelope": {"DECODE_ERROR"},
}


def _flip(data: bytes, bit: int) -> bytes:
    index = bit // 8
    return data[:index] + bytes([data[index] ^ (1 << bit % 8)]) + data[index + 1 :]


def test_the_tamper_corpus_is_refused_and_valid_signals_pass(alliance: Alliance) -> None:
    shop = alliance.join("shop")
    alliance.join("other")
    weak_key_id = "ed25519:weak-identity"
    with alliance.engine.begin() as connection:  # as an old, unchecked registration left it
        connection.execute(
            member_keys.insert().values(
                key_id=weak_key_id,
                member_id=shop.id,
                public_key=(1).to_bytes(32, "little"),
                valid_from=datetime.now(UTC) - timedelta(days=1),
            )
        )
    corpus = _corpus(alliance, shop, weak_key_id)
    tampered = {value: name for name, values in corpus.items() for value in values}
    assert len(tampered) == sum(len(v) for v in corpus.values())  # all distinct
    valid = [
        seal(
            SIGNAL_SCHEMA,
            alliance.signal("shop", SignalCategory.FAKE_TRANSACTION, USCC).to_record(),
            shop.id,
            shop.key,
        ).to_bytes()
        for _ in range(200)
    ]
    records = list(tampered) + valid
    random.shuffle(records)
    ack_cases = _non_canonical_acks(shop)

    producer = KafkaProducer(bootstrap_servers=alliance.bootstrap, acks="all")
    for value in records:
        producer.send(signals_topic(shop.id), value)
    for value in ack_cases:
        producer.send(acks_topic(shop.id), value)
    producer.flush(60)
    producer.close()
    total = len(records) + len(ack_cases)
    with RunningWorker(alliance.worker()):
        wait_until(
            lambda: alliance.count(rejects) + alliance.count(accepted_signals) >= total,
            timeout_s=120,
            what="every record refused or accepted",
        )
    with alliance.engine.connect() as connection:
        refused = connection.execute(
            sa.select(rejects.c.topic, rejects.c.partition, rejects.c.offset, rejects.c.reason)
        ).all()
        accepted = connection.scalar(sa.select(sa.func.count()).select_from(accepted_signals))
    assert accepted == len(valid)  # 0 forgeries accepted, 0 valid signals refused
    assert len(refused) == len(tampered) + len(ack_cases)
    offsets = _offsets(alliance, signals_topic(shop.id))
    seen: Counter[str] = Counter()
    for topic, partition, offset, reason in refused:
        if topic == acks_topic(shop.id):
            assert reason == "DECODE_ERROR"
            seen["non-canonical ack"] += 1
            continue
        name = tampered[offsets[(partition, offset)]]
        allowed = CLASSES[name]
        assert allowed is None or reason in allowed, (name, reason)
        seen[name] += 1
    print("\ntamper corpus, refused per class:", dict(seen), "valid accepted:", accepted)


def _non_canonical_acks(shop: Member) -> list[bytes]:
    ack = InstructionAck("ins-none", shop.id, AckStatus.EXECUTED, datetime.now(UTC), "done")
    envelope = seal(catalog().newest("InstructionAck"), ack.to_record(), shop.id, shop.key)
    payload = envelope.payload
    status = len(payload) - 1 - 6 - 1 - 1 - len(b"done")  # status, acked_at, union, note
    assert payload[status] == 0x02
    variants = [
        payload[:status] + b"\x01" + payload[status + 1 :],  # status index -1
        payload[: -len(b"done") - 2] + b"\x01" + payload[-len(b"done") - 1 :],  # union -1
    ]
    return [_signed(rebuilt(envelope, payload=p), shop) for p in variants]


def _offsets(alliance: Alliance, topic: str) -> dict[tuple[int, int], bytes]:
    """Every record value of `topic` by (partition, offset)."""
    from kafka import KafkaConsumer, TopicPartition

    consumer = KafkaConsumer(bootstrap_servers=alliance.bootstrap, enable_auto_commit=False)
    partitions = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or ()]
    consumer.assign(partitions)
    consumer.seek_to_beginning()
    found: dict[tuple[int, int], bytes] = {}
    end = consumer.end_offsets(partitions)
    while sum(end.values()) > len(found):
        for batch in consumer.poll(1000).values():
            for record in batch:
                found[(record.partition, record.offset)] = record.value
    consumer.close()
    return found


def test_weak_keys_are_refused_at_registration(alliance: Alliance) -> None:
    alliance.join("shop")
    now = datetime.now(UTC)
    with alliance.engine.begin() as connection:
        token = issue_token(connection, "operator", None, "op", now)
    client = TestClient(create_app(alliance.engine, default_policy(), alliance.bootstrap))
    headers = {"Authorization": f"Bearer {token}"}
    keys = json.loads((VECTOR_DIR / "public-keys.json").read_text())["keys"]
    answers: Counter[tuple[bool, int]] = Counter()
    for vector in keys:
        raw = base64.b64encode(bytes.fromhex(vector["public_key_hex"])).decode()
        response = client.post(
            f"/members/{alliance.members['shop'].id}/keys",
            json={"public_key_b64": raw},
            headers=headers,
        )
        answers[(vector["acceptable"], response.status_code)] += 1
        if not vector["acceptable"]:
            message = response.json()["error"]["message"]
            assert message.startswith("public_key_b64: ") and raw not in message
    assert set(answers) == {(True, 201), (False, 400)}, answers
    print("\nweak keys refused at registration:", answers[(False, 400)])
    # A weak key stored before registration checked keys is still listed, and revocable.
    member = alliance.members["shop"].id
    with alliance.engine.begin() as connection:
        connection.execute(
            member_keys.insert().values(
                key_id="old-weak",
                member_id=member,
                public_key=(1).to_bytes(32, "little"),
                valid_from=now - timedelta(days=1),
            )
        )
    listed = client.get(f"/members/{member}/keys", headers=headers)
    assert listed.status_code == 200 and "old-weak" in {k["key_id"] for k in listed.json()}
    assert client.post("/keys/old-weak/revoke", headers=headers).status_code == 200
