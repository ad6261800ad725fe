"""What the worker keeps of the records it reads: accepted signals with their evidence, the
subject clusters and the link assertions behind them, waybill citations and parcel
correlations, the review queue, presences, and rejects."""

import sqlalchemy as sa

from hub.store.schema.base import metadata

__all__ = [
    "accepted_signals",
    "identity_links",
    "parcel_correlations",
    "presences",
    "rejects",
    "reviews",
    "subject_identifiers",
    "waybill_citations",
]

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
