"""Table definitions, the current shape of the store.

Migrations under `migrations/versions/` build this shape step by step; a test checks that
migrating an empty database yields exactly these tables, so the two never drift apart.
"""

import sqlalchemy as sa

from hub.domain.members import MEMBER_KINDS
from hub.domain.roles import API_ROLES

metadata = sa.MetaData(
    naming_convention={
        "pk": "pk_%(table_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    }
)

members = sa.Table(
    "members",
    metadata,
    sa.Column("member_id", sa.String(63), primary_key=True),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("display_name", sa.String(200), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    # Set when the member left the alliance; the row stays, so its ledger and history do.
    sa.Column("removed_at", sa.DateTime(timezone=True)),
    sa.CheckConstraint(f"kind IN {MEMBER_KINDS!r}", name="kind"),
)

# Periods in which a member was not in good standing (migration 0008): what its topics received
# then is refused as MEMBER_SUSPENDED, whenever the worker reads it. A removal leaves one open.
member_suspensions = sa.Table(
    "member_suspensions",
    metadata,
    sa.Column("member_id", sa.String(63), sa.ForeignKey("members.member_id"), primary_key=True),
    sa.Column("suspended_at", sa.DateTime(timezone=True), primary_key=True),
    sa.Column("resumed_at", sa.DateTime(timezone=True)),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("actor", sa.String(128), nullable=False),
)

# One row, its version bumped by a trigger in the same transaction as any change to members,
# their categories or keys (migration 0006), however it is made: the worker re-reads the
# registry only when this number moved, and so still sees a revocation on its next batch.
registry_version = sa.Table(
    "registry_version",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("version", sa.BigInteger, nullable=False),
)

# Public keys members sign with. A key id selects a key but decides nothing: validity is the
# window [valid_from, valid_until) and the absence of revoked_at.
member_keys = sa.Table(
    "member_keys",
    metadata,
    sa.Column("key_id", sa.String(64), primary_key=True),
    sa.Column(
        "member_id",
        sa.String(63),
        sa.ForeignKey("members.member_id"),
        nullable=False,
        index=True,
    ),
    sa.Column("public_key", sa.LargeBinary(32), nullable=False),
    sa.Column("valid_from", sa.DateTime(timezone=True), nullable=False),
    sa.Column("valid_until", sa.DateTime(timezone=True), nullable=True),
    sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
)

# Signal categories a member may report (notice §3 categories and PRESENCE).
member_categories = sa.Table(
    "member_categories",
    metadata,
    sa.Column("member_id", sa.String(63), sa.ForeignKey("members.member_id"), primary_key=True),
    sa.Column("category", sa.String(32), primary_key=True),
)

# The tamper-evident record of everything the hub did, hash-chained in seq order. A row that
# came from a Kafka record names it, and the unique source makes reprocessing a no-op: a record
# redelivered after a crash finds its row and is skipped, so effects happen exactly once.
ledger = sa.Table(
    "ledger",
    metadata,
    sa.Column("seq", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("actor", sa.String(63), nullable=False),
    sa.Column("ref", sa.String(128), nullable=True),
    sa.Column("reason", sa.String(32), nullable=True),
    sa.Column("source_topic", sa.String(249), nullable=True),
    sa.Column("source_partition", sa.Integer, nullable=True),
    sa.Column("source_offset", sa.BigInteger, nullable=True),
    sa.Column("body", sa.Text, nullable=False),
    sa.Column("prev_hash", sa.String(64), nullable=False),
    sa.Column("row_hash", sa.String(64), nullable=False),
    sa.UniqueConstraint("source_topic", "source_partition", "source_offset"),
)

# One row: the chain's tip. Appenders lock it, which serialises appends across workers, and
# verification compares it with the last row, which exposes a truncated tail.
ledger_head = sa.Table(
    "ledger_head",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("seq", sa.BigInteger, nullable=False),
    sa.Column("row_hash", sa.String(64), nullable=False),
)

# Replay protection: a (reporter, signal id) pair is accepted once, ever.
accepted_signals = sa.Table(
    "accepted_signals",
    metadata,
    sa.Column("reporter", sa.String(63), primary_key=True),
    sa.Column("signal_id", sa.String(36), primary_key=True),
    sa.Column("category", sa.String(32), nullable=False),
    sa.Column("cluster_id", sa.String(36), nullable=False),
    sa.Column("ledger_seq", sa.BigInteger, nullable=False),
    sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
    # The identifier the signal is about (hub.pipeline.linking): after a cluster splits, the
    # signal follows it to its new cluster.
    sa.Column("anchor_scheme", sa.String(16), nullable=True),
    sa.Column("anchor_value", sa.String(128), nullable=True),
    # The evidence the signal carried (hub.pipeline.evidence), bounded, kept in the signal's
    # own row (one write per signal; a split moves it with the signal) until `expires_at`: the
    # rectification period plus the time to appeal. Then these columns are cleared
    # (hub.store.evidence_purge); the row stays for ever, as replay protection must. NULL too
    # for signals accepted before evidence was kept. Personal identifiers only as tokens.
    sa.Column("severity", sa.String(16), nullable=True),
    sa.Column("window_start", sa.DateTime(timezone=True), nullable=True),
    sa.Column("window_end", sa.DateTime(timezone=True), nullable=True),
    sa.Column("order_count", sa.BigInteger, nullable=True),
    sa.Column("amount_fen", sa.BigInteger, nullable=True),
    sa.Column("order_refs", sa.Text, nullable=True),  # JSON list of tokens
    sa.Column("waybill_refs", sa.Text, nullable=True),  # JSON list of 'carrier:NUMBER'
    sa.Column("note", sa.Text, nullable=True),
    sa.Column("subject", sa.Text, nullable=True),  # JSON list of {scheme, value}
    sa.Column("record_at", sa.DateTime(timezone=True), nullable=True),  # the broker's time
    sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True, index=True),
    # A subject's signals, newest first: what a merge or a split moves, the evidence pages, and
    # (answered from the index alone) the reporters a listing candidate counts on every batch.
    sa.Index("ix_accepted_signals_cluster", "cluster_id", "record_at", "reporter", "category"),
)

# Subject clusters: which cluster each identifier is in now, derived from the joining links
# in identity_links (hub.pipeline.linking). No WAYBILL: waybills are events, never identity.
subject_identifiers = sa.Table(
    "subject_identifiers",
    metadata,
    sa.Column("scheme", sa.String(16), primary_key=True),
    sa.Column("value", sa.String(128), primary_key=True),
    sa.Column("cluster_id", sa.String(36), nullable=False, index=True),
)

# Identity links as assertions: who said two identifiers are one subject, in which signal,
# and of which kind (strong | weak | mention | confirmed; hub.pipeline.linking says which
# join). An edge is stored with its ends in order (a < b). `held`: it would bridge two credit
# codes or resident ids and waits in the review queue. A withdrawn assertion no longer counts.
identity_links = sa.Table(
    "identity_links",
    metadata,
    sa.Column("a_scheme", sa.String(16), primary_key=True),
    sa.Column("a_value", sa.String(128), primary_key=True),
    sa.Column("b_scheme", sa.String(16), primary_key=True),
    sa.Column("b_value", sa.String(128), primary_key=True),
    sa.Column("asserted_by", sa.String(63), primary_key=True),  # a member, or "operator"
    sa.Column("signal_id", sa.String(64), primary_key=True),  # or the review confirming it
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("held", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("asserted_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("withdrawal_id", sa.String(64), nullable=True),
    sa.Index("ix_identity_links_b", "b_scheme", "b_value"),
    sa.Index("ix_identity_links_signal", "asserted_by", "signal_id"),
)

# Waybills cited by accepted signals, by side (platform or logistics): what empty-parcel
# correlation (notice §3, 空包裹) joins across members.
waybill_citations = sa.Table(
    "waybill_citations",
    metadata,
    sa.Column("waybill", sa.String(128), primary_key=True),
    sa.Column("reporter", sa.String(63), primary_key=True),
    sa.Column("signal_id", sa.String(36), primary_key=True),
    sa.Column("side", sa.String(16), nullable=False),  # platform | logistics
    sa.Column("cluster_id", sa.String(36), nullable=False),
    sa.Column("record_at", sa.DateTime(timezone=True), nullable=False),
)

# A platform's signal and a logistics member's EMPTY_PARCEL signal citing the same waybills:
# corroborating evidence about the platform-side subject (its cluster).
parcel_correlations = sa.Table(
    "parcel_correlations",
    metadata,
    sa.Column("platform_reporter", sa.String(63), primary_key=True),
    sa.Column("platform_signal", sa.String(36), primary_key=True),
    sa.Column("logistics_reporter", sa.String(63), primary_key=True),
    sa.Column("logistics_signal", sa.String(36), primary_key=True),
    sa.Column("cluster_id", sa.String(36), nullable=False, index=True),
    sa.Column("waybills", sa.Integer, nullable=False),
    sa.Column("correlated_at", sa.DateTime(timezone=True), nullable=False),
)

# The review queue: what waits for an operator's decision. kind: CANDIDATE (an unlisted
# subject reported enough to list), BRIDGE (a link that would join two credit codes or
# resident ids), SANCTION (an action the policy has an operator confirm). The id is derived
# from the cause, so the same cause never opens two items. `detail` is JSON, tokens only.
reviews = sa.Table(
    "reviews",
    metadata,
    sa.Column("review_id", sa.String(64), primary_key=True),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("state", sa.String(16), nullable=False),  # OPEN | CONFIRMED | DISMISSED | MOOT
    sa.Column("cluster_id", sa.String(36), nullable=True),
    sa.Column("entry_id", sa.String(64), nullable=True, index=True),
    sa.Column("member_id", sa.String(63), nullable=True),
    sa.Column("action", sa.String(32), nullable=True),
    sa.Column("detail", sa.Text, nullable=False),
    sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("decided_by", sa.String(63), nullable=True),
    sa.Column("decision_reason", sa.Text, nullable=True),
    sa.Index("ix_reviews_state_due", "state", "due_at"),
)

# Where a subject is active: member M reported PRESENCE (or any signal) naming this identifier.
presences = sa.Table(
    "presences",
    metadata,
    sa.Column("member_id", sa.String(63), sa.ForeignKey("members.member_id"), primary_key=True),
    sa.Column("scheme", sa.String(16), primary_key=True),
    sa.Column("value", sa.String(128), primary_key=True),
    sa.Column("first_seen", sa.DateTime(timezone=True), nullable=False),
    # Presence is looked up by identifier (every batch that matches a list entry).
    sa.Index("ix_presences_scheme_value", "scheme", "value"),
)

# Sanction-list entries as the issuing authority stated them, with their lifecycle status
# (hub.domain.lists). content_hash covers what the authority states, so a re-import of the
# same file changes nothing; version counts changes, and published_version is the version
# last confirmed on alliance.lists (an outbox marker).
list_entries = sa.Table(
    "list_entries",
    metadata,
    sa.Column("entry_id", sa.String(64), primary_key=True),
    sa.Column("list_type", sa.String(16), nullable=False),
    sa.Column("category", sa.String(32), nullable=False),
    sa.Column("status", sa.String(16), nullable=False, index=True),
    sa.Column("listed_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("subject_name", sa.String(200), nullable=False, server_default=""),
    sa.Column("authority", sa.String(200), nullable=False, server_default=""),
    sa.Column("document_no", sa.String(200), nullable=False, server_default=""),
    sa.Column("province", sa.String(64), nullable=False, server_default=""),
    sa.Column("city", sa.String(64), nullable=False, server_default=""),
    sa.Column("rectification_deadline", sa.DateTime(timezone=True), nullable=True, index=True),
    sa.Column("content_hash", sa.String(64), nullable=False, server_default=""),
    sa.Column("version", sa.Integer, nullable=False, server_default="1"),
    sa.Column("published_version", sa.Integer, nullable=True),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
)
# The entries alliance.lists does not have in their current version yet: workers look for
# them several times a second, so a partial index holds only those, not a million listed.
LIST_ENTRY_UNPUBLISHED = sa.or_(
    list_entries.c.published_version.is_(None),
    list_entries.c.published_version < list_entries.c.version,
)
sa.Index(
    "ix_list_entries_unpublished",
    list_entries.c.entry_id,
    sqlite_where=LIST_ENTRY_UNPUBLISHED,
    postgresql_where=LIST_ENTRY_UNPUBLISHED,
)

# Every status change of an entry: who, why, when, and its ledger row.
list_transitions = sa.Table(
    "list_transitions",
    metadata,
    sa.Column(
        "transition_id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True
    ),
    sa.Column(
        "entry_id",
        sa.String(64),
        sa.ForeignKey("list_entries.entry_id"),
        nullable=False,
        index=True,
    ),
    sa.Column("from_status", sa.String(16), nullable=True),  # null: the entry was created
    sa.Column("to_status", sa.String(16), nullable=False),
    sa.Column("actor", sa.String(63), nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("ledger_seq", sa.BigInteger, nullable=False),
)

# Work the notice gives people, not machines (interview the principal, notify the regulator,
# publish on the credit website, review a flagged signal), with a due date.
operator_tasks = sa.Table(
    "operator_tasks",
    metadata,
    sa.Column("task_id", sa.String(64), primary_key=True),  # deterministic: one per cause
    sa.Column("entry_id", sa.String(64), sa.ForeignKey("list_entries.entry_id"), nullable=False),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("detail", sa.Text, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("done_by", sa.String(63), nullable=True),
    sa.Index("ix_operator_tasks_open", "done_at", "due_at"),
)

# Each policy the hub has run with; the ledger holds the same facts, chained.
policy_versions = sa.Table(
    "policy_versions",
    metadata,
    sa.Column("digest", sa.String(64), primary_key=True),
    sa.Column("version", sa.String(64), nullable=False),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("activated_at", sa.DateTime(timezone=True), nullable=False),
)

list_entry_identifiers = sa.Table(
    "list_entry_identifiers",
    metadata,
    sa.Column("entry_id", sa.String(64), sa.ForeignKey("list_entries.entry_id"), primary_key=True),
    sa.Column("scheme", sa.String(16), primary_key=True),
    sa.Column("value", sa.String(128), primary_key=True),
    sa.Index("ix_list_entry_identifiers_scheme_value", "scheme", "value"),
)

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

# Rejected records, also an outbox: sent_at stays null until published on alliance.rejected.
rejects = sa.Table(
    "rejects",
    metadata,
    sa.Column("reject_id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True),
    sa.Column("topic", sa.String(249), nullable=False),
    sa.Column("partition", sa.Integer, nullable=False),
    sa.Column("offset", sa.BigInteger, nullable=False),
    sa.Column("member_id", sa.String(63), nullable=True),  # the topic's owner, if any
    sa.Column("reason", sa.String(32), nullable=False),
    sa.Column("detail", sa.Text, nullable=False),
    sa.Column("original", sa.LargeBinary, nullable=False),
    sa.Column("rejected_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
    sa.Index("ix_rejects_unsent", "sent_at"),
)


# API tokens, stored as SHA-256 digests: a token is 32 random bytes, so a fast hash is safe
# and a stolen table yields no usable token. A member token sees only that member's affairs.

api_tokens = sa.Table(
    "api_tokens",
    metadata,
    sa.Column("token_id", sa.String(32), primary_key=True),  # shown in logs, not secret
    sa.Column("digest", sa.String(64), nullable=False, unique=True),
    sa.Column("role", sa.String(16), nullable=False),
    sa.Column("member_id", sa.String(63), sa.ForeignKey("members.member_id"), nullable=True),
    sa.Column("label", sa.String(200), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint(f"role IN {API_ROLES!r}", name="role"),
    sa.CheckConstraint("(role = 'member') = (member_id IS NOT NULL)", name="member_scope"),
)


# The ledger as a Merkle tree (hub.ledger.merkle): every aligned complete subtree's hash, leaves
# at level 0, so a root or a proof reads O(log n) rows instead of the whole ledger. A cache
# that verification never trusts: `ledger verify` recomputes the tree from the rows.
ledger_tree_nodes = sa.Table(
    "ledger_tree_nodes",
    metadata,
    sa.Column("level", sa.SmallInteger, primary_key=True, autoincrement=False),
    sa.Column("idx", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("hash", sa.String(64), nullable=False),
)

# Signed tree heads (hub.ledger.tree_heads), one per tree size: what the hub published about
# its ledger. A head is never updated; signing one does not append to the ledger.
tree_heads = sa.Table(
    "tree_heads",
    metadata,
    sa.Column("tree_size", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("root_hash", sa.String(64), nullable=False),
    sa.Column("signed_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("key_id", sa.String(64), nullable=False),
    sa.Column("signature", sa.String(128), nullable=False),  # standard base64 of 64 bytes
    sa.Index("ix_tree_heads_signed_at", "signed_at"),
)

# Objections (异议) to a list entry or one of its instructions, and what became of them
# (hub.lists.objections, docs/objections.md). `paused` is the JSON list of actions the policy
# paused at filing; `overdue_at` is set when the scheduler opened the operator task for an
# objection left undecided past due_at, so it opens once.
objections = sa.Table(
    "objections",
    metadata,
    sa.Column("objection_id", sa.String(64), primary_key=True),
    sa.Column("entry_id", sa.String(64), sa.ForeignKey("list_entries.entry_id"), nullable=False),
    sa.Column("instruction_id", sa.String(64), nullable=True),
    sa.Column("filed_by", sa.String(63), nullable=False),  # "subject" or a member id
    sa.Column("grounds_kind", sa.String(32), nullable=False),
    sa.Column("grounds", sa.Text, nullable=False),
    sa.Column("attachments", sa.Text, nullable=False),  # JSON list of SHA-256 hex digests
    sa.Column("paused", sa.Text, nullable=False),  # JSON list of actions
    sa.Column("state", sa.String(16), nullable=False),
    sa.Column("filed_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("overdue_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("decided_by", sa.String(63), nullable=True),
    sa.Column("outcome", sa.String(16), nullable=True),  # CORRECTED or DELISTED when upheld
    sa.Column("decision_reason", sa.Text, nullable=True),
    sa.Index("ix_objections_entry_id", "entry_id"),
    sa.Index("ix_objections_state_due", "state", "due_at"),
)

# Applications for credit repair (信用修复) after rectification (hub.lists.repair).
repairs = sa.Table(
    "repairs",
    metadata,
    sa.Column("repair_id", sa.String(64), primary_key=True),
    sa.Column("entry_id", sa.String(64), sa.ForeignKey("list_entries.entry_id"), nullable=False),
    sa.Column("evidence", sa.Text, nullable=False),  # JSON list of SHA-256 hex digests
    sa.Column("statement", sa.Text, nullable=False),
    sa.Column("state", sa.String(16), nullable=False),
    sa.Column("applied_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("decided_by", sa.String(63), nullable=True),
    sa.Column("to_status", sa.String(16), nullable=True),  # set when approved
    sa.Column("decision_reason", sa.Text, nullable=True),
    sa.Index("ix_repairs_entry_id", "entry_id"),
)

# The monthly report's narrative sections (§6: 经验做法, 存在问题, …), one text per month and
# section, as an operator last wrote it; editable until the month is filed.
report_texts = sa.Table(
    "report_texts",
    metadata,
    sa.Column("month", sa.String(7), primary_key=True),
    sa.Column("section", sa.String(32), primary_key=True),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("updated_by", sa.String(63), nullable=False),
)

# A filed monthly report, frozen: the canonical JSON of what was filed, the HTML as printed,
# and the SHA-256 of the JSON (also in the ledger's REPORT_FILED row). Once here, the month's
# report is served from this copy and its texts no longer change.
report_filings = sa.Table(
    "report_filings",
    metadata,
    sa.Column("month", sa.String(7), primary_key=True),
    sa.Column("filed_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("filed_by", sa.String(63), nullable=False),
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("frozen_json", sa.Text, nullable=False),
    sa.Column("frozen_html", sa.Text, nullable=False),
)
