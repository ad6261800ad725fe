"""The SDK on the real broker: a published signal is verifiable from the raw bytes, and the
listener hands over only the hub's genuine instructions, once each, then acknowledges them."""

import dataclasses
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from kafka import KafkaConsumer, KafkaProducer
from kafka.admin import KafkaAdminClient

from alliance_connector import (
    HUB_SIGNER,
    AckStatus,
    BrokerConnection,
    Cause,
    CreditSignal,
    Identifier,
    IdentifierScheme,
    InstructionAck,
    InstructionListener,
    InstructionRejected,
    ListType,
    MemberId,
    ObservedWindow,
    Publisher,
    Reason,
    SanctionAction,
    SanctionInstruction,
    SignalCategory,
    SigningKey,
    TokenKey,
    acks_topic,
    catalog,
    instructions_topic,
    member_id,
    open_verified,
    seal,
    signals_topic,
)
from hub.kafka.topics import ensure_topics, member_topics
from tests.integration.conftest import MEMBER_PASSWORD, SaslBroker

TOKEN_KEY = TokenKey(1, b"k" * 32)
HUB_KEY = SigningKey.from_seed(b"h" * 32)


def raw_records(connection_options: dict[str, str], topic: str, count: int) -> list[bytes]:
    consumer = KafkaConsumer(
        topic,
        group_id=None,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        consumer_timeout_ms=20_000,
        **connection_options,
    )
    values = []
    for record in consumer:
        values.append(record.value)
        if len(values) == count:
            break
    consumer.close()
    return values


def brushing_signal(member: str) -> CreditSignal:
    now = datetime.now(UTC)
    return CreditSignal(
        signal_id=uuid.uuid4(),
        reporter=member,
        reported_at=now,
        observed_window=ObservedWindow(now - timedelta(days=7), now),
        category=SignalCategory.FAKE_TRANSACTION,
        subject=(
            Identifier(IdentifierScheme.USCC, "91330100799655058b"),  # normalised on the way
            Identifier(IdentifierScheme.MOBILE, "138 1234 5678"),  # tokenised on the way
        ),
    )


def test_published_signal_verifies_from_the_raw_bytes(
    kafka_bootstrap: str, kafka_admin: KafkaAdminClient, unique_name: Callable[[str], str]
) -> None:
    member = member_id(unique_name("shop"))
    ensure_topics(kafka_admin, member_topics(member))
    key = SigningKey.generate()
    signal = brushing_signal(member)

    with Publisher(member, key, TOKEN_KEY, BrokerConnection(kafka_bootstrap)) as publisher:
        delivery = publisher.report(signal)
    assert delivery.topic == signals_topic(member) and delivery.offset >= 0

    [raw] = raw_records({"bootstrap_servers": kafka_bootstrap}, signals_topic(member), 1)
    assert b"13812345678" not in raw  # the mobile number never left the member in clear
    opened = open_verified(
        raw, lambda signer, key_id: key.verify_key if key_id == key.key_id else None, member
    )
    received = CreditSignal.from_record(opened.record)
    assert received.signal_id == signal.signal_id
    uscc, mobile = received.subject
    assert uscc == Identifier(IdentifierScheme.USCC, "91330100799655058B")
    assert mobile.scheme is IdentifierScheme.MOBILE and mobile.value.startswith("tk1:")


def hub_instruction(member: MemberId, instruction_id: str) -> SanctionInstruction:
    return SanctionInstruction(
        instruction_id=instruction_id,
        target_member=member,
        subject=(Identifier(IdentifierScheme.STORE, f"{member}:store:42"),),
        action=SanctionAction.BLOCK_STORE,
        cause=Cause("entry-1", ListType.BLACKLIST, SignalCategory.FAKE_TRANSACTION),
        legal_basis="发改财金〔2018〕716号 §5",
        issued_at=datetime.now(UTC).replace(microsecond=0),
    )


def sealed(instruction: SanctionInstruction, key: SigningKey, signer: str = HUB_SIGNER) -> bytes:
    schema = catalog().newest("SanctionInstruction")
    return seal(schema, instruction.to_record(), signer, key).to_bytes()


