"""Objections (异议) through the API on both stores, over the review queue's alliance
(test_api_reviews.build_queue: blacklisted le-01 and le-02 OVERDUE with sanctions at mall and
social): filing pauses public exposure (lifted with `supersedes`, not issued by reconciliation
or by a batch while open), dismissal resumes it under a new id, upholding as DELISTED lifts
exactly the entry's instructions, an objection past its deadline becomes one operator task,
every step is a ledger row, and members neither file nor decide."""

import dataclasses
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from alliance_connector.identifiers import IdentifierScheme
from alliance_connector.messages import ListType, SignalCategory
from hub.ledger.verify import verify
from hub.lists.scheduler import run_due
from hub.pipeline.effects import apply_batch
from hub.pipeline.messages import AcceptedSignal, CheckedRecord
from hub.policy.loading import default_policy
from hub.sanctions.index import ListIndex
from hub.store.instructions import active_instructions
from hub.store.schema import instructions, ledger, list_entries, operator_tasks
from tests.integration.test_api_entries import STORES, move, uscc
from tests.integration.test_api_reviews import A_MOBILE, Queue, _indexed, build_queue, signal

DIGEST = "ab" * 32


@pytest.fixture
def queue(fresh_database_url: str) -> Iterator[Queue]:
    built = build_queue(fresh_database_url)
    yield built
    built.api.engine.dispose()


def active(queue: Queue, entry_id: str) -> dict[str, tuple[str, str]]:
    """instruction id -> (member, action) of the entry's active instructions."""
    with queue.api.engine.connect() as connection:
        rows = active_instructions(connection, entry_id)
    return {r.instruction_id: (r.target_member, r.action) for r in rows}


def supersedes(queue: Queue, lifts: list[str]) -> set[str]:
    t = instructions.c
    with queue.api.engine.connect() as connection:
        rows = connection.execute(
            sa.select(t.supersedes, t.action).where(t.instruction_id.in_(lifts))
        ).all()
    assert {r.action for r in rows} <= {"LIFT"} and len(rows) == len(lifts)
    return {str(r.supersedes) for r in rows}


def ledger_rows(queue: Queue, kind: str) -> list[tuple[str | None, dict[str, Any]]]:
    with queue.api.engine.connect() as connection:
        rows = connection.execute(
            sa.select(ledger.c.ref, ledger.c.body).where(ledger.c.kind == kind).order_by("seq")
        ).all()
    return [(r.ref, json.loads(r.body)) for r in rows]


def objection(queue: Queue, entry_id: str, who: str = "operator", **extra: Any) -> Any:
    body = {"filed_by": "subject", "grounds_kind": "WRONG_FACTS", "grounds": "该店铺已注销"}
    return queue.post(f"/entries/{entry_id}/objections", body | extra, who)


def expose_le01(queue: Queue) -> str:
    confirmed = queue.post(f"/reviews/{queue.mall_exposure}/confirm", {"reason": "逾期, 曝光"})
    assert confirmed.status_code == 200, confirmed.text
    (exposure,) = confirmed.json()["issued"]
    return str(exposure)


@STORES
def test_filing_pauses_exposure_and_dismissal_resumes_it(queue: Queue) -> None:
    exposure = expose_le01(queue)
    before = active(queue, "le-01")
    assert before[exposure] == ("mall", "PUBLIC_EXPOSURE") and len(before) > 1
    filed = objection(queue, "le-01", attachments=[DIGEST])
    assert filed.status_code == 201, filed.text
    step = filed.json()
    oid = step["objection"]["objection_id"]
    assert step["objection"]["state"] == "OPEN" and step["objection"]["paused"] == [
        "PUBLIC_EXPOSURE"
    ]
    assert step["issued"] == [] and supersedes(queue, step["lifted"]) == {exposure}
    paused = active(queue, "le-01")
    assert paused == {k: v for k, v in before.items() if k != exposure}

    # While it is open, neither reconciliation nor the worker's batches issue it again.
    move(queue.api, "le-01", "ESCALATED", "约谈无果")
    assert ("mall", "PUBLIC_EXPOSURE") not in active(queue, "le-01").values()
    index = ListIndex()
    index.put(_indexed("le-01", 1))
    again = signal(
        "mall",
        SignalCategory.PRESENCE,
        (IdentifierScheme.USCC, uscc(1)),
        (IdentifierScheme.STORE, "mall:store:1"),
    )
    now = datetime.now(UTC)
    record = CheckedRecord("alliance.signals.mall", 0, 99, now, None, AcceptedSignal(again))
    with queue.api.engine.begin() as connection:
        apply_batch(connection, [record], index, default_policy(), now)
    assert ("mall", "PUBLIC_EXPOSURE") not in active(queue, "le-01").values()

    dismissed = queue.post(f"/objections/{oid}/dismiss", {"reason": "材料不能证明已注销"})
    assert dismissed.status_code == 200, dismissed.text
    assert dismissed.json()["objection"]["state"] == "DISMISSED"
    (resumed,) = dismissed.json()["issued"]
    assert resumed != exposure and active(queue, "le-01")[resumed] == ("mall", "PUBLIC_EXPOSURE")
    assert dismissed.json()["lifted"] == []
    twice = queue.post(f"/objections/{oid}/dismiss", {"reason": "再次"})
    assert twice.status_code == 409 and twice.json()["error"]["code"] == "conflict"

    assert ledger_rows(queue, "OBJECTION_FILED") == [
        (
            "le-01",
            {
                "objection_id": oid,
                "entry_id": "le-01",
                "instruction_id": None,
                "filed_by": "subject",
                "paused": ["PUBLIC_EXPOSURE"],
            },
        )
    ]
    assert ledger_rows(queue, "OBJECTION_DISMISSED") == [
        ("le-01", {"objection_id": oid, "entry_id": "le-01"})
    ]
    with queue.api.engine.connect() as connection:
        assert verify(connection).ok


