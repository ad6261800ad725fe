"""`alliance-hub report …`: the monthly report (月报), its texts and filing, and the 台账.

report monthly  --month 2026-11 [--out DIR]          HTML and CSV files, the due date
report text     --month 2026-11 --section problems (--text … | --file F)   save a section
report texts    --month 2026-11                      print every section as saved
report file     --month 2026-11                      freeze it; prints its SHA-256
report tracking [--month] [--province] [--status] [--out FILE]   the 台账 as CSV
"""

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import sqlalchemy as sa
import typer

from hub.config import Settings
from hub.domain.lists import ListStatus
from hub.errors import ReportError
from hub.reports.filing import file_report, save_text
from hub.reports.monthly import monthly_report
from hub.reports.render import report_csv, report_html
from hub.reports.sections import SECTIONS
from hub.reports.tracking import TrackingQuery, tracking_csv, tracking_table
from hub.store.engine import open_engine
from hub.store.migrate import upgrade
from hub.store.report_texts import filing_of, texts_of

report_app = typer.Typer(help="Reports the alliance files: 月报 and 台账.")

MonthOption = Annotated[str, typer.Option(help="The month, e.g. 2026-11 (China calendar).")]
Actor = Annotated[str, typer.Option(help="Who does this, for the ledger.")]


def _engine(settings: Settings) -> sa.Engine:
    engine = open_engine(settings.database_url)
    upgrade(engine)
    return engine


@report_app.command("monthly")
def report_monthly(
    month: MonthOption,
    out: Annotated[Path, typer.Option(help="Directory for the HTML and CSV files.")] = Path("."),
) -> None:
    """Write the monthly report (its frozen copy once filed): §6's sections, list changes by
    category and province, instructions and acknowledgements per member, and the due date."""
    settings = Settings()
    engine = _engine(settings)
    now = datetime.now(UTC)
    try:
        with engine.connect() as connection:
            report = monthly_report(connection, month, now, settings.holidays, settings.workdays)
            filed = filing_of(connection, month)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from exc
    out.mkdir(parents=True, exist_ok=True)
    html, csv = out / f"monthly-report-{month}.html", out / f"monthly-report-{month}.csv"
    html.write_text(filed.frozen_html if filed else report_html(report), encoding="utf-8")
    csv.write_text(report_csv(report), encoding="utf-8")
    print(html)
    print(csv)
    print(f"due {report.due.isoformat()} ({report.due_basis})")
    if filed:
        print(f"filed {filed.filed_at.isoformat()} sha256 {filed.sha256}")


@report_app.command("text")
def report_text(
    month: MonthOption,
    section: Annotated[str, typer.Option(help=", ".join(s.key for s in SECTIONS))],
    text: Annotated[str | None, typer.Option(help="The text.")] = None,
    file: Annotated[Path | None, typer.Option(help="A UTF-8 file holding the text.")] = None,
    actor: Actor = "operator",
) -> None:
    """Save one narrative section of the month's report (until the month is filed)."""
    if file is not None and text is None:
        body = file.read_text(encoding="utf-8")
    elif text is not None and file is None:
        body = text
    else:
        raise typer.BadParameter("give --text or --file, one of them")
    engine = _engine(Settings())
    try:
        with engine.begin() as connection:
            digest = save_text(connection, month, section, body, actor, datetime.now(UTC))
    except (ValueError, ReportError) as exc:
        raise typer.BadParameter(str(exc)) from exc
    print(f"saved {month} {section} sha256 {digest}")


@report_app.command("texts")
def report_texts(month: MonthOption) -> None:
    """Print the month's narrative sections as saved."""
    engine = _engine(Settings())
    with engine.connect() as connection:
        saved = texts_of(connection, month)
    for section in SECTIONS:
        found = saved.get(section.key)
        print(f"## {section.key} {section.title}")
        print(found.text if found else "")


@report_app.command("file")
def report_file(month: MonthOption, actor: Actor = "operator") -> None:
    """File the month's report: freeze its figures and texts and record their SHA-256."""
    settings = Settings()
    engine = _engine(settings)
    try:
        with engine.begin() as connection:
            filing = file_report(
                connection, month, actor, datetime.now(UTC), settings.holidays, settings.workdays
            )
    except (ValueError, ReportError) as exc:
        raise typer.BadParameter(str(exc)) from exc
    print(f"filed {month} sha256 {filing.sha256}")


@report_app.command("tracking")
def report_tracking(
    month: Annotated[str | None, typer.Option(help="Entries on the list in this month.")] = None,
    province: Annotated[str | None, typer.Option(help="Only this province.")] = None,
    status: Annotated[ListStatus | None, typer.Option(help="Only this current status.")] = None,
    out: Annotated[Path, typer.Option(help="The CSV file.")] = Path("tracking-table.csv"),
) -> None:
    """Write the 台账: one row per list entry (docs/reports.md names its columns)."""
    engine = _engine(Settings())
    query = TrackingQuery(month, province, str(status) if status else None)
    try:
        with engine.connect() as connection:
            rows = tracking_table(connection, query)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from exc
    out.write_text(tracking_csv(rows), encoding="utf-8")
    print(f"{out}: {len(rows)} rows")
