"""Turning policy decisions into stored instructions (the outbox), and lifting them.

Two causes lead here. A batch of signals touches subject clusters that match list entries
(`issue_for_clusters`); a list entry changes status (`reconcile_entry`, from hub.lists). Both
ask the policy (hub.policy.rules.decide) what each member should do and store what is not
stored yet.

An instruction id is a hash of (list entry, target member, action) and, for a LIFT, of the
instruction it lifts: the same cause and target always give the same id, so re-running the
same input — after a crash, or on another worker — finds the instruction stored and issues
nothing new, and members recognise replays. The flip side: an action lifted once is not
issued again for the same entry and member (lifting follows rectification or delisting).
"""

import dataclasses
import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa

from alliance_connector.identifiers import Identifier, IdentifierScheme
from alliance_connector.messages import SanctionAction
from hub.domain.links import Key, LinkRow, is_foreign
from hub.domain.lists import ACTIVE_STATUSES, RECTIFYING_STATUSES
from hub.ledger.chain import LedgerEntry
from hub.policy.rules import Decision, Policy, Situation, Targets, decide
from hub.policy.sections import legal_basis
from hub.sanctions.index import ListIndex
from hub.sanctions.matching import entries_matching, public_of
from hub.sanctions.review_queue import open_items
from hub.sanctions.ties import TieGraph, presence_ties, tie_graph
from hub.store.instructions import (
    active_instructions,
    insert_instructions,
    stored_instruction_ids,
)
from hub.store.links import links_within
from hub.store.matching import EntryMatch, entry_keys, member_kinds
from hub.store.operator_tasks import NewTask, add_task
from hub.store.presence import presence_by_member
from hub.store.reviews import (
    NewReview,
    ReviewKind,
    ReviewState,
    mark_moot,
    open_of_entry,
    review_id,
    review_states,
)
from hub.store.signals import signal_anchors
from hub.store.subjects import cluster_identifiers, public_identifiers

__all__ = [
    "Decided",
    "NewInstruction",
    "ledger_entries",
    "Trigger",
    "instruction_id",
    "issue_for_clusters",
    "reconcile_entry",
    "review_at",
]

# A flagged signal is for an operator to review within this time.
REVIEW_WITHIN = timedelta(days=2)


def instruction_id(
    entry_id: str, target: str, action: SanctionAction, lifts: str | None = None
) -> str:
    """The deterministic id of the instruction (entry, target, action[, lifted instruction])."""
    parts = [entry_id, target, str(action)] + ([lifts] if lifts else [])
    digest = hashlib.sha256("\x1f".join(parts).encode()).hexdigest()
    return f"ins-{digest[:40]}"


@dataclass(frozen=True)
class NewInstruction:
    instruction_id: str
    target_member: str
    action: SanctionAction
    entry: EntryMatch
    supersedes: str | None = None
    # The row stored for it: the relay publishes a batch's instructions from these without
    # reading them back.
    row: Mapping[str, object] = field(default_factory=dict, compare=False, repr=False)


def ledger_entries(issued: Sequence[NewInstruction]) -> list[LedgerEntry]:
    """One INSTRUCTION_ISSUED ledger row per new instruction."""
    return [
        LedgerEntry(
            "INSTRUCTION_ISSUED",
            "hub",
            {
                "target": new.target_member,
                "action": str(new.action),
                "entry": new.entry.entry_id,
                "supersedes": new.supersedes,
            },
            new.instruction_id,
        )
        for new in issued
    ]


@dataclass(frozen=True)
class Trigger:
    """What caused a decision: a signal (its id, record time, reporter) or a status change."""

    ref: str
    at: datetime
    reporter: str | None = None  # set for a signal
    misconduct: bool = False  # a signal reporting behaviour, not merely PRESENCE
    subject: tuple[Identifier, ...] = ()


@dataclass(frozen=True)
class _Wanted:
    member: str
    action: SanctionAction
    scope: Targets
    subject: tuple[Identifier, ...]
    # Wanted only while this stronger action is not issued (a store stays blocked while its
    # closure waits for an operator).
    unless: SanctionAction | None = None


