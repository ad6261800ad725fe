"""Reading a sanction policy file: TOML in, a validated `Policy` out, or every problem at once.

A policy decides who gets sanctioned, so a typo must never load as a silently weaker (or
harsher) policy: unknown keys are refused, every value is checked, and all problems are
reported together, each naming its path (`rules[2].actions[0]: unknown action 'BAN'`), so an
operator fixes the file in one pass. The digest is taken over the exact file bytes so the
ledger can name the policy that produced an instruction. Errors: `hub.errors.PolicyError`.

The safeguards (`[linking]`, `[review]`, `[candidates]`, `[correlation]`, `[evidence]`: the
thresholds of docs/linking.md; `[objections]`, `[repair]`: docs/objections.md) are optional
tables with optional keys, checked the same way; what a file leaves out keeps the value of
`Safeguards()`, so a policy written before them loads unchanged.

Nesting is bounded: a policy's deepest value is four tables or arrays down
(`review.exempt[0].lists[0]`), and a candidate arrives over HTTP, so a document nested deeper
than `MAX_NESTING` is refused by path before any rule is read, and one nested too deep for the
TOML parser itself (which recurses) is refused as such instead of crashing it.
"""

import hashlib
import tomllib
from collections.abc import Callable, Hashable
from importlib.resources import files
from pathlib import Path
from typing import Any, TypeVar

from alliance_connector.messages import ListType, SanctionAction, SignalCategory
from hub.domain.categories import CATEGORIES, LISTABLE_CATEGORIES
from hub.domain.lists import ACTIVE_STATUSES, ListStatus
from hub.domain.members import MEMBER_KINDS
from hub.errors import PolicyError
from hub.policy.rules import Policy, ReviewExemption, Rule, Safeguards, Targets
from hub.policy.sections import SECTION_CHARS

__all__ = ["MAX_NESTING", "default_policy", "load_policy", "load_policy_text"]

# Tables and arrays inside one another, the document itself not counted.
MAX_NESTING = 8


# (required, optional) keys of each table.
_SAFEGUARD_TABLES = {
    "linking": {"weak_corroboration"},
    "review": {"confirm_actions", "within_days", "exempt"},
    "candidates": {"members", "window_days"},
    "correlation": {"window_days"},
    "evidence": {"appeal_days", "max_refs"},
    "objections": {"pause", "decide_days"},
    "repair": {"blacklist_to", "watchlist_to", "blacklist_months", "watchlist_months"},
}
_TOP_KEYS = ({"version", "legal_basis", "rectification", "rules"}, set(_SAFEGUARD_TABLES))
_RECTIFICATION_KEYS = ({"default_months"}, {"months"})
_RULE_KEYS = (
    {"name", "lists", "statuses", "targets", "actions"},
    {"categories", "member_kinds", "flag"},
)
_EXEMPT_KEYS = ({"lists", "statuses", "actions"}, set[str]())
_MONTHS = range(1, 37)
# Each whole-number safeguard's allowed values and what it counts. The bounds keep a typo from
# disabling a safeguard (0 corroborating signals, a one-member "alliance") or from keeping
# evidence for ever.
_WHOLE: dict[str, tuple[range, str]] = {
    "linking.weak_corroboration": (range(1, 11), "signals"),
    "review.within_days": (range(1, 61), "days"),
    "candidates.members": (range(2, 51), "members"),
    "candidates.window_days": (range(1, 367), "days"),
    "correlation.window_days": (range(1, 367), "days"),
    "evidence.appeal_days": (range(0, 3651), "days"),
    "evidence.max_refs": (range(1, 10001), "references"),
    "objections.decide_days": (range(1, 91), "days"),
    "repair.blacklist_months": (range(0, 61), "months"),
    "repair.watchlist_months": (range(0, 61), "months"),
}
# An approved credit repair ends the entry's sanctions: it is rectified, or off the list.
_REPAIR_TO = (ListStatus.RECTIFIED, ListStatus.DELISTED)

_T = TypeVar("_T", bound=Hashable)


def _member_kind(value: str) -> str:
    if value not in MEMBER_KINDS:
        raise ValueError(value)
    return value


