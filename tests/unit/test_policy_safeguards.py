"""The safeguards in the policy file: loaded and checked like the rules (each problem named by
its path), defaulted when left out, stated in full by the shipped file, and shown by
`describe_safeguards`, `diff_safeguards` and `alliance-hub policy diff`."""

import json
import os
import pickle
import subprocess
import sys
import tomllib
from importlib.resources import files
from pathlib import Path

import pytest

from alliance_connector.messages import ListType, SanctionAction
from hub.config import SOURCE_ROOT
from hub.domain.lists import ListStatus
from hub.errors import PolicyError
from hub.policy.loading import default_policy, load_policy_text
from hub.policy.rules import (
    SAFEGUARD_KEYS,
    ReviewExemption,
    SafeguardChange,
    Safeguards,
    describe_safeguards,
    diff_safeguards,
)
from hub.store.engine import open_engine
from hub.store.migrate import upgrade

A = SanctionAction

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

# Every safeguard set away from its default, one exemption included.
CUSTOM = """
[linking]
weak_corroboration = 3
[review]
confirm_actions = ["PUBLIC_EXPOSURE"]
within_days = 5
[[review.exempt]]
lists = ["BLACKLIST"]
statuses = ["ESCALATED"]
actions = ["PUBLIC_EXPOSURE"]
[candidates]
members = 4
window_days = 30
[correlation]
window_days = 7
[evidence]
appeal_days = 0
max_refs = 50
[objections]
pause = []
decide_days = 10
[repair]
blacklist_to = "DELISTED"
watchlist_to = "RECTIFIED"
blacklist_months = 6
watchlist_months = 1
"""


def problems(text: str) -> list[str]:
    with pytest.raises(PolicyError) as raised:
        load_policy_text(RULES + text)
    return raised.value.problems


def test_a_policy_without_safeguard_tables_gets_the_built_in_values() -> None:
    assert load_policy_text(RULES).safeguards == Safeguards()


def test_a_table_may_leave_keys_out_and_they_keep_their_defaults() -> None:
    safeguards = load_policy_text(RULES + "[candidates]\nmembers = 5\n").safeguards
    assert safeguards.candidate_members == 5
    assert safeguards.candidate_window_days == Safeguards().candidate_window_days


def test_every_safeguard_loads_from_the_file() -> None:
    safeguards = load_policy_text(RULES + CUSTOM).safeguards
    exemption = ReviewExemption(
        frozenset({ListType.BLACKLIST}),
        frozenset({ListStatus.ESCALATED}),
        frozenset({A.PUBLIC_EXPOSURE}),
    )
    assert safeguards == Safeguards(
        weak_corroboration=3,
        confirm_actions=frozenset({A.PUBLIC_EXPOSURE}),
        exempt=(exemption,),
        review_days=5,
        candidate_members=4,
        candidate_window_days=30,
        correlation_window_days=7,
        evidence_appeal_days=0,
        evidence_max_refs=50,
        objection_pause=frozenset(),
        objection_decide_days=10,
        repair_blacklist_to=ListStatus.DELISTED,
        repair_watchlist_to=ListStatus.RECTIFIED,
        repair_blacklist_months=6,
        repair_watchlist_months=1,
    )
    # The exemption reaches the decision it was written for, and only that one.
    assert not safeguards.needs_confirmation(
        A.PUBLIC_EXPOSURE, ListType.BLACKLIST, ListStatus.ESCALATED
    )
    assert safeguards.needs_confirmation(A.PUBLIC_EXPOSURE, ListType.BLACKLIST, ListStatus.OVERDUE)
    assert not safeguards.needs_confirmation(A.CLOSE_STORE, ListType.BLACKLIST, ListStatus.OVERDUE)


def test_an_empty_confirm_list_sends_every_action_without_review() -> None:
    safeguards = load_policy_text(RULES + "[review]\nconfirm_actions = []\n").safeguards
    assert safeguards.confirm_actions == frozenset()
    assert not safeguards.needs_confirmation(
        A.CLOSE_STORE, ListType.BLACKLIST, ListStatus.ESCALATED
    )


def test_the_shipped_file_states_every_safeguard_at_its_built_in_value() -> None:
    document = tomllib.loads((files("hub.policy") / "default.toml").read_text("utf-8"))
    for key, _ in SAFEGUARD_KEYS:
        table, name = key.split(".")
        if key != "review.exempt":  # none is made; the file shows one, commented out
            assert name in document[table], key
    assert default_policy().safeguards == Safeguards()


# The whole-number safeguards, their bounds and what they count, as docs/linking.md states them.
RANGES = [
    ("linking.weak_corroboration", 1, 10, "signals"),
    ("review.within_days", 1, 60, "days"),
    ("candidates.members", 2, 50, "members"),
    ("candidates.window_days", 1, 366, "days"),
    ("correlation.window_days", 1, 366, "days"),
    ("evidence.appeal_days", 0, 3650, "days"),
    ("evidence.max_refs", 1, 10000, "references"),
]


