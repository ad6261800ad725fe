"""The sanction policy as values, and the one function that reads it: which actions follow.

Notice 2018-716 §5 lists the joint sanctions but leaves to the alliance which apply when, and
to whom; §4 lets a department's own rectification period win over the default three months.
Both choices live in a policy file (`loading`), versioned and hashed so that every ledger row
can name the policy that produced it. This module holds no I/O: `decide` maps one
(entry, member) situation to actions, and `diff_decisions` compares two policies over the
same situations so an operator can see what a new file would add or lift before applying it.
`describe_safeguards` and `diff_safeguards` do the same for the thresholds, named by their keys
in the policy file, so that `policy diff` shows a changed threshold as plainly as a changed rule.
"""

from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType
from typing import Generic, TypeVar

from alliance_connector.identifiers import IdentifierScheme
from alliance_connector.messages import ListType, SanctionAction, SignalCategory
from hub.domain.lists import ListStatus

__all__ = [
    "SAFEGUARD_KEYS",
    "Decision",
    "Policy",
    "PolicyDiff",
    "ReviewExemption",
    "Rule",
    "SafeguardChange",
    "SafeguardValue",
    "Safeguards",
    "Situation",
    "Targets",
    "decide",
    "describe_safeguards",
    "diff_decisions",
    "diff_safeguards",
]


class Targets(StrEnum):
    """Which members a rule's actions go to."""

    PRESENCE = "presence"  # every member where the subject's cluster is present
    REPORTER = "reporter"  # only the member whose (non-PRESENCE) signal matched


@dataclass(frozen=True)
class Rule:
    """When a listed subject meets a member in this way, these actions follow.

    `categories` and `member_kinds` None mean "any"; the loader refuses empty sets, which
    would silently match nothing.
    """

    name: str
    lists: frozenset[ListType]
    statuses: frozenset[ListStatus]
    categories: frozenset[SignalCategory] | None
    member_kinds: frozenset[str] | None
    targets: Targets
    actions: tuple[SanctionAction, ...]
    flag: bool = False

    def matches(self, situation: "Situation") -> bool:
        """Whether this rule applies to the situation."""
        return (
            situation.list_type in self.lists
            and situation.status in self.statuses
            and (self.categories is None or situation.category in self.categories)
            and (self.member_kinds is None or situation.member_kind in self.member_kinds)
            and situation.targets is self.targets
        )


@dataclass(frozen=True)
class ReviewExemption:
    """Actions issued without an operator's confirmation for entries on these lists in these
    statuses (the policy saying otherwise, as issue 15 item 2 allows)."""

    lists: frozenset[ListType]
    statuses: frozenset[ListStatus]
    actions: frozenset[SanctionAction]


# What an operator confirms in the review queue before it reaches a member: the two sanctions
# that cannot be taken back once seen (a store closed, a name published).
CONFIRMED_ACTIONS = frozenset({SanctionAction.PUBLIC_EXPOSURE, SanctionAction.CLOSE_STORE})
# What pauses while an objection is open (docs/objections.md): a name published under dispute
# cannot be unpublished if the objection is upheld; the other sanctions stand meanwhile.
PAUSED_ACTIONS = frozenset({SanctionAction.PUBLIC_EXPOSURE})