def _wants(
    decision: Decision, member: str, scope: Targets, subject: tuple[Identifier, ...]
) -> list[_Wanted]:
    """The decision's actions at the member, and what they supersede as fallbacks."""
    wanted = [_Wanted(member, action, scope, subject) for action in decision.actions]
    stronger = SanctionAction.CLOSE_STORE
    wanted += [_Wanted(member, a, scope, subject, unless=stronger) for a in decision.superseded]
    return wanted


@dataclass
class Decided:
    """What a decision stored: instructions issued and lifted, and the ledger entries of the
    review items it opened or mooted (the caller appends them with the instructions')."""

    issued: list[NewInstruction] = field(default_factory=list)
    lifted: list[NewInstruction] = field(default_factory=list)
    entries: list[LedgerEntry] = field(default_factory=list)
    matched: set[str] = field(default_factory=set)  # clusters that matched an active entry


def _subject_json(identifiers: Sequence[Identifier]) -> str:
    return json.dumps([{"scheme": str(i.scheme), "value": i.value} for i in identifiers])


def _identifier(key: Key) -> Identifier:
    return Identifier(IdentifierScheme(key[0]), key[1])


def _sorted(identifiers: Iterable[Identifier]) -> tuple[Identifier, ...]:
    return tuple(sorted(set(identifiers), key=lambda i: (i.scheme, i.value)))


def _situation(entry: EntryMatch, kind: str, targets: Targets, known: Iterable[Key]) -> Situation:
    schemes = frozenset(IdentifierScheme(k[0]) for k in known)
    return Situation(entry.list_type, entry.status, entry.category, kind, targets, schemes)


def _presence_wanted(
    policy: Policy,
    entry: EntryMatch,
    ties: Mapping[str, set[Key]],
    public: list[Identifier],
    kinds: Mapping[str, str],
) -> list[_Wanted]:
    """What the presence rules call for at each member, for what it tied itself."""
    wanted = []
    for member, tied in sorted(ties.items()):
        situation = _situation(entry, kinds.get(member, "other"), Targets.PRESENCE, tied)
        subject = _sorted([*map(_identifier, tied), *public])
        wanted += _wants(decide(policy, situation), member, Targets.PRESENCE, subject)
    return wanted


def _gate(
    connection: sa.Connection,
    policy: Policy,
    wanted: Sequence[tuple[EntryMatch, _Wanted, Trigger]],
    now: datetime,
) -> tuple[list[tuple[EntryMatch, _Wanted, Trigger]], list[LedgerEntry]]:
    """The wanted instructions that may be issued now, and the ledger entries of the review
    items opened for those an operator confirms first (public exposure, store closure: the
    policy's `confirm_actions`). A confirmed item lets its instruction through; a dismissed
    one never does; an open one waits."""
    safeguards = policy.safeguards
    gated: dict[str, NewReview] = {}
    passing = []
    for entry, want, trigger in wanted:
        if not safeguards.needs_confirmation(want.action, entry.list_type, entry.status):
            passing.append((entry, want, trigger))
            continue
        key = review_id(ReviewKind.SANCTION, entry.entry_id, want.member, str(want.action))
        gated.setdefault(
            key,
            NewReview(
                key,
                ReviewKind.SANCTION,
                {
                    "entry": entry.entry_id,
                    "member": want.member,
                    "action": str(want.action),
                    "scope": str(want.scope),
                    "status": str(entry.status),
                    "trigger": trigger.ref,
                },
                now + timedelta(days=safeguards.review_days),
                entry_id=entry.entry_id,
                member_id=want.member,
                action=str(want.action),
            ),
        )
    states = review_states(connection, gated.keys()) if gated else {}
    for entry, want, trigger in wanted:
        key = review_id(ReviewKind.SANCTION, entry.entry_id, want.member, str(want.action))
        if key in gated and states.get(key) is ReviewState.CONFIRMED:
            passing.append((entry, want, trigger))
    issued = {(e.entry_id, w.member, w.action) for e, w, _ in passing}
    passing = [
        (e, w, t)
        for e, w, t in passing
        if w.unless is None or (e.entry_id, w.member, w.unless) not in issued
    ]
    return passing, open_items(connection, list(gated.values()), now, states)


