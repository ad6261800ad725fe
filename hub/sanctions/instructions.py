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
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa

from alliance_connector.identifiers import Identifier
from alliance_connector.messages import SanctionAction
from hub.domain.lists import ACTIVE_STATUSES, RECTIFYING_STATUSES
from hub.ledger.chain import LedgerEntry
from hub.policy.rules import Policy, Situation, Targets, decide
from hub.policy.sections import legal_basis
from hub.sanctions.index import ListIndex
from hub.sanctions.matching import entries_matching, public_of
from hub.store.instructions import (
    active_instructions,
    insert_instructions,
    stored_instruction_ids,
)
from hub.store.matching import EntryMatch, member_kinds
from hub.store.operator_tasks import NewTask, add_task
from hub.store.presence import presence_by_member
from hub.store.subjects import cluster_identifiers, public_identifiers

__all__ = [
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


def _subject_json(identifiers: Sequence[Identifier]) -> str:
    return json.dumps([{"scheme": str(i.scheme), "value": i.value} for i in identifiers])


def _sorted(identifiers: set[Identifier]) -> tuple[Identifier, ...]:
    return tuple(sorted(identifiers, key=lambda i: (i.scheme, i.value)))


def _presence_wanted(
    policy: Policy,
    entry: EntryMatch,
    presence: Mapping[str, list[Identifier]],
    public: list[Identifier],
    kinds: Mapping[str, str],
) -> list[_Wanted]:
    wanted = []
    for member, known in sorted(presence.items()):
        schemes = frozenset(i.scheme for i in known)
        situation = Situation(
            entry.list_type,
            entry.status,
            entry.category,
            kinds.get(member, "other"),
            Targets.PRESENCE,
            schemes,
        )
        subject = _sorted({*known, *public})
        for action in decide(policy, situation).actions:
            wanted.append(_Wanted(member, action, Targets.PRESENCE, subject))
    return wanted


def _store(
    connection: sa.Connection,
    policy: Policy,
    wanted: Sequence[tuple[EntryMatch, _Wanted, Trigger]],
    now: datetime,
) -> list[NewInstruction]:
    """Insert the wanted instructions, each (entry, want, trigger), not stored yet (one query
    and one insert for all of them); return the new ones."""
    candidates: dict[str, NewInstruction] = {}
    for entry, want, trigger in wanted:
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
) -> list[NewInstruction]:
    """Store every instruction the clusters' matches call for that is not stored yet.

    `triggers` maps each cluster to the signals that touched it in this batch, the first per
    reporter. Presence rules apply at every member where the cluster is present; reporter
    rules at the reporter of each misconduct signal.
    """
    identified = cluster_identifiers(connection, triggers.keys())
    matches = entries_matching(connection, identified, index)
    if not matches:
        return []
    presence = presence_by_member(connection, matches.keys())
    public = {cluster: public_of(identified.get(cluster, ())) for cluster in matches}
    reporters = {t.reporter for ts in triggers.values() for t in ts if t.reporter}
    kinds = member_kinds(connection, reporters | {m for p in presence.values() for m in p})
    wanted: list[tuple[EntryMatch, _Wanted, Trigger]] = []
    for cluster, entries in sorted(matches.items()):
        first = triggers[cluster][0]
        here = presence.get(cluster, {})
        for entry in entries:
            for want in _presence_wanted(policy, entry, here, public.get(cluster, []), kinds):
                wanted.append((entry, want, first))
            for trigger in triggers[cluster]:
                if not (trigger.misconduct and trigger.reporter):
                    continue
                known = here.get(trigger.reporter, [])
                situation = Situation(
                    entry.list_type,
                    entry.status,
                    entry.category,
                    kinds.get(trigger.reporter, "other"),
                    Targets.REPORTER,
                    frozenset(i.scheme for i in known),
                )
                decision = decide(policy, situation)
                subject = _sorted({*trigger.subject, *known, *public.get(cluster, [])})
                for action in decision.actions:
                    want = _Wanted(trigger.reporter, action, Targets.REPORTER, subject)
                    wanted.append((entry, want, trigger))
                if decision.flag:
                    _flag(connection, entry, trigger.reporter, trigger.ref, now)
    return _store(connection, policy, wanted, now)


def reconcile_entry(
    connection: sa.Connection,
    entry: EntryMatch,
    clusters: Sequence[str],
    policy: Policy,
    trigger: Trigger,
    now: datetime,
) -> tuple[list[NewInstruction], list[NewInstruction]]:
    """After a status change, bring the entry's instructions in line with the presence rules
    at every member where its subject is present: issue what they now call for (escalation
    when OVERDUE, closure when ESCALATED) and LIFT what they no longer do (everything, once
    rectified or delisted). Returns (issued, lifted)."""
    wanted: list[_Wanted] = []
    if entry.status in ACTIVE_STATUSES and clusters:
        presence = presence_by_member(connection, clusters)
        public = public_identifiers(connection, clusters)
        merged: dict[str, list[Identifier]] = defaultdict(list)
        for by_member in presence.values():
            for member, known in by_member.items():
                merged[member] += known
        shared = sorted({i for ids in public.values() for i in ids}, key=lambda i: i.value)
        kinds = member_kinds(connection, merged.keys())
        wanted = _presence_wanted(policy, entry, merged, shared, kinds)
    issued = _store(connection, policy, [(entry, want, trigger) for want in wanted], now)
    keep = {(w.member, w.action) for w in wanted}
    return issued, _lift_unwanted(connection, entry, keep, policy, trigger, now)


def _lift_unwanted(
    connection: sa.Connection,
    entry: EntryMatch,
    keep: set[tuple[str, SanctionAction]],
    policy: Policy,
    trigger: Trigger,
    now: datetime,
) -> list[NewInstruction]:
    """LIFT every active instruction of the entry whose (member, action) is not in `keep`.

    An inactive entry (rectified, delisted) keeps nothing. An active one keeps what the
    presence rules still call for and every reporter-scoped instruction (those follow signals,
    not status)."""
    active = active_instructions(connection, entry.entry_id)
    inactive = entry.status not in ACTIVE_STATUSES
    lifts = []
    for row in active:
        action = SanctionAction(row.action)
        if not inactive and (row.scope == "reporter" or (row.target_member, action) in keep):
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
