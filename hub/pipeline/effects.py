"""A batch's effects, in one database transaction: ledger rows, rejects, replay table, identity
link assertions, evidence, presences, instructions, review items, waybill citations and
parcel correlations, acknowledgements and the claims they made.

Idempotent by construction: a record whose (topic, partition, offset) already has its ledger
row was handled before a crash and is skipped, so offsets may be committed late but effects
never happen twice. Every handled record gets exactly one ledger row that names it.

`apply_batch` runs the stages: lock the ledger -> dedupe -> link -> shape rows (and judge
acks) -> keep the accepted signals with their evidence -> record presence -> match and
decide -> corroborate (correlate parcels, open listing candidates) -> write the ledger and
the rows naming it.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa

from alliance_connector.identifiers import Identifier, personal_pattern
from alliance_connector.messages import CreditSignal, SignalCategory
from alliance_connector.reasons import Reason
from alliance_connector.topics import ACKS_PREFIX
from hub.domain.links import cluster_name
from hub.ledger.chain import LedgerEntry, append, lock_head
from hub.pipeline.acks import APPLIED, AckTarget, ack_targets, claim_row
from hub.pipeline.checks import topic_owner
from hub.pipeline.correlation import Citation
from hub.pipeline.corroboration import corroborate
from hub.pipeline.evidence import EVIDENCE_COLUMNS, evidence_row
from hub.pipeline.linking import Plan, link_all, plan, present_identifiers
from hub.pipeline.messages import AcceptedAck, AcceptedSignal, CheckedRecord, Outcome, Rejection
from hub.pipeline.waybills import cited, citing_kinds
from hub.policy.rules import Policy
from hub.sanctions.index import ListIndex
from hub.sanctions.instructions import (
    Decided,
    NewInstruction,
    Trigger,
    issue_for_clusters,
    ledger_entries,
)
from hub.sanctions.review_queue import open_items
from hub.store.acks import apply_acks, insert_claims
from hub.store.presence import record_presence
from hub.store.signals import accepted_before, handled_sources, insert_accepted, insert_rejects

__all__ = [
    "KEPT_ORIGINAL_BYTES",
    "MAX_DETAIL_CHARS",
    "BatchEffects",
    "apply_batch",
    "bounded_detail",
]

# A reject keeps the head of the refused record, enough to see what it was while the reject
# itself stays under the envelope cap; the whole record stays on its topic at its offset.
KEPT_ORIGINAL_BYTES = 16 * 1024
# A detail is the hub's own sentence; the bound keeps a reject under the envelope cap whatever
# a future message says.
MAX_DETAIL_CHARS = 500
# An accepted_signals row as `_Rows` shapes it: the signal, its evidence, its ledger seq.
ACCEPTED_COLUMNS = (
    ("reporter", "signal_id", "category", "cluster_id", "received_at")
    + ("anchor_scheme", "anchor_value")
    + EVIDENCE_COLUMNS
    + ("ledger_seq",)
)


@dataclass
class BatchEffects:
    accepted: int = 0
    acks: int = 0
    skipped: int = 0
    rejected: dict[Reason, int] = field(default_factory=dict)
    instructions: list[NewInstruction] = field(default_factory=list)
    reject_sources: list[tuple[str, int, int]] = field(default_factory=list)  # new rejects

    def merge(self, other: "BatchEffects") -> None:
        """Add another batch's counts to these."""
        self.accepted += other.accepted
        self.acks += other.acks
        self.skipped += other.skipped
        for reason, count in other.rejected.items():
            self.rejected[reason] = self.rejected.get(reason, 0) + count
        self.instructions += other.instructions
        self.reject_sources += other.reject_sources


def _kept_original(value: bytes | None, rejection: Rejection) -> bytes:
    """What a reject keeps of the refused record: its head, if the record is known to hold no
    personal identifier in clear (its payload decoded after the signature verified and kept
    every field and identifier rule), else nothing. The record itself stays on its topic, for
    its retention, for whoever must see it."""
    if not rejection.clean:
        return b""
    return (value or b"")[:KEPT_ORIGINAL_BYTES]


