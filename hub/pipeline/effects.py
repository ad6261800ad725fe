"""A batch's effects, in one database transaction: ledger rows, rejects, replay table, identity
links, presences, instructions and acknowledgements.

Idempotent by construction: a record whose (topic, partition, offset) already has its ledger
row was handled before a crash and is skipped, so offsets may be committed late but effects
never happen twice. Every handled record gets exactly one ledger row that names it.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa

from alliance_connector.reasons import Reason
from alliance_connector.topics import ACKS_PREFIX
from hub.ledger.chain import LedgerEntry, append
from hub.pipeline.checks import AcceptedAck, AcceptedSignal, Outcome, Rejection, topic_owner
from hub.pipeline.instructions import NewInstruction, issue_for_cluster
from hub.pipeline.linking import link, present_identifiers, record_presence
from hub.store.schema import accepted_signals, instructions, ledger, rejects, subject_identifiers

__all__ = ["KEPT_ORIGINAL_BYTES", "BatchEffects", "CheckedRecord", "apply_batch"]

# A reject keeps the head of the refused record, enough to see what it was while the reject
# itself stays under the envelope cap; the whole record stays on its topic at its offset.
KEPT_ORIGINAL_BYTES = 16 * 1024


@dataclass(frozen=True)
class CheckedRecord:
    """A Kafka record with the verdict of `checks.check_record`."""

    topic: str
    partition: int
    offset: int
    record_time: datetime
    value: bytes | None
    outcome: Outcome

    @property
    def source(self) -> tuple[str, int, int]:
        return (self.topic, self.partition, self.offset)


@dataclass
class BatchEffects:
    accepted: int = 0
    acks: int = 0
    skipped: int = 0
    rejected: dict[Reason, int] = field(default_factory=dict)
    instructions: list[NewInstruction] = field(default_factory=list)


def _already_handled(
    connection: sa.Connection, batch: Sequence[CheckedRecord]
) -> set[tuple[str, int, int]]:
    sources = sa.tuple_(ledger.c.source_topic, ledger.c.source_partition, ledger.c.source_offset)
    rows = connection.execute(
        sa.select(ledger.c.source_topic, ledger.c.source_partition, ledger.c.source_offset).where(
            sources.in_([item.source for item in batch])
        )
    )
    return {(r.source_topic, r.source_partition, r.source_offset) for r in rows}


def _already_accepted(
    connection: sa.Connection, batch: Sequence[CheckedRecord]
) -> set[tuple[str, str]]:
    keys = [
        (item.outcome.signal.reporter, str(item.outcome.signal.signal_id))
        for item in batch
        if isinstance(item.outcome, AcceptedSignal)
    ]
    if not keys:
        return set()
    pair = sa.tuple_(accepted_signals.c.reporter, accepted_signals.c.signal_id)
    rows = connection.execute(
        sa.select(accepted_signals.c.reporter, accepted_signals.c.signal_id).where(pair.in_(keys))
    )
    return {(r.reporter, r.signal_id) for r in rows}


class _Batch:
    """Collects one batch's rows; `apply_batch` drives it."""

    def __init__(self, connection: sa.Connection, now: datetime) -> None:
        self.connection = connection
        self.now = now
        self.effects = BatchEffects()
        self.entries: list[LedgerEntry] = []
        self.reject_rows: list[dict[str, object]] = []
        self.accepted_rows: list[tuple[int, dict[str, object]]] = []  # (entry index, row)
        self.touched: dict[str, tuple[str, datetime]] = {}  # identifier key -> trigger

    def reject(self, item: CheckedRecord, rejection: Rejection) -> None:
        kind = "ACK_REJECTED" if item.topic.startswith(ACKS_PREFIX) else "SIGNAL_REJECTED"
        member = topic_owner(item.topic)
        self.reject_rows.append(
            {
                "topic": item.topic,
                "partition": item.partition,
                "offset": item.offset,
                "member_id": member,
                "reason": str(rejection.reason),
                "detail": rejection.detail,
                "original": (item.value or b"")[:KEPT_ORIGINAL_BYTES],
                "rejected_at": self.now,
            }
        )
        self.entries.append(
            LedgerEntry(
                kind,
                member or "unknown",
                {"detail": rejection.detail},
                None,
                str(rejection.reason),
                item.source,
            )
        )
        counts = self.effects.rejected
        counts[rejection.reason] = counts.get(rejection.reason, 0) + 1

    def accept_signal(self, item: CheckedRecord, accepted: AcceptedSignal) -> None:
        signal = accepted.signal
        cluster = link(self.connection, signal.subject)
        record_presence(self.connection, signal.reporter, present_identifiers(signal), self.now)
        first = signal.subject[0]
        self.touched.setdefault(
            f"{first.scheme}\x1f{first.value}", (str(signal.signal_id), item.record_time)
        )
        body = {
            "category": str(signal.category),
            "severity": str(signal.severity),
            "cluster": cluster,
            "identifiers": len(signal.subject),
        }
        self.accepted_rows.append(
            (
                len(self.entries),
                {
                    "reporter": signal.reporter,
                    "signal_id": str(signal.signal_id),
                    "category": str(signal.category),
                    "cluster_id": cluster,
                    "received_at": self.now,
                },
            )
        )
        self.entries.append(
            LedgerEntry(
                "SIGNAL_ACCEPTED", signal.reporter, body, str(signal.signal_id), None, item.source
            )
        )
        self.effects.accepted += 1

    def apply_ack(self, item: CheckedRecord, accepted: AcceptedAck) -> None:
        ack = accepted.ack
        target = self.connection.scalar(
            sa.select(instructions.c.target_member).where(
                instructions.c.instruction_id == ack.instruction_id
            )
        )
        if target is None:
            self.reject(
                item,
                Rejection(Reason.UNKNOWN_INSTRUCTION, f"no instruction {ack.instruction_id!r}"),
            )
            return
        if target != ack.member:
            self.reject(
                item,
                Rejection(Reason.WRONG_MEMBER, f"{ack.instruction_id!r} is for another member"),
            )
            return
        self.connection.execute(
            instructions.update()
            .where(instructions.c.instruction_id == ack.instruction_id)
            .values(ack_status=str(ack.status), acked_at=ack.acked_at, ack_note=ack.note)
        )
        self.entries.append(
            LedgerEntry(
                "ACK_APPLIED",
                ack.member,
                {"status": str(ack.status)},
                ack.instruction_id,
                None,
                item.source,
            )
        )
        self.effects.acks += 1

    def issue_instructions(self) -> None:
        if not self.touched:
            return
        pair = sa.tuple_(subject_identifiers.c.scheme, subject_identifiers.c.value)
        keys = [tuple(key.split("\x1f", 1)) for key in self.touched]
        rows = self.connection.execute(
            sa.select(
                subject_identifiers.c.scheme,
                subject_identifiers.c.value,
                subject_identifiers.c.cluster_id,
            ).where(pair.in_(keys))
        )
        clusters: dict[str, tuple[str, datetime]] = {}
        for row in rows:
            clusters.setdefault(row.cluster_id, self.touched[f"{row.scheme}\x1f{row.value}"])
        for cluster, (trigger_ref, trigger_at) in sorted(clusters.items()):
            for new in issue_for_cluster(
                self.connection, cluster, self.now, trigger_ref, trigger_at
            ):
                self.effects.instructions.append(new)
                self.entries.append(
                    LedgerEntry(
                        "INSTRUCTION_ISSUED",
                        "hub",
                        {
                            "target": new.target_member,
                            "action": str(new.action),
                            "entry": new.entry.entry_id,
                        },
                        new.instruction_id,
                    )
                )

    def write(self) -> None:
        seqs = append(self.connection, self.entries, self.now)
        if self.reject_rows:
            self.connection.execute(rejects.insert(), self.reject_rows)
        if self.accepted_rows:
            self.connection.execute(
                accepted_signals.insert(),
                [row | {"ledger_seq": seqs[index]} for index, row in self.accepted_rows],
            )


def apply_batch(
    connection: sa.Connection, batch: Sequence[CheckedRecord], now: datetime
) -> BatchEffects:
    """Write the batch's effects inside the caller's transaction; return what happened."""
    handled = _already_handled(connection, batch)
    accepted_before = _already_accepted(connection, batch)
    work = _Batch(connection, now)
    for item in batch:
        if item.source in handled:
            work.effects.skipped += 1
            continue
        outcome = item.outcome
        if isinstance(outcome, AcceptedSignal):
            key = (outcome.signal.reporter, str(outcome.signal.signal_id))
            if key in accepted_before:
                outcome = Rejection(Reason.REPLAY, f"signal {key[1]} from {key[0]} seen before")
            accepted_before.add(key)
        if isinstance(outcome, Rejection):
            work.reject(item, outcome)
        elif isinstance(outcome, AcceptedSignal):
            work.accept_signal(item, outcome)
        else:
            work.apply_ack(item, outcome)
    work.issue_instructions()
    work.write()
    return work.effects
