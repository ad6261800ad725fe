"""The outbox relay: sign and produce what the store says is still unsent, then mark it sent.

Instructions and rejects are written to the database first (in the batch's transaction) and
published after, so a crash between the two loses nothing: the rows stay unsent and the next
flush, on this worker or another, sends them. A row may thus be published twice; instruction
ids are deterministic and members de-duplicate, and rejects name their origin record.
"""

import json
import logging
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from kafka import KafkaProducer
from kafka.errors import KafkaError
from kafka.producer.future import FutureRecordMetadata

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
from hub.errors import BrokerError
from hub.store.schema import instructions, rejects
from hub.store.timestamps import as_utc

__all__ = ["OutboxRelay", "RelayResult"]

log = logging.getLogger(__name__)


@dataclass
class RelayResult:
    instructions: int = 0
    rejects: int = 0
    # Per delivered instruction with a triggering signal: (the signal's record time, seconds
    # from it to the broker's confirmation of the instruction).
    latencies: list[tuple[datetime, float]] = field(default_factory=list)


def _instruction(row: sa.Row[tuple[object, ...]]) -> SanctionInstruction:
    m = row._mapping
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
        review_at=as_utc(m["review_at"]) if m["review_at"] else None,
        supersedes=m["supersedes"],
    )


class OutboxRelay:
    """Publishes unsent instructions and rejects, signed with the hub's key."""

    def __init__(self, producer: KafkaProducer, hub_key: SigningKey, batch: int = 2000) -> None:
        self._producer = producer
        self._key = hub_key
        self._batch = batch
        self._instruction_schema = catalog().newest("SanctionInstruction")
        self._reject_schema = catalog().newest("RejectedMessage")

    def _sealed(self, schema: PayloadSchema, record: dict[str, object]) -> bytes:
        return seal(schema, record, HUB_SIGNER, self._key).to_bytes()

    def flush(self, engine: sa.Engine, now: datetime) -> RelayResult:
        """Send one round of unsent rows; raises BrokerError if the broker did not confirm."""
        result = RelayResult()
        with engine.begin() as connection:
            pending = connection.execute(
                sa.select(instructions)
                .where(instructions.c.sent_at.is_(None))
                .order_by(instructions.c.issued_at, instructions.c.instruction_id)
                .limit(self._batch)
                .with_for_update(skip_locked=True)
            ).all()
            refused = connection.execute(
                sa.select(rejects)
                .where(rejects.c.sent_at.is_(None))
                .order_by(rejects.c.reject_id)
                .limit(self._batch)
                .with_for_update(skip_locked=True)
            ).all()
            if not pending and not refused:
                return result
            instruction_futures = [
                self._send(
                    instructions_topic(member_id(row.target_member)),
                    row.instruction_id,
                    self._sealed(self._instruction_schema, _instruction(row).to_record()),
                )
                for row in pending
            ]
            reject_futures = [
                self._send(
                    REJECTED_TOPIC,
                    f"{row.topic}:{row.partition}:{row.offset}",
                    self._sealed(
                        self._reject_schema,
                        {
                            "original": row.original,
                            "reason": row.reason,
                            "topic": row.topic,
                            "partition": row.partition,
                            "offset": row.offset,
                            "detail": row.detail,
                            "rejected_at": as_utc(row.rejected_at),
                        },
                    ),
                )
                for row in refused
            ]
            self._producer.flush()
            sent_at = datetime.now(now.tzinfo)
            delivered = [r for r, f in zip(pending, instruction_futures, strict=True) if _ok(f)]
            published = [r for r, f in zip(refused, reject_futures, strict=True) if _ok(f)]
            failed = len(pending) + len(refused) - len(delivered) - len(published)
            if failed and not delivered and not published:
                raise BrokerError(f"none of {failed} outbox records was confirmed by the broker")
            if failed:
                # One member's missing topic must not hold up everyone else's instructions.
                log.warning(
                    "%d outbox records not confirmed; they stay unsent and are retried", failed
                )
            if delivered:
                ids = [row.instruction_id for row in delivered]
                connection.execute(
                    instructions.update()
                    .where(instructions.c.instruction_id.in_(ids))
                    .values(sent_at=sent_at)
                )
            if published:
                connection.execute(
                    rejects.update()
                    .where(rejects.c.reject_id.in_([row.reject_id for row in published]))
                    .values(sent_at=sent_at)
                )
        result.instructions, result.rejects = len(delivered), len(published)
        result.latencies = [
            (as_utc(row.trigger_at), (sent_at - as_utc(row.trigger_at)).total_seconds())
            for row in delivered
            if row.trigger_at
        ]
        return result

    def _send(self, topic: str, key: str, value: bytes) -> FutureRecordMetadata | None:
        try:
            return self._producer.send(topic, key=key.encode(), value=value)
        except KafkaError as exc:  # e.g. no metadata for the topic within max_block_ms
            log.warning("cannot send to %s: %s", topic, type(exc).__name__)
            return None


def _ok(future: FutureRecordMetadata | None) -> bool:
    if future is None:
        return False
    try:
        future.get(timeout=30)
    except KafkaError:
        return False
    return True
