"""What a reject may keep and how large it may grow: its bytes only for a record known to hold no
personal identifier in clear, notes holding a resident ID or mobile number refused, and every
published field bounded so the sealed reject fits under the envelope cap."""

import dataclasses
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from alliance_connector.envelope import MAX_ENVELOPE_BYTES, decode_envelope, seal
from alliance_connector.errors import InvalidField
from alliance_connector.identifiers import Identifier, IdentifierScheme
from alliance_connector.messages import Evidence, SignalCategory
from alliance_connector.reasons import Reason
from alliance_connector.schemas import catalog
from alliance_connector.signing import SigningKey
from alliance_connector.topics import acks_topic, member_id, signals_topic
from alliance_connector.validation import validate_ack, validate_signal
from hub.pipeline.checks import CheckContext
from hub.pipeline.effects import KEPT_ORIGINAL_BYTES
from hub.pipeline.messages import Rejection
from hub.pipeline.worker.relay import reject_record
from hub.store.members import KeyRecord
from tests.testvectors import ACK, AT, SIGNAL
from tests.unit.one_record import check_record

KEY = SigningKey.from_seed(bytes(range(32)))
SHOP = member_id("shop-a")
CONTEXT = CheckContext(
    keys={
        ("shop-a", KEY.key_id): KeyRecord(KEY.verify_key, "shop-a", AT - timedelta(1), None, None)
    },
    categories={"shop-a": frozenset({"PRESENCE"})},
    max_skew=timedelta(minutes=5),
    max_bytes=MAX_ENVELOPE_BYTES,
)
CLEAR_ID = Identifier(IdentifierScheme.RESIDENT_ID, "11010519491231002X")


def sealed_signal(**changes: Any) -> bytes:
    signal = dataclasses.replace(SIGNAL, **changes)
    return seal(catalog().newest("CreditSignal"), signal.to_record(), "shop-a", KEY, AT).to_bytes()


@pytest.mark.parametrize(
    ("note", "field"),
    [("客户 13812345678 投诉", "evidence.note"), ("id 11010519491231002x", "evidence.note")],
)
def test_an_evidence_note_with_a_personal_number_is_refused(note: str, field: str) -> None:
    with pytest.raises(InvalidField) as refused:
        validate_signal(dataclasses.replace(SIGNAL, evidence=Evidence(note=note)), "shop-a")
    assert refused.value.field == field and refused.value.reason is Reason.INVALID_FIELD
    assert "13812345678" not in str(refused.value) and "1101" not in str(refused.value)


@pytest.mark.parametrize(
    "note", ["call +86 139-0000-1111", "身份证１１０１０５１９４９１２３１００２Ｘ"]
)
def test_an_ack_note_with_a_personal_number_is_refused(note: str) -> None:
    with pytest.raises(InvalidField) as refused:
        validate_ack(dataclasses.replace(ACK, note=note), "shop-a")
    assert refused.value.field == "note"


def test_an_instruction_id_shaped_like_a_mobile_number_is_refused() -> None:
    with pytest.raises(InvalidField) as refused:
        validate_ack(dataclasses.replace(ACK, instruction_id="13812345678"), "shop-a")
    assert refused.value.field == "instruction_id"


def test_notes_without_personal_numbers_pass() -> None:
    validate_signal(
        dataclasses.replace(SIGNAL, evidence=Evidence(note="120 orders, waybill sf:SF1234567890")),
        "shop-a",
    )
    validate_ack(dataclasses.replace(ACK, note="store 88001 closed on 2026-11-01"), "shop-a")


def outcome(raw: bytes, topic: str = signals_topic(SHOP), at: datetime = AT) -> Rejection:
    found = check_record(raw, topic, at, CONTEXT)
    assert isinstance(found, Rejection)
    return found


def test_a_record_refused_for_its_category_is_clean_only_without_clear_identifiers() -> None:
    tokens_only = outcome(sealed_signal())  # FAKE_TRANSACTION is not allowed for shop-a
    assert tokens_only.reason is Reason.CATEGORY_NOT_ALLOWED and tokens_only.clean
    clear = outcome(sealed_signal(subject=(CLEAR_ID,)))
    assert clear.reason is Reason.CATEGORY_NOT_ALLOWED and not clear.clean
    in_note = outcome(sealed_signal(evidence=Evidence(note="13812345678")))
    assert in_note.reason is Reason.CATEGORY_NOT_ALLOWED and not in_note.clean


def test_only_records_that_kept_every_rule_are_clean() -> None:
    presence = {"category": SignalCategory.PRESENCE}
    skewed = outcome(sealed_signal(**presence), at=AT + timedelta(hours=1))
    assert skewed.reason is Reason.CLOCK_SKEW and skewed.clean
    skewed_clear = outcome(
        sealed_signal(subject=(CLEAR_ID,), **presence), at=AT + timedelta(hours=1)
    )
    assert skewed_clear.reason is Reason.CLOCK_SKEW and not skewed_clear.clean
    assert not outcome(sealed_signal(subject=(CLEAR_ID,), **presence)).clean
    unsigned = bytearray(sealed_signal(**presence))
    unsigned[-1] ^= 1
    assert not outcome(bytes(unsigned)).clean  # never read, so never known to be clean
    assert not outcome(b"\x00" * 70_000).clean
    wrong_topic = outcome(sealed_signal(**presence), acks_topic(SHOP))
    assert wrong_topic.reason is Reason.SCHEMA_UNKNOWN and not wrong_topic.clean


def test_the_worst_reject_fits_under_the_envelope_cap() -> None:
    # Everything as large as a stored row could hold it: a 64 KiB record kept whole, a 60 KB
    # detail (the echoed key id), a topic longer than Kafka allows.
    row: dict[str, Any] = {
        "original": b"\xff" * MAX_ENVELOPE_BYTES,
        "reason": "R" * 10_000,
        "topic": "alliance.signals." + "m" * 10_000,
        "partition": 2**31 - 1,
        "offset": 2**63 - 1,
        "detail": "é" * 60_000,  # two bytes each in UTF-8
        "rejected_at": datetime.now(UTC),
    }
    hub_key = SigningKey.generate(key_id="hub-" + "k" * 60)
    schema = catalog().newest("RejectedMessage")
    value = seal(schema, reject_record(row), "hub", hub_key).to_bytes()
    assert len(value) <= MAX_ENVELOPE_BYTES
    record = catalog().codec(schema).decode(decode_envelope(value).payload)
    assert record["original"] == row["original"][:KEPT_ORIGINAL_BYTES]
    assert len(record["topic"]) == 249 and len(record["detail"]) <= 500
