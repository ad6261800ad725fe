"""The monthly report's operator-written sections and its filed, frozen copies."""

import sqlalchemy as sa

from hub.store.schema.base import metadata

__all__ = ["report_filings", "report_texts"]

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
