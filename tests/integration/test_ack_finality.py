"""An instruction's acknowledgement is final, on the real broker and each store: an exact replay
is REPLAY and applied once, a second ack with another status is ACK_ALREADY_FINAL and kept as
a claim, and acked_at is refused when out of the skew window or before the instruction was
sent."""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from kafka import KafkaProducer

from alliance_connector import (
    Identifier,
    IdentifierScheme,
    InstructionAck,
    Reason,
    SignalCategory,
    acks_topic,
    catalog,
    seal,
)
from alliance_connector.messages import AckStatus
from hub.ledger.verify import verify
from hub.store.schema import ack_claims, instructions, ledger, rejects
from hub.store.timestamps import as_utc
from tests.integration.alliance import Alliance, Member, RunningWorker, wait_until

USCC = Identifier(IdentifierScheme.USCC, "91330100799655058B")


@pytest.fixture
def producer(alliance_on_each_store: Alliance) -> Iterator[KafkaProducer]:
    made = KafkaProducer(bootstrap_servers=alliance_on_each_store.bootstrap, acks="all")
    yield made
    made.close()


def sealed_ack(member: Member, instruction_id: str, status: AckStatus, **fields: object) -> bytes:
    ack = InstructionAck(
        instruction_id,
        member.id,
        status,
        fields.pop("acked_at", datetime.now(UTC)),  # type: ignore[arg-type]
        fields.pop("note", None),  # type: ignore[arg-type]
    )
    return seal(
        catalog().newest("InstructionAck"), ack.to_record(), member.id, member.key
    ).to_bytes()


def send(producer: KafkaProducer, member: Member, instruction_id: str, value: bytes) -> None:
    # The instruction id is the key the contract names: one instruction's acks stay in order.
    producer.send(acks_topic(member.id), value, key=instruction_id.encode()).get(30)


def sent_instruction(alliance: Alliance) -> tuple[Member, str, datetime]:
    """A member with one sent instruction: (the member, its id, its sent_at)."""
    mall = alliance.join("mall")
    alliance.blacklist("entry-ack", USCC)
    mall.publisher.report(alliance.signal("mall", SignalCategory.PRESENCE, USCC))
    wait_until(
        lambda: alliance.count(instructions, instructions.c.sent_at.is_not(None)) >= 1,
        what="an instruction sent",
    )
    with alliance.engine.connect() as connection:
        row = connection.execute(
            sa.select(instructions.c.instruction_id, instructions.c.sent_at)
            .where(instructions.c.sent_at.is_not(None))
            .order_by(instructions.c.instruction_id)
            .limit(1)
        ).one()
    return mall, row.instruction_id, as_utc(row.sent_at)


def rejects_of(alliance: Alliance) -> list[tuple[str, str]]:
    with alliance.engine.connect() as connection:
        rows = connection.execute(
            sa.select(rejects.c.reason, rejects.c.detail).order_by(rejects.c.reject_id)
        )
        return [(r.reason, r.detail) for r in rows]


def ack_of(alliance: Alliance, instruction_id: str) -> tuple[str | None, str | None]:
    with alliance.engine.connect() as connection:
        row = connection.execute(
            sa.select(instructions.c.ack_status, instructions.c.ack_note).where(
                instructions.c.instruction_id == instruction_id
            )
        ).one()
    return row.ack_status, row.ack_note


def ledger_kinds(alliance: Alliance, *kinds: str) -> list[str]:
    with alliance.engine.connect() as connection:
        assert verify(connection).ok
        return list(
            connection.scalars(
                sa.select(ledger.c.kind).where(ledger.c.kind.in_(kinds)).order_by(ledger.c.seq)
            )
        )