def test_listener_refuses_forgeries_survives_them_and_acks_once_per_instruction(
    kafka_sasl: SaslBroker, onboard: Callable[[], MemberId]
) -> None:
    member = onboard()
    genuine, later = hub_instruction(member, "ins-1"), hub_instruction(member, "ins-2")
    forger = SigningKey.from_seed(b"f" * 32, key_id=HUB_KEY.key_id)  # claims the hub's key id
    tampered = bytearray(sealed(genuine, HUB_KEY))
    tampered[40] ^= 0x01
    wrong_target = dataclasses.replace(genuine, instruction_id="ins-x", target_member="other")
    queue = [
        (sealed(genuine, HUB_KEY), None),
        (sealed(genuine, forger), Reason.BAD_SIGNATURE),
        (bytes(tampered), None),  # any refusal: a flipped bit may hit any field
        (sealed(genuine, HUB_KEY), None),  # a replay: de-duplicated, never handed over
        (sealed(wrong_target, HUB_KEY), Reason.INVALID_FIELD),
        (sealed(later, HUB_KEY), None),
    ]
    hub = KafkaProducer(acks="all", **kafka_sasl.admin_options())
    for value, _ in queue:
        hub.send(instructions_topic(member), key=b"subject", value=value)
    hub.flush()
    hub.close()

    member_key = SigningKey.generate()
    connection = BrokerConnection(
        kafka_sasl.bootstrap, member, MEMBER_PASSWORD, security_protocol="SASL_PLAINTEXT"
    )
    handed_over: list[SanctionInstruction] = []
    refusals: list[InstructionRejected] = []
    with InstructionListener(member, [HUB_KEY.verify_key], member_key, connection) as listener:
        deadline = datetime.now(UTC) + timedelta(seconds=60)
        while len(handed_over) < 2 and datetime.now(UTC) < deadline:
            try:
                instruction = listener.receive(timeout_s=2)
            except InstructionRejected as refused:
                refusals.append(refused)
                continue
            if instruction is not None:
                handed_over.append(instruction)
                listener.ack(instruction, AckStatus.EXECUTED, "store blocked")

    assert [i.instruction_id for i in handed_over] == ["ins-1", "ins-2"]
    assert handed_over[0] == genuine
    assert len(refusals) == 3
    assert refusals[0].reason is Reason.BAD_SIGNATURE
    assert refusals[2].reason is Reason.INVALID_FIELD
    assert [r.offset for r in refusals] == [1, 2, 4]

    raw_acks = raw_records(kafka_sasl.admin_options(), acks_topic(member), 2)
    acks = [
        InstructionAck.from_record(
            open_verified(raw, lambda s, k: member_key.verify_key, member).record
        )
        for raw in raw_acks
    ]
    assert sorted(a.instruction_id for a in acks) == ["ins-1", "ins-2"]
    assert {a.status for a in acks} == {AckStatus.EXECUTED}


def test_listener_pins_hub_keys_only(
    kafka_sasl: SaslBroker, onboard: Callable[[], MemberId]
) -> None:
    """An instruction signed by a member's key (not the hub's) is refused as UNKNOWN_KEY."""
    member = onboard()
    impostor = SigningKey.generate()
    hub = KafkaProducer(acks="all", **kafka_sasl.admin_options())
    hub.send(instructions_topic(member), value=sealed(hub_instruction(member, "i"), impostor))
    hub.flush()
    hub.close()
    connection = BrokerConnection(
        kafka_sasl.bootstrap, member, MEMBER_PASSWORD, security_protocol="SASL_PLAINTEXT"
    )
    with InstructionListener(member, [HUB_KEY.verify_key], impostor, connection) as listener:
        with pytest.raises(InstructionRejected) as raised:
            for _ in range(30):
                listener.receive(timeout_s=1)
        assert raised.value.reason is Reason.UNKNOWN_KEY
        assert listener.receive(timeout_s=1) is None  # and it goes on
