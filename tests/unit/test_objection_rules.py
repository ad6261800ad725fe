"""The rules of objections and credit repair without services: the `[objections]` and
`[repair]` policy tables (checked like every safeguard, shown by `describe_safeguards` and
`diff_safeguards`), attachment digests, the served period on China's calendar, the pause
verdicts an SQLite store gives, and docs/objections.md stating each default."""

from datetime import UTC, datetime
from pathlib import Path

import pytest

from alliance_connector.messages import ListType, SanctionAction
from hub.config import SOURCE_ROOT
from hub.domain.lists import ListStatus
from hub.domain.objections import checked_digests
from hub.errors import ObjectionRefused, PolicyError
from hub.lists.objections import check_text
from hub.lists.repair import served_since
from hub.policy.loading import default_policy, load_policy_text
from hub.policy.rules import Safeguards, describe_safeguards, diff_safeguards
from hub.sanctions.instructions import instruction_id
from hub.sanctions.pauses import pause_verdicts, resume_key
from hub.store.engine import open_engine
from hub.store.migrate import upgrade
from hub.store.schema import list_entries, objections

RULES = """
version = "test/1"
legal_basis = "发改财金〔2018〕716号"
[rectification]
default_months = 3
[[rules]]
name = "overdue"
lists = ["BLACKLIST"]
statuses = ["OVERDUE"]
targets = "presence"
actions = ["RESTRICT_MEMBERSHIP"]
"""
A = SanctionAction


def problems(text: str) -> list[str]:
    with pytest.raises(PolicyError) as raised:
        load_policy_text(RULES + text)
    return raised.value.problems


def test_the_defaults_pause_exposure_and_repair_per_list() -> None:
    safeguards = default_policy().safeguards
    assert safeguards.objection_pause == {A.PUBLIC_EXPOSURE}
    assert safeguards.objection_decide_days == 20
    assert safeguards.repair_to(ListType.BLACKLIST) is ListStatus.RECTIFIED
    assert safeguards.repair_to(ListType.WATCHLIST) is ListStatus.DELISTED
    assert safeguards.repair_months(ListType.BLACKLIST) == 12
    assert safeguards.repair_months(ListType.WATCHLIST) == 3
    assert load_policy_text(RULES).safeguards == Safeguards()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('[objections]\npause = ["BAN"]\n', "objections.pause[0]: unknown action 'BAN'"),
        ('[objections]\npause = ["LIFT"]\n', "objections.pause[0]: action 'LIFT' refused"),
        ("[objections]\ndecide_days = 0\n", "objections.decide_days: expected a whole number"),
        ("[objections]\nwait = 1\n", "objections.wait: unknown key"),
        ('[repair]\nblacklist_to = "OVERDUE"\n', "repair.blacklist_to: expected 'RECTIFIED'"),
        ("[repair]\nwatchlist_months = 61\n", "repair.watchlist_months: expected a whole"),
    ],
)
def test_each_fault_is_refused_naming_its_path(text: str, expected: str) -> None:
    found = problems(text)
    assert len(found) == 1 and found[0].startswith(expected), found


def test_a_changed_table_shows_in_describe_and_diff() -> None:
    changed = load_policy_text(
        RULES + '[objections]\npause = []\n[repair]\nblacklist_to = "DELISTED"\n'
    )
    assert describe_safeguards(changed.safeguards)["objections.pause"] == []
    assert [(c.name, c.old, c.new) for c in diff_safeguards(load_policy_text(RULES), changed)] == [
        ("objections.pause", ["PUBLIC_EXPOSURE"], []),
        ("repair.blacklist_to", "RECTIFIED", "DELISTED"),
    ]


def test_digests_are_64_lowercase_hex_and_never_echoed() -> None:
    good = "0f" * 32
    assert checked_digests([good, good], "attachments") == (good,)
    for bad in ("0F" * 32, "0f" * 31, "secret-value"):
        with pytest.raises(ObjectionRefused) as raised:
            checked_digests([good, bad], "attachments")
        assert raised.value.field == "attachments[1]" and bad not in str(raised.value)
    with pytest.raises(ObjectionRefused):
        checked_digests([], "evidence", required=True)
    with pytest.raises(ObjectionRefused):
        checked_digests([good] * 51, "attachments")


def test_text_naming_a_person_is_refused_without_echo() -> None:
    assert check_text("  该店已注销 ", "grounds") == "该店已注销"
    with pytest.raises(ObjectionRefused) as raised:
        check_text("联系 13812345678", "grounds")
    assert "13812345678" not in str(raised.value)
    with pytest.raises(ObjectionRefused):
        check_text("   ", "reason")
    assert check_text("", "statement", required=False) == ""


def test_the_served_period_counts_months_on_chinas_calendar() -> None:
    # 2026-01-31 00:30 in China is still 2026-01-30 in UTC.
    listed = datetime(2026, 1, 30, 16, 30, tzinfo=UTC)
    assert served_since(listed, 1).date().isoformat() == "2026-02-28"
    assert served_since(listed, 12).date().isoformat() == "2027-01-31"
    assert served_since(listed, 0).astimezone(UTC) == listed


def test_pause_verdicts_follow_the_objections_of_the_store(tmp_path: Path) -> None:
    engine = open_engine(f"sqlite:///{tmp_path / 'hub.db'}")
    upgrade(engine)
    now = datetime.now(UTC)
    # Every row names every column: an insert of several rows takes its columns from the first.
    row = {"filed_by": "subject", "grounds_kind": "OTHER", "grounds": "g", "attachments": "[]",
           "paused": '["PUBLIC_EXPOSURE"]', "filed_at": now, "due_at": now, "decided_at": now,
           "outcome": None}  # fmt: skip
    with engine.begin() as connection:
        for entry in ("le-1", "le-2", "le-3"):
            connection.execute(
                list_entries.insert().values(
                    entry_id=entry,
                    list_type="BLACKLIST",
                    category="COUNTERFEIT",
                    status="OVERDUE",
                    listed_at=now,
                )
            )
        connection.execute(
            objections.insert(),
            [
                row | {"objection_id": "o1", "entry_id": "le-1", "state": "OPEN"},
                row | {"objection_id": "o2", "entry_id": "le-2", "state": "DISMISSED"},
                row | {"objection_id": "o3", "entry_id": "le-3", "state": "UPHELD",
                       "outcome": "DELISTED"},
            ],
        )  # fmt: skip
    with engine.connect() as connection:
        verdict = pause_verdicts(connection, ["le-1", "le-2", "le-3", "le-4"])
    assert verdict("le-1", "mall", A.PUBLIC_EXPOSURE).paused
    assert not verdict("le-1", "mall", A.BLOCK_STORE).paused
    assert verdict("le-2", "mall", A.PUBLIC_EXPOSURE).resume == resume_key("o2")
    assert verdict("le-3", "mall", A.PUBLIC_EXPOSURE).resume is None  # delisted: nothing resumes
    assert verdict("le-4", "mall", A.PUBLIC_EXPOSURE).resume is None
    resumed = instruction_id("le-2", "mall", A.PUBLIC_EXPOSURE, resume_key("o2"))
    assert resumed != instruction_id("le-2", "mall", A.PUBLIC_EXPOSURE)
    engine.dispose()


def test_the_process_page_states_each_default() -> None:
    doc = (SOURCE_ROOT / "docs" / "objections.md").read_text("utf-8")
    for key, value in describe_safeguards(Safeguards()).items():
        if key.startswith(("objections.", "repair.")):
            shown = value if not isinstance(value, list) else str(value).replace("'", '"')
            assert f"| `{key}` | `{shown}` |" in doc, key
