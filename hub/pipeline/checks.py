"""Verifying one Kafka record, before anything touches the database: pure functions.

Order (docs/wire-contract.md §9): size cap -> envelope decode -> signer owns the topic -> the
signer in good standing when the broker took the record (not suspended or removed) -> key
lookup (unknown, revoked, expired) -> signature over the exact bytes -> clock skew -> payload
decode by fingerprint -> record kind -> category allowed -> field and identifier rules.
Replay (and, for acks, the instruction) needs the store and is decided with the batch's effects.
A batch's signatures are checked in one call between the steps before and after them, so they
can run in another process (hub.pipeline.signatures) while nothing a record says is read
before its signature verified.

Clock skew compares the envelope's issued_at with the Kafka record's timestamp (when the
producer sent it), not with the hub's clock, so a backlog the hub works through late is not
mistaken for skew.

Privacy: a rejection's detail names the rule, never a value from the record (signer, key id,
ids: any of them may hold a mobile number), and a rejection is `clean` only when the record's
payload decoded after its signature verified and kept every field and identifier rule, so
that it holds personal identifiers only as tokens: only then may a reject keep its bytes.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, TypeVar

from alliance_connector.envelope import SignedEnvelope, decode_envelope, decode_payload
from alliance_connector.errors import MessageRejected, UnknownSchema
from alliance_connector.messages import CreditSignal, InstructionAck
from alliance_connector.reasons import Reason
from alliance_connector.schemas import PayloadSchema
from alliance_connector.signing import VerifyKey
from alliance_connector.topics import ACKS_PREFIX, SIGNALS_PREFIX
from alliance_connector.validation import validate_ack, validate_signal
from hub.pipeline.messages import AcceptedAck, AcceptedSignal, Outcome, Rejection
from hub.pipeline.signatures import SignatureCheck
from hub.store.member_standing import SuspendedPeriod
from hub.store.members import KeyRecord

__all__ = [
    "CheckContext",
    "OpenedBatch",
    "open_batch",
    "read_batch",
    "topic_owner",
]

T = TypeVar("T")


@dataclass(frozen=True)
class CheckContext:
    """What checking a batch needs from the registry, read once per batch."""

    keys: dict[tuple[str, str], KeyRecord]
    categories: dict[str, frozenset[str]]
    max_skew: timedelta
    max_bytes: int
    # Members with suspension periods; one never suspended is absent.
    suspensions: dict[str, tuple[SuspendedPeriod, ...]] = field(default_factory=dict)


class _Refused(Exception):
    def __init__(self, reason: Reason, detail: str, clean: bool = False) -> None:
        super().__init__(detail)
        self.rejection = Rejection(reason, detail, clean)


def topic_owner(topic: str) -> str | None:
    """The member a signals or acks topic belongs to."""
    for prefix in (SIGNALS_PREFIX, ACKS_PREFIX):
        if topic.startswith(prefix):
            return topic[len(prefix) :]
    return None


def _key_for(envelope: SignedEnvelope, record_time: datetime, context: CheckContext) -> KeyRecord:
    found = context.keys.get((envelope.signer, envelope.key_id))
    if found is None:
        raise _Refused(
            Reason.UNKNOWN_KEY,
            f"key_id ({len(envelope.key_id)} characters) names no key registered for the signer",
        )
    if found.revoked_at is not None and record_time >= found.revoked_at:
        raise _Refused(Reason.REVOKED_KEY, f"the key was revoked at {found.revoked_at.isoformat()}")
    if envelope.issued_at < found.valid_from or (
        found.valid_until is not None and envelope.issued_at >= found.valid_until
    ):
        raise _Refused(Reason.EXPIRED_KEY, "issued_at is outside the key's validity window")
    return found


@dataclass(frozen=True)
class _Opened:
    """A record whose envelope decoded and whose signer's key applies; its signature is not
    verified yet, so nothing it says is read."""

    envelope: SignedEnvelope
    key: VerifyKey

    @property
    def signature_check(self) -> SignatureCheck:
        envelope = self.envelope
        return SignatureCheck(self.key.raw, envelope.signing_input, envelope.signature)


def _open(value: bytes | None, topic: str, record_time: datetime, context: CheckContext) -> _Opened:
    envelope = decode_envelope(value, context.max_bytes)
    owner = topic_owner(topic)
    if envelope.signer != owner:
        raise _Refused(
            Reason.SIGNER_TOPIC_MISMATCH,
            f"signer ({len(envelope.signer)} characters) is not the member owning the topic",
        )
    if any(p.covers(record_time) for p in context.suspensions.get(envelope.signer, ())):
        raise _Refused(
            Reason.MEMBER_SUSPENDED,
            "the signer was suspended or removed when the broker received the record",
        )
    return _Opened(envelope, _key_for(envelope, record_time, context).key)


def _read(opened: _Opened, topic: str, record_time: datetime, context: CheckContext) -> Outcome:
    """The checks after the signature verified: clock skew, payload, kind, category, fields."""
    envelope = opened.envelope
    skew = envelope.issued_at - record_time
    if abs(skew) > context.max_skew:
        side = "before" if skew < timedelta(0) else "after"
        raise _Refused(
            Reason.CLOCK_SKEW,
            f"issued_at is more than {_seconds(context.max_skew)} {side} the record time",
            clean=_keeps_every_rule(envelope, topic),
        )
    schema, record = _decode(envelope)
    kind = schema.record
    if topic.startswith(SIGNALS_PREFIX) and kind == "CreditSignal":
        signal = CreditSignal.from_record(record)
        if str(signal.category) not in context.categories.get(envelope.signer, ()):
            raise _Refused(
                Reason.CATEGORY_NOT_ALLOWED,
                f"the signer may not report {signal.category}",
                # Decoded already: only the field rules are left to say whether it is clean.
                clean=_passes(lambda: validate_signal(signal, signer=envelope.signer)),
            )
        validate_signal(signal, signer=envelope.signer)
        return AcceptedSignal(signal)
    if topic.startswith(ACKS_PREFIX) and kind == "InstructionAck":
        ack = InstructionAck.from_record(record)
        validate_ack(ack, signer=envelope.signer)
        _check_acked_at(ack, record_time, context)
        return AcceptedAck(ack, envelope.issued_at)
    where = "a signals" if topic.startswith(SIGNALS_PREFIX) else "an acks"
    raise _Refused(Reason.SCHEMA_UNKNOWN, f"a {kind} does not belong on {where} topic")


def _decode(envelope: SignedEnvelope) -> tuple[PayloadSchema, dict[str, Any]]:
    """The payload by its fingerprint; the SDK's message for an unknown schema would quote the
    envelope's payload type, so the hub words its own."""
    try:
        return decode_payload(envelope)
    except UnknownSchema:
        raise _Refused(
            Reason.SCHEMA_UNKNOWN,
            "schema_fingerprint names no known schema, or one of another payload_type",
        ) from None