def _store(
    connection: sa.Connection,
    policy: Policy,
    wanted: Sequence[tuple[EntryMatch, _Wanted, Trigger]],
    now: datetime,
) -> tuple[list[NewInstruction], list[LedgerEntry]]:
    """Insert the wanted instructions, each (entry, want, trigger), not stored yet (one query
    and one insert for all of them), those an operator confirms first only once confirmed;
    return the new ones and the ledger entries of the review items opened."""
    passing, opened = _gate(connection, policy, wanted, now)
    return _insert(connection, policy, passing, now), opened


def _insert(
    connection: sa.Connection,
    policy: Policy,
    passing: Sequence[tuple[EntryMatch, _Wanted, Trigger]],
    now: datetime,
) -> list[NewInstruction]:
    """Insert these instructions, those not stored yet; return the new ones."""
    candidates: dict[str, NewInstruction] = {}
    for entry, want, trigger in passing:
        key = instruction_id(entry.entry_id, want.member, want.action)
        if key not in candidates:  # the first cause names it
            new = NewInstruction(key, want.member, want.action, entry)
            candidates[key] = dataclasses.replace(new, row=_row(new, policy, want, trigger, now))
    if not candidates:
        return []
    existing = stored_instruction_ids(connection, candidates)
    fresh = [new for key, new in candidates.items() if key not in existing]
    insert_instructions(connection, [new.row for new in fresh])
    return fresh


def review_at(action: SanctionAction, entry: EntryMatch) -> datetime | None:
    """When the hub reviews the instruction: at the entry's rectification deadline while the
    entry is in its rectification period (it turns OVERDUE then, and its instructions are
    reconciled). None, open-ended, once it is overdue (the §5 sanctions last until it is
    rectified or delisted) and for a LIFT, which nothing follows."""
    if action is SanctionAction.LIFT or entry.status not in RECTIFYING_STATUSES:
        return None
    return entry.rectification_deadline


def _row(
    new: NewInstruction, policy: Policy, want: _Wanted, trigger: Trigger, now: datetime
) -> dict[str, object]:
    entry = new.entry
    return {
        "instruction_id": new.instruction_id,
        "target_member": new.target_member,
        "action": str(new.action),
        "subject": _subject_json(want.subject),
        "entry_id": new.entry.entry_id,
        "list_type": str(new.entry.list_type),
        "category": str(new.entry.category),
        "legal_basis": legal_basis(policy.legal_basis, entry.list_type, entry.status),
        "issued_at": now,
        "review_at": review_at(new.action, entry),
        "supersedes": new.supersedes,
        "scope": str(want.scope),
        "policy_version": policy.version,
        "trigger_ref": trigger.ref,
        "trigger_at": trigger.at,
    }


def _flag(
    connection: sa.Connection, entry: EntryMatch, reporter: str, ref: str, now: datetime
) -> None:
    """An operator task to review a signal about a subject in its rectification period; one
    per entry and reporter, however often it reports."""
    detail = f"{reporter} reported signal {ref} during rectification"
    review = NewTask("REVIEW_SIGNAL", detail, now + REVIEW_WITHIN, cause=(reporter,))
    add_task(connection, entry.entry_id, review, now)


