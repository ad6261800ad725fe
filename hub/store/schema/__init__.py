"""Table definitions, the current shape of the store, one module per aggregate; every name is
imported from here (`from hub.store.schema import ledger`).

Migrations under `migrations/versions/` build this shape step by step; a test checks that
migrating an empty database yields exactly these tables, so the two never drift apart.
"""

from hub.store.schema.base import metadata
from hub.store.schema.instructions import ack_claims, instructions
from hub.store.schema.ledger import ledger, ledger_head, ledger_tree_nodes, tree_heads
from hub.store.schema.lists import (
    LIST_ENTRY_UNPUBLISHED,
    list_entries,
    list_entry_identifiers,
    list_transitions,
    objections,
    operator_tasks,
    policy_versions,
    repairs,
)
from hub.store.schema.members import (
    api_tokens,
    member_categories,
    member_keys,
    member_suspensions,
    members,
    registry_version,
)
from hub.store.schema.reports import report_filings, report_texts
from hub.store.schema.signals import (
    accepted_signals,
    identity_links,
    parcel_correlations,
    presences,
    rejects,
    reviews,
    subject_identifiers,
    waybill_citations,
)

__all__ = [
    "LIST_ENTRY_UNPUBLISHED",
    "accepted_signals",
    "ack_claims",
    "api_tokens",
    "identity_links",
    "instructions",
    "ledger",
    "ledger_head",
    "ledger_tree_nodes",
    "list_entries",
    "list_entry_identifiers",
    "list_transitions",
    "member_categories",
    "member_keys",
    "member_suspensions",
    "members",
    "metadata",
    "objections",
    "operator_tasks",
    "parcel_correlations",
    "policy_versions",
    "presences",
    "registry_version",
    "rejects",
    "repairs",
    "report_filings",
    "report_texts",
    "reviews",
    "subject_identifiers",
    "tree_heads",
    "waybill_citations",
]