def _seconds(span: timedelta) -> str:
    return f"{span.total_seconds():.0f} s"


def _passes(rule: Callable[[], object]) -> bool:
    """Whether a rule holds for a record refused for something else."""
    try:
        rule()
    except (MessageRejected, _Refused):
        return False
    return True


def _keeps_every_rule(envelope: SignedEnvelope, topic: str) -> bool:
    """Whether a verified record, refused for something else, would pass the payload decode
    and every field and identifier rule: then it holds personal identifiers only as tokens
    and a reject may keep its bytes."""

    def every_rule() -> None:
        schema, record = _decode(envelope)
        if topic.startswith(SIGNALS_PREFIX) and schema.record == "CreditSignal":
            validate_signal(CreditSignal.from_record(record), signer=envelope.signer)
        elif topic.startswith(ACKS_PREFIX) and schema.record == "InstructionAck":
            validate_ack(InstructionAck.from_record(record), signer=envelope.signer)
        else:
            raise _Refused(Reason.SCHEMA_UNKNOWN, "not a record this topic takes")

    return _passes(every_rule)


def _check_acked_at(ack: InstructionAck, record_time: datetime, context: CheckContext) -> None:
    """acked_at is a time on the member's clock, like issued_at, and is trusted as far: within
    the clock-skew tolerance of the record's timestamp."""
    if abs(ack.acked_at - record_time) > context.max_skew:
        raise _Refused(
            Reason.CLOCK_SKEW,
            f"acked_at is more than the clock-skew tolerance ({_seconds(context.max_skew)}) from "
            "the record's timestamp",
        )


def _guarded(step: Callable[..., T], *args: Any) -> T | Rejection:
    """Run one step; bad input becomes its Rejection, never an exception."""
    try:
        return step(*args)
    except _Refused as refused:
        return refused.rejection
    except MessageRejected as rejected:
        return Rejection(rejected.reason, rejected.detail)


@dataclass(frozen=True)
class OpenedBatch:
    """A batch after the checks that come before signatures; see `open_batch`."""

    records: Sequence[tuple[bytes | None, str, datetime]]
    steps: list[_Opened | Rejection]
    context: CheckContext

    @property
    def signature_checks(self) -> list[SignatureCheck]:
        """The signatures to verify, in order, one per record not yet refused."""
        return [step.signature_check for step in self.steps if isinstance(step, _Opened)]


def open_batch(
    records: Sequence[tuple[bytes | None, str, datetime]], context: CheckContext
) -> OpenedBatch:
    """The checks before the signature, for records given as (value, topic, record time):
    size cap, envelope, signer owns the topic, key."""
    steps = [_guarded(_open, value, topic, at, context) for value, topic, at in records]
    return OpenedBatch(records, steps, context)


def read_batch(batch: OpenedBatch, verified: Sequence[bool]) -> list[Outcome]:
    """The batch's outcomes, in order, given whether each of its `signature_checks` verified:
    only a verified record is read any further. Never raises for bad input."""
    expected = sum(isinstance(step, _Opened) for step in batch.steps)
    if len(verified) != expected:
        raise ValueError(f"{len(verified)} signature results for {expected} signatures")
    results = iter(verified)
    outcomes: list[Outcome] = []
    for (_, topic, record_time), step in zip(batch.records, batch.steps, strict=True):
        if isinstance(step, Rejection):
            outcomes.append(step)
        elif not next(results):
            detail = "signature does not verify under the signer's registered key"
            outcomes.append(Rejection(Reason.BAD_SIGNATURE, detail))
        else:
            outcomes.append(_guarded(_read, step, topic, record_time, batch.context))
    return outcomes