def issue_for_clusters(
    connection: sa.Connection,
    triggers: Mapping[str, Sequence[Trigger]],
    index: ListIndex,
    policy: Policy,
    now: datetime,
) -> Decided:
    """Store every instruction the clusters' matches call for that is not stored yet.

    `triggers` maps each cluster to the signals that touched it in this batch, the first per
    reporter. Presence rules apply at every member that tied its presence to the entry
    itself (hub.sanctions.ties); reporter rules at the reporter of each misconduct signal
    whose own identifiers it tied to the entry.
    """
    identified = cluster_identifiers(connection, triggers.keys())
    matches = entries_matching(connection, identified, index)
    if not matches:
        return Decided()
    presence = presence_by_member(connection, matches.keys())
    links = links_within(connection, matches.keys())
    starts = _entry_keys(connection, index, {e.entry_id for es in matches.values() for e in es})
    public = {cluster: public_of(identified.get(cluster, ())) for cluster in matches}
    reporters = {t.reporter for ts in triggers.values() for t in ts if t.reporter}
    kinds = member_kinds(connection, reporters | {m for p in presence.values() for m in p})
    corroboration = policy.safeguards.weak_corroboration
    wanted: list[tuple[EntryMatch, _Wanted, Trigger]] = []
    for cluster, entries in sorted(matches.items()):
        first = triggers[cluster][0]
        here = presence.get(cluster, {})
        graph = tie_graph(links.get(cluster, ()), corroboration)
        shown = public.get(cluster, [])
        for entry in entries:
            start = starts.get(entry.entry_id, set())
            ties = presence_ties(graph, start, here)
            for want in _presence_wanted(policy, entry, ties, shown, kinds):
                wanted.append((entry, want, first))
            for trigger in triggers[cluster]:
                if trigger.misconduct and trigger.reporter:
                    wanted += _reporter_wanted(
                        connection, policy, entry, trigger, graph, start, here, shown, kinds, now
                    )
    issued, opened = _store(connection, policy, wanted, now)
    return Decided(issued, [], opened, set(matches))


def _entry_keys(
    connection: sa.Connection, index: ListIndex, entry_ids: set[str]
) -> dict[str, set[Key]]:
    """Each entry's identifiers: from the worker's index (what alliance.lists last said of
    them: an import that changes them reaches it within a relay round, as it reaches
    matching), from the store for any it lacks."""
    found = {}
    for entry_id in entry_ids:
        indexed = index.get(entry_id)
        if indexed is not None:
            found[entry_id] = set(indexed.identifiers)
    return found | entry_keys(connection, entry_ids - found.keys())


def _reporter_wanted(
    connection: sa.Connection,
    policy: Policy,
    entry: EntryMatch,
    trigger: Trigger,
    graph: TieGraph,
    start: set[Key],
    presence: Mapping[str, list[Identifier]],
    public: list[Identifier],
    kinds: Mapping[str, str],
    now: datetime,
) -> list[tuple[EntryMatch, _Wanted, Trigger]]:
    """What the reporter rules call for at the reporter of a misconduct signal, for the
    identifiers of its own it tied to the entry (another member's store it named is not
    among them); flagged to operators when the rules say so."""
    reporter = trigger.reporter or ""
    own = {
        (str(i.scheme), i.value)
        for i in (*trigger.subject, *presence.get(reporter, ()))
        if i.scheme is not IdentifierScheme.WAYBILL and not is_foreign(i, reporter)
    }
    tied = graph.tied(start, reporter, own)
    if not tied:
        return []
    situation = _situation(entry, kinds.get(reporter, "other"), Targets.REPORTER, tied)
    decision = decide(policy, situation)
    subject = _sorted([*map(_identifier, tied), *public])
    if decision.flag:
        _flag(connection, entry, reporter, trigger.ref, now)
    return [
        (entry, want, trigger) for want in _wants(decision, reporter, Targets.REPORTER, subject)
    ]


def reconcile_entry(
    connection: sa.Connection,
    entry: EntryMatch,
    clusters: Sequence[str],
    policy: Policy,
    trigger: Trigger,
    now: datetime,
) -> Decided:
    """After a status change or a withdrawal of links, bring the entry's instructions in
    line with the presence rules at every member that tied its presence to the entry: issue
    what they now call for (escalation when OVERDUE, closure when ESCALATED) and LIFT what
    they no longer do (everything, once rectified or delisted; a reporter-scoped one once
    its signal's own identifiers no longer reach the entry)."""
    wanted: list[_Wanted] = []
    reporters_tied: set[str] = set()
    if entry.status in ACTIVE_STATUSES and clusters:
        presence = presence_by_member(connection, clusters)
        public = public_identifiers(connection, clusters)
        links = links_within(connection, clusters)
        start = entry_keys(connection, [entry.entry_id]).get(entry.entry_id, set())
        corroboration = policy.safeguards.weak_corroboration
        merged: dict[str, set[Key]] = defaultdict(set)
        for cluster in clusters:
            graph = tie_graph(links.get(cluster, ()), corroboration)
            for member, tied in presence_ties(graph, start, presence.get(cluster, {})).items():
                merged[member] |= tied
        shared = sorted({i for ids in public.values() for i in ids}, key=lambda i: i.value)
        kinds = member_kinds(connection, merged.keys())
        wanted = _presence_wanted(policy, entry, merged, shared, kinds)
        reporters_tied = _reporter_signals_tied(connection, entry, clusters, links, start, policy)
    passing, opened = _gate(connection, policy, [(entry, want, trigger) for want in wanted], now)
    issued = _insert(connection, policy, passing, now)
    keep = {(w.member, w.action) for _, w, _ in passing}
    lifted = _lift_unwanted(connection, entry, keep, reporters_tied, policy, trigger, now)
    opened += _moot_unwanted(connection, entry, {(w.member, w.action) for w in wanted}, now)
    return Decided(issued, lifted, opened)


