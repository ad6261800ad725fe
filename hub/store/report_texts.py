"""The monthly report's operator-written texts and its filings: what hub.reports.filing keeps.

A text is one (month, section) row, replaced whole on each save. A filing is written once per
month; the primary key refuses a second, so two operators filing at once cannot both win.
"""

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from hub.store.schema import report_filings, report_texts
from hub.store.timestamps import as_utc

__all__ = [
    "Filing",
    "ReportText",
    "filing_of",
    "save_filing",
    "save_text",
    "texts_of",
]


@dataclass(frozen=True)
class ReportText:
    section: str
    text: str
    updated_at: datetime
    updated_by: str


@dataclass(frozen=True)
class Filing:
    month: str
    filed_at: datetime
    filed_by: str
    sha256: str
    frozen_json: str
    frozen_html: str


def texts_of(connection: sa.Connection, month: str) -> dict[str, ReportText]:
    """The month's saved texts by section."""
    rows = connection.execute(
        sa.select(
            report_texts.c.section,
            report_texts.c.text,
            report_texts.c.updated_at,
            report_texts.c.updated_by,
        ).where(report_texts.c.month == month)
    )
    return {section: ReportText(section, text, as_utc(at), by) for section, text, at, by in rows}


def save_text(
    connection: sa.Connection, month: str, section: str, text: str, by: str, now: datetime
) -> None:
    """Replace the month's text for `section` (the caller has checked it is not filed)."""
    key = (report_texts.c.month == month) & (report_texts.c.section == section)
    changed = connection.execute(
        report_texts.update().where(key).values(text=text, updated_at=now, updated_by=by)
    ).rowcount
    if not changed:
        connection.execute(
            report_texts.insert().values(
                month=month, section=section, text=text, updated_at=now, updated_by=by
            )
        )


def filing_of(connection: sa.Connection, month: str) -> Filing | None:
    """The month's filing, if it has been filed."""
    row = connection.execute(
        sa.select(report_filings).where(report_filings.c.month == month)
    ).one_or_none()
    if row is None:
        return None
    return Filing(
        row.month, as_utc(row.filed_at), row.filed_by, row.sha256, row.frozen_json, row.frozen_html
    )


def save_filing(connection: sa.Connection, filing: Filing) -> None:
    """Record the filing; a second one for the month breaks the primary key (StoreRefused)."""
    connection.execute(
        report_filings.insert().values(
            month=filing.month,
            filed_at=filing.filed_at,
            filed_by=filing.filed_by,
            sha256=filing.sha256,
            frozen_json=filing.frozen_json,
            frozen_html=filing.frozen_html,
        )
    )