def bounded_detail(detail: str) -> str:
    """A reject's detail as stored, published and written to the ledger: bounded, and withheld
    should it ever hold what looks like a resident ID or mobile number (details are the
    hub's own words and must never quote a record, but the ledger cannot be cleaned)."""
    if personal_pattern(detail) is not None:
        return "detail withheld: it held what looks like a personal number"
    if len(detail) > MAX_DETAIL_CHARS:
        return detail[: MAX_DETAIL_CHARS - 1] + "…"
    return detail


def _signal_keys(batch: Sequence[CheckedRecord]) -> dict[tuple[str, int, int], tuple[str, str]]:
    """Each accepted signal's (reporter, signal id), by its record's source: the replay key,
    made once (a UUID's text costs more than the rest of a key lookup)."""
    return {
        item.source: (item.outcome.signal.reporter, str(item.outcome.signal.signal_id))
        for item in batch
        if isinstance(item.outcome, AcceptedSignal)
    }


class _Rows:
    """The rows one batch writes and the ledger entries naming them, shaped from its verdicts
    (`_shape`) before anything is written (`_write`)."""

    def __init__(self, now: datetime, kinds: Mapping[str, str]) -> None:
        self.now = now
        self.kinds = kinds  # member -> kind, of the reporters whose signals cite waybills
        self.effects = BatchEffects()
        self.entries: list[LedgerEntry] = []
        self.reject_rows: list[dict[str, object]] = []
        # (entry index, row in ACCEPTED_COLUMNS order but its ledger seq)
        self.accepted_rows: list[tuple[int, tuple[object, ...]]] = []
        self.ack_updates: list[dict[str, object]] = []
        self.claim_rows: list[tuple[int, dict[str, object]]] = []  # (entry index, row)
        self.citations: list[Citation] = []
        self.misconduct_clusters: set[str] = set()
        self.sightings: list[tuple[str, Identifier]] = []
        # cluster -> the batch's signals about it, the first one of each reporter
        self.triggers: dict[str, dict[str, Trigger]] = {}

    def reject(self, item: CheckedRecord, rejection: Rejection) -> None:
        kind = "ACK_REJECTED" if item.topic.startswith(ACKS_PREFIX) else "SIGNAL_REJECTED"
        member = topic_owner(item.topic)
        detail = bounded_detail(rejection.detail)
        self.reject_rows.append(
            {
                "topic": item.topic,
                "partition": item.partition,
                "offset": item.offset,
                "member_id": member,
                "reason": str(rejection.reason),
                "detail": detail,
                "original": _kept_original(item.value, rejection),
                "rejected_at": self.now,
            }
        )
        self.entries.append(
            LedgerEntry(
                kind,
                member or "unknown",
                {"detail": detail},
                reason=str(rejection.reason),
                source=item.source,
            )
        )
        counts = self.effects.rejected
        counts[rejection.reason] = counts.get(rejection.reason, 0) + 1
        self.effects.reject_sources.append(item.source)

    def accept_signal(
        self,
        item: CheckedRecord,
        signal: CreditSignal,
        signal_id: str,
        linked: tuple[Plan | None, str | None],
        policy: Policy,
    ) -> None:
        planned, cluster = linked
        if cluster is None:  # it names waybills only: an event, in a cluster of its own
            cluster = cluster_name(("signal", f"{signal.reporter}:{signal_id}"))
        anchor = planned.anchor if planned else (None, None)
        self.sightings += [(signal.reporter, i) for i in present_identifiers(signal)]
        trigger = Trigger(
            signal_id,
            item.record_time,
            signal.reporter,
            signal.category is not SignalCategory.PRESENCE,
            signal.subject,
        )
        by_reporter = self.triggers.setdefault(cluster, {})
        first = by_reporter.get(signal.reporter)
        if first is None or (trigger.misconduct and not first.misconduct):
            by_reporter[signal.reporter] = trigger
        accepted = (signal.reporter, signal_id, str(signal.category), cluster, self.now, *anchor)
        evidence = evidence_row(signal, item.record_time, policy)
        self.accepted_rows.append((len(self.entries), accepted + evidence))
        if trigger.misconduct:
            self.misconduct_clusters.add(cluster)
        citation = cited(signal, signal_id, cluster, item.record_time, self.kinds)
        if citation is not None:
            self.citations.append(citation)
        body = {
            "category": str(signal.category),
            "severity": str(signal.severity),
            "cluster": cluster,
            "identifiers": len(signal.subject),
        }
        self.entries.append(
            LedgerEntry("SIGNAL_ACCEPTED", signal.reporter, body, signal_id, source=item.source)
        )
        self.effects.accepted += 1

    def apply_ack(
        self, item: CheckedRecord, accepted: AcceptedAck, target: AckTarget | None
    ) -> None:
        """Apply the instruction's first valid ack; refuse any other (hub.pipeline.acks)."""
        ack = accepted.ack
        if target is None:
            # The ack passed every rule, so its reject may keep its bytes (clean).
            detail = "no instruction the hub issued has the acknowledged instruction_id"
            self.reject(item, Rejection(Reason.UNKNOWN_INSTRUCTION, detail, clean=True))
            return
        refusal = target.judge(accepted, item.record_time)
        if refusal is not None:
            if refusal.reason is Reason.ACK_ALREADY_FINAL:  # kept as what was claimed
                refused = claim_row(ack, refusal.reason, self.now)
                self.claim_rows.append((len(self.entries), refused))
                target.claimed(ack, applied=False)
            self.reject(item, refusal)
            return
        self.claim_rows.append((len(self.entries), claim_row(ack, APPLIED, self.now)))
        target.claimed(ack, applied=True)
        self.ack_updates.append(
            {
                "id": ack.instruction_id,
                "status": str(ack.status),
                "at": ack.acked_at,
                "note": ack.note,
            }
        )
        self.entries.append(
            LedgerEntry(
                "ACK_APPLIED",
                ack.member,
                {"status": str(ack.status)},
                ack.instruction_id,
                source=item.source,
            )
        )
        self.effects.acks += 1

    def add_instructions(self, issued: list[NewInstruction]) -> None:
        """Add the instructions the batch's matches called for, each with its ledger entry."""
        self.effects.instructions += issued
        self.entries += ledger_entries(issued)