def _reporter_signals_tied(
    connection: sa.Connection,
    entry: EntryMatch,
    clusters: Sequence[str],
    links: Mapping[str, Sequence[LinkRow]],
    start: set[Key],
    policy: Policy,
) -> set[str]:
    """The signals behind the entry's reporter-scoped instructions whose anchors their
    reporters still tie to the entry (as 'member\x1fsignal id')."""
    rows = [r for r in active_instructions(connection, entry.entry_id) if r.scope == "reporter"]
    anchors = signal_anchors(connection, [(r.target_member, r.trigger_ref or "") for r in rows])
    graphs = {
        c: tie_graph(links.get(c, ()), policy.safeguards.weak_corroboration) for c in clusters
    }
    tied = set()
    for (member, signal), (cluster, anchor) in anchors.items():
        graph = graphs.get(cluster)
        if graph is not None and anchor is not None and graph.tied(start, member, {anchor}):
            tied.add(f"{member}\x1f{signal}")
    return tied


def _moot_unwanted(
    connection: sa.Connection,
    entry: EntryMatch,
    keep: set[tuple[str, SanctionAction]],
    now: datetime,
) -> list[LedgerEntry]:
    """Mark MOOT the entry's open SANCTION items that the rules no longer call for."""
    moot = [
        item
        for item in open_of_entry(connection, entry.entry_id, ReviewKind.SANCTION)
        if (item.member_id, SanctionAction(item.action or "")) not in keep
    ]
    reason = f"no longer called for: the entry is {entry.status}"
    mark_moot(connection, [item.review_id for item in moot], reason, now)
    return [
        LedgerEntry(
            "REVIEW_MOOT", "hub", {"kind": str(item.kind), "entry": entry.entry_id}, item.review_id
        )
        for item in moot
    ]


def _lift_unwanted(
    connection: sa.Connection,
    entry: EntryMatch,
    keep: set[tuple[str, SanctionAction]],
    reporters_tied: set[str],
    policy: Policy,
    trigger: Trigger,
    now: datetime,
) -> list[NewInstruction]:
    """LIFT every active instruction of the entry whose (member, action) is not in `keep`.

    An inactive entry (rectified, delisted) keeps nothing. An active one keeps what the
    presence rules still call for and every reporter-scoped instruction whose signal still
    ties its reporter to the entry (those follow signals, not status)."""
    active = active_instructions(connection, entry.entry_id)
    inactive = entry.status not in ACTIVE_STATUSES
    lifts = []
    for row in active:
        action = SanctionAction(row.action)
        if row.scope == "reporter":
            still = f"{row.target_member}\x1f{row.trigger_ref}" in reporters_tied
        else:
            still = (row.target_member, action) in keep
        if still and not inactive:
            continue
        new = NewInstruction(
            instruction_id(
                entry.entry_id, row.target_member, SanctionAction.LIFT, row.instruction_id
            ),
            row.target_member,
            SanctionAction.LIFT,
            entry,
            supersedes=row.instruction_id,
        )
        want = _Wanted(row.target_member, SanctionAction.LIFT, Targets(row.scope), ())
        stored = _row(new, policy, want, trigger, now) | {"subject": row.subject}
        lifts.append(dataclasses.replace(new, row=stored))
    insert_instructions(connection, [new.row for new in lifts])
    return lifts
