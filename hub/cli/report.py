"""`alliance-hub report monthly`: the monthly report (月报) as HTML and CSV files."""

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from hub.config import Settings
from hub.reports.monthly import monthly_report
from hub.reports.render import report_csv, report_html
from hub.store.engine import open_engine
from hub.store.migrate import upgrade

report_app = typer.Typer(help="Reports the alliance files.")


@report_app.command("monthly")
def report_monthly(
    month: Annotated[str, typer.Option(help="The month, e.g. 2026-11 (China calendar).")],
    out: Annotated[Path, typer.Option(help="Directory for the HTML and CSV files.")] = Path("."),
) -> None:
    """Write the monthly report: list changes by category and province, instructions and
    acknowledgements per member, and the due date."""
    settings = Settings()
    engine = open_engine(settings.database_url)
    upgrade(engine)
    try:
        with engine.connect() as connection:
            report = monthly_report(connection, month, datetime.now(UTC), settings.holidays)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from exc
    out.mkdir(parents=True, exist_ok=True)
    html, csv = out / f"monthly-report-{month}.html", out / f"monthly-report-{month}.csv"
    html.write_text(report_html(report), encoding="utf-8")
    csv.write_text(report_csv(report), encoding="utf-8")
    print(html)
    print(csv)
    print(f"due {report.due.isoformat()}")
