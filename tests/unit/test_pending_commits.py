"""Offsets stay pending until a commit carrying them is accepted: a failed commit is sent again
(issue 18: a partition that got nothing more kept its committed offset behind the ledger)."""

from hub.kafka.clients import OffsetAndMetadata, TopicPartition
from hub.pipeline.worker.commits import RETRY_AFTER_S, PendingCommits

A, B = TopicPartition("alliance.signals.a", 0), TopicPartition("alliance.signals.b", 0)


def at(offset: int) -> OffsetAndMetadata:
    return OffsetAndMetadata(offset, "", -1)


def test_a_failed_commit_is_sent_again_until_one_is_accepted() -> None:
    clock = [100.0]
    pending = PendingCommits(clock=lambda: clock[0])
    pending.add({A: at(60)})
    sent = pending.to_send({A})
    assert sent == {A: at(60)}
    pending.answered(sent, RuntimeError("NodeNotReadyError: coordinator"))
    assert pending.failures == 1
    assert pending.to_send({A}) == {}  # not within the second after a failure
    clock[0] += RETRY_AFTER_S
    # Nothing new was stored, and still the offset goes out again.
    again = pending.to_send({A})
    assert again == {A: at(60)}
    pending.answered(again, None)
    assert pending.to_send({A}) == {} and len(pending) == 0 and pending.failures == 0


def test_one_commit_in_flight_and_the_highest_offset_wins() -> None:
    pending = PendingCommits()
    pending.add({A: at(10)})
    first = pending.to_send({A, B})
    pending.add({A: at(20), B: at(5)})
    pending.add({A: at(15)})  # never backwards
    assert pending.to_send({A, B}) == {}  # the first is still unanswered
    assert pending.to_send({A, B}, force=True) == {A: at(20), B: at(5)}  # the last, at stop
    pending.answered(first, None)  # 10 accepted: 20 is still to confirm
    assert pending.to_send({A, B}) == {A: at(20), B: at(5)}


def test_a_revoked_partition_is_left_to_its_new_owner() -> None:
    pending = PendingCommits()
    pending.add({A: at(3), B: at(4)})
    assert pending.to_send({B}) == {B: at(4)}
    pending.answered({B: at(4)}, None)
    assert pending.to_send({A, B}) == {}  # A was forgotten when it was revoked
