from pathlib import Path

import pytest

from alliance_connector.identifiers import IdentifierScheme
from alliance_connector.messages import ListType, SanctionAction, SignalCategory
from hub.domain.lists import ListStatus
from hub.errors import PolicyError
from hub.policy.loading import default_policy, load_policy, load_policy_text
from hub.policy.rules import Decision, Policy, Rule, Situation, Targets, decide, diff_decisions

A = SanctionAction
STORE_AND_ACCOUNT = frozenset({IdentifierScheme.STORE, IdentifierScheme.ACCOUNT})

VALID = """
version = "test/1"
legal_basis = "发改财金〔2018〕716号"
[rectification]
default_months = 3
[rectification.months]
JUDGMENT_DEFAULTER = 6
[[rules]]
name = "overdue"
lists = ["BLACKLIST"]
statuses = ["OVERDUE"]
targets = "presence"
actions = ["RESTRICT_MEMBERSHIP"]
"""


def situation(
    list_type: ListType = ListType.BLACKLIST,
    status: ListStatus = ListStatus.OVERDUE,
    member_kind: str = "platform",
    targets: Targets = Targets.PRESENCE,
    schemes: frozenset[IdentifierScheme] = STORE_AND_ACCOUNT,
    category: SignalCategory = SignalCategory.FAKE_TRANSACTION,
) -> Situation:
    return Situation(list_type, status, category, member_kind, targets, schemes)


def refusal(text: str) -> PolicyError:
    with pytest.raises(PolicyError) as raised:
        load_policy_text(text)
    return raised.value


def test_default_policy_loads_with_the_notice_basis_and_period() -> None:
    policy = default_policy()
    assert policy.version == "ndrc-2018-716/3"
    assert policy.legal_basis == "发改财金〔2018〕716号"
    assert policy.rectification_months(SignalCategory.JUDGMENT_DEFAULTER) == 3
    assert len(policy.digest) == 64


def test_default_overdue_blacklist_sanctions_a_platform_where_present() -> None:
    decision = decide(default_policy(), situation())
    assert decision == Decision(
        (A.RESTRICT_MEMBERSHIP, A.BLOCK_STORE, A.FREEZE_ACCOUNT, A.PUBLIC_EXPOSURE), flag=False
    )


def test_default_member_without_store_or_account_gets_neither_action() -> None:
    decision = decide(default_policy(), situation(schemes=frozenset({IdentifierScheme.USCC})))
    assert decision.actions == (A.RESTRICT_MEMBERSHIP, A.PUBLIC_EXPOSURE)


def test_default_escalated_closes_rather_than_blocks() -> None:
    decision = decide(default_policy(), situation(status=ListStatus.ESCALATED))
    assert A.CLOSE_STORE in decision.actions
    assert A.BLOCK_STORE not in decision.actions
    no_store = situation(status=ListStatus.ESCALATED, schemes=frozenset())
    assert decide(default_policy(), no_store).actions == (A.RESTRICT_MEMBERSHIP, A.PUBLIC_EXPOSURE)


def test_default_logistics_member_gets_no_public_exposure() -> None:
    decision = decide(default_policy(), situation(member_kind="logistics"))
    assert decision.actions == (A.RESTRICT_MEMBERSHIP, A.BLOCK_STORE, A.FREEZE_ACCOUNT)


@pytest.mark.parametrize("status", [ListStatus.LISTED, ListStatus.NOTIFIED, ListStatus.COMMITTED])
def test_default_rectifying_blacklist_reaches_only_the_reporter(status: ListStatus) -> None:
    policy = default_policy()
    reporter = decide(policy, situation(status=status, targets=Targets.REPORTER))
    assert reporter == Decision((A.LOWER_CREDIT_RATING,), flag=True)
    assert decide(policy, situation(status=status)) == Decision((), flag=False)


def test_default_overdue_blacklist_has_no_reporter_rule() -> None:
    assert decide(default_policy(), situation(targets=Targets.REPORTER)).actions == ()


@pytest.mark.parametrize("status", [ListStatus.LISTED, ListStatus.ESCALATED])
def test_default_watchlist_lowers_the_rating_where_present(status: ListStatus) -> None:
    policy = default_policy()
    watched = situation(list_type=ListType.WATCHLIST, status=status)
    assert decide(policy, watched) == Decision((A.LOWER_CREDIT_RATING,), flag=False)


