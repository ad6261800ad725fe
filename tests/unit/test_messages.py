"""Payload records round-trip through Avro, and the validation rules refuse what they must."""

import dataclasses
from datetime import timedelta

import pytest

from alliance_connector.errors import InvalidField, InvalidIdentifier
from alliance_connector.identifiers import Identifier, IdentifierScheme
from alliance_connector.messages import (
    AckStatus,
    Cause,
    CreditSignal,
    Evidence,
    InstructionAck,
    ListType,
    SanctionAction,
    SanctionInstruction,
    SignalCategory,
)
from alliance_connector.schemas import catalog
from alliance_connector.validation import validate_ack, validate_signal
from tests.testvectors import ACK, AT, SIGNAL

INSTRUCTION = SanctionInstruction(
    instruction_id="ins-0001",
    target_member="shop-b",
    subject=(Identifier(IdentifierScheme.STORE, "shop-b:store:42"),),
    action=SanctionAction.CLOSE_STORE,
    cause=Cause("entry-7", ListType.BLACKLIST, SignalCategory.COUNTERFEIT),
    legal_basis="发改财金〔2018〕716号 §5",
    issued_at=AT,
    review_at=AT + timedelta(days=90),
)


@pytest.mark.parametrize(
    ("message", "record"),
    [(SIGNAL, "CreditSignal"), (INSTRUCTION, "SanctionInstruction"), (ACK, "InstructionAck")],
)
def test_round_trip_through_avro(
    message: CreditSignal | SanctionInstruction | InstructionAck, record: str
) -> None:
    codec = catalog().codec(catalog().newest(record))
    decoded = codec.decode(codec.encode(message.to_record()))
    assert type(message).from_record(decoded) == message


def test_valid_signal_passes() -> None:
    validate_signal(SIGNAL)
    validate_ack(ACK)


@pytest.mark.parametrize(
    ("identifier", "rule"),
    [
        (Identifier(IdentifierScheme.RESIDENT_ID, "11010519491231002X"), "keyed token"),
        (Identifier(IdentifierScheme.MOBILE, "+8613812345678"), "keyed token"),
        (Identifier(IdentifierScheme.ACCOUNT, "shop-a:account:u1"), "keyed token"),
        (Identifier(IdentifierScheme.USCC, "91330100799655058b"), "normalised"),
        (Identifier(IdentifierScheme.USCC, "91330100799655058C"), "check"),
    ],
)
def test_clear_personal_ids_and_unnormalised_ids_are_refused(
    identifier: Identifier, rule: str
) -> None:
    signal = dataclasses.replace(SIGNAL, subject=(identifier,))
    with pytest.raises(InvalidIdentifier) as raised:
        validate_signal(signal)
    assert raised.value.field.startswith("subject[0]")
    assert rule in raised.value.rule
    assert "11010519491231002X" not in str(raised.value)


def test_signal_rules_name_the_field() -> None:
    backwards = dataclasses.replace(
        SIGNAL,
        observed_window=dataclasses.replace(
            SIGNAL.observed_window, end=SIGNAL.observed_window.start - timedelta(seconds=1)
        ),
    )
    cases = [
        (dataclasses.replace(SIGNAL, subject=()), "subject"),
        (backwards, "observed_window"),
        (dataclasses.replace(SIGNAL, reporter="Shop A"), "reporter"),
        (dataclasses.replace(SIGNAL, evidence=Evidence(order_count=-1)), "evidence"),
        (
            dataclasses.replace(SIGNAL, evidence=Evidence(order_refs=("o-1",))),
            "evidence.order_refs[0]",
        ),
        (
            dataclasses.replace(SIGNAL, evidence=Evidence(waybill_refs=("sf:sf123456",))),
            "evidence.waybill_refs[0]",
        ),
    ]
    for signal, field in cases:
        with pytest.raises((InvalidField, InvalidIdentifier)) as raised:
            validate_signal(signal)
        assert raised.value.field == field


def test_reporter_must_be_the_signer_when_the_signer_is_known() -> None:
    validate_signal(SIGNAL, signer="shop-a")
    with pytest.raises(InvalidField) as raised:
        validate_signal(SIGNAL, signer="shop-b")
    assert raised.value.field == "reporter"
    validate_ack(ACK, signer="shop-a")
    with pytest.raises(InvalidField, match="member"):
        validate_ack(ACK, signer="shop-b")


def test_unknown_symbols_from_a_newer_writer_are_typed_errors() -> None:
    record = SIGNAL.to_record() | {"category": "UNKNOWN"}
    with pytest.raises(InvalidField, match="category"):
        CreditSignal.from_record(record)
    with pytest.raises(InvalidField, match="severity"):
        CreditSignal.from_record(SIGNAL.to_record() | {"severity": "UNKNOWN"})
    record = SIGNAL.to_record()
    record["subject"] = [{"scheme": "UNKNOWN", "value": "x"}]
    with pytest.raises(InvalidIdentifier, match=r"subject\[0\]\.scheme"):
        CreditSignal.from_record(record)


def test_ack_rules_keep_out_what_a_store_cannot_hold() -> None:
    with pytest.raises(InvalidField, match="control"):
        validate_ack(dataclasses.replace(ACK, note="a\x00b"))
    with pytest.raises(InvalidField, match="instruction_id"):
        validate_ack(dataclasses.replace(ACK, instruction_id="x" * 65))
    with pytest.raises(InvalidField, match="instruction_id"):
        validate_ack(dataclasses.replace(ACK, instruction_id="ins\x00"))
    validate_ack(dataclasses.replace(ACK, note="line one\nline two\tend"))


def test_ack_rules() -> None:
    with pytest.raises(InvalidField, match="note"):
        validate_ack(dataclasses.replace(ACK, note="x" * 5000))
    with pytest.raises(InvalidField, match="instruction_id"):
        validate_ack(dataclasses.replace(ACK, instruction_id=""))
    assert AckStatus("NOT_FOUND") is AckStatus.NOT_FOUND
