"""The ledger export (工作台账) on a real PostgreSQL store: a cell that a spreadsheet would run
as a formula (an operator's actor name, an authority's entry id, a reason) leaves quoted."""

import csv
import io
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from hub.ledger.chain import LedgerEntry, append
from tests.integration.test_api import Api, bearer


@pytest.fixture
def api(fresh_postgres_url: str, kafka_bootstrap: str) -> Iterator[Api]:
    built = Api(fresh_postgres_url, kafka_bootstrap)
    yield built
    built.engine.dispose()


def test_formula_cells_in_the_ledger_export_are_neutralised(api: Api) -> None:
    with api.engine.begin() as connection:
        append(
            connection,
            [
                LedgerEntry("LIST_STATUS_CHANGED", '=HYPERLINK("http://x")', {"a": 1}, "-1+2"),
                LedgerEntry("NOTE", "@ops", {"b": 2}, "\tref", reason="+SUM(A1)"),
                LedgerEntry("NOTE", "plain", {"c": 3}, "e-1"),
            ],
            datetime.now(UTC),
        )
    export = api.client.get("/ledger/export.csv", headers=bearer(api, "auditor"))
    assert export.status_code == 200
    rows = list(csv.DictReader(io.StringIO(export.content.decode("utf-8-sig"))))
    assert [(r["actor"], r["ref"], r["reason"]) for r in rows] == [
        ('\'=HYPERLINK("http://x")', "'-1+2", ""),
        ("'@ops", "'\tref", "'+SUM(A1)"),
        ("plain", "e-1", ""),
    ]
    assert [r["body"] for r in rows] == ['{"a":1}', '{"b":2}', '{"c":3}']  # JSON, unchanged
    assert [r["seq"] for r in rows] == ["1", "2", "3"]
