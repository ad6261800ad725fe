"""No error text quotes an input value (PIPL): resident IDs and mobile numbers fed into every
field, identifier rule, record check and import rule come back as a field and a rule, at most
a length or a position, never the value or a piece of it."""

import dataclasses
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alliance_connector.envelope import seal
from alliance_connector.errors import ConnectorError, InvalidField
from alliance_connector.identifiers import (
    Identifier,
    IdentifierScheme,
    normalize,
    personal_pattern,
    resident_id_check_digit,
)
from alliance_connector.messages import CreditSignal, Evidence, InstructionAck
from alliance_connector.schemas import catalog
from alliance_connector.signing import SigningKey
from alliance_connector.topics import acks_topic, member_id, signals_topic
from alliance_connector.validation import validate_ack, validate_signal
from hub.lists.row_rules import COLUMNS, RowChecker
from hub.pipeline.checks import CheckContext
from hub.pipeline.effects import bounded_detail
from hub.pipeline.messages import Rejection
from hub.store.members import KeyRecord
from tests.envelopes import rebuilt
from tests.testvectors import ACK, AT, SIGNAL
from tests.unit.one_record import check_record


@st.composite
def resident_ids(draw: st.DrawFn) -> str:
    region = draw(st.integers(110000, 659999))
    born = draw(st.dates(min_value=AT.date().replace(year=1900), max_value=AT.date()))
    first17 = f"{region}{born:%Y%m%d}{draw(st.integers(0, 999)):03d}"
    check = resident_id_check_digit(first17)
    if draw(st.booleans()):  # a mistyped check digit names a person all the same
        check = "0" if check != "0" else "1"
    return first17 + check


@st.composite
def mobiles(draw: st.DrawFn) -> str:
    national = f"1{draw(st.integers(3, 9))}{draw(st.integers(0, 10**9 - 1)):09d}"
    return draw(st.sampled_from(["{}", "+86{}", "0086{}", "86{}"])).format(national)


# What surrounds the value in a field: nothing, or enough to break a rule's shape.
DECORATIONS = ["{}", " {} ", "{}x", "{}:1", "jd:store:{}", "jd:account:{}", "sf:{}", "{}:{}"]
PERSONAL = st.tuples(st.one_of(resident_ids(), mobiles()), st.sampled_from(DECORATIONS)).map(
    lambda pair: pair[1].format(pair[0], pair[0])
)


def digits_of(value: str) -> str:
    return "".join(char for char in value if char.isdigit())


def assert_quotes_nothing(text: str, value: str) -> None:
    assert value not in text
    core = digits_of(value)[-11:]  # a resident ID's tail or a mobile's national number
    assert core not in digits_of(text)
    assert personal_pattern(text) is None, text


def message_of(action: Callable[[], object]) -> str | None:
    """The error text `action` raises, None if it passes."""
    try:
        action()
    except ConnectorError as exc:
        return str(exc)
    return None


def identifier_rules(value: str) -> list[Callable[[], object]]:
    rules: list[Callable[[], object]] = [
        lambda s=s: normalize(s, value, "subject[0]")  # type: ignore[misc]
        for s in IdentifierScheme
    ]
    rules.append(lambda: normalize(value, "x"))  # type: ignore[arg-type]  # the scheme itself
    rules.append(lambda: member_id(value))
    return rules


def record_rules(value: str) -> list[Callable[[], object]]:
    def signal(**changes: Any) -> Callable[[], None]:
        return lambda: validate_signal(dataclasses.replace(SIGNAL, **changes), signer="shop-a")

    def evidence(**changes: Any) -> Evidence:
        return dataclasses.replace(SIGNAL.evidence, **changes)

    def ack(**changes: Any) -> Callable[[], None]:
        return lambda: validate_ack(dataclasses.replace(ACK, **changes), signer="shop-a")

    subjects = [(Identifier(s, value),) for s in IdentifierScheme]
    return [
        signal(reporter=value),
        *(signal(subject=subject) for subject in subjects),
        signal(evidence=evidence(order_refs=(value,))),
        signal(evidence=evidence(waybill_refs=(value,))),
        signal(evidence=evidence(note=f"call {value}")),
        lambda: validate_signal(SIGNAL, signer=value),
        ack(member=value),
        ack(instruction_id=value),
        ack(note=f"owner {value}"),
        lambda: validate_ack(ACK, signer=value),
        lambda: CreditSignal.from_record(SIGNAL.to_record() | {"category": value}),
        lambda: CreditSignal.from_record(
            SIGNAL.to_record() | {"subject": [{"scheme": value, "value": "x"}]}
        ),
        lambda: InstructionAck.from_record(ACK.to_record() | {"status": value}),
    ]