class _Checker:
    """Collects problems while walking the parsed document.

    TOML has no null, so a None value is a missing key, which `table` has already reported.
    """

    def __init__(self) -> None:
        self.problems: list[str] = []

    def table(self, raw: object, prefix: str, keys: tuple[set[str], set[str]]) -> dict[str, Any]:
        """The table whose keys are `prefix`+key, unknown and missing keys reported."""
        if raw is None:
            return {}
        if not isinstance(raw, dict):
            self.problems.append(f"{prefix.rstrip('.')}: expected a table")
            return {}
        required, optional = keys
        known = ", ".join(sorted(required | optional))
        for key in raw:
            if key not in required | optional:
                self.problems.append(f"{prefix}{key}: unknown key (known: {known})")
        for key in sorted(required - raw.keys()):
            self.problems.append(f"{prefix}{key}: required key missing")
        return raw

    def text(self, raw: object, path: str, max_len: int) -> str:
        if raw is None:
            return ""
        if not isinstance(raw, str) or not raw.strip() or not raw.isprintable():
            self.problems.append(f"{path}: expected a non-empty printable string")
            return ""
        if len(raw) > max_len:
            self.problems.append(f"{path}: longer than {max_len} characters")
        return raw

    def months(self, raw: object, path: str) -> int:
        if raw is None:
            return 0
        if isinstance(raw, bool) or not isinstance(raw, int) or raw not in _MONTHS:
            self.problems.append(f"{path}: expected a whole number of months from 1 to 36")
            return 0
        return raw

    def whole(self, raw: object, path: str, fallback: int) -> int:
        """A whole number within `_WHOLE[path]`'s bounds; `fallback` when absent or wrong."""
        if raw is None:
            return fallback
        bounds, unit = _WHOLE[path]
        if isinstance(raw, bool) or not isinstance(raw, int) or raw not in bounds:
            low, high = bounds.start, bounds.stop - 1
            self.problems.append(f"{path}: expected a whole number of {unit} from {low} to {high}")
            return fallback
        return raw

    def members(
        self,
        raw: object,
        path: str,
        kind: Callable[[str], _T],
        noun: str,
        refuse: Callable[[_T], str | None] = lambda _: None,
        may_be_empty: bool = False,
    ) -> frozenset[_T]:
        """The distinct values of an array, non-empty unless `may_be_empty`; `refuse` says
        why a known one won't do."""
        if raw is None:
            return frozenset()
        if not isinstance(raw, list) or not (raw or may_be_empty):
            self.problems.append(f"{path}: expected a non-empty array of {noun}s")
            return frozenset()
        seen: set[_T] = set()
        for index, item in enumerate(raw):
            item_path = f"{path}[{index}]"
            try:
                value = kind(item) if isinstance(item, str) else None
            except ValueError:
                value = None
            if value is None:
                self.problems.append(f"{item_path}: unknown {noun} {item!r}")
            elif (why := refuse(value)) is not None:
                self.problems.append(f"{item_path}: {noun} {item!r} refused: {why}")
            elif value in seen:
                self.problems.append(f"{item_path}: duplicate {noun} {item!r}")
            else:
                seen.add(value)
        return frozenset(seen)


_ACTIVE = ", ".join(s for s in ListStatus if s in ACTIVE_STATUSES)


def _refuse_inactive(status: ListStatus) -> str | None:
    return None if status in ACTIVE_STATUSES else f"only active statuses ({_ACTIVE})"


def _refuse_nonentry(category: SignalCategory) -> str | None:
    return None if category in CATEGORIES else "not an entry category"


def _refuse_lift(action: SanctionAction) -> str | None:
    return "lifting is the hub's own, on delisting" if action is SanctionAction.LIFT else None


def _rule(check: _Checker, raw: object, path: str) -> Rule:
    table = check.table(raw, f"{path}.", _RULE_KEYS)
    name = check.text(table.get("name"), f"{path}.name", 200)
    lists = check.members(table.get("lists"), f"{path}.lists", ListType, "list")
    statuses = check.members(
        table.get("statuses"), f"{path}.statuses", ListStatus, "status", _refuse_inactive
    )
    categories = None
    if "categories" in table:
        categories = check.members(
            table["categories"], f"{path}.categories", SignalCategory, "category", _refuse_nonentry
        )
    member_kinds = None
    if "member_kinds" in table:
        member_kinds = check.members(
            table["member_kinds"], f"{path}.member_kinds", _member_kind, "member kind"
        )
    targets = Targets.PRESENCE  # placeholder when invalid: the problem is reported
    if "targets" in table:
        if isinstance(table["targets"], str) and table["targets"] in set(Targets):
            targets = Targets(table["targets"])
        else:
            choices = " or ".join(repr(str(t)) for t in Targets)
            check.problems.append(f"{path}.targets: expected {choices}, got {table['targets']!r}")
    actions = check.members(
        table.get("actions"), f"{path}.actions", SanctionAction, "action", _refuse_lift
    )
    flag = table.get("flag", False)
    if not isinstance(flag, bool):
        check.problems.append(f"{path}.flag: expected true or false")
    ordered = tuple(a for a in SanctionAction if a in actions)
    return Rule(name, lists, statuses, categories, member_kinds, targets, ordered, flag is True)