@pytest.mark.parametrize(("key", "low", "high", "unit"), RANGES)
def test_each_number_is_held_to_its_range(key: str, low: int, high: int, unit: str) -> None:
    table, name = key.split(".")
    for edge in (low, high):  # the control: both ends load
        loaded = load_policy_text(f"{RULES}[{table}]\n{name} = {edge}\n").safeguards
        assert describe_safeguards(loaded)[key] == edge
    for wrong in (str(low - 1), str(high + 1), "true", '"3"', "2.5"):
        found = problems(f"[{table}]\n{name} = {wrong}\n")
        assert found == [f"{key}: expected a whole number of {unit} from {low} to {high}"]


EXEMPT = '[[review.exempt]]\nlists = ["BLACKLIST"]\nstatuses = ["OVERDUE"]\n'


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[linkng]\nweak_corroboration = 2\n", "linkng: unknown key"),
        ("[linking]\nweak = 2\n", "linking.weak: unknown key (known: weak_corroboration)"),
        ("[review]\nwithin = 2\n", "review.within: unknown key"),
        ('[review]\nconfirm_actions = "CLOSE_STORE"\n', "review.confirm_actions: expected"),
        (
            '[review]\nconfirm_actions = ["BAN"]\n',
            "review.confirm_actions[0]: unknown action 'BAN'",
        ),
        (
            '[review]\nconfirm_actions = ["CLOSE_STORE", "LIFT"]\n',
            "review.confirm_actions[1]: action 'LIFT' refused",
        ),
        (
            '[review]\nconfirm_actions = ["CLOSE_STORE", "CLOSE_STORE"]\n',
            "review.confirm_actions[1]: duplicate action 'CLOSE_STORE'",
        ),
        ("[review]\nexempt = 1\n", "review.exempt: expected an array of [[review.exempt]] tables"),
        ("[review]\nexempt = [1]\n", "review.exempt[0]: expected a table"),
        (EXEMPT, "review.exempt[0].actions: required key missing"),
        (
            EXEMPT + 'actions = ["CLOSE_STORE"]\nwhy = "x"\n',
            "review.exempt[0].why: unknown key",
        ),
        (
            EXEMPT.replace('["BLACKLIST"]', '["BLACKLIST", "X"]') + 'actions = ["CLOSE_STORE"]\n',
            "review.exempt[0].lists[1]: unknown list 'X'",
        ),
        (
            EXEMPT.replace('["BLACKLIST"]', "[]") + 'actions = ["CLOSE_STORE"]\n',
            "review.exempt[0].lists: expected a non-empty array of lists",
        ),
        (
            EXEMPT.replace('["OVERDUE"]', '["DELISTED"]') + 'actions = ["CLOSE_STORE"]\n',
            "review.exempt[0].statuses[0]: status 'DELISTED' refused",
        ),
        (EXEMPT + "actions = []\n", "review.exempt[0].actions: expected a non-empty array"),
        (
            EXEMPT + 'actions = ["FREEZE_ACCOUNT"]\n',
            "review.exempt[0].actions[0]: action 'FREEZE_ACCOUNT' refused: not in "
            "review.confirm_actions",
        ),
        (EXEMPT + 'actions = ["LIFT"]\n', "review.exempt[0].actions[0]: action 'LIFT' refused"),
        (
            # Checked against the file's own confirm list, not the built-in one.
            '[review]\nconfirm_actions = ["PUBLIC_EXPOSURE"]\n'
            + EXEMPT
            + 'actions = ["CLOSE_STORE"]\n',
            "review.exempt[0].actions[0]: action 'CLOSE_STORE' refused: not in",
        ),
        ("[candidates]\nmembers = 1\n", "candidates.members: expected a whole number of members"),
        ("[evidence]\nkeep_days = 1\n", "evidence.keep_days: unknown key"),
        ("[correlation]\nwindow_days = 0\n", "correlation.window_days: expected a whole number"),
    ],
)
def test_each_safeguard_fault_is_refused_naming_its_path(text: str, expected: str) -> None:
    found = problems(text)
    assert any(problem.startswith(expected) for problem in found), found


def test_a_safeguard_that_is_not_a_table_is_refused() -> None:
    # Before the rules: a bare key after [[rules]] would belong to the last rule.
    with pytest.raises(PolicyError) as raised:
        load_policy_text("linking = 2\n" + RULES)
    assert raised.value.problems == ["linking: expected a table"]


def test_every_exempt_table_is_checked_and_named_by_its_index() -> None:
    valid = EXEMPT + 'actions = ["CLOSE_STORE"]\n'
    found = problems(valid + valid.replace('["OVERDUE"]', '["GONE"]'))
    assert found == ["review.exempt[1].statuses[0]: unknown status 'GONE'"]


def test_a_bad_confirm_list_does_not_also_refuse_the_exemptions() -> None:
    found = problems(
        '[review]\nconfirm_actions = ["BAN"]\n' + EXEMPT + 'actions = ["CLOSE_STORE"]\n'
    )
    assert found == ["review.confirm_actions[0]: unknown action 'BAN'"]