@settings(max_examples=150, deadline=None)
@given(PERSONAL)
def test_no_identifier_or_field_rule_quotes_a_personal_value(value: str) -> None:
    refused = 0
    for rule in identifier_rules(value) + record_rules(value):
        text = message_of(rule)
        if text is not None:
            refused += 1
            assert_quotes_nothing(text, value)
    assert refused >= 10  # the rules above did refuse it, so their texts were looked at


KEY = SigningKey.from_seed(bytes(range(32)))
SHOP = member_id("shop-a")
CONTEXT = CheckContext(
    keys={
        ("shop-a", KEY.key_id): KeyRecord(KEY.verify_key, "shop-a", AT - timedelta(1), None, None)
    },
    categories={"shop-a": frozenset({"PRESENCE"})},  # FAKE_TRANSACTION is not allowed
    max_skew=timedelta(minutes=5),
    max_bytes=64 * 1024,
)


def sealed(record: dict[str, object], kind: str = "CreditSignal", **changes: Any) -> bytes:
    envelope = seal(catalog().newest(kind), record, "shop-a", KEY, AT)
    return rebuilt(envelope, **changes).to_bytes()


@settings(max_examples=60, deadline=None)
@given(PERSONAL)
def test_no_record_check_quotes_a_personal_value(value: str) -> None:
    # Signer, key id and payload type are strings the sender chose; so are the fields.
    note = dataclasses.replace(SIGNAL, evidence=Evidence(note=value))
    cases = [
        (sealed(SIGNAL.to_record(), signer=value), signals_topic(SHOP)),
        (sealed(SIGNAL.to_record(), key_id=value), signals_topic(SHOP)),
        (sealed(SIGNAL.to_record(), payload_type=value), signals_topic(SHOP)),
        (sealed(SIGNAL.to_record()), signals_topic(SHOP)),  # category not allowed
        (sealed(note.to_record()), signals_topic(SHOP)),
        (sealed(ACK.to_record() | {"note": value}, "InstructionAck"), acks_topic(SHOP)),
        (sealed(ACK.to_record() | {"instruction_id": value}, "InstructionAck"), acks_topic(SHOP)),
    ]
    for raw, topic in cases:
        outcome = check_record(raw, topic, AT, CONTEXT)
        assert isinstance(outcome, Rejection)
        assert_quotes_nothing(outcome.detail, value)
    late = check_record(sealed(SIGNAL.to_record(), key_id=value), signals_topic(SHOP), AT, CONTEXT)
    assert isinstance(late, Rejection) and str(len(value)) in late.detail  # a length is fine


@settings(max_examples=60, deadline=None)
@given(PERSONAL)
def test_no_import_row_rule_quotes_a_personal_value(value: str) -> None:
    checker = RowChecker(token_key=None)
    row = {column: value for column in COLUMNS} | {value: value, f"tel {value}": "1"}
    checker.check(2, row, keys_known=False)
    assert len(checker.problems) >= 10
    for problem in checker.problems:
        assert_quotes_nothing(f"{problem.field}: {problem.rule}", value)


def test_a_detail_that_would_hold_a_personal_number_is_withheld_and_bounded() -> None:
    assert "13812345678" not in bounded_detail("no key 'ed25519:13812345678'")
    assert personal_pattern(bounded_detail("got 11010519491231002X")) is None
    assert len(bounded_detail("x" * 60_000)) <= 500
    assert bounded_detail("signature does not verify") == "signature does not verify"


@pytest.mark.parametrize(
    "text",
    ["13812345678", "+86 138-1234-5678", "电话１３８１２３４５６７８", "11010519491231002x",
     "ID 110105 19491231 002X", "key ed25519:14316122440",
     # what an outside attack got past the first version of the detector
     "phone13812345678", "mobile13812345678", "13812345678abc", "138.1234.5678",
     "138  1234  5678", "138\u200b1234\u200b5678", "138_1234_5678", "(138)1234-5678",
     "138—1234—5678", "110105.19491231.0021", "110105/19491231/0021",
     "110105  19491231  0021", "1101\u200b0519491231\u200b0021"],
)  # fmt: skip
def test_the_pattern_detector_finds_numbers_as_people_write_them(text: str) -> None:
    assert personal_pattern(text) is not None


@settings(max_examples=300, deadline=None)
@given(st.binary(min_size=16, max_size=32))
def test_the_pattern_detector_leaves_digests_and_tokens_alone(raw: bytes) -> None:
    # (a hex run of 16 or more with a letter in it is blanked before looking)
    assert personal_pattern("tk1:" + raw.hex()) is None
    assert personal_pattern("ins-" + raw.hex()[:40]) is None


def test_invalid_field_names_the_field_and_rule_only() -> None:
    error = InvalidField("evidence.note", "holds what looks like a mobile number; leave it out")
    assert str(error) == "evidence.note: holds what looks like a mobile number; leave it out"
