"""What an acknowledgement does, judged against the store: an instruction's ack is final.

The first valid ack of an instruction is applied. Each distinct ack content — (instruction,
member, status, acked_at, note), as its claim digest — is kept in `ack_claims`: a later ack
whose digest is there already is a REPLAY (the same bytes again, or the same ack sealed
anew); one with other content is refused as ACK_ALREADY_FINAL and kept as what was claimed.

acked_at is a time on the member's clock. The checks hold it to the clock-skew tolerance of
the record's timestamp (hub.pipeline.checks); here it must also not be before the instruction
was sent. The member's clock may be off by up to that tolerance, so acked_at is not compared
with the hub's clock as it stands: the envelope's issued_at, on the same clock, says how long
before sealing the ack the member acted, and that lead, taken back from the record's
timestamp, places the act on the broker's clock. That moment must not be before `sent_at`
(the hub's clock when the broker confirmed the instruction), or before `issued_at` while the
hub has not marked the instruction sent yet (the confirmation is marked a moment after a
member may read it), less SEND_GRACE.
"""

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from alliance_connector.messages import InstructionAck
from alliance_connector.reasons import Reason
from hub.pipeline.messages import AcceptedAck, Rejection
from hub.store.acks import acked_instructions, claims_of

__all__ = ["APPLIED", "SEND_GRACE", "AckTarget", "ack_targets", "claim_digest", "claim_row"]

APPLIED = "APPLIED"  # ack_claims.outcome of the claim that became the instruction's ack

# sent_at is taken when the broker's confirmation reaches the hub, a moment after a member can
# read the instruction, and the hub's clock is not the broker's: an act this close before
# sent_at is not a claim to have acted before being told.
SEND_GRACE = timedelta(seconds=5)

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def claim_digest(ack: InstructionAck) -> str:
    """SHA-256 of what the ack says, at the precision it travels in (acked_at in ms)."""
    millis = (ack.acked_at - _EPOCH) // timedelta(milliseconds=1)
    content = [ack.instruction_id, ack.member, str(ack.status), millis, ack.note]
    return hashlib.sha256(json.dumps(content, ensure_ascii=False).encode()).hexdigest()


@dataclass
class AckTarget:
    """An acknowledged instruction as the store knows it, kept up to date along a batch."""

    target_member: str
    not_before: datetime  # sent_at, or issued_at while the instruction is not marked sent
    final: bool  # an ack was applied
    claims: set[str] = field(default_factory=set)  # digests in ack_claims

    def judge(self, accepted: AcceptedAck, record_time: datetime) -> Rejection | None:
        """Why this ack is refused, or None if it is to be applied. The ack passed every rule
        before, so a refusal here is clean: its reject may keep the ack's bytes."""
        ack = accepted.ack
        if self.target_member != ack.member:
            detail = "the acknowledged instruction is addressed to another member"
            return Rejection(Reason.WRONG_MEMBER, detail, clean=True)
        acted = record_time - (accepted.issued_at - ack.acked_at)
        if acted < self.not_before - SEND_GRACE:
            detail = "acked_at is before the instruction was sent (wire contract §10)"
            return Rejection(Reason.INVALID_FIELD, detail, clean=True)
        if claim_digest(ack) in self.claims:
            detail = "an acknowledgement with the same content was received before"
            return Rejection(Reason.REPLAY, detail, clean=True)
        if self.final:
            detail = "the instruction's acknowledgement is final; this one says otherwise"
            return Rejection(Reason.ACK_ALREADY_FINAL, detail, clean=True)
        return None

    def claimed(self, ack: InstructionAck, applied: bool) -> None:
        """Note a claim the batch keeps, so later acks of the same batch see it."""
        self.claims.add(claim_digest(ack))
        self.final = self.final or applied


def ack_targets(connection: sa.Connection, acks: Sequence[InstructionAck]) -> dict[str, AckTarget]:
    """The instructions these acks name, by id; an id the hub never issued is absent."""
    ids = sorted({a.instruction_id for a in acks})
    if not ids:
        return {}
    found = {
        i.instruction_id: AckTarget(i.target_member, i.not_before, i.final)
        for i in acked_instructions(connection, ids)
    }
    for instruction_id, digest in claims_of(connection, found):
        found[instruction_id].claims.add(digest)
    return found


def claim_row(ack: InstructionAck, outcome: str, now: datetime) -> dict[str, object]:
    """The ack_claims row of a claim (its ledger_seq is added once the ledger row has one)."""
    return {
        "instruction_id": ack.instruction_id,
        "claim_digest": claim_digest(ack),
        "member_id": ack.member,
        "status": str(ack.status),
        "acked_at": ack.acked_at,
        "note": ack.note,
        "outcome": outcome,
        "received_at": now,
    }