@dataclass(frozen=True)
class Safeguards:
    """The thresholds that keep a sanction on evidence (docs/linking.md): when a weak link
    joins, which actions wait for an operator, when reports make a listing candidate, how
    long empty-parcel citations may lie apart, and how long evidence is kept."""

    weak_corroboration: int = 2  # distinct signals asserting a weak link before it joins
    confirm_actions: frozenset[SanctionAction] = CONFIRMED_ACTIONS
    exempt: tuple[ReviewExemption, ...] = ()
    review_days: int = 2  # a review item is due this many days after it opens
    candidate_members: int = 3  # independent reporters that make an unlisted subject a candidate
    candidate_window_days: int = 90
    correlation_window_days: int = 30  # platform and logistics citations of one waybill
    evidence_appeal_days: int = 60  # evidence kept for the rectification period plus these
    evidence_max_refs: int = 200  # order and waybill references kept per signal, each
    # Objections and credit repair (docs/objections.md cites the source of each default).
    objection_pause: frozenset[SanctionAction] = PAUSED_ACTIONS
    objection_decide_days: int = 20  # calendar days from filing to the 答复
    repair_blacklist_to: ListStatus = ListStatus.RECTIFIED
    repair_watchlist_to: ListStatus = ListStatus.DELISTED
    repair_blacklist_months: int = 12  # served since listing before repair may be applied for
    repair_watchlist_months: int = 3

    def repair_to(self, list_type: ListType) -> ListStatus:
        """The status an approved credit repair moves an entry of this list to."""
        if list_type is ListType.BLACKLIST:
            return self.repair_blacklist_to
        return self.repair_watchlist_to

    def repair_months(self, list_type: ListType) -> int:
        """The months an entry of this list must have served before repair is applied for."""
        if list_type is ListType.BLACKLIST:
            return self.repair_blacklist_months
        return self.repair_watchlist_months

    def needs_confirmation(
        self, action: SanctionAction, list_type: ListType, status: ListStatus
    ) -> bool:
        """Whether an operator confirms this action before it is issued."""
        if action not in self.confirm_actions:
            return False
        return not any(
            list_type in e.lists and status in e.statuses and action in e.actions
            for e in self.exempt
        )


@dataclass(frozen=True)
class Policy:
    """A whole policy. `digest` is the SHA-256 of the file it came from ("" if built in code)."""

    version: str
    legal_basis: str
    default_months: int
    months: Mapping[SignalCategory, int]
    rules: tuple[Rule, ...]
    digest: str = ""
    safeguards: Safeguards = Safeguards()

    def __post_init__(self) -> None:
        # A read-only copy: a frozen policy must not change under a running worker.
        object.__setattr__(self, "months", MappingProxyType(dict(self.months)))

    def __reduce__(self) -> tuple[type["Policy"], tuple[object, ...]]:
        # Pickled as its fields (a read-only mapping itself cannot be), for the worker's
        # store process.
        fields = (self.version, self.legal_basis, self.default_months, dict(self.months))
        return (Policy, (*fields, self.rules, self.digest, self.safeguards))

    def rectification_months(self, category: SignalCategory) -> int:
        """The rectification period for an entry of this category (§4: a department's wins)."""
        return self.months.get(category, self.default_months)


@dataclass(frozen=True)
class Situation:
    """One (entry, member) pair the hub asks about.

    `category` is the entry's; `targets` says how the member relates to the subject (it
    reported the matching signal, or the subject is merely present there); `present_schemes`
    are the schemes of the subject's identifiers held at this member.
    """

    list_type: ListType
    status: ListStatus
    category: SignalCategory
    member_kind: str
    targets: Targets
    present_schemes: frozenset[IdentifierScheme]


@dataclass(frozen=True)
class Decision:
    """The actions for one situation, in SanctionAction order, and whether to flag it.
    `superseded`: what a stronger action replaced (BLOCK_STORE under CLOSE_STORE), which
    stands while the stronger one waits for an operator's confirmation."""

    actions: tuple[SanctionAction, ...]
    flag: bool
    superseded: tuple[SanctionAction, ...] = ()


# An action on a store or an account needs one to act on at this member.
_NEEDS_SCHEME = {
    SanctionAction.BLOCK_STORE: IdentifierScheme.STORE,
    SanctionAction.CLOSE_STORE: IdentifierScheme.STORE,
    SanctionAction.FREEZE_ACCOUNT: IdentifierScheme.ACCOUNT,
}


def decide(policy: Policy, situation: Situation) -> Decision:
    """The union of the actions of every matching rule, less those the member cannot carry out.

    Closing a store supersedes blocking it, so a decision never holds both.
    """
    matching = [rule for rule in policy.rules if rule.matches(situation)]
    wanted = {action for rule in matching for action in rule.actions}
    wanted = {
        action
        for action in wanted
        if action not in _NEEDS_SCHEME or _NEEDS_SCHEME[action] in situation.present_schemes
    }
    superseded: tuple[SanctionAction, ...] = ()
    if SanctionAction.CLOSE_STORE in wanted and SanctionAction.BLOCK_STORE in wanted:
        wanted.discard(SanctionAction.BLOCK_STORE)
        superseded = (SanctionAction.BLOCK_STORE,)
    return Decision(
        actions=tuple(action for action in SanctionAction if action in wanted),
        flag=any(rule.flag for rule in matching),
        superseded=superseded,
    )