@STORES
def test_upheld_as_delisted_lifts_exactly_the_entrys_instructions(queue: Queue) -> None:
    expose_le01(queue)
    first = active(queue, "le-01")
    other = active(queue, "le-02")
    assert first and other
    some = next(iter(first))
    filed = objection(queue, "le-01", filed_by="mall", instruction_id=some)
    assert filed.status_code == 201, filed.text
    oid = filed.json()["objection"]["objection_id"]
    upheld = queue.post(f"/objections/{oid}/uphold", {"outcome": "DELISTED", "reason": "主体错误"})
    assert upheld.status_code == 200, upheld.text
    lifted = filed.json()["lifted"] + upheld.json()["lifted"]
    assert supersedes(queue, lifted) == set(first)
    assert active(queue, "le-01") == {} and active(queue, "le-02") == other
    assert upheld.json()["objection"]["outcome"] == "DELISTED"
    with queue.api.engine.connect() as connection:
        status = connection.scalar(
            sa.select(list_entries.c.status).where(list_entries.c.entry_id == "le-01")
        )
    assert status == "DELISTED"
    assert ledger_rows(queue, "OBJECTION_UPHELD") == [
        ("le-01", {"objection_id": oid, "entry_id": "le-01", "outcome": "DELISTED"})
    ]
    # The member that filed it reads it; the other member does not learn it exists.
    assert queue.api.get(f"/objections/{oid}", "mall")[0] == 200
    assert queue.api.get(f"/objections/{oid}", "social")[0] == 404
    assert [o["objection_id"] for o in queue.api.get("/objections", "mall")[1]] == [oid]
    assert queue.api.get("/objections", "social")[1] == []


@STORES
def test_an_objection_past_its_deadline_becomes_one_operator_task(queue: Queue) -> None:
    filed = objection(queue, "le-02")
    oid = filed.json()["objection"]["objection_id"]
    due = datetime.fromisoformat(filed.json()["objection"]["due_at"])
    policy = default_policy()
    assert run_due(queue.api.engine, policy, due - timedelta(minutes=1)).objection_tasks == []
    (task,) = run_due(queue.api.engine, policy, due + timedelta(minutes=1)).objection_tasks
    assert run_due(queue.api.engine, policy, due + timedelta(days=1)).objection_tasks == []
    with queue.api.engine.connect() as connection:
        kinds = connection.execute(
            sa.select(operator_tasks.c.kind).where(operator_tasks.c.task_id == task)
        ).all()
    assert [k.kind for k in kinds] == ["DECIDE_OBJECTION"]
    assert ledger_rows(queue, "OBJECTION_OVERDUE") == [
        ("le-02", {"objection_id": oid, "entry_id": "le-02", "task_id": task})
    ]
    assert queue.api.get(f"/objections/{oid}", "auditor")[1]["overdue_at"] is not None


