"""Every instruction names the section of notice 2018-716 it rests on (§4 in rectification and
for the watch list, §5 for a blacklisted subject past its deadline) and, while the entry is in
its rectification period, is reviewed at the entry's rectification deadline."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from alliance_connector.identifiers import Identifier, IdentifierScheme
from alliance_connector.messages import ListType, SanctionAction, SignalCategory
from hub.domain.lists import ListStatus
from hub.pipeline.worker.relay import instruction_message
from hub.policy.loading import default_policy
from hub.policy.sections import notice_section
from hub.sanctions.index import IndexedEntry, ListIndex
from hub.sanctions.instructions import NewInstruction, Trigger, issue_for_clusters
from hub.sanctions.reconcile import reconcile_entry
from hub.store.engine import open_engine
from hub.store.links import insert_assertions
from hub.store.matching import entry_now as current_entry
from hub.store.members import register_member
from hub.store.migrate import upgrade
from hub.store.reviews import ReviewKind, ReviewState, decide, review_id, review_of
from hub.store.schema import (
    instructions,
    list_entries,
    list_entry_identifiers,
    presences,
    subject_identifiers,
)

USCC = ("USCC", "91330100000000001X")
STORE = ("STORE", "mall:store:7")
NOW = datetime(2026, 11, 29, 8, 30, tzinfo=UTC)
DEADLINE = datetime(2027, 2, 28, 16, 0, tzinfo=UTC)
NOTICE = "发改财金〔2018〕716号"


def issue(
    tmp_path: Path, list_type: ListType, status: ListStatus, misconduct: bool = False
) -> tuple[sa.Engine, list[NewInstruction]]:
    """The instructions for a signal from `mall`, where the subject holds a store, about a
    subject on `list_type` in `status` (deadline DEADLINE)."""
    engine = open_engine(f"sqlite:///{tmp_path / 'store.sqlite3'}")
    upgrade(engine)
    with engine.begin() as connection:
        register_member(connection, "mall", "platform", "Mall", list(SignalCategory), NOW)
        connection.execute(
            list_entries.insert().values(
                entry_id="e-1",
                list_type=str(list_type),
                category="FAKE_TRANSACTION",
                status=str(status),
                listed_at=NOW - timedelta(days=10),
                rectification_deadline=DEADLINE,
            )
        )
        connection.execute(
            subject_identifiers.insert(),
            [{"scheme": s, "value": v, "cluster_id": "c-1"} for s, v in (USCC, STORE)],
        )
        connection.execute(
            presences.insert().values(
                member_id="mall", scheme=STORE[0], value=STORE[1], first_seen=NOW
            )
        )
        connection.execute(
            list_entry_identifiers.insert().values(entry_id="e-1", scheme=USCC[0], value=USCC[1])
        )
        # mall itself tied its store to the listed company (a PRESENCE it reported)
        insert_assertions(connection, [((STORE, USCC), "mall", "presence-1", "strong", False)], NOW)
    index = ListIndex()
    index.put(
        IndexedEntry(
            "e-1", 1, list_type, SignalCategory.FAKE_TRANSACTION, status, frozenset({USCC})
        )
    )
    subject = (Identifier(IdentifierScheme.USCC, USCC[1]),)
    trigger = Trigger("signal-1", NOW, "mall", misconduct, subject)
    with engine.begin() as connection:
        issued = issue_for_clusters(
            connection, {"c-1": [trigger]}, index, default_policy(), NOW
        ).issued
    assert issued
    return engine, issued


def move_and_reconcile(engine: sa.Engine, status: ListStatus) -> list[NewInstruction]:
    with engine.begin() as connection:
        connection.execute(list_entries.update().values(status=str(status)))
        entry = current_entry(connection, "e-1")
        decided = reconcile_entry(
            connection, entry, ["c-1"], default_policy(), Trigger("transition:1", NOW), NOW
        )
    return decided.issued + decided.lifted


def test_joint_sanctions_of_an_overdue_blacklisted_subject_rest_on_section_5(
    tmp_path: Path,
) -> None:
    _, issued = issue(tmp_path, ListType.BLACKLIST, ListStatus.OVERDUE)
    assert {new.action for new in issued} >= {SanctionAction.BLOCK_STORE}
    sent = [instruction_message(new.row) for new in issued]
    assert {m.legal_basis for m in sent} == {f"{NOTICE} §5"}
    # Open-ended: they last until the subject rectifies or is delisted.
    assert {m.review_at for m in sent} == {None}


def test_a_reporter_sanction_during_rectification_rests_on_section_4_until_the_deadline(
    tmp_path: Path,
) -> None:
    _, issued = issue(tmp_path, ListType.BLACKLIST, ListStatus.NOTIFIED, misconduct=True)
    sent = [instruction_message(new.row) for new in issued]
    assert [m.action for m in sent] == [SanctionAction.LOWER_CREDIT_RATING]
    assert sent[0].legal_basis == f"{NOTICE} §4"
    assert sent[0].review_at == DEADLINE


@pytest.mark.parametrize(
    ("status", "review"), [(ListStatus.LISTED, DEADLINE), (ListStatus.OVERDUE, None)]
)
def test_the_watch_list_rests_on_section_4_in_every_status(
    tmp_path: Path, status: ListStatus, review: datetime | None
) -> None:
    _, issued = issue(tmp_path, ListType.WATCHLIST, status)
    sent = [instruction_message(new.row) for new in issued]
    assert [(m.legal_basis, m.review_at) for m in sent] == [(f"{NOTICE} §4", review)]


def test_the_stored_row_holds_what_is_sent(tmp_path: Path) -> None:
    engine, issued = issue(tmp_path, ListType.WATCHLIST, ListStatus.COMMITTED)
    with engine.connect() as connection:
        row = connection.execute(sa.select(instructions)).one()
    assert instruction_message(row._mapping) == instruction_message(issued[0].row)
    assert instruction_message(row._mapping).review_at == DEADLINE


def test_lifts_after_rectification_rest_on_section_4_and_are_not_reviewed(
    tmp_path: Path,
) -> None:
    engine, issued = issue(tmp_path, ListType.BLACKLIST, ListStatus.OVERDUE)
    lifts = move_and_reconcile(engine, ListStatus.RECTIFIED)
    assert {new.supersedes for new in lifts} == {new.instruction_id for new in issued}
    sent = [instruction_message(new.row) for new in lifts]
    assert {(m.action, m.legal_basis, m.review_at) for m in sent} == {
        (SanctionAction.LIFT, f"{NOTICE} §4", None)
    }


def test_an_escalation_that_replaces_a_sanction_rests_on_section_5(tmp_path: Path) -> None:
    engine, _ = issue(tmp_path, ListType.BLACKLIST, ListStatus.OVERDUE)
    # Closing a store waits for an operator; the store stays blocked meanwhile.
    assert move_and_reconcile(engine, ListStatus.ESCALATED) == []
    key = review_id(ReviewKind.SANCTION, "e-1", "mall", str(SanctionAction.CLOSE_STORE))
    with engine.begin() as connection:
        assert review_of(connection, key) is not None
        assert decide(connection, key, ReviewState.CONFIRMED, "op", "seen the file", NOW)
    changed = move_and_reconcile(engine, ListStatus.ESCALATED)
    # CLOSE_STORE is issued and the BLOCK_STORE it supersedes lifted, both under §5.
    assert {new.action for new in changed} == {SanctionAction.CLOSE_STORE, SanctionAction.LIFT}
    assert {instruction_message(new.row).legal_basis for new in changed} == {f"{NOTICE} §5"}


@pytest.mark.parametrize("status", list(ListStatus))
@pytest.mark.parametrize("list_type", [ListType.BLACKLIST, ListType.WATCHLIST])
def test_only_a_blacklisted_subject_past_its_deadline_is_under_section_5(
    list_type: ListType, status: ListStatus
) -> None:
    overdue = status in (ListStatus.OVERDUE, ListStatus.ESCALATED)
    expected = "§5" if list_type is ListType.BLACKLIST and overdue else "§4"
    assert notice_section(list_type, status) == expected
