"""The outbox relay: sign and produce what the store says is still unsent, and mark it sent
once the broker confirmed it.

Instructions and rejects are written to the database first (in the batch's transaction) and
published after, so a crash between the two loses nothing: the rows stay unsent and a later
round, on this worker or another, sends them. A row may thus be published twice; instruction
ids are deterministic and members de-duplicate, and rejects name their origin record.

Nothing waits for the broker: rows are sent, and a later round marks sent what the broker
confirmed meanwhile (and leaves what it refused unsent, for a later round). A slow
acknowledgement so delays only its own rows, never the batches behind it. Right after a batch
the instructions it stored are sent from memory (`send_issued`: no query, no transaction),
and its rejects by name; now and then a round sweeps up every row that has stayed unsent for
a second (a crash, a refusal, another worker, a list status change), so two workers seldom
publish the same row.
"""

import json
import logging
import time
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from alliance_connector.envelope import seal
from alliance_connector.identifiers import Identifier, IdentifierScheme
from alliance_connector.messages import (
    Cause,
    ListType,
    SanctionAction,
    SanctionInstruction,
    SignalCategory,
)
from alliance_connector.schemas import PayloadSchema, catalog
from alliance_connector.signing import SigningKey
from alliance_connector.topics import HUB_SIGNER, REJECTED_TOPIC, instructions_topic, member_id
from hub.kafka.clients import FutureRecordMetadata, KafkaError, KafkaProducer, broker_errors
from hub.pipeline.effects import KEPT_ORIGINAL_BYTES, bounded_detail
from hub.store.errors import transaction
from hub.store.outbox import Outbox, OutboxRow, key_of, mark_sent, unsent, unsent_rejects_from
from hub.store.timestamps import as_utc

__all__ = [
    "SWEEP_AGE",
    "OutboxRelay",
    "RelayResult",
    "Wanted",
    "instruction_message",
    "reject_record",
]

log = logging.getLogger(__name__)

# Kafka refuses longer topic names; reason codes are short words.
MAX_TOPIC_CHARS = 249
MAX_REASON_CHARS = 64
# A row unsent this long is no longer only its own batch's worker's to publish.
SWEEP_AGE = timedelta(seconds=1)
# After a topic could not be sent to (gone, or its metadata not answered), its rows wait.
UNREACHABLE_PAUSE_S = 30.0


@dataclass
class RelayResult:
    instructions: int = 0
    rejects: int = 0
    # Per confirmed instruction with a triggering signal: (the signal's record time, seconds
    # from it to the broker's confirmation of the instruction).
    latencies: list[tuple[datetime, float]] = field(default_factory=list)


@dataclass(frozen=True)
class Wanted:
    """What a round publishes: rejects a batch just stored, named, and with `sweep` every row
    stored more than SWEEP_AGE ago and still unsent."""

    reject_sources: Collection[tuple[str, int, int]] = ()
    sweep: bool = False


@dataclass
class _Sent:
    """A row handed to the producer, until the broker answers."""

    outbox: Outbox
    key: str | int  # instruction id or reject id
    trigger_at: datetime | None
    future: FutureRecordMetadata | None
    confirmed_at: list[float] = field(default_factory=list)  # set by the producer's thread

    def done(self) -> bool:
        return self.future is None or self.future.is_done

    def confirmed(self) -> bool:
        return self.future is not None and self.future.succeeded() and bool(self.confirmed_at)


def instruction_message(m: Mapping[Any, Any]) -> SanctionInstruction:
    """The message for an instruction row, as stored or as read back."""
    return SanctionInstruction(
        instruction_id=m["instruction_id"],
        target_member=m["target_member"],
        subject=tuple(
            Identifier(IdentifierScheme(i["scheme"]), i["value"]) for i in json.loads(m["subject"])
        ),
        action=SanctionAction(m["action"]),
        cause=Cause(m["entry_id"], ListType(m["list_type"]), SignalCategory(m["category"])),
        legal_basis=m["legal_basis"],
        issued_at=as_utc(m["issued_at"]),
        review_at=as_utc(m["review_at"]) if m.get("review_at") else None,
        supersedes=m["supersedes"],
    )