def test_an_exact_replay_is_refused_and_applied_once(
    alliance_on_each_store: Alliance, producer: KafkaProducer
) -> None:
    alliance = alliance_on_each_store
    with RunningWorker(alliance.worker()):
        mall, instruction_id, _ = sent_instruction(alliance)
        value = sealed_ack(mall, instruction_id, AckStatus.EXECUTED, note="store closed")
        send(producer, mall, instruction_id, value)
        send(producer, mall, instruction_id, value)  # the same bytes again
        wait_until(lambda: alliance.count(rejects) == 1, what="the replay refused")

    assert [reason for reason, _ in rejects_of(alliance)] == [Reason.REPLAY]
    assert ack_of(alliance, instruction_id) == ("EXECUTED", "store closed")
    assert ledger_kinds(alliance, "ACK_APPLIED", "ACK_REJECTED") == ["ACK_APPLIED", "ACK_REJECTED"]
    assert alliance.count(ack_claims) == 1


def test_a_second_ack_with_another_status_is_refused_and_kept_as_a_claim(
    alliance_on_each_store: Alliance, producer: KafkaProducer
) -> None:
    alliance = alliance_on_each_store
    with RunningWorker(alliance.worker()):
        mall, instruction_id, _ = sent_instruction(alliance)
        first = sealed_ack(mall, instruction_id, AckStatus.EXECUTED, note="store closed")
        second = sealed_ack(mall, instruction_id, AckStatus.REJECTED, note="changed our mind")
        send(producer, mall, instruction_id, first)
        send(producer, mall, instruction_id, second)
        wait_until(lambda: alliance.count(rejects) == 1, what="the second ack refused")
        send(producer, mall, instruction_id, second)  # and that claim, sent again, a replay
        wait_until(lambda: alliance.count(rejects) == 2, what="its replay refused")

    refused = rejects_of(alliance)
    assert [reason for reason, _ in refused] == [Reason.ACK_ALREADY_FINAL, Reason.REPLAY]
    # The refusal names the rule, never the instruction or what the note said.
    assert not [d for _, d in refused if instruction_id in d or "mind" in d]
    assert ack_of(alliance, instruction_id) == ("EXECUTED", "store closed")
    with alliance.engine.connect() as connection:
        claims = connection.execute(
            sa.select(
                ack_claims.c.status,
                ack_claims.c.note,
                ack_claims.c.outcome,
                ack_claims.c.member_id,
                ledger.c.kind,
                ledger.c.reason,
            )
            .join(ledger, ledger.c.seq == ack_claims.c.ledger_seq)
            .where(ack_claims.c.instruction_id == instruction_id)
            .order_by(ack_claims.c.ledger_seq)
        ).all()
    assert [tuple(c) for c in claims] == [
        ("EXECUTED", "store closed", "APPLIED", mall.id, "ACK_APPLIED", None),
        (
            "REJECTED",
            "changed our mind",
            "ACK_ALREADY_FINAL",
            mall.id,
            "ACK_REJECTED",
            "ACK_ALREADY_FINAL",
        ),
    ]


def test_acked_at_out_of_the_skew_window_or_before_the_send_is_refused(
    alliance_on_each_store: Alliance, producer: KafkaProducer
) -> None:
    alliance = alliance_on_each_store
    with RunningWorker(alliance.worker()):
        mall, instruction_id, sent_at = sent_instruction(alliance)
        in_2020 = datetime(2020, 3, 1, tzinfo=UTC)
        # Well inside the 300 s skew window of now, but a minute before the hub sent it.
        before_sent = min(sent_at, datetime.now(UTC)) - timedelta(seconds=60)
        for acked_at in (in_2020, before_sent):
            value = sealed_ack(mall, instruction_id, AckStatus.EXECUTED, acked_at=acked_at)
            send(producer, mall, instruction_id, value)
        wait_until(lambda: alliance.count(rejects) == 2, what="both acks refused")
        assert ack_of(alliance, instruction_id) == (None, None)
        # Neither was final: an ack in time is applied after them.
        send(producer, mall, instruction_id, sealed_ack(mall, instruction_id, AckStatus.NOT_FOUND))
        wait_until(
            lambda: ack_of(alliance, instruction_id)[0] == "NOT_FOUND", what="the good ack applied"
        )

    refused = rejects_of(alliance)
    assert [reason for reason, _ in refused] == [Reason.CLOCK_SKEW, Reason.INVALID_FIELD]
    assert all("acked_at" in detail and "2020" not in detail for _, detail in refused)
    assert alliance.count(ack_claims) == 1