@STORES
def test_members_and_auditors_neither_file_nor_decide_and_bad_input_is_not_echoed(
    queue: Queue,
) -> None:
    assert objection(queue, "le-01", who="mall").status_code == 403
    assert objection(queue, "le-01", who="auditor").status_code == 403
    personal = objection(queue, "le-01", grounds=f"联系人 {A_MOBILE}")
    assert personal.status_code == 422 and A_MOBILE not in personal.text
    bad = objection(queue, "le-01", attachments=["zz" * 32])
    assert bad.status_code == 422 and "zz" * 32 not in bad.text
    stranger = objection(queue, "le-01", filed_by="nobody")
    assert stranger.status_code == 422 and "nobody" not in stranger.text
    assert objection(queue, "le-99").status_code == 404
    foreign = objection(queue, "le-01", instruction_id="ins-2")
    assert foreign.status_code == 422
    filed = objection(queue, "le-01")
    oid = filed.json()["objection"]["objection_id"]
    for who in ("mall", "auditor"):
        assert queue.post(f"/objections/{oid}/dismiss", {"reason": "x"}, who).status_code == 403
    assert queue.post("/objections/obj-none/dismiss", {"reason": "x"}).status_code == 404
    status, listed = queue.api.get("/objections?state=OPEN", "auditor")
    assert status == 200 and [o["objection_id"] for o in listed] == [oid]
    assert [kind for kind, _ in ledger_rows(queue, "OBJECTION_FILED")] == ["le-01"]


@STORES
def test_upheld_as_corrected_resumes_what_was_paused(queue: Queue) -> None:
    exposure = expose_le01(queue)
    filed = objection(queue, "le-01", grounds_kind="WRONG_BASIS")
    oid = filed.json()["objection"]["objection_id"]
    assert supersedes(queue, filed.json()["lifted"]) == {exposure}
    fixed = queue.post(f"/objections/{oid}/uphold", {"outcome": "CORRECTED", "reason": "更正文号"})
    assert fixed.status_code == 200, fixed.text
    (resumed,) = fixed.json()["issued"]
    assert resumed != exposure and active(queue, "le-01")[resumed] == ("mall", "PUBLIC_EXPOSURE")
    assert fixed.json()["objection"]["outcome"] == "CORRECTED"
    assert ledger_rows(queue, "OBJECTION_UPHELD")[0][1]["outcome"] == "CORRECTED"


@STORES
def test_an_approved_repair_lifts_the_entrys_sanctions(queue: Queue) -> None:
    # Watch-listed le-03 becomes known at mall: the key-attention rule lowers its rating there.
    index = ListIndex()
    index.put(dataclasses.replace(_indexed("le-03", 3), list_type=ListType.WATCHLIST))
    seen = signal(
        "mall",
        SignalCategory.PRESENCE,
        (IdentifierScheme.USCC, uscc(3)),
        (IdentifierScheme.STORE, "mall:store:3"),
    )
    now = datetime.now(UTC)
    record = CheckedRecord("alliance.signals.mall", 0, 98, now, None, AcceptedSignal(seen))
    with queue.api.engine.begin() as connection:
        apply_batch(connection, [record], index, default_policy(), now)
    lowered = active(queue, "le-03")
    assert list(lowered.values()) == [("mall", "LOWER_CREDIT_RATING")]
    move(queue.api, "le-03", "NOTIFIED", "送达")
    move(queue.api, "le-03", "COMMITTED", "已签承诺书")
    policy = default_policy()
    short = dataclasses.replace(policy.safeguards, repair_watchlist_months=1)
    queue.api.client.app.state.policy = dataclasses.replace(policy, safeguards=short)  # type: ignore[attr-defined]
    applied = queue.post("/entries/le-03/repairs", {"evidence": DIGEST})
    assert applied.status_code == 201, applied.text
    approved = queue.post(f"/repairs/{applied.json()['repair_id']}/approve", {"reason": "已整改"})
    assert approved.status_code == 200, approved.text
    assert approved.json()["repair"]["to_status"] == "DELISTED"
    assert supersedes(queue, approved.json()["lifted"]) == set(lowered)
    assert active(queue, "le-03") == {}


@STORES
def test_upheld_as_corrected_against_one_instruction_strikes_exactly_it(queue: Queue) -> None:
    before = active(queue, "le-01")
    named = next(k for k, (m, a) in before.items() if m == "mall" and a != "PUBLIC_EXPOSURE")
    filed = objection(queue, "le-01", instruction_id=named, grounds_kind="WRONG_BASIS")
    assert filed.json()["lifted"] == []  # no exposure was issued yet: nothing paused
    oid = filed.json()["objection"]["objection_id"]
    fixed = queue.post(f"/objections/{oid}/uphold", {"outcome": "CORRECTED", "reason": "误发"})
    assert fixed.status_code == 200, fixed.text
    assert supersedes(queue, fixed.json()["lifted"]) == {named} and fixed.json()["issued"] == []
    assert active(queue, "le-01") == {k: v for k, v in before.items() if k != named}
    move(queue.api, "le-01", "ESCALATED", "约谈无果")  # reconciled again: it stays struck
    assert before[named] not in active(queue, "le-01").values()
