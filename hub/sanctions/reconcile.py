"""Bringing a list entry's instructions in line after its status changed, links were
withdrawn or an operator decided a review item: issue what the presence rules now call for
at the members tied to it, LIFT what they no longer do, and mark MOOT the review items no
longer called for. The lifecycle (hub.lists), withdrawals and decisions (hub.sanctions) call
`reconcile_entry`; the worker's batches issue through hub.sanctions.instructions.
"""

import dataclasses
from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import datetime

import sqlalchemy as sa

from alliance_connector.messages import SanctionAction
from hub.domain.links import Key, LinkRow
from hub.domain.lists import ACTIVE_STATUSES
from hub.ledger.chain import LedgerEntry
from hub.policy.rules import Policy, Targets
from hub.sanctions.instructions import (
    Decided,
    NewInstruction,
    Trigger,
    Wanted,
    gate,
    insert_wanted,
    instruction_id,
    instruction_row,
    presence_wanted,
)
from hub.sanctions.pauses import pause_verdicts
from hub.sanctions.ties import presence_ties, tie_graph
from hub.store.instructions import active_instructions, insert_instructions
from hub.store.links import links_within
from hub.store.matching import (
    EntryMatch,
    clusters_naming_entry,
    entry_keys,
    entry_now,
    member_kinds,
)
from hub.store.presence import presence_by_member
from hub.store.reviews import ReviewKind, mark_moot, open_of_entry
from hub.store.signals import signal_anchors
from hub.store.subjects import public_identifiers

__all__ = ["reconcile_entries", "reconcile_entry"]


def reconcile_entries(
    connection: sa.Connection,
    entry_ids: Sequence[str],
    policy: Policy,
    trigger: Trigger,
    now: datetime,
) -> Decided:
    """`reconcile_entry` for each of these entries as the store has it now, with the clusters
    naming it now; what they issued, lifted and opened, together."""
    together = Decided()
    for entry_id in entry_ids:
        clusters = clusters_naming_entry(connection, entry_id)
        decided = reconcile_entry(
            connection, entry_now(connection, entry_id), clusters, policy, trigger, now
        )
        together.issued += decided.issued
        together.lifted += decided.lifted
        together.entries += decided.entries
    return together


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
    wanted: list[Wanted] = []
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
        wanted = presence_wanted(policy, entry, merged, shared, kinds)
        reporters_tied = _reporter_signals_tied(connection, entry, clusters, links, start, policy)
    passing, opened = gate(connection, policy, [(entry, want, trigger) for want in wanted], now)
    issued = insert_wanted(connection, policy, passing, now)
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
    # What objections pause or struck (hub.sanctions.pauses): reporter-scoped ones included,
    # which `keep` does not decide.
    verdict = pause_verdicts(connection, [entry.entry_id])
    lifts = []
    for row in active:
        action = SanctionAction(row.action)
        if row.scope == "reporter":
            still = f"{row.target_member}\x1f{row.trigger_ref}" in reporters_tied
        else:
            still = (row.target_member, action) in keep
        if still and not inactive and not verdict(entry.entry_id, row.target_member, action).paused:
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
        want = Wanted(row.target_member, SanctionAction.LIFT, Targets(row.scope), ())
        stored = instruction_row(new, policy, want, trigger, now) | {"subject": row.subject}
        lifts.append(dataclasses.replace(new, row=stored))
    insert_instructions(connection, [new.row for new in lifts])
    return lifts
