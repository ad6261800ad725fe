"""Sanction-list entries and their life: identifiers, status transitions, operator tasks, the
policies the hub ran with, objections and credit-repair applications."""

import sqlalchemy as sa

from hub.store.schema.base import metadata

__all__ = [
    "LIST_ENTRY_UNPUBLISHED",
    "list_entries",
    "list_entry_identifiers",
    "list_transitions",
    "objections",
    "operator_tasks",
    "policy_versions",
    "repairs",
]

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
