"""The monthly report's narrative texts and its filings (issue 16 item 4).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "report_texts",
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("section", sa.String(length=32), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=63), nullable=False),
        sa.PrimaryKeyConstraint("month", "section", name=op.f("pk_report_texts")),
    )
    op.create_table(
        "report_filings",
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("filed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("filed_by", sa.String(length=63), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("frozen_json", sa.Text(), nullable=False),
        sa.Column("frozen_html", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("month", name=op.f("pk_report_filings")),
    )


def downgrade() -> None:
    op.drop_table("report_filings")
    op.drop_table("report_texts")
