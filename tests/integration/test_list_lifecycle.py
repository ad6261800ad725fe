"""The notice's process end to end on the real broker and store: import -> listed -> signal ->
instruction -> deadline passes (injected clock) -> overdue -> escalation at every member with
presence -> joint sanction at a newly seen platform -> acks -> rectified and delisted -> LIFTs."""

import dataclasses
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from alliance_connector import AckStatus, BrokerConnection, InstructionListener
from alliance_connector.identifiers import Identifier, IdentifierScheme
from alliance_connector.messages import SanctionAction, SignalCategory
from hub.domain.lists import ListStatus
from hub.errors import IllegalTransition
from hub.ledger.verify import verify
from hub.lists.imports import apply_import
from hub.lists.lifecycle import move
from hub.lists.reading import read_list_file
from hub.lists.reviews import decide_review
from hub.lists.scheduler import run_due
from hub.policy.loading import default_policy
from hub.policy.rules import diff_decisions
from hub.sanctions.index import ListFollower, ListIndex
from hub.sanctions.situations import presence_situations
from hub.store.reviews import ReviewKind, review_id
from hub.store.schema import (
    accepted_signals,
    instructions,
    list_entries,
    list_transitions,
    operator_tasks,
    reviews,
)
from hub.store.timestamps import as_utc
from tests.integration.alliance import (
    Alliance,
    RunningWorker,
    instructions_for,
    numbered_uscc,
    wait_until,
)

USCC = numbered_uscc(7_001)
HEADER = (
    "entry_id,list_type,category,subject_name,uscc,authority,document_no,province,city,listed_at"
)


@contextmanager
def following_lists(alliance: Alliance) -> Iterator[ListIndex]:
    """What the workers learn from alliance.lists, followed here the way they follow it."""
    index = ListIndex()
    follower = ListFollower(
        {"bootstrap_servers": alliance.bootstrap},
        alliance.hub_key.verify_key,
        index,
        alliance.lists_topic,
    )
    follower.start()
    try:
        yield index
    finally:
        follower.stop()


def store_of(alliance: Alliance, name: str) -> Identifier:
    return Identifier(IdentifierScheme.STORE, f"{alliance.members[name].id}:store:s-{name}")


def sent(alliance: Alliance, *where: sa.ColumnElement[bool]) -> int:
    return alliance.count(instructions, instructions.c.sent_at.is_not(None), *where)


