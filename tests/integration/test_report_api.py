"""The 月报's texts, filing and the 台账 over HTTP and in the console, on both stores:
operators write until the month is filed, auditors only read, a filed month is frozen (409,
read-only page, the JSON's hash is the filing's), the console's writes need the CSRF token,
and the tracking CSV and page filter by month, province and status."""

import csv
import hashlib
import io
import re
from collections.abc import Iterator
from datetime import date

import pytest
from fastapi.testclient import TestClient

from hub.api.app import create_app
from hub.ledger.chain import canonical_json
from hub.policy.loading import default_policy
from tests.integration.test_api import Api, bearer
from tests.integration.test_api_entries import STORES, store_api
from tests.integration.test_console_pages import sign_in

TEXTS = "/reports/monthly/2026-10/texts"


@pytest.fixture
def api(fresh_database_url: str) -> Iterator[Api]:
    built = store_api(fresh_database_url)  # le-01 … le-12, listed 1 to 12 October 2026
    yield built
    built.engine.dispose()


@STORES
def test_texts_until_filed_then_frozen(api: Api) -> None:
    operator, auditor = bearer(api, "operator"), bearer(api, "auditor")
    text = {"text": "部分平台回执超时。"}
    assert api.client.put(f"{TEXTS}/problems", json=text, headers=auditor).status_code == 403
    saved = api.client.put(f"{TEXTS}/problems", json=text, headers=operator)
    assert saved.status_code == 200, saved.text
    assert saved.json()["text_sha256"] == hashlib.sha256(text["text"].encode()).hexdigest()
    posted = api.client.post(f"{TEXTS}/practices", json={"text": "每周核对"}, headers=operator)
    assert posted.status_code == 200
    assert api.client.put(f"{TEXTS}/poetry", json=text, headers=operator).status_code == 404
    bad = api.client.put("/reports/monthly/2026-13/texts/problems", json=text, headers=operator)
    assert bad.status_code == 400 and "2026-13" not in bad.text
    personal = api.client.put(
        f"{TEXTS}/problems", json={"text": "负责人手机 13800138000"}, headers=operator
    )
    assert personal.status_code == 400 and "13800138000" not in personal.text
    listed = api.client.get(TEXTS, headers=auditor).json()
    assert not listed["filed"]
    assert [s["section"] for s in listed["sections"]] == [
        "overall",
        "results",
        "practices",
        "problems",
        "next_steps",
    ]
    assert {s["section"]: s["text"] for s in listed["sections"]}["problems"] == text["text"]
    html = api.client.get("/reports/monthly/2026-10.html", headers=auditor).text
    assert "四、存在问题" in html and text["text"] in html and "2026年11月13日" in html

    filed = api.client.post("/reports/monthly/2026-10/file", headers=operator)
    assert filed.status_code == 200, filed.text
    digest = filed.json()["sha256"]
    again = api.client.post("/reports/monthly/2026-10/file", headers=operator)
    assert again.status_code == 409 and again.json()["error"]["code"] == "report_filed"
    late = api.client.put(f"{TEXTS}/problems", json={"text": "改"}, headers=operator)
    assert late.status_code == 409
    frozen = api.client.get("/reports/monthly/2026-10.json", headers=auditor).json()
    assert frozen["filing"]["sha256"] == digest
    recomputed = hashlib.sha256(canonical_json(frozen["report"]).encode()).hexdigest()
    assert recomputed == digest
    assert api.client.get(TEXTS, headers=auditor).json()["filed"]
    frozen_html = api.client.get("/reports/monthly/2026-10.html", headers=auditor).text
    assert digest in frozen_html and text["text"] in frozen_html


@STORES
def test_the_console_page_writes_with_csrf_and_shows_a_filed_month_read_only(api: Api) -> None:
    csrf = sign_in(api, "operator")
    page = api.client.get("/console/reports?month=2026-10").text
    for section in ("overall", "results", "practices", "problems", "next_steps"):
        assert f'data-post="{TEXTS}/{section}"' in page
    assert 'data-post="/reports/monthly/2026-10/file"' in page
    body = {"text": "经验"}
    assert api.client.post(f"{TEXTS}/practices", json=body).status_code == 403  # no token
    own = {"X-CSRF-Token": csrf, "Origin": "http://testserver"}
    assert api.client.post(f"{TEXTS}/practices", json=body, headers=own).status_code == 200
    assert ">经验</textarea>" in api.client.get("/console/reports?month=2026-10").text
    assert api.client.post("/reports/monthly/2026-10/file", headers=own).status_code == 200
    filed = api.client.get("/console/reports?month=2026-10").text
    assert 'id="filed"' in filed and "<form data-post" not in filed and "经验" in filed
    api.client.delete("/session")
    sign_in(api, "auditor")
    open_month = api.client.get("/console/reports?month=2026-09").text
    assert "<form data-post" not in open_month and 'data-filed="no"' in open_month
    bad = api.client.get("/console/reports?month=2026-1x")
    assert bad.status_code == 400 and "2026-1x" not in bad.text


def _csv_rows(text: str) -> list[dict[str, str]]:
    lines = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))
    keys = lines[1]
    return [dict(zip(keys, line, strict=True)) for line in lines[2:]]


@STORES
def test_the_tracking_csv_and_page_filter(api: Api) -> None:
    auditor = bearer(api, "auditor")

    def entries(query: str) -> list[str]:
        found = api.client.get(f"/reports/tracking.csv?{query}", headers=auditor)
        assert found.status_code == 200, found.text
        return [row["entry_id"] for row in _csv_rows(found.text)]

    every = [f"le-{n:02d}" for n in range(1, 13)]
    assert entries("") == every
    assert entries("month=2026-10") == every and entries("month=2026-09") == []
    assert entries("province=浙江省") == [f"le-{n:02d}" for n in range(2, 13, 2)]
    assert entries("status=LISTED") == every and entries("status=DELISTED") == []
    refused = api.client.get("/reports/tracking.csv?status=NOPE", headers=auditor)
    assert refused.status_code == 422
    assert api.client.get("/reports/tracking.csv", headers=bearer(api, "mall")).status_code == 403
    row = _csv_rows(api.client.get("/reports/tracking.csv", headers=auditor).text)[6]
    assert row["entry_id"] == "le-07" and row["subject_name"] == "100%正品店"
    assert row["document_no"] == "某市监〔2026〕7号" and row["listed"] == "2026-10-07"
    sign_in(api, "auditor")
    page = api.client.get("/console/tracking?province=广东省").text
    shown = re.findall(r'<tr data-entry="([^"]+)"', page)
    assert shown == [f"le-{n:02d}" for n in range(1, 13, 2)]
    assert "/reports/tracking.csv?province=" in page
    assert api.client.get("/console/tracking?status=NOPE").status_code == 400


@STORES
def test_the_api_takes_the_calendar_overrides(api: Api) -> None:
    saturday, monday = date(2026, 3, 14), date(2026, 12, 14)
    app = create_app(api.engine, default_policy(), holidays=[monday], workdays=[saturday])
    with TestClient(app) as client:
        auditor = bearer(api, "auditor")
        february = client.get("/reports/monthly/2026-02.json", headers=auditor).json()
        november = client.get("/reports/monthly/2026-11.json", headers=auditor).json()
    assert february["report"]["due"] == "2026-03-14"  # a Saturday declared a working day
    assert november["report"]["due"] == "2026-12-11"  # the Monday declared a holiday
    assert november["report"]["due_basis"] == "chinese-calendar"