def test_all_safeguard_problems_are_reported_at_once() -> None:
    found = problems(
        "[linking]\nweak_corroboration = 0\n[candidates]\nmembers = 99\n[evidence]\nmax_refs = 0\n"
    )
    assert [p.split(":")[0] for p in found] == [
        "linking.weak_corroboration",
        "candidates.members",
        "evidence.max_refs",
    ]


def test_described_safeguards_are_plain_values_by_file_key() -> None:
    assert describe_safeguards(Safeguards()) == {
        "linking.weak_corroboration": 2,
        "review.confirm_actions": ["CLOSE_STORE", "PUBLIC_EXPOSURE"],
        "review.within_days": 2,
        "review.exempt": [],
        "candidates.members": 3,
        "candidates.window_days": 90,
        "correlation.window_days": 30,
        "evidence.appeal_days": 60,
        "evidence.max_refs": 200,
        "objections.pause": ["PUBLIC_EXPOSURE"],
        "objections.decide_days": 20,
        "repair.blacklist_to": "RECTIFIED",
        "repair.watchlist_to": "DELISTED",
        "repair.blacklist_months": 12,
        "repair.watchlist_months": 3,
    }


def test_diff_names_each_changed_safeguard_with_both_values() -> None:
    old, new = load_policy_text(RULES), load_policy_text(RULES + CUSTOM)
    changes = diff_safeguards(old, new)
    assert [c.name for c in changes] == [key for key, _ in SAFEGUARD_KEYS]
    assert changes[1] == SafeguardChange(
        "review.confirm_actions", ["CLOSE_STORE", "PUBLIC_EXPOSURE"], ["PUBLIC_EXPOSURE"]
    )
    assert changes[3] == SafeguardChange(
        "review.exempt",
        [],
        [{"lists": ["BLACKLIST"], "statuses": ["ESCALATED"], "actions": ["PUBLIC_EXPOSURE"]}],
    )
    assert diff_safeguards(new, new) == []
    one = load_policy_text(RULES + "[review]\nwithin_days = 9\n")
    assert diff_safeguards(old, one) == [SafeguardChange("review.within_days", 2, 9)]


def test_the_order_of_exemptions_in_the_file_is_no_change() -> None:
    first = EXEMPT + 'actions = ["CLOSE_STORE"]\n'
    second = first.replace('["OVERDUE"]', '["ESCALATED"]')
    one = load_policy_text(RULES + first + second)
    other = load_policy_text(RULES + second + first)
    assert one.safeguards != other.safeguards  # the tuples differ in order...
    assert diff_safeguards(one, other) == []  # ...which decides nothing


def test_safeguards_survive_pickling_for_the_store_process() -> None:
    policy = load_policy_text(RULES + CUSTOM)
    # Our own bytes, just made: nothing untrusted is unpickled.
    assert pickle.loads(pickle.dumps(policy)).safeguards == policy.safeguards  # noqa: S301


def test_the_digest_follows_the_bytes_of_the_safeguard_tables() -> None:
    assert load_policy_text(RULES).digest != load_policy_text(RULES + CUSTOM).digest


def test_policy_diff_prints_each_changed_safeguard(tmp_path: Path) -> None:
    database = tmp_path / "hub.db"
    engine = open_engine(f"sqlite:///{database}")
    upgrade(engine)
    engine.dispose()
    shipped = (files("hub.policy") / "default.toml").read_text("utf-8")
    candidate = tmp_path / "candidate.toml"
    candidate.write_text(
        shipped.replace("within_days = 2", "within_days = 5").replace(
            'confirm_actions = ["CLOSE_STORE", "PUBLIC_EXPOSURE"]',
            'confirm_actions = ["CLOSE_STORE"]',
        ),
        encoding="utf-8",
    )
    env = os.environ | {"HUB_DATABASE_URL": f"sqlite:///{database}"}
    env.pop("HUB_POLICY_PATH", None)
    done = subprocess.run(
        [sys.executable, "-m", "hub", "policy", "diff", str(candidate)],
        capture_output=True,
        text=True,
        check=False,
        env=env,
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert (
        '~ review.confirm_actions: ["CLOSE_STORE", "PUBLIC_EXPOSURE"] -> ["CLOSE_STORE"]' in lines
    )
    assert "~ review.within_days: 2 -> 5" in lines
    assert lines[-1].endswith("2 safeguard(s) changed")


def test_the_operators_page_states_each_default_and_range() -> None:
    doc = (SOURCE_ROOT / "docs" / "linking.md").read_text("utf-8")
    defaults = describe_safeguards(Safeguards())
    rows = {
        line.split("|")[1].strip().strip("`"): line.split("|")[2:4]
        for line in doc.splitlines()
        if line.startswith("| `")
    }
    for key, low, high, _ in RANGES:
        default, allowed = rows[key]
        assert default.strip() == str(defaults[key]), key
        assert allowed.strip() == f"{low} to {high}", key
    confirm_default = rows["review.confirm_actions"][0].strip().strip("`")
    assert json.loads(confirm_default) == defaults["review.confirm_actions"]