def test_full_lifecycle(alliance_on_each_store: Alliance, tmp_path: Path) -> None:
    alliance = alliance_on_each_store
    policy = default_policy()
    mall, social = alliance.join("mall"), alliance.join("social")
    express = alliance.join("express", kind="logistics")
    entry_id = f"{alliance.prefix}-bl-1"
    listed_at = datetime.now(UTC) - timedelta(days=1)
    csv = tmp_path / "blacklist.csv"
    row = f"{entry_id},BLACKLIST,FAKE_TRANSACTION,某某电子商务有限公司,{USCC.value},"
    row += f"某市市场监督管理局,某市监〔2026〕1号,浙江省,杭州市,{listed_at.isoformat()}"
    csv.write_text(f"{HEADER}\n{row}\n", encoding="gb18030")
    read = read_list_file(csv)
    assert read.problems == [] and read.encoding == "gb18030"
    with alliance.engine.begin() as connection:
        summary = apply_import(connection, read.entries, "operator", csv.name, policy, listed_at)
    assert summary.new == 1
    stored_deadline = alliance.scalar(sa.select(list_entries.c.rectification_deadline))
    assert isinstance(stored_deadline, datetime)
    deadline = as_utc(stored_deadline)
    assert deadline.date() in {(listed_at + timedelta(days=d)).date() for d in range(89, 93)}

    with following_lists(alliance) as index, RunningWorker(alliance.worker()):
        # Rectification period: the mall knows the subject; the carrier reports brushing.
        mall.publisher.report(
            alliance.signal("mall", SignalCategory.PRESENCE, store_of(alliance, "mall"), USCC)
        )
        express.publisher.report(alliance.signal("express", SignalCategory.EMPTY_PARCEL, USCC))
        wait_until(lambda: sent(alliance) == 1, what="the reporter's instruction")
        lowered = instructions_for(alliance, express.id, 1)
        assert [i.action for i in lowered] == [SanctionAction.LOWER_CREDIT_RATING]
        assert alliance.count(operator_tasks, operator_tasks.c.kind == "REVIEW_SIGNAL") == 1
        assert sent(alliance, instructions.c.target_member == mall.id) == 0  # not yet

        # Three months later: the scheduler finds the deadline passed.
        later = deadline + timedelta(minutes=1)
        assert run_due(alliance.engine, policy, deadline - timedelta(minutes=1)).overdue == []
        run = run_due(alliance.engine, policy, later)
        assert [m.transition.after for m in run.overdue] == [ListStatus.OVERDUE]
        assert {str(t) for t in run.overdue[0].tasks} == {
            "NOTIFY_REGULATOR",
            "INTERVIEW_PRINCIPAL",
            "PUBLISH_CREDIT_WEBSITE",
        }
        wait_until(lambda: sent(alliance) == 3, what="escalation at the mall")
        # Public exposure waits in the review queue until an operator confirms it.
        exposure = review_id(ReviewKind.SANCTION, entry_id, mall.id, "PUBLIC_EXPOSURE")
        with alliance.engine.begin() as connection:
            decision = decide_review(
                connection, exposure, True, "op-li", "逾期未整改，同意曝光", policy, later
            )
        assert [i.action for i in decision.issued] == [SanctionAction.PUBLIC_EXPOSURE]
        wait_until(lambda: sent(alliance) == 4, what="the confirmed exposure at the mall")
        at_mall = instructions_for(alliance, mall.id, 3)
        assert {i.action for i in at_mall} == {
            SanctionAction.RESTRICT_MEMBERSHIP,
            SanctionAction.BLOCK_STORE,
            SanctionAction.PUBLIC_EXPOSURE,
        }

        # alliance.lists, which the workers follow, carries the entry's overdue status.
        wait_until(
            lambda: (e := index.get(entry_id)) is not None and e.status is ListStatus.OVERDUE,
            timeout_s=10,
            what="the overdue status on alliance.lists",
        )
        # The subject turns up on another platform while overdue: the joint sanction follows.
        social.publisher.report(
            alliance.signal("social", SignalCategory.PRESENCE, store_of(alliance, "social"), USCC)
        )
        wait_until(lambda: sent(alliance) == 6, what="joint sanction at the social platform")
        assert {i.action for i in instructions_for(alliance, social.id, 2)} == {
            SanctionAction.RESTRICT_MEMBERSHIP,
            SanctionAction.BLOCK_STORE,
        }  # its public exposure waits for an operator

        # A policy without public exposure would lift it at both platforms, and add nothing.
        milder = dataclasses.replace(
            policy,
            rules=tuple(r for r in policy.rules if SanctionAction.PUBLIC_EXPOSURE not in r.actions),
        )
        with alliance.engine.connect() as connection:
            diff = diff_decisions(policy, milder, presence_situations(connection, policy))
        assert diff.added == []
        assert sorted(diff.lifted) == sorted(
            ((entry_id, m.id), SanctionAction.PUBLIC_EXPOSURE) for m in (mall, social)
        )

        # The mall executes and acknowledges.
        listener = InstructionListener(
            mall.id, [alliance.hub_key.verify_key], mall.key, BrokerConnection(alliance.bootstrap)
        )
        for _ in range(3):
            instruction = listener.receive(timeout_s=10)
            assert instruction is not None
            listener.ack(instruction, AckStatus.EXECUTED, "done")
        listener.close()
        wait_until(
            lambda: alliance.count(instructions, instructions.c.ack_status == "EXECUTED") == 3,
            what="the mall's acks applied",
        )

        # Rectified late, then delisted: every active instruction is lifted, once.
        with alliance.engine.begin() as connection:
            rectified = move(
                connection, entry_id, ListStatus.RECTIFIED, "op-li", "整改完成", policy, later
            )
            delisted = move(
                connection, entry_id, ListStatus.DELISTED, "op-li", "移出名单", policy, later
            )
        assert len(rectified.lifted) == 6 and delisted.lifted == []
        # social's exposure, never confirmed, is moot now.
        social_exposure = review_id(ReviewKind.SANCTION, entry_id, social.id, "PUBLIC_EXPOSURE")
        assert (
            alliance.scalar(
                sa.select(reviews.c.state).where(reviews.c.review_id == social_exposure)
            )
            == "MOOT"
        )
        open_tasks = alliance.count(operator_tasks, operator_tasks.c.done_at.is_(None))
        assert open_tasks == 0  # nothing left to do about a rectified subject
        wait_until(lambda: sent(alliance) == 12, what="the lifts delivered")
        wait_until(
            lambda: index.get(entry_id) is None,
            timeout_s=10,
            what="the delisted entry gone from alliance.lists's index (a tombstone)",
        )

    # The member topics have several partitions: order across them is not defined.
    lifts = [i for i in instructions_for(alliance, mall.id, 6) if i.action is SanctionAction.LIFT]
    assert {i.supersedes for i in lifts} == {i.instruction_id for i in at_mall}
    at_express = instructions_for(alliance, express.id, 2)
    assert sorted(i.action for i in at_express) == [
        SanctionAction.LIFT,
        SanctionAction.LOWER_CREDIT_RATING,
    ]
    with alliance.engine.begin() as connection, pytest.raises(IllegalTransition) as refused:
        move(connection, entry_id, ListStatus.NOTIFIED, "op-li", "again", policy, later)
    assert "DELISTED" in str(refused.value) and "NOTIFIED" in str(refused.value)
    history = alliance.scalar(sa.select(sa.func.count()).select_from(list_transitions))
    assert history == 4  # listed, overdue, rectified, delisted
    with alliance.engine.connect() as connection:
        assert verify(connection).ok


