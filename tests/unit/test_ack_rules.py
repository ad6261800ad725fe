"""What an ack does, without services: acked_at within the clock-skew tolerance (the checks),
never before the instruction was sent on the member's own clock, replays known by content,
and an instruction's acknowledgement final."""

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest

from alliance_connector.envelope import seal
from alliance_connector.messages import AckStatus, InstructionAck
from alliance_connector.reasons import Reason
from alliance_connector.schemas import catalog
from alliance_connector.signing import SigningKey
from alliance_connector.topics import acks_topic, member_id
from hub.pipeline.acks import SEND_GRACE, AckTarget, claim_digest
from hub.pipeline.checks import CheckContext
from hub.pipeline.messages import AcceptedAck, Rejection
from hub.store.members import KeyRecord
from tests.unit.one_record import check_record

KEY = SigningKey.from_seed(bytes(range(32)))
MEMBER = "shop-a"
AT = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)  # the record's timestamp, on the broker's clock
SENT = AT - timedelta(seconds=30)
ACK = InstructionAck("ins-0001", MEMBER, AckStatus.EXECUTED, AT - timedelta(seconds=1), "done")
CONTEXT = CheckContext(
    keys={
        (MEMBER, KEY.key_id): KeyRecord(KEY.verify_key, MEMBER, AT - timedelta(days=1), None, None)
    },
    categories={},
    max_skew=timedelta(minutes=5),
    max_bytes=64 * 1024,
)


def checked(
    ack: InstructionAck, record_time: datetime = AT, issued_at: datetime | None = None
) -> AcceptedAck | Rejection:
    schema = catalog().newest("InstructionAck")
    sealed = seal(schema, ack.to_record(), MEMBER, KEY, issued_at or record_time)
    outcome = check_record(sealed.to_bytes(), acks_topic(member_id(MEMBER)), record_time, CONTEXT)
    assert isinstance(outcome, AcceptedAck | Rejection)
    return outcome


def target(final: bool = False, claims: set[str] | None = None) -> AckTarget:
    return AckTarget(MEMBER, SENT, final, claims or set())


@pytest.mark.parametrize(
    "acked_at",
    [datetime(2020, 1, 1, tzinfo=UTC), AT - timedelta(minutes=6), AT + timedelta(minutes=6)],
)
def test_acked_at_beyond_the_skew_tolerance_is_clock_skew(acked_at: datetime) -> None:
    outcome = checked(dataclasses.replace(ACK, acked_at=acked_at))
    assert isinstance(outcome, Rejection)
    assert outcome.reason is Reason.CLOCK_SKEW
    assert "acked_at" in outcome.detail
    assert str(acked_at.year) not in outcome.detail  # the rule, not the value


def test_acked_at_within_the_tolerance_passes_the_checks() -> None:
    outcome = checked(dataclasses.replace(ACK, acked_at=AT - timedelta(minutes=4)))
    assert isinstance(outcome, AcceptedAck)
    assert outcome.issued_at == AT


def test_the_first_ack_is_applied() -> None:
    assert target().judge(AcceptedAck(ACK, AT), AT) is None


def test_an_ack_for_another_members_instruction_is_wrong_member() -> None:
    elsewhere = AckTarget("shop-b", SENT, False)
    refusal = elsewhere.judge(AcceptedAck(ACK, AT), AT)
    assert isinstance(refusal, Rejection)
    assert refusal.reason is Reason.WRONG_MEMBER
    assert ACK.instruction_id not in refusal.detail


def test_the_same_content_sealed_again_is_a_replay() -> None:
    applied = target()
    applied.claimed(ACK, applied=True)
    # Sealed anew a minute later: another envelope, the same ack.
    later = AcceptedAck(ACK, AT + timedelta(minutes=1))
    refusal = applied.judge(later, AT + timedelta(minutes=1))
    assert isinstance(refusal, Rejection)
    assert refusal.reason is Reason.REPLAY


@pytest.mark.parametrize(
    "change",
    [
        {"status": AckStatus.REJECTED},
        {"note": "done, twice"},
        {"note": None},
        {"acked_at": ACK.acked_at + timedelta(milliseconds=1)},
    ],
)
def test_any_other_content_after_the_first_is_already_final(change: dict[str, object]) -> None:
    applied = target()
    applied.claimed(ACK, applied=True)
    other = dataclasses.replace(ACK, **change)  # type: ignore[arg-type]
    assert claim_digest(other) != claim_digest(ACK)
    refusal = applied.judge(AcceptedAck(other, AT), AT)
    assert isinstance(refusal, Rejection)
    assert refusal.reason is Reason.ACK_ALREADY_FINAL
    assert ACK.instruction_id not in refusal.detail and "twice" not in refusal.detail


def test_a_refused_claim_sent_again_is_a_replay() -> None:
    applied = target()
    applied.claimed(ACK, applied=True)
    other = dataclasses.replace(ACK, status=AckStatus.NOT_FOUND)
    applied.claimed(other, applied=False)
    refusal = applied.judge(AcceptedAck(other, AT), AT)
    assert isinstance(refusal, Rejection) and refusal.reason is Reason.REPLAY
    assert applied.final


def test_the_digest_ignores_what_travels_rounded() -> None:
    # acked_at travels in milliseconds: microseconds the sender had do not make another claim.
    finer = dataclasses.replace(ACK, acked_at=ACK.acked_at + timedelta(microseconds=999))
    assert claim_digest(finer) == claim_digest(ACK)


def test_an_act_before_the_instruction_was_sent_is_refused() -> None:
    # A minute before the send on a clock that agrees with the broker's (sealed at AT).
    early = dataclasses.replace(ACK, acked_at=SENT - timedelta(minutes=1))
    refusal = target().judge(AcceptedAck(early, AT), AT)
    assert isinstance(refusal, Rejection)
    assert refusal.reason is Reason.INVALID_FIELD
    assert "acked_at" in refusal.detail and "sent" in refusal.detail


def test_a_member_clock_behind_the_hubs_is_not_taken_for_an_early_act() -> None:
    # The member's clock runs 200 s slow: it acts 1 s after the send and seals at once; both
    # its times read 200 s early, the skew check lets them be, and so does this rule.
    slow = timedelta(seconds=200)
    acted = SENT + timedelta(seconds=1) - slow
    sealed = acted + timedelta(milliseconds=20)
    record_time = sealed + slow
    outcome = checked(dataclasses.replace(ACK, acked_at=acted), record_time, issued_at=sealed)
    assert isinstance(outcome, AcceptedAck)
    assert target().judge(outcome, record_time) is None


def test_an_ack_a_moment_before_the_send_was_marked_is_accepted() -> None:
    # The hub marks sent_at when the broker's confirmation arrives, after a member may read it.
    quick = dataclasses.replace(ACK, acked_at=SENT - SEND_GRACE + timedelta(milliseconds=1))
    assert target().judge(AcceptedAck(quick, quick.acked_at), quick.acked_at) is None


def test_an_instruction_not_marked_sent_counts_from_its_issue() -> None:
    # ack_targets gives issued_at as not_before while sent_at is null; the same rule holds.
    issued = AT - timedelta(seconds=10)
    unsent = AckTarget(MEMBER, issued, False)
    early = dataclasses.replace(ACK, acked_at=issued - timedelta(seconds=30))
    refusal = unsent.judge(AcceptedAck(early, AT), AT)
    assert isinstance(refusal, Rejection) and refusal.reason is Reason.INVALID_FIELD
