"""The worker end to end on the real broker and PostgreSQL: a blacklisted subject reported by
one member is sanctioned at every member where its cluster is active; acks update the store;
the ledger verifies."""

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
from hub.store.schema import instructions, ledger
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


def test_joint_sanction_reaches_every_member_with_presence(alliance: Alliance) -> None:
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
        # A fake-order report linking the social store to the blacklisted company.
        alliance.members["express"].publisher.report(
            alliance.signal("express", SignalCategory.FAKE_TRANSACTION, USCC, social_store)
        )
        wait_until(
            lambda: alliance.count(instructions, instructions.c.sent_at.is_not(None)) == 6,
            what="6 instructions sent",
        )
        mall = instructions_for(alliance, alliance.members["mall"].id, 3)
        social = instructions_for(alliance, alliance.members["social"].id, 3)

    # The default policy for an OVERDUE blacklisted subject, at each platform where it is.
    overdue_at_a_platform = {
        SanctionAction.RESTRICT_MEMBERSHIP,
        SanctionAction.BLOCK_STORE,
        SanctionAction.PUBLIC_EXPOSURE,
    }
    assert {i.action for i in mall} == overdue_at_a_platform
    assert {i.action for i in social} == overdue_at_a_platform
    assert all(i.cause.list_entry_id == "entry-1" for i in mall + social)
    # Each member learns the subject by its own store and the public USCC, nothing more.
    assert set(mall[0].subject) == {mall_store, USCC}
    assert set(social[0].subject) == {social_store, USCC}
    total = alliance.scalar(sa.select(sa.func.count()).select_from(instructions))
    assert total == 6  # the logistics firm has no presence: nothing for it


def test_acks_update_instructions_and_the_ledger_verifies(alliance: Alliance) -> None:
    mall = alliance.join("mall")
    alliance.blacklist("entry-2", USCC)
    with RunningWorker(alliance.worker()):
        mall.publisher.report(
            alliance.signal("mall", SignalCategory.PRESENCE, store("mall")(alliance), USCC)
        )
        wait_until(
            lambda: alliance.count(instructions, instructions.c.sent_at.is_not(None)) == 3,
            what="3 instructions sent",
        )
        listener = InstructionListener(
            mall.id, [alliance.hub_key.verify_key], mall.key, BrokerConnection(alliance.bootstrap)
        )
        received: list[SanctionInstruction] = []
        deadline = datetime.now(UTC) + timedelta(seconds=30)
        while len(received) < 3 and datetime.now(UTC) < deadline:
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
                == 3
            ),
            what="3 acks applied",
        )

    with alliance.engine.connect() as connection:
        kinds = [
            row.kind for row in connection.execute(sa.select(ledger.c.kind).order_by(ledger.c.seq))
        ]
        report = verify(connection)
    assert kinds.count("SIGNAL_ACCEPTED") == 1
    assert kinds.count("INSTRUCTION_ISSUED") == 3
    assert kinds.count("ACK_APPLIED") == 3
    assert report.ok, report.problems