def test_category_and_member_kind_limits_and_per_category_months() -> None:
    policy = load_policy_text(
        VALID
        + """
[[rules]]
name = "counterfeit platforms"
lists = ["BLACKLIST"]
statuses = ["OVERDUE"]
categories = ["COUNTERFEIT"]
member_kinds = ["platform"]
targets = "presence"
actions = ["PUBLIC_EXPOSURE"]
"""
    )
    counterfeit = situation(category=SignalCategory.COUNTERFEIT)
    assert decide(policy, counterfeit).actions == (A.RESTRICT_MEMBERSHIP, A.PUBLIC_EXPOSURE)
    assert decide(policy, situation()).actions == (A.RESTRICT_MEMBERSHIP,)
    assert decide(
        policy, situation(category=SignalCategory.COUNTERFEIT, member_kind="other")
    ).actions == (A.RESTRICT_MEMBERSHIP,)
    assert policy.rectification_months(SignalCategory.JUDGMENT_DEFAULTER) == 6
    assert policy.rectification_months(SignalCategory.COUNTERFEIT) == 3


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (VALID + 'colour = "red"\n', "colour: unknown key"),
        (VALID + "flags = true\n", "rules[0].flags: unknown key"),
        (
            VALID.replace('["RESTRICT_MEMBERSHIP"]', '["BAN"]'),
            "rules[0].actions[0]: unknown action 'BAN'",
        ),
        (
            VALID.replace('["RESTRICT_MEMBERSHIP"]', '["LIFT"]'),
            "rules[0].actions[0]: action 'LIFT' refused",
        ),
        (
            VALID.replace('["OVERDUE"]', '["DELISTED"]'),
            "rules[0].statuses[0]: status 'DELISTED' refused",
        ),
        (
            VALID.replace("default_months = 3", "default_months = 37"),
            "rectification.default_months:",
        ),
        (VALID.replace("= 6", "= 0"), "rectification.months.JUDGMENT_DEFAULTER:"),
        (VALID.replace("= 6", "= 2"), None),
        (VALID.replace('version = "test/1"\n', ""), "version: required key missing"),
        (VALID.replace('targets = "presence"\n', ""), "rules[0].targets: required key missing"),
        (VALID.replace('"presence"', '"everyone"'), "rules[0].targets: expected 'presence' or"),
        (VALID.replace('["BLACKLIST"]', "[]"), "rules[0].lists: expected a non-empty array"),
        (VALID + VALID[VALID.index("[[rules]]") :], "rules[1].name: duplicate rule name 'overdue'"),
        (VALID.replace('["OVERDUE"]', '["OVERDUE" "LISTED"]'), "TOML syntax error"),
    ],
)
def test_each_fault_is_refused_naming_its_path(text: str, expected: str | None) -> None:
    if expected is None:  # the control: the same edit with a valid value loads
        assert load_policy_text(text).rectification_months(SignalCategory.JUDGMENT_DEFAULTER) == 2
        return
    error = refusal(text)
    assert expected in str(error)
    assert any(expected in problem for problem in error.problems)


def test_syntax_error_gives_line_and_column() -> None:
    error = refusal(VALID.replace('["OVERDUE"]', '["OVERDUE" "LISTED"]'))
    assert "line 11, column 23" in str(error) and "column" in str(error)


def test_all_problems_are_reported_at_once() -> None:
    text = VALID.replace("default_months = 3", "default_months = 99").replace(
        '["RESTRICT_MEMBERSHIP"]', '["BAN", "LIFT"]'
    )
    error = refusal(text + "typo = 1\n")
    assert len(error.problems) == 4
    for fragment in ["default_months", "actions[0]", "actions[1]", "typo"]:
        assert any(fragment in problem for problem in error.problems), fragment


def test_load_policy_reads_the_file_and_digest_follows_the_bytes(tmp_path: Path) -> None:
    first, second = tmp_path / "a.toml", tmp_path / "b.toml"
    first.write_text(VALID, encoding="utf-8")
    second.write_text(VALID + "# a comment changes the digest\n", encoding="utf-8")
    assert load_policy(first).digest == load_policy_text(VALID).digest
    assert load_policy(first).digest != load_policy(second).digest
    with pytest.raises(PolicyError, match="cannot read"):
        load_policy(tmp_path / "missing.toml")


def test_diff_finds_added_and_lifted_actions() -> None:
    def rule(name: str, *actions: SanctionAction) -> Rule:
        overdue = frozenset({ListStatus.OVERDUE})
        bl = frozenset({ListType.BLACKLIST})
        return Rule(name, bl, overdue, None, None, Targets.PRESENCE, actions)

    old = Policy("old", "basis", 3, {}, (rule("r", A.RESTRICT_MEMBERSHIP, A.FREEZE_ACCOUNT),))
    new = Policy("new", "basis", 3, {}, (rule("r", A.RESTRICT_MEMBERSHIP, A.PUBLIC_EXPOSURE),))
    situations = {
        ("e2", "jd"): situation(),
        ("e1", "sf"): situation(member_kind="logistics"),
        ("e3", "pdd"): situation(status=ListStatus.LISTED),  # neither policy acts
    }
    diff = diff_decisions(old, new, situations)
    assert diff.added == [(("e1", "sf"), A.PUBLIC_EXPOSURE), (("e2", "jd"), A.PUBLIC_EXPOSURE)]
    assert diff.lifted == [(("e1", "sf"), A.FREEZE_ACCOUNT), (("e2", "jd"), A.FREEZE_ACCOUNT)]
    assert diff_decisions(old, old, situations).added == []