def reject_record(row: Mapping[Any, Any]) -> dict[str, object]:
    """The RejectedMessage for a stored reject, every field bounded so that the sealed reject
    stays under the envelope cap (MAX_ENVELOPE_BYTES) that consumers apply, whatever the row
    holds (rows stored by an older hub included): `original` at most KEPT_ORIGINAL_BYTES, the
    topic at most Kafka's 249 characters, `detail` as `bounded_detail` makes it."""
    return {
        "original": bytes(row["original"])[:KEPT_ORIGINAL_BYTES],
        "reason": str(row["reason"])[:MAX_REASON_CHARS],
        "topic": str(row["topic"])[:MAX_TOPIC_CHARS],
        "partition": row["partition"],
        "offset": row["offset"],
        "detail": bounded_detail(str(row["detail"])),
        "rejected_at": as_utc(row["rejected_at"]),
    }


class OutboxRelay:
    """Publishes unsent instructions and rejects, signed with the hub's key."""

    def __init__(self, producer: KafkaProducer, hub_key: SigningKey, batch: int = 2000) -> None:
        self._producer = producer
        self._key = hub_key
        self._batch = batch
        self._instruction_schema = catalog().newest("SanctionInstruction")
        self._reject_schema = catalog().newest("RejectedMessage")
        self._in_flight: dict[tuple[Outbox, str | int], _Sent] = {}
        self._unreachable_until: dict[str, float] = {}  # topic -> monotonic time
        # When this relay first saw each unsent row that no batch of its own named.
        self._unsent_since: dict[tuple[Outbox, str | int], float] = {}

    def _sealed(self, schema: PayloadSchema, record: dict[str, object]) -> bytes:
        return seal(schema, record, HUB_SIGNER, self._key).to_bytes()

    def round(self, engine: sa.Engine, wanted: Wanted) -> RelayResult:
        """Mark sent what the broker confirmed since the last round, then send what `wanted`
        names and is not in flight already, without waiting for the broker."""
        answered = [sent for sent in self._in_flight.values() if sent.done()]
        for sent in answered:
            del self._in_flight[(sent.outbox, sent.key)]
        confirmed = [sent for sent in answered if sent.confirmed()]
        if len(confirmed) < len(answered):
            # One member's missing topic must not hold up everyone else's instructions.
            log.warning(
                "%d outbox records not confirmed; they stay unsent and are retried",
                len(answered) - len(confirmed),
            )
        with transaction(engine) as connection:
            for outbox in Outbox:
                marks = [
                    (sent.key, datetime.fromtimestamp(sent.confirmed_at[0], UTC))
                    for sent in confirmed
                    if sent.outbox is outbox
                ]
                mark_sent(connection, outbox, marks)
            pending, refused = self._pending(connection, wanted)
        for row in pending:
            self._send_instruction(row)
        for row in refused:
            self._send_reject(row)
        return _result(confirmed)

    def send_issued(self, rows: Iterable[Mapping[str, Any]]) -> None:
        """Send instructions a batch has just committed, from the rows it stored."""
        for row in rows:
            if (Outbox.INSTRUCTIONS, row["instruction_id"]) not in self._in_flight:
                self._send_instruction(row)

    def drain(self, engine: sa.Engine, timeout_s: float = 10.0) -> RelayResult:
        """Wait for the broker's answers to everything in flight and mark the confirmed."""
        with broker_errors("waiting for the broker's answers"):
            self._producer.flush(timeout=timeout_s)
        return self.round(engine, Wanted())

    def _pending(
        self, connection: sa.Connection, wanted: Wanted
    ) -> tuple[list[OutboxRow], list[OutboxRow]]:
        def swept(outbox: Outbox) -> list[OutboxRow] | None:
            return unsent(connection, outbox, self._batch) if wanted.sweep else None

        pending = self._choose(Outbox.INSTRUCTIONS, [], swept(Outbox.INSTRUCTIONS))
        named = unsent_rejects_from(connection, wanted.reject_sources, self._batch)
        refused = self._choose(Outbox.REJECTS, named, swept(Outbox.REJECTS))
        return pending, refused

    def _choose(
        self, outbox: Outbox, named: list[OutboxRow], swept: list[OutboxRow] | None
    ) -> list[OutboxRow]:
        """Unsent rows not in flight: those `named`, and of those `swept` (None: no sweep this
        round) the ones this relay has seen unsent for SWEEP_AGE (by its own clock: stored
        times may be injected or come from another host's clock)."""
        key = key_of(outbox)
        now = time.monotonic()
        chosen = {r[key]: r for r in named}
        for row in swept or []:
            first_seen = self._unsent_since.setdefault((outbox, row[key]), now)
            if now - first_seen >= SWEEP_AGE.total_seconds():
                chosen.setdefault(row[key], row)
        if swept is not None:  # forget rows no longer unsent
            seen = {(outbox, r[key]) for r in swept}
            for stale in [k for k in self._unsent_since if k[0] == outbox and k not in seen]:
                del self._unsent_since[stale]
        return [r for i, r in chosen.items() if (outbox, i) not in self._in_flight]

    def _send_instruction(self, row: Mapping[Any, Any]) -> None:
        topic = instructions_topic(member_id(row["target_member"]))
        if self._unreachable_until.get(topic, 0.0) > time.monotonic():
            return  # stays unsent; a sweep after the pause tries again
        key = row["instruction_id"]
        value = self._sealed(self._instruction_schema, instruction_message(row).to_record())
        trigger_at = row["trigger_at"]
        sent = _Sent(Outbox.INSTRUCTIONS, key, as_utc(trigger_at) if trigger_at else None, None)
        sent.future = self._send(topic, key, value, sent)
        self._in_flight[(Outbox.INSTRUCTIONS, key)] = sent

    def _send_reject(self, row: OutboxRow) -> None:
        if self._unreachable_until.get(REJECTED_TOPIC, 0.0) > time.monotonic():
            return
        record = reject_record(row)
        value = self._sealed(self._reject_schema, record)
        sent = _Sent(Outbox.REJECTS, row["reject_id"], None, None)
        sent.future = self._send(
            REJECTED_TOPIC, f"{record['topic']}:{row['partition']}:{row['offset']}", value, sent
        )
        self._in_flight[(Outbox.REJECTS, row["reject_id"])] = sent

    def _send(self, topic: str, key: str, value: bytes, sent: _Sent) -> FutureRecordMetadata | None:
        try:
            future = self._producer.send(topic, key=key.encode(), value=value)
        except KafkaError as exc:  # e.g. no metadata for the topic within max_block_ms
            # A member's topic that is gone would otherwise cost max_block_ms per row, every
            # sweep, and hold up every batch behind the round: leave the topic be a while.
            self._unreachable_until[topic] = time.monotonic() + UNREACHABLE_PAUSE_S
            log.warning(
                "cannot send to %s (%s); its rows wait %.0f s",
                topic,
                type(exc).__name__,
                UNREACHABLE_PAUSE_S,
            )
            return None
        # The broker's confirmation time, taken on the producer's thread as it arrives.
        future.add_callback(lambda _metadata: sent.confirmed_at.append(time.time()))
        return future


def _result(confirmed: list[_Sent]) -> RelayResult:
    result = RelayResult()
    for sent in confirmed:
        if sent.outbox is Outbox.REJECTS:
            result.rejects += 1
            continue
        result.instructions += 1
        if sent.trigger_at is not None:
            at = datetime.fromtimestamp(sent.confirmed_at[0], UTC)
            result.latencies.append((sent.trigger_at, (at - sent.trigger_at).total_seconds()))
    return result
