"""The member's instruction listener: verify the hub's signature, de-duplicate, acknowledge.

A record that fails any check (size, envelope, signer, pinned key, signature, schema, target)
never reaches the caller: `receive` raises InstructionRejected naming the record, and the next
call continues after it, so one forged message cannot block the topic.

Delivery is at least once. An instruction's offset is committed when the caller comes back
for the next one (or closes the listener without an error), so an instruction whose handling
crashed is delivered again. Replays are dropped by instruction id, remembered in memory for
this process only: a member that must never execute twice across restarts keeps the ids it
executed in its own store (executing an instruction again should be harmless anyway).
"""

import time
from collections import OrderedDict, deque
from collections.abc import Iterable
from datetime import UTC, datetime
from types import TracebackType
from typing import Any, Self

from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.errors import KafkaError
from kafka.structs import OffsetAndMetadata

from alliance_connector.envelope import MAX_ENVELOPE_BYTES, open_verified, seal
from alliance_connector.errors import (
    DeliveryFailed,
    InstructionRejected,
    InvalidField,
    MessageRejected,
    UnknownSchema,
)
from alliance_connector.kafka_options import BrokerConnection
from alliance_connector.messages import AckStatus, InstructionAck, SanctionInstruction
from alliance_connector.schemas import catalog
from alliance_connector.signing import SigningKey, VerifyKey
from alliance_connector.topics import HUB_SIGNER, acks_topic, instructions_topic, member_id
from alliance_connector.validation import validate_ack

__all__ = ["InstructionListener"]


class InstructionListener:
    """Receives `member`'s instructions from the hub and acknowledges them."""

    def __init__(
        self,
        member: str,
        hub_keys: Iterable[VerifyKey],
        signing_key: SigningKey,
        connection: BrokerConnection,
        *,
        group_id: str | None = None,
        remember: int = 100_000,
        delivery_timeout_s: float = 30.0,
    ) -> None:
        self.member = member_id(member)
        self._hub_keys = {key.key_id: key for key in hub_keys}
        self._signing_key = signing_key
        self._timeout_s = delivery_timeout_s
        self._remember = remember
        self._seen: OrderedDict[str, None] = OrderedDict()
        self._pending: deque[Any] = deque()
        self._done: dict[TopicPartition, int] = {}
        self._ack_schema = catalog().newest("InstructionAck")
        # Member group ids start with "<member>." (the Kafka ACLs allow no others).
        self._consumer = KafkaConsumer(
            group_id=group_id or f"{self.member}.instructions",
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            client_id=f"{self.member}.listener",
            **connection.options(),
        )
        self._consumer.subscribe([instructions_topic(self.member)])
        self._producer = KafkaProducer(
            acks="all",
            enable_idempotence=True,
            client_id=f"{self.member}.acks",
            **connection.options(),
        )

    def _find_key(self, signer: str, key_id: str) -> VerifyKey | None:
        return self._hub_keys.get(key_id) if signer == HUB_SIGNER else None

    def _open(self, value: bytes) -> SanctionInstruction:
        opened = open_verified(value, self._find_key, HUB_SIGNER, MAX_ENVELOPE_BYTES)
        if opened.schema.record != "SanctionInstruction":
            raise UnknownSchema(f"{opened.schema.payload_type} is not an instruction")
        instruction = SanctionInstruction.from_record(opened.record)
        if instruction.target_member != self.member:
            raise InvalidField("target_member", f"addressed to {instruction.target_member!r}")
        return instruction

    def _commit(self) -> None:
        if self._done:
            offsets = {tp: OffsetAndMetadata(o + 1, "", -1) for tp, o in self._done.items()}
            self._consumer.commit(offsets)
            self._done.clear()

    def _is_new(self, instruction_id: str) -> bool:
        if instruction_id in self._seen:
            return False
        self._seen[instruction_id] = None
        if len(self._seen) > self._remember:
            self._seen.popitem(last=False)
        return True

    def receive(self, timeout_s: float = 1.0) -> SanctionInstruction | None:
        """The next verified instruction not seen before, or None if none came in time.

        Raises InstructionRejected for a record that fails verification; call again to go on.
        """
        self._commit()  # what the caller got last time is done with
        deadline = time.monotonic() + timeout_s
        while True:
            if not self._pending:
                remaining_ms = int((deadline - time.monotonic()) * 1000)
                if remaining_ms <= 0:
                    return None
                for records in self._consumer.poll(timeout_ms=remaining_ms).values():
                    self._pending.extend(records)
                continue
            record = self._pending.popleft()
            self._done[TopicPartition(record.topic, record.partition)] = record.offset
            try:
                instruction = self._open(record.value)
            except MessageRejected as exc:
                raise InstructionRejected(
                    exc, record.topic, record.partition, record.offset
                ) from exc
            if self._is_new(instruction.instruction_id):
                return instruction

    def ack(
        self, instruction: SanctionInstruction, status: AckStatus, note: str | None = None
    ) -> None:
        """Sign an acknowledgement and wait until the broker confirms it."""
        ack = InstructionAck(
            instruction.instruction_id, self.member, status, datetime.now(UTC), note
        )
        validate_ack(ack)
        envelope = seal(self._ack_schema, ack.to_record(), self.member, self._signing_key)
        topic = acks_topic(self.member)
        future = self._producer.send(
            topic, key=ack.instruction_id.encode(), value=envelope.to_bytes()
        )
        try:
            future.get(timeout=self._timeout_s)
        except KafkaError as exc:
            raise DeliveryFailed(topic, type(exc).__name__) from exc

    def close(self, commit: bool = True) -> None:
        """Commit what was handled (unless `commit` is false) and close both clients."""
        try:
            if commit:
                self._commit()
        finally:
            self._consumer.close()
            self._producer.close(timeout=self._timeout_s)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        # Leaving on an error: the instruction being handled was not done, so it is redelivered.
        self.close(commit=error is None)
