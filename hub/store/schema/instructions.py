"""Sanction instructions (also the outbox) and the acknowledgements members claimed for them."""

import sqlalchemy as sa

from hub.store.schema.base import metadata

__all__ = ["ack_claims", "instructions"]

# Instructions are also the outbox: sent_at stays null until the relay has produced them.
instructions = sa.Table(
    "instructions",
    metadata,
    sa.Column("instruction_id", sa.String(64), primary_key=True),
    sa.Column("target_member", sa.String(63), sa.ForeignKey("members.member_id"), nullable=False),
    sa.Column("action", sa.String(32), nullable=False),
    sa.Column("subject", sa.Text, nullable=False),  # JSON list of {scheme, value}
    sa.Column("entry_id", sa.String(64), nullable=False),
    sa.Column("list_type", sa.String(16), nullable=False),
    sa.Column("category", sa.String(32), nullable=False),
    sa.Column("legal_basis", sa.String(200), nullable=False),
    sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("review_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("supersedes", sa.String(64), nullable=True),  # a LIFT names what it lifts
    # Who the policy rule aimed at: "presence" (every member where the subject is active,
    # reconciled on every status change) or "reporter" (the member whose signal matched).
    sa.Column("scope", sa.String(16), nullable=False, server_default="presence"),
    sa.Column("policy_version", sa.String(64), nullable=True),
    sa.Column("trigger_ref", sa.String(128), nullable=True),  # the signal that caused it
    sa.Column("trigger_at", sa.DateTime(timezone=True), nullable=True),  # its record time
    sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("ack_status", sa.String(16), nullable=True),
    sa.Column("acked_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("ack_note", sa.Text, nullable=True),
    sa.Index("ix_instructions_unsent", "sent_at"),
    sa.Index("ix_instructions_target_member", "target_member"),
    sa.Index("ix_instructions_entry_id", "entry_id"),
    sa.Index("ix_instructions_supersedes", "supersedes"),
)

# Every distinct acknowledgement a member sent for an instruction, by the digest of its content
# (hub.pipeline.acks): the first one applied is final and copied into `instructions`; a later
# one with other content is refused (ACK_ALREADY_FINAL) and kept here as what was claimed; one
# whose digest is here already is a REPLAY. ledger_seq names the ledger row that recorded it.
ack_claims = sa.Table(
    "ack_claims",
    metadata,
    sa.Column(
        "instruction_id",
        sa.String(64),
        sa.ForeignKey("instructions.instruction_id"),
        primary_key=True,
    ),
    sa.Column("claim_digest", sa.String(64), primary_key=True),
    sa.Column("member_id", sa.String(63), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("acked_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("note", sa.Text, nullable=True),
    sa.Column("outcome", sa.String(32), nullable=False),  # APPLIED or the refusal's reason
    sa.Column("ledger_seq", sa.BigInteger, nullable=False),
    sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
)