def test_an_import_sanctions_a_present_subject_and_a_removal_lifts(
    alliance: Alliance, tmp_path: Path
) -> None:
    """A watch-listed subject already present at a platform is rated down as soon as the list
    arrives; when the authority's newer file drops it, the rating is lifted."""
    policy = default_policy()
    mall = alliance.join("mall")
    subject = numbered_uscc(7_002)
    with RunningWorker(alliance.worker()):
        mall.publisher.report(
            alliance.signal("mall", SignalCategory.PRESENCE, store_of(alliance, "mall"), subject)
        )
        wait_until(lambda: alliance.count(accepted_signals) == 1, what="presence stored")
        entry_id = f"{alliance.prefix}-wl-1"
        row = f"{entry_id},WATCHLIST,FALSE_ADVERTISING,某某网店,{subject.value},"
        row += "某市市场监督管理局,某市监〔2026〕2号,浙江省,杭州市,2026-11-01"
        first = tmp_path / "watchlist-1.csv"
        first.write_text(f"{HEADER}\n{row}\n", encoding="utf-8")
        with alliance.engine.begin() as connection:
            summary = apply_import(
                connection,
                read_list_file(first).entries,
                "op",
                first.name,
                policy,
                datetime.now(UTC),
            )
        assert summary.new == 1 and summary.issued == 1
        wait_until(lambda: sent(alliance) == 1, what="the rating delivered")

        # The authority's next file no longer names it (its other entry stands in).
        other = row.replace(entry_id, f"{entry_id}-x").replace(subject.value, USCC.value)
        second = tmp_path / "watchlist-2.csv"
        second.write_text(f"{HEADER}\n{other}\n", encoding="utf-8")
        with alliance.engine.begin() as connection:
            summary = apply_import(
                connection,
                read_list_file(second).entries,
                "op",
                second.name,
                policy,
                datetime.now(UTC),
            )
        assert [m.transition.after for m in summary.removed] == [ListStatus.DELISTED]
        assert len(summary.removed[0].lifted) == 1
        wait_until(lambda: sent(alliance) == 2, what="the lift delivered")
    received = instructions_for(alliance, mall.id, 2)
    assert sorted(i.action for i in received) == [
        SanctionAction.LIFT,
        SanctionAction.LOWER_CREDIT_RATING,
    ]
