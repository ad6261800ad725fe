"""Writing the monthly report's texts and filing it: both are state changes, so both are
ledger rows, in the caller's transaction and under the ledger's lock.

- A section's text (`save_text`) may change until the month is filed; each save is a
  REPORT_TEXT_SAVED row naming the month, the section and the SHA-256 of the text (not the
  text: the ledger holds no prose an operator may regret, the report keeps it).
- Filing (`file_report`) freezes the report: its canonical JSON (hub.ledger.chain's one JSON
  text, so anyone can recompute the hash), the HTML as printed, and the SHA-256 of the JSON,
  which the REPORT_FILED row carries as well. From then on the month's report is its frozen
  copy, its texts are refused, and a second filing is refused.
"""

import hashlib
from collections.abc import Collection
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa

from alliance_connector.identifiers import personal_pattern
from hub.errors import ReportFiled
from hub.ledger.chain import LedgerEntry, append, canonical_json, lock_head
from hub.reports.calendar import month_bounds
from hub.reports.monthly import monthly_report, report_data
from hub.reports.render import report_html
from hub.reports.sections import TEXT_LIMIT, section_named
from hub.store.report_texts import Filing, filing_of, save_filing
from hub.store.report_texts import save_text as store_text

__all__ = ["TextRefused", "file_report", "frozen_sha256", "save_text"]


class TextRefused(ValueError):
    """A section's text the report cannot hold; the message says why, never the text."""


TOO_LONG = f"text: at most {TEXT_LIMIT} characters"
# A filed report goes to the NDRC and stays for years: it names subjects by their ids.
PERSONAL = "text: must not hold a resident id or mobile number: name the subject by its ids"


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def frozen_sha256(data: dict[str, Any]) -> str:
    """The SHA-256 hex digest of the report data's canonical JSON: what filing records."""
    return _sha256(canonical_json(data))


def save_text(
    connection: sa.Connection, month: str, section: str, text: str, actor: str, now: datetime
) -> str:
    """Save `text` as the month's `section`; return its SHA-256. InvalidMonth, UnknownSection,
    TextRefused (too long, or a personal identifier in clear), or ReportFiled once the month
    is filed."""
    month_bounds(month)
    section_named(section)
    if len(text) > TEXT_LIMIT:
        raise TextRefused(TOO_LONG)
    if personal_pattern(text) is not None:
        raise TextRefused(PERSONAL)
    lock_head(connection)  # serialises against a filing of the same month
    if filing_of(connection, month) is not None:
        raise ReportFiled(month)
    store_text(connection, month, section, text, actor, now)
    digest = _sha256(text)
    body = {"month": month, "section": section, "text_sha256": digest}
    append(connection, [LedgerEntry("REPORT_TEXT_SAVED", actor, body, month)], now)
    return digest


def file_report(
    connection: sa.Connection,
    month: str,
    actor: str,
    now: datetime,
    holidays: Collection[date] = (),
    workdays: Collection[date] = (),
) -> Filing:
    """File the month's report as it stands now, with the month's last signed tree head
    (账本树头); ReportFiled if it was filed already."""
    month_bounds(month)
    lock_head(connection)
    if filing_of(connection, month) is not None:
        raise ReportFiled(month)
    report = monthly_report(connection, month, now, holidays, workdays)
    data = report_data(report)
    frozen_json = canonical_json(data)
    digest = _sha256(frozen_json)
    report.filed_at, report.filed_by, report.sha256 = now, actor, digest
    html = report_html(report)
    filing = Filing(month, now, actor, digest, frozen_json, html)
    save_filing(connection, filing)
    body = {"month": month, "sha256": digest, "html_sha256": _sha256(html)}
    append(connection, [LedgerEntry("REPORT_FILED", actor, body, month)], now)
    return filing
