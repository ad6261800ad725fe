"""Verifying one Kafka record, before anything touches the database: pure functions.

Order (docs/wire-contract.md §9): size cap -> envelope decode -> signer owns the topic -> key
lookup (unknown, revoked, expired) -> signature over the exact bytes -> clock skew -> payload
decode by fingerprint -> record kind -> category allowed -> field and identifier rules.
Replay (and, for acks, the instruction) needs the store and is decided with the batch's effects.

Clock skew compares the envelope's issued_at with the Kafka record's timestamp (when the
producer sent it), not with the hub's clock, so a backlog the hub works through late is not
mistaken for skew.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from alliance_connector.envelope import SignedEnvelope, decode_envelope, decode_payload
from alliance_connector.errors import MessageRejected
from alliance_connector.messages import CreditSignal, InstructionAck
from alliance_connector.reasons import Reason
from alliance_connector.topics import ACKS_PREFIX, SIGNALS_PREFIX
from alliance_connector.validation import validate_ack, validate_signal
from hub.store.members import KeyRecord

__all__ = ["AcceptedAck", "AcceptedSignal", "CheckContext", "Rejection", "check_record"]


@dataclass(frozen=True)
class Rejection:
    reason: Reason
    detail: str


@dataclass(frozen=True)
class AcceptedSignal:
    signal: CreditSignal
    envelope: SignedEnvelope


@dataclass(frozen=True)
class AcceptedAck:
    ack: InstructionAck
    envelope: SignedEnvelope


Outcome = AcceptedSignal | AcceptedAck | Rejection


@dataclass(frozen=True)
class CheckContext:
    """What checking a batch needs from the registry, read once per batch."""

    keys: dict[tuple[str, str], KeyRecord]
    categories: dict[str, frozenset[str]]
    max_skew: timedelta
    max_bytes: int


class _Refused(Exception):
    def __init__(self, reason: Reason, detail: str) -> None:
        super().__init__(detail)
        self.rejection = Rejection(reason, detail)


def topic_owner(topic: str) -> str | None:
    """The member a signals or acks topic belongs to."""
    for prefix in (SIGNALS_PREFIX, ACKS_PREFIX):
        if topic.startswith(prefix):
            return topic[len(prefix) :]
    return None


def _key_for(envelope: SignedEnvelope, record_time: datetime, context: CheckContext) -> KeyRecord:
    found = context.keys.get((envelope.signer, envelope.key_id))
    if found is None:
        raise _Refused(Reason.UNKNOWN_KEY, f"no key {envelope.key_id!r} for {envelope.signer!r}")
    if found.revoked_at is not None and record_time >= found.revoked_at:
        raise _Refused(Reason.REVOKED_KEY, f"key {envelope.key_id!r} revoked {found.revoked_at}")
    if envelope.issued_at < found.valid_from or (
        found.valid_until is not None and envelope.issued_at >= found.valid_until
    ):
        raise _Refused(Reason.EXPIRED_KEY, f"key {envelope.key_id!r} not valid at issued_at")
    return found


def _open(
    value: bytes | None, topic: str, record_time: datetime, context: CheckContext
) -> tuple[SignedEnvelope, str, dict[str, Any]]:
    envelope = decode_envelope(value, context.max_bytes)
    owner = topic_owner(topic)
    if envelope.signer != owner:
        raise _Refused(Reason.SIGNER_TOPIC_MISMATCH, f"{envelope.signer!r} signed on {topic}")
    envelope.verify(_key_for(envelope, record_time, context).key)
    if abs(envelope.issued_at - record_time) > context.max_skew:
        raise _Refused(
            Reason.CLOCK_SKEW,
            f"issued_at {envelope.issued_at.isoformat()} is more than {context.max_skew} from "
            f"the record time {record_time.isoformat()}",
        )
    schema, record = decode_payload(envelope)
    return envelope, schema.record, record


def check_record(
    value: bytes | None, topic: str, record_time: datetime, context: CheckContext
) -> Outcome:
    """Verify one record from a signals or acks topic; never raises for bad input."""
    try:
        envelope, kind, record = _open(value, topic, record_time, context)
        if topic.startswith(SIGNALS_PREFIX) and kind == "CreditSignal":
            signal = CreditSignal.from_record(record)
            if str(signal.category) not in context.categories.get(envelope.signer, ()):
                raise _Refused(
                    Reason.CATEGORY_NOT_ALLOWED,
                    f"{envelope.signer!r} may not report {signal.category}",
                )
            validate_signal(signal, signer=envelope.signer)
            return AcceptedSignal(signal, envelope)
        if topic.startswith(ACKS_PREFIX) and kind == "InstructionAck":
            ack = InstructionAck.from_record(record)
            validate_ack(ack, signer=envelope.signer)
            return AcceptedAck(ack, envelope)
        raise _Refused(Reason.SCHEMA_UNKNOWN, f"a {kind} does not belong on {topic}")
    except _Refused as refused:
        return refused.rejection
    except MessageRejected as rejected:
        return Rejection(rejected.reason, rejected.detail)
