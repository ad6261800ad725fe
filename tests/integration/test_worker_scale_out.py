"""Two workers in one consumer group share the partitions and together produce exactly the
effects one worker would."""

import sqlalchemy as sa

from alliance_connector import Identifier, IdentifierScheme, SanctionAction, SignalCategory
from hub.ledger.verify import verify
from hub.sanctions.instructions import instruction_id
from hub.store.schema import accepted_signals, instructions, ledger, reviews
from tests.integration.alliance import (
    Alliance,
    RunningWorker,
    numbered_uscc,
    wait_for_disjoint_assignments,
    wait_until,
)

SUBJECTS = 60
LISTED = 20

# What the default policy sends each platform where an OVERDUE blacklisted subject is present
# (its public exposure waits in the review queue).
OVERDUE_AT_A_PLATFORM = (SanctionAction.RESTRICT_MEMBERSHIP, SanctionAction.BLOCK_STORE)


def uscc(n: int) -> Identifier:
    return numbered_uscc(n, "914403")


def test_two_workers_share_the_load_with_the_effects_of_one(alliance: Alliance) -> None:
    mall, social = alliance.join("mall"), alliance.join("social")
    for n in range(LISTED):
        alliance.blacklist(f"entry-{n}", uscc(n))
    first, second = alliance.worker(), alliance.worker()
    with RunningWorker(first), RunningWorker(second):
        wait_for_disjoint_assignments(first, second)
        for name in ("mall", "social"):
            member = alliance.members[name]
            member.publisher.report_many(
                [
                    alliance.signal(
                        name,
                        SignalCategory.PRESENCE,
                        uscc(n),
                        Identifier(IdentifierScheme.STORE, f"{member.id}:store:{n}"),
                    )
                    for n in range(SUBJECTS)
                ]
                + [
                    alliance.signal(name, SignalCategory.FAKE_TRANSACTION, uscc(n))
                    for n in range(SUBJECTS)
                    for _ in range(5)
                ]
            )
        total = 2 * SUBJECTS * 6
        wait_until(
            lambda: (
                alliance.scalar(sa.select(sa.func.count()).select_from(accepted_signals)) == total
            ),
            what="all signals handled",
        )
        wait_until(
            lambda: (
                alliance.scalar(
                    sa.select(sa.func.count())
                    .select_from(instructions)
                    .where(instructions.c.sent_at.is_(None))
                )
                == 0
            ),
            what="all instructions sent",
        )

    assert first.stats is not None and second.stats is not None
    assert first.stats.records > 0 and second.stats.records > 0  # both took partitions
    expected = {
        instruction_id(f"entry-{n}", member.id, action)
        for n in range(LISTED)
        for member in (mall, social)
        for action in OVERDUE_AT_A_PLATFORM
    }
    with alliance.engine.connect() as connection:
        stored = list(connection.scalars(sa.select(instructions.c.instruction_id)))
        waiting = list(connection.scalars(sa.select(reviews.c.action)))
        accepted_rows = connection.scalar(
            sa.select(sa.func.count()).select_from(ledger).where(ledger.c.kind == "SIGNAL_ACCEPTED")
        )
        assert verify(connection).ok
    assert sorted(stored) == sorted(expected)
    assert waiting == ["PUBLIC_EXPOSURE"] * (2 * LISTED)  # one review item each, no candidate
    assert accepted_rows == total