def _exemptions(
    check: _Checker, raw: object, confirmed: frozenset[SanctionAction] | None
) -> tuple[ReviewExemption, ...]:
    """The `[[review.exempt]]` tables. `confirmed` is the actions that wait for an operator,
    None when `review.confirm_actions` itself had a problem (already reported)."""
    if raw is None:
        return ()
    if not isinstance(raw, list):
        check.problems.append("review.exempt: expected an array of [[review.exempt]] tables")
        return ()

    def refuse(action: SanctionAction) -> str | None:
        if (why := _refuse_lift(action)) is not None:
            return why
        if confirmed is not None and action not in confirmed:
            # An exemption from a review that never opens would do nothing, silently.
            return "not in review.confirm_actions, so it never waits for an operator"
        return None

    exemptions: list[ReviewExemption] = []
    for index, item in enumerate(raw):
        path = f"review.exempt[{index}]"
        table = check.table(item, f"{path}.", _EXEMPT_KEYS)
        lists = check.members(table.get("lists"), f"{path}.lists", ListType, "list")
        statuses = check.members(
            table.get("statuses"), f"{path}.statuses", ListStatus, "status", _refuse_inactive
        )
        actions = check.members(
            table.get("actions"), f"{path}.actions", SanctionAction, "action", refuse
        )
        exemptions.append(ReviewExemption(lists, statuses, actions))
    return tuple(exemptions)


def _safeguards(check: _Checker, top: dict[str, Any]) -> Safeguards:
    """The thresholds; a table or key the file leaves out keeps `Safeguards()`'s value."""
    tables = {
        name: check.table(top.get(name), f"{name}.", (set[str](), keys))
        for name, keys in _SAFEGUARD_TABLES.items()
    }
    default = Safeguards()

    def whole(path: str, fallback: int) -> int:
        table, key = path.split(".")
        return check.whole(tables[table].get(key), path, fallback)

    review = tables["review"]
    confirm_actions = default.confirm_actions
    confirmed: frozenset[SanctionAction] | None = confirm_actions
    if "confirm_actions" in review:
        before = len(check.problems)
        confirm_actions = check.members(
            review["confirm_actions"],
            "review.confirm_actions",
            SanctionAction,
            "action",
            _refuse_lift,
            may_be_empty=True,  # a policy may send every action without review
        )
        confirmed = confirm_actions if len(check.problems) == before else None
    objections, repair = tables["objections"], tables["repair"]
    pause = default.objection_pause
    if "pause" in objections:
        pause = check.members(
            objections["pause"],
            "objections.pause",
            SanctionAction,
            "action",
            _refuse_lift,
            may_be_empty=True,  # a policy may let every sanction stand under objection
        )
    return Safeguards(
        objection_pause=pause,
        objection_decide_days=whole("objections.decide_days", default.objection_decide_days),
        repair_blacklist_to=_repair_to(check, repair, "blacklist_to", default.repair_blacklist_to),
        repair_watchlist_to=_repair_to(check, repair, "watchlist_to", default.repair_watchlist_to),
        repair_blacklist_months=whole("repair.blacklist_months", default.repair_blacklist_months),
        repair_watchlist_months=whole("repair.watchlist_months", default.repair_watchlist_months),
        weak_corroboration=whole("linking.weak_corroboration", default.weak_corroboration),
        confirm_actions=confirm_actions,
        exempt=_exemptions(check, review.get("exempt"), confirmed),
        review_days=whole("review.within_days", default.review_days),
        candidate_members=whole("candidates.members", default.candidate_members),
        candidate_window_days=whole("candidates.window_days", default.candidate_window_days),
        correlation_window_days=whole("correlation.window_days", default.correlation_window_days),
        evidence_appeal_days=whole("evidence.appeal_days", default.evidence_appeal_days),
        evidence_max_refs=whole("evidence.max_refs", default.evidence_max_refs),
    )


