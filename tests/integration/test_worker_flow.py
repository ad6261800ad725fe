"""The worker end to end on the real broker and PostgreSQL: a blacklisted subject is sanctioned
at every member that tied its presence to it itself; acks update the store; the ledger
verifies."""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from alliance_connector import (
    AckStatus,
    BrokerConnection,
    Identifier,
    IdentifierScheme,
    InstructionListener,
    SanctionAction,
    SanctionInstruction,
    SignalCategory,
)
from hub.ledger.verify import verify
from hub.store.schema import instructions, ledger, reviews
from tests.integration.alliance import (
    Alliance,
    RunningWorker,
    instructions_for,
    wait_until,
)

USCC = Identifier(IdentifierScheme.USCC, "91330100799655058B")


def store(name: str) -> Callable[[Alliance], Identifier]:
    return lambda alliance: Identifier(
        IdentifierScheme.STORE, f"{alliance.members[name].id}:store:{name}-1"
    )


def test_joint_sanction_reaches_every_member_that_tied_its_presence(alliance: Alliance) -> None:
    alliance.join("mall")
    alliance.join("social")
    alliance.join("express", kind="logistics")
    alliance.blacklist("entry-1", USCC)
    mall_store, social_store = store("mall")(alliance), store("social")(alliance)

    with RunningWorker(alliance.worker()):
        # The subject holds stores at two platforms; the logistics firm only reports it.
        alliance.members["mall"].publisher.report(
            alliance.signal("mall", SignalCategory.PRESENCE, mall_store, USCC)
        )
        alliance.members["social"].publisher.report(
            alliance.signal("social", SignalCategory.PRESENCE, social_store)
        )
        # A fake-order report naming the social store with the blacklisted company: what the
        # carrier believes, evidence, but no tie of social's store to the company.
        alliance.members["express"].publisher.report(
            alliance.signal("express", SignalCategory.FAKE_TRANSACTION, USCC, social_store)
        )
        wait_until(
            lambda: alliance.count(instructions, instructions.c.sent_at.is_not(None)) == 2,
            what="2 instructions sent",
        )
        social = alliance.members["social"].id
        assert alliance.count(instructions, instructions.c.target_member == social) == 0
        # social itself ties its store to the company: now the joint sanction follows.
        alliance.members["social"].publisher.report(
            alliance.signal("social", SignalCategory.PRESENCE, social_store, USCC)
        )
        wait_until(
            lambda: alliance.count(instructions, instructions.c.sent_at.is_not(None)) == 4,
            what="4 instructions sent",
        )
        mall = instructions_for(alliance, alliance.members["mall"].id, 2)
        at_social = instructions_for(alliance, social, 2)

    # The default policy for an OVERDUE blacklisted subject, at each platform where it is;
    # public exposure waits for an operator, one review item per platform.
    overdue_at_a_platform = {SanctionAction.RESTRICT_MEMBERSHIP, SanctionAction.BLOCK_STORE}
    assert {i.action for i in mall} == overdue_at_a_platform
    assert {i.action for i in at_social} == overdue_at_a_platform
    assert all(i.cause.list_entry_id == "entry-1" for i in mall + at_social)
    # Each member learns the subject by its own store and the public USCC, nothing more.
    assert set(mall[0].subject) == {mall_store, USCC}
    assert set(at_social[0].subject) == {social_store, USCC}
    total = alliance.scalar(sa.select(sa.func.count()).select_from(instructions))
    assert total == 4  # the logistics firm has no presence: nothing for it
    assert alliance.count(reviews, reviews.c.kind == "SANCTION") == 2


def test_acks_update_instructions_and_the_ledger_verifies(alliance: Alliance) -> None:
    mall = alliance.join("mall")
    alliance.blacklist("entry-2", USCC)
    with RunningWorker(alliance.worker()):
        mall.publisher.report(
            alliance.signal("mall", SignalCategory.PRESENCE, store("mall")(alliance), USCC)
        )
        wait_until(
            lambda: alliance.count(instructions, instructions.c.sent_at.is_not(None)) == 2,
            what="2 instructions sent",
        )
        listener = InstructionListener(
            mall.id, [alliance.hub_key.verify_key], mall.key, BrokerConnection(alliance.bootstrap)
        )
        received: list[SanctionInstruction] = []
        deadline = datetime.now(UTC) + timedelta(seconds=30)
        while len(received) < 2 and datetime.now(UTC) < deadline:
            if (instruction := listener.receive(timeout_s=1)) is not None:
                received.append(instruction)
                listener.ack(instruction, AckStatus.EXECUTED, "done")
        listener.close()
        wait_until(
            lambda: (
                alliance.scalar(
                    sa.select(sa.func.count())
                    .select_from(instructions)
                    .where(instructions.c.ack_status == "EXECUTED")
                )
                == 2
            ),
            what="2 acks applied",
        )

    with alliance.engine.connect() as connection:
        kinds = [
            row.kind for row in connection.execute(sa.select(ledger.c.kind).order_by(ledger.c.seq))
        ]
        report = verify(connection)
    assert kinds.count("SIGNAL_ACCEPTED") == 1
    assert kinds.count("INSTRUCTION_ISSUED") == 2
    assert kinds.count("REVIEW_OPENED") == 1  # the public exposure, for an operator
    assert kinds.count("ACK_APPLIED") == 2
    assert report.ok, report.problems
