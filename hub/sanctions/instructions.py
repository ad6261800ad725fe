"""Turning policy decisions into stored instructions (the outbox).

Two causes lead here. A batch of signals touches subject clusters that match list entries
(`issue_for_clusters`, here); a list entry changes status or loses links
(`hub.sanctions.reconcile`, which also lifts). Both ask the policy
(hub.policy.rules.decide) what each member tied to the subject should do (hub.sanctions.ties),
hold back what an operator confirms first (`gate`), and store what is not stored yet.

An instruction id is a hash of (list entry, target member, action) and, for a LIFT, of the
instruction it lifts: the same cause and target always give the same id, so re-running the
same input — after a crash, or on another worker — finds the instruction stored and issues
nothing new, and members recognise replays. The flip side: an action lifted once is not
issued again for the same entry and member (lifting follows rectification or delisting).
"""

import dataclasses
import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa

from alliance_connector.identifiers import Identifier, IdentifierScheme
from alliance_connector.messages import SanctionAction
from hub.domain.links import Key, is_foreign
from hub.domain.lists import RECTIFYING_STATUSES
from hub.ledger.chain import LedgerEntry
from hub.policy.rules import Decision, Policy, Situation, Targets, decide
from hub.policy.sections import legal_basis
from hub.sanctions.index import ListIndex
from hub.sanctions.matching import entries_matching, public_of
from hub.sanctions.pauses import unpaused
from hub.sanctions.review_queue import open_items
from hub.sanctions.ties import TieGraph, presence_ties, tie_graph
from hub.store.instructions import (
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
    review_id,
    review_states,
)
from hub.store.subjects import cluster_identifiers

__all__ = [
    "Decided",
    "NewInstruction",
    "Trigger",
    "Wanted",
    "gate",
    "insert_wanted",
    "instruction_id",
    "instruction_row",
    "issue_for_clusters",
    "ledger_entries",
    "presence_wanted",
    "review_at",
]

# A flagged signal is for an operator to review within this time.
REVIEW_WITHIN = timedelta(days=2)


def instruction_id(
    entry_id: str, target: str, action: SanctionAction, lifts: str | None = None
) -> str:
    """The deterministic id of the instruction (entry, target, action[, lifted instruction,
    or the objection after which a paused action resumed: hub.sanctions.pauses])."""
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
class Wanted:
    member: str
    action: SanctionAction
    scope: Targets
    subject: tuple[Identifier, ...]
    # Wanted only while this stronger action is not issued (a store stays blocked while its
    # closure waits for an operator).
    unless: SanctionAction | None = None
    # Set when the action resumes after an objection paused it (hub.sanctions.pauses): it
    # makes the instruction's id new, since the paused one was lifted.
    resume: str | None = None


def _wants(
    decision: Decision, member: str, scope: Targets, subject: tuple[Identifier, ...]
) -> list[Wanted]:
    """The decision's actions at the member, and what they supersede as fallbacks."""
    wanted = [Wanted(member, action, scope, subject) for action in decision.actions]
    stronger = SanctionAction.CLOSE_STORE
    wanted += [Wanted(member, a, scope, subject, unless=stronger) for a in decision.superseded]
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


def presence_wanted(
    policy: Policy,
    entry: EntryMatch,
    ties: Mapping[str, set[Key]],
    public: list[Identifier],
    kinds: Mapping[str, str],
) -> list[Wanted]:
    """What the presence rules call for at each member, for what it tied itself."""
    wanted = []
    for member, tied in sorted(ties.items()):
        situation = _situation(entry, kinds.get(member, "other"), Targets.PRESENCE, tied)
        subject = _sorted([*map(_identifier, tied), *public])
        wanted += _wants(decide(policy, situation), member, Targets.PRESENCE, subject)
    return wanted


def gate(
    connection: sa.Connection,
    policy: Policy,
    wanted: Sequence[tuple[EntryMatch, Wanted, Trigger]],
    now: datetime,
) -> tuple[list[tuple[EntryMatch, Wanted, Trigger]], list[LedgerEntry]]:
    """The wanted instructions that may be issued now, and the ledger entries of the review
    items opened for those an operator confirms first (public exposure, store closure: the
    policy's `confirm_actions`). A confirmed item lets its instruction through; a dismissed
    one never does; an open one waits. Actions an open objection pauses are not wanted at all
    (hub.sanctions.pauses)."""
    wanted = unpaused(connection, wanted, lambda w, key: dataclasses.replace(w, resume=key))
    safeguards = policy.safeguards
    gated: dict[str, NewReview] = {}
    held: list[tuple[str, tuple[EntryMatch, Wanted, Trigger]]] = []
    passing = []
    for entry, want, trigger in wanted:
        if not safeguards.needs_confirmation(want.action, entry.list_type, entry.status):
            passing.append((entry, want, trigger))
            continue
        key = review_id(ReviewKind.SANCTION, entry.entry_id, want.member, str(want.action))
        held.append((key, (entry, want, trigger)))
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
    passing += [want for key, want in held if states.get(key) is ReviewState.CONFIRMED]
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
    wanted: Sequence[tuple[EntryMatch, Wanted, Trigger]],
    now: datetime,
) -> tuple[list[NewInstruction], list[LedgerEntry]]:
    """Insert the wanted instructions, each (entry, want, trigger), not stored yet (one query
    and one insert for all of them), those an operator confirms first only once confirmed;
    return the new ones and the ledger entries of the review items opened."""
    passing, opened = gate(connection, policy, wanted, now)
    return insert_wanted(connection, policy, passing, now), opened


def insert_wanted(
    connection: sa.Connection,
    policy: Policy,
    passing: Sequence[tuple[EntryMatch, Wanted, Trigger]],
    now: datetime,
) -> list[NewInstruction]:
    """Insert these instructions, those not stored yet; return the new ones."""
    candidates: dict[str, NewInstruction] = {}
    for entry, want, trigger in passing:
        key = instruction_id(entry.entry_id, want.member, want.action, want.resume)
        if key not in candidates:  # the first cause names it
            new = NewInstruction(key, want.member, want.action, entry)
            candidates[key] = dataclasses.replace(
                new, row=instruction_row(new, policy, want, trigger, now)
            )
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


def instruction_row(
    new: NewInstruction, policy: Policy, want: Wanted, trigger: Trigger, now: datetime
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
    wanted: list[tuple[EntryMatch, Wanted, Trigger]] = []
    for cluster, entries in sorted(matches.items()):
        first = triggers[cluster][0]
        here = presence.get(cluster, {})
        graph = tie_graph(links.get(cluster, ()), corroboration)
        shown = public.get(cluster, [])
        for entry in entries:
            start = starts.get(entry.entry_id, set())
            ties = presence_ties(graph, start, here)
            for want in presence_wanted(policy, entry, ties, shown, kinds):
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
) -> list[tuple[EntryMatch, Wanted, Trigger]]:
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