def _repair_to(
    check: _Checker, table: dict[str, Any], key: str, fallback: ListStatus
) -> ListStatus:
    raw = table.get(key)
    if raw is None:
        return fallback
    if not isinstance(raw, str) or raw not in _REPAIR_TO:
        choices = " or ".join(repr(str(s)) for s in _REPAIR_TO)
        check.problems.append(f"repair.{key}: expected {choices}")
        return fallback
    return ListStatus(raw)


def _policy(document: dict[str, Any], digest: str) -> tuple[Policy, list[str]]:
    check = _Checker()
    top = check.table(document, "", _TOP_KEYS)
    version = check.text(top.get("version"), "version", 64)
    # The instructions' column holds 200 characters: the citation and the section it adds.
    legal_basis = check.text(top.get("legal_basis"), "legal_basis", 200 - SECTION_CHARS)
    rectification = check.table(top.get("rectification"), "rectification.", _RECTIFICATION_KEYS)
    default_months = check.months(
        rectification.get("default_months"), "rectification.default_months"
    )
    months: dict[SignalCategory, int] = {}
    overrides = rectification.get("months", {})
    if not isinstance(overrides, dict):
        check.problems.append("rectification.months: expected a table")
        overrides = {}
    for key, value in overrides.items():
        path = f"rectification.months.{key}"
        if key not in LISTABLE_CATEGORIES:  # by equality: TOML keys are plain strings
            check.problems.append(f"{path}: unknown category {key!r}")
        else:
            months[SignalCategory(key)] = check.months(value, path)
    rules: list[Rule] = []
    raw_rules = top.get("rules", [])
    if "rules" in top and (not isinstance(raw_rules, list) or not raw_rules):
        # A policy without rules would sanction nothing, silently.
        check.problems.append("rules: expected at least one [[rules]] table")
        raw_rules = []
    names: set[str] = set()
    for index, raw in enumerate(raw_rules):
        rule = _rule(check, raw, f"rules[{index}]")
        if rule.name and rule.name in names:
            check.problems.append(f"rules[{index}].name: duplicate rule name {rule.name!r}")
        names.add(rule.name)
        rules.append(rule)
    safeguards = _safeguards(check, top)
    policy = Policy(version, legal_basis, default_months, months, tuple(rules), digest, safeguards)
    return policy, check.problems


def _too_deep(document: dict[str, Any]) -> list[str]:
    """One problem per value nested deeper than MAX_NESTING, named by its path. Walked with a
    stack, not recursion, so that the check cannot itself overflow."""
    problems: list[str] = []
    stack: list[tuple[str, object, int]] = [(key, value, 1) for key, value in document.items()]
    while stack:
        path, value, depth = stack.pop()
        if not isinstance(value, dict | list):
            continue
        if depth > MAX_NESTING:
            problems.append(f"{path}: nested deeper than {MAX_NESTING} tables or arrays")
            continue
        children = value.items() if isinstance(value, dict) else enumerate(value)
        for key, child in children:
            child_path = f"{path}[{key}]" if isinstance(value, list) else f"{path}.{key}"
            stack.append((child_path, child, depth + 1))
    return sorted(problems)


def load_policy_text(text: bytes | str, source: str = "<string>") -> Policy:
    """The policy in this TOML text; raises PolicyError listing every problem found."""
    data = text.encode() if isinstance(text, str) else text
    try:
        document = tomllib.loads(data.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise PolicyError([f"{source}: not UTF-8 at byte {exc.start}"]) from exc
    except tomllib.TOMLDecodeError as exc:
        raise PolicyError([f"{source}: TOML syntax error: {exc}"]) from exc
    except RecursionError as exc:  # the parser recurses once per level of nesting
        raise PolicyError(
            [f"{source}: nested too deep to parse (a policy nests at most {MAX_NESTING} levels)"]
        ) from exc
    if deep := _too_deep(document):
        raise PolicyError(deep)
    policy, problems = _policy(document, hashlib.sha256(data).hexdigest())
    if problems:
        raise PolicyError(problems)
    return policy


def load_policy(path: Path) -> Policy:
    """The policy in the file at `path`; raises PolicyError if unreadable or invalid."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise PolicyError([f"{path}: cannot read: {exc.strerror or exc}"]) from exc
    return load_policy_text(data, str(path))


def default_policy() -> Policy:
    """The policy shipped with the hub (hub/policy/default.toml)."""
    resource = files("hub.policy") / "default.toml"
    return load_policy_text(resource.read_bytes(), "hub/policy/default.toml")
