"""The 异议受理通知书 and 异议答复书 say what the process promises (what pauses, the date of the
answer, the outcome and its reason) and leak no token; the notices name the right to object
and to apply for credit repair."""

import dataclasses
from datetime import UTC, datetime

import pytest

from hub.domain.objections import ObjectionState, UpheldOutcome
from hub.lists.documents import (
    render_credit_commitment,
    render_objection_receipt,
    render_objection_reply,
    render_rectification_notice,
)
from hub.store.objections import ObjectionRecord
from tests.unit.test_list_documents import DEADLINE, ENTRY, MOBILE_TOKEN, RESIDENT_TOKEN

# Filed 2026-12-01 17:00 UTC: already 2 December in China; due 20 days later at the same time.
FILED = datetime(2026, 12, 1, 17, 0, tzinfo=UTC)
OBJECTION = ObjectionRecord(
    objection_id="obj-1",
    entry_id=ENTRY.entry_id,
    instruction_id=None,
    filed_by="subject",
    grounds_kind="WRONG_SUBJECT",
    grounds="该统一社会信用代码属于另一家企业",
    attachments=("ab" * 32, "cd" * 32),
    paused=("PUBLIC_EXPOSURE",),
    state=ObjectionState.OPEN,
    filed_at=FILED,
    due_at=datetime(2026, 12, 21, 17, 0, tzinfo=UTC),
    overdue_at=None,
    decided_at=None,
    decided_by=None,
    outcome=None,
    decision_reason=None,
)


def test_the_receipt_says_what_pauses_and_when_the_answer_comes() -> None:
    page = render_objection_receipt(ENTRY, OBJECTION)
    assert "异议受理通知书" in page and "obj-1" in page and "主体认定错误" in page
    assert "2026年12月2日" in page  # received, in China
    assert "2026年12月22日前" in page  # the last day of 20 days, in China
    assert "公开曝光措施暂停执行" in page and "证明材料2份" in page
    assert RESIDENT_TOKEN not in page and MOBILE_TOKEN not in page
    member = dataclasses.replace(OBJECTION, filed_by="mall", paused=())
    page = render_objection_receipt(ENTRY, member)
    assert "联盟成员代你方" in page and "惩戒措施继续执行" in page


def test_the_reply_states_the_outcome_and_reason() -> None:
    decided = dataclasses.replace(
        OBJECTION,
        state=ObjectionState.DISMISSED,
        decided_at=datetime(2026, 12, 10, 2, 0, tzinfo=UTC),
        decision_reason="材料不能证明主体不同",
    )
    page = render_objection_reply(ENTRY, decided)
    assert "异议不成立" in page and "公开曝光措施恢复执行" in page
    assert "材料不能证明主体不同" in page and "2026年12月10日" in page
    delisted = dataclasses.replace(
        decided, state=ObjectionState.UPHELD, outcome=UpheldOutcome.DELISTED
    )
    assert "移出电子商务领域黑名单" in render_objection_reply(ENTRY, delisted)
    with pytest.raises(ValueError, match="no reply"):
        render_objection_reply(ENTRY, OBJECTION)


def test_the_notices_name_the_right_to_object_and_to_repair() -> None:
    notice = render_rectification_notice(ENTRY, DEADLINE, DEADLINE.date())
    commitment = render_credit_commitment(ENTRY, DEADLINE)
    for page in (notice, commitment):
        assert "提出异议申请" in page and "申请信用修复" in page