def _dedupe(
    connection: sa.Connection, batch: Sequence[CheckedRecord]
) -> tuple[list[tuple[CheckedRecord, Outcome]], int, dict[tuple[str, int, int], tuple[str, str]]]:
    """The batch's verdicts without the records handled before (a crash's redelivery), each
    signal accepted before refused as a REPLAY; the number skipped; the signals' keys."""
    handled = handled_sources(connection, [item.source for item in batch])
    keys = _signal_keys(batch)
    seen = accepted_before(connection, keys.values())
    verdicts: list[tuple[CheckedRecord, Outcome]] = []
    skipped = 0
    for item in batch:
        if item.source in handled:
            skipped += 1
            continue
        outcome = item.outcome
        if isinstance(outcome, AcceptedSignal):
            key = keys[item.source]
            if key in seen:
                detail = "the reporter's signal_id was accepted before"
                outcome = Rejection(Reason.REPLAY, detail, clean=True)  # it passed every rule
            seen.add(key)
        verdicts.append((item, outcome))
    return verdicts, skipped, keys


def _link(
    connection: sa.Connection,
    verdicts: Sequence[tuple[CheckedRecord, Outcome]],
    keys: dict[tuple[str, int, int], tuple[str, str]],
    policy: Policy,
    now: datetime,
) -> tuple[list[tuple[Plan | None, str | None]], list[LedgerEntry]]:
    """Each accepted signal's plan and cluster, in order, its assertions stored; and the
    ledger entries of the bridge reviews it opened (hub.pipeline.linking)."""
    plans = [
        plan(o.signal, keys[item.source][1])
        for item, o in verdicts
        if isinstance(o, AcceptedSignal)
    ]
    safeguards = policy.safeguards
    linked = link_all(connection, plans, safeguards.weak_corroboration, safeguards.review_days, now)
    opened = open_items(connection, linked.bridges, now)
    return list(zip(plans, linked.clusters, strict=True)), opened


