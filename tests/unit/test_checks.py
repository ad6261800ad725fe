"""The record checks around the batch's signature verification: nothing a record says is read
before its signature verified, and every record gets its outcome, in order."""

from datetime import timedelta

import pytest

from alliance_connector.envelope import SignedEnvelope, seal
from alliance_connector.reasons import Reason
from alliance_connector.schemas import catalog
from alliance_connector.signing import SigningKey
from alliance_connector.topics import member_id, signals_topic
from hub.pipeline.checks import CheckContext, open_batch, read_batch
from hub.pipeline.messages import AcceptedSignal, Rejection
from hub.pipeline.signatures import SignatureVerifier
from hub.store.members import KeyRecord
from tests.envelopes import rebuilt
from tests.testvectors import AT, SIGNAL
from tests.unit.one_record import check_record

KEY = SigningKey.from_seed(bytes(range(32)))
TOPIC = signals_topic(member_id("shop-a"))
CONTEXT = CheckContext(
    keys={
        ("shop-a", KEY.key_id): KeyRecord(
            KEY.verify_key, "shop-a", AT - timedelta(days=1), None, None
        )
    },
    categories={"shop-a": frozenset({str(SIGNAL.category)})},
    max_skew=timedelta(minutes=5),
    max_bytes=64 * 1024,
)


def envelope(**changes: object) -> SignedEnvelope:
    sealed = seal(catalog().newest("CreditSignal"), SIGNAL.to_record(), "shop-a", KEY, AT)
    return rebuilt(sealed, **changes)


def outcome_kind(outcome: object) -> str:
    return str(outcome.reason) if isinstance(outcome, Rejection) else type(outcome).__name__


def test_one_good_record_is_accepted() -> None:
    outcome = check_record(envelope().to_bytes(), TOPIC, AT, CONTEXT)
    assert isinstance(outcome, AcceptedSignal)
    assert outcome.signal == SIGNAL


def test_a_bad_signature_hides_an_undecodable_payload() -> None:
    # Garbage the signature does not cover must be refused for its signature, never parsed.
    garbage = envelope(payload=b"\xff" * 40)
    outcome = check_record(garbage.to_bytes(), TOPIC, AT, CONTEXT)
    assert isinstance(outcome, Rejection)
    assert outcome.reason is Reason.BAD_SIGNATURE
    assert outcome.detail == "signature does not verify under the signer's registered key"


@pytest.mark.parametrize("processes", [0, 1])
def test_a_mixed_batch_keeps_its_order(processes: int) -> None:
    good = envelope()
    records = [
        (good.to_bytes(), TOPIC, AT),
        (envelope(signature=b"\x00" * 64).to_bytes(), TOPIC, AT),
        (good.to_bytes(), signals_topic(member_id("shop-b")), AT),
        (envelope(key_id="ed25519:unknown").to_bytes(), TOPIC, AT),
        (None, TOPIC, AT),
        (good.to_bytes(), TOPIC, AT + timedelta(hours=1)),
        (good.to_bytes(), TOPIC, AT),
    ]
    batch = open_batch(records, CONTEXT)
    # Only records that passed the checks before the signature have one to verify.
    assert len(batch.signature_checks) == 4
    verifier = SignatureVerifier(processes)
    try:
        outcomes = read_batch(batch, verifier.verify(batch.signature_checks))
    finally:
        verifier.close()
    assert [outcome_kind(o) for o in outcomes] == [
        "AcceptedSignal",
        "BAD_SIGNATURE",
        "SIGNER_TOPIC_MISMATCH",
        "UNKNOWN_KEY",
        "DECODE_ERROR",
        "CLOCK_SKEW",
        "AcceptedSignal",
    ]
    assert outcomes == [check_record(*record, CONTEXT) for record in records]


def test_read_batch_needs_one_answer_per_signature() -> None:
    batch = open_batch([(envelope().to_bytes(), TOPIC, AT)], CONTEXT)
    with pytest.raises(ValueError, match="0 signature results for 1 signatures"):
        read_batch(batch, [])