K = TypeVar("K", bound=Hashable)


@dataclass(frozen=True)
class PolicyDiff(Generic[K]):
    """What switching policies would change: per caller-chosen key, the actions gained/lost."""

    added: list[tuple[K, SanctionAction]] = field(default_factory=list)
    lifted: list[tuple[K, SanctionAction]] = field(default_factory=list)


def diff_decisions(old: Policy, new: Policy, situations: Mapping[K, Situation]) -> PolicyDiff[K]:
    """The actions `new` decides and `old` does not (added), and the reverse (lifted).

    Both lists are sorted by (str(key), action) so the output is stable across runs.
    """
    added: list[tuple[K, SanctionAction]] = []
    lifted: list[tuple[K, SanctionAction]] = []
    for key, situation in situations.items():
        before = set(decide(old, situation).actions)
        after = set(decide(new, situation).actions)
        added.extend((key, action) for action in after - before)
        lifted.extend((key, action) for action in before - after)

    def order(item: tuple[K, SanctionAction]) -> tuple[str, str]:
        return str(item[0]), str(item[1])

    return PolicyDiff(added=sorted(added, key=order), lifted=sorted(lifted, key=order))


# Each threshold's key in the policy file, in the file's order, and the Safeguards field that
# holds it: the key is what an operator edits, so it is the name `policy diff` shows.
SAFEGUARD_KEYS: tuple[tuple[str, str], ...] = (
    ("linking.weak_corroboration", "weak_corroboration"),
    ("review.confirm_actions", "confirm_actions"),
    ("review.within_days", "review_days"),
    ("review.exempt", "exempt"),
    ("candidates.members", "candidate_members"),
    ("candidates.window_days", "candidate_window_days"),
    ("correlation.window_days", "correlation_window_days"),
    ("evidence.appeal_days", "evidence_appeal_days"),
    ("evidence.max_refs", "evidence_max_refs"),
    ("objections.pause", "objection_pause"),
    ("objections.decide_days", "objection_decide_days"),
    ("repair.blacklist_to", "repair_blacklist_to"),
    ("repair.watchlist_to", "repair_watchlist_to"),
    ("repair.blacklist_months", "repair_blacklist_months"),
    ("repair.watchlist_months", "repair_watchlist_months"),
)

# What a described threshold is: a number, a status, a list of action names, or a list of
# exemptions.
SafeguardValue = int | str | list[str] | list[dict[str, list[str]]]


def _in_order(values: frozenset[str], order: type[StrEnum]) -> list[str]:
    return [str(member) for member in order if member in values]


def _exemption(exemption: ReviewExemption) -> dict[str, list[str]]:
    return {
        "lists": _in_order(exemption.lists, ListType),
        "statuses": _in_order(exemption.statuses, ListStatus),
        "actions": _in_order(exemption.actions, SanctionAction),
    }


def _described(safeguards: Safeguards, field_name: str) -> SafeguardValue:
    value = getattr(safeguards, field_name)
    if field_name in ("confirm_actions", "objection_pause"):
        return _in_order(value, SanctionAction)
    if isinstance(value, ListStatus):
        return str(value)
    if field_name == "exempt":
        # Sorted: the exemptions' order in the file changes nothing, so it must not show
        # as a change.
        return sorted((_exemption(e) for e in value), key=lambda e: sorted(e.items()))
    return int(value)


def describe_safeguards(safeguards: Safeguards) -> dict[str, SafeguardValue]:
    """Every threshold by its policy-file key, as plain JSON values in a stable order."""
    return {key: _described(safeguards, name) for key, name in SAFEGUARD_KEYS}


@dataclass(frozen=True)
class SafeguardChange:
    """One threshold whose value differs between two policies."""

    name: str
    old: SafeguardValue
    new: SafeguardValue


def diff_safeguards(old: Policy, new: Policy) -> list[SafeguardChange]:
    """The thresholds `new` sets differently from `old`, in the policy file's order."""
    before = describe_safeguards(old.safeguards)
    after = describe_safeguards(new.safeguards)
    return [
        SafeguardChange(key, before[key], after[key])
        for key, _ in SAFEGUARD_KEYS
        if before[key] != after[key]
    ]