def _shape(
    connection: sa.Connection,
    verdicts: Sequence[tuple[CheckedRecord, Outcome]],
    keys: dict[tuple[str, int, int], tuple[str, str]],
    linked: Sequence[tuple[Plan | None, str | None]],
    policy: Policy,
    now: datetime,
) -> _Rows:
    """The rows of every verdict: rejects, accepted signals, and acks judged against the
    instructions they name (read here, the one query of this stage)."""
    targets = ack_targets(connection, [o.ack for _, o in verdicts if isinstance(o, AcceptedAck)])
    signals = [o.signal for _, o in verdicts if isinstance(o, AcceptedSignal)]
    rows = _Rows(now, citing_kinds(connection, signals))
    next_link = iter(linked)
    for item, outcome in verdicts:
        if isinstance(outcome, Rejection):
            rows.reject(item, outcome)
        elif isinstance(outcome, AcceptedSignal):
            signal_id = keys[item.source][1]
            rows.accept_signal(item, outcome.signal, signal_id, next(next_link), policy)
        else:
            rows.apply_ack(item, outcome, targets.get(outcome.ack.instruction_id))
    return rows


def _match_and_decide(
    connection: sa.Connection,
    triggers: dict[str, dict[str, Trigger]],
    index: ListIndex,
    policy: Policy,
    now: datetime,
) -> Decided:
    """The instructions the touched clusters' matches call for, stored, and the reviews
    opened instead of those an operator confirms first (hub.sanctions)."""
    if not triggers:
        return Decided()
    by_cluster = {cluster: list(t.values()) for cluster, t in triggers.items()}
    return issue_for_clusters(connection, by_cluster, index, policy, now)


def _accept(connection: sa.Connection, rows: _Rows, head: tuple[int, str]) -> None:
    """The accepted signals with their evidence, each naming its SIGNAL_ACCEPTED row's seq
    before the ledger is written: with the head locked, the entries so far get the seqs after
    it in order, and later stages only add entries after them."""
    insert_accepted(
        connection,
        ACCEPTED_COLUMNS,
        [row + (head[0] + 1 + index,) for index, row in rows.accepted_rows],
    )


def _write(connection: sa.Connection, rows: _Rows, head: tuple[int, str]) -> None:
    """The ledger entries, chained on the locked head, then the rows that name their seqs."""
    seqs = append(connection, rows.entries, rows.now, head)
    insert_rejects(connection, rows.reject_rows)
    apply_acks(connection, rows.ack_updates)
    insert_claims(
        connection,
        [row | {"ledger_seq": seqs[index]} for index, row in rows.claim_rows],
    )


def apply_batch(
    connection: sa.Connection,
    batch: Sequence[CheckedRecord],
    index: ListIndex,
    policy: Policy,
    now: datetime,
) -> BatchEffects:
    """Write the batch's effects inside the caller's transaction; return what happened.

    Nine stages, in the order they touch the store; all of them in the one transaction.

    The batch first takes the ledger's lock, so batches from several workers run one after
    another: linking must see every link another worker committed, or two workers could give
    one identifier two clusters. Checking signatures, the costly part, stays parallel.
    """
    head = lock_head(connection)  # 1. lock: batches of all workers one after another
    verdicts, skipped, keys = _dedupe(connection, batch)  # 2. dedupe: redeliveries, replays
    linked, bridges = _link(connection, verdicts, keys, policy, now)  # 3. link: assertions
    rows = _shape(connection, verdicts, keys, linked, policy, now)  # 4. shape rows, judge acks
    rows.effects.skipped = skipped
    rows.entries += bridges
    _accept(connection, rows, head)  # 5. accepted signals and their evidence, before
    # candidates count them (they count this batch's reports too)
    record_presence(connection, rows.sightings, now)  # 6. presence, which matching reads
    decided = _match_and_decide(connection, rows.triggers, index, policy, now)  # 7. decide
    rows.add_instructions(decided.issued)
    rows.entries += decided.entries
    rows.entries += corroborate(  # 8. correlate parcels, open candidates
        connection, rows.citations, rows.misconduct_clusters, decided.matched, policy, now
    )
    _write(connection, rows, head)  # 9. write: ledger, then the rows naming its seqs
    return rows.effects
