"""The evidence kept about a subject through the API and the console, on both stores:
operators and auditors read all of it newest first in cursor pages with the parcel
correlations, a member only its own reports (another's subject answers 404), GET /subjects
counts it and links to it, errors never echo what was sent, and what goes out is what is
stored: tokens as they are, a clear personal value (which the worker never writes) withheld."""

import json
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from hub.store.evidence_reads import WITHHELD
from hub.store.schema import accepted_signals, parcel_correlations, subject_identifiers
from tests.integration.test_api import Api
from tests.integration.test_api_entries import STORES, store_api, uscc
from tests.integration.test_console_pages import sign_in
from tests.unit.test_evidence_reads import T0, evidence_row, token

CLUSTER = "c-evidence"
# The subject (le-01's USCC, at mall's store); mall reported 3 times, social twice, express
# (logistics) once about an empty parcel; social also reported a subject of its own.
REPORTS = [("mall", 0), ("social", 1), ("mall", 2), ("social", 3), ("mall", 4)]


@pytest.fixture
def api(fresh_database_url: str) -> Iterator[Api]:
    built = store_api(fresh_database_url)
    rows = [
        evidence_row(who, f"s-{n}", CLUSTER, T0 + timedelta(hours=n), amount_fen=100 * n + 5)
        for who, n in REPORTS
    ]
    rows.append(evidence_row("social", "s-own", "c-social-only"))
    with built.engine.begin() as connection:
        connection.execute(
            subject_identifiers.insert(),
            [
                {"scheme": "USCC", "value": uscc(1), "cluster_id": CLUSTER},
                {"scheme": "STORE", "value": "mall:store:9", "cluster_id": CLUSTER},
                {"scheme": "USCC", "value": uscc(2), "cluster_id": "c-social-only"},
            ],
        )
        connection.execute(accepted_signals.insert(), rows)
        connection.execute(
            parcel_correlations.insert().values(
                platform_reporter="mall",
                platform_signal="s-2",
                logistics_reporter="social",  # standing in for a logistics member
                logistics_signal="x-1",
                cluster_id=CLUSTER,
                waybills=3,
                correlated_at=T0 + timedelta(hours=5),
            )
        )
    yield built
    built.engine.dispose()


URL = f"/subjects/{CLUSTER}/evidence"


def pages(api: Api, who: str, limit: int) -> tuple[list[dict[str, Any]], list[Any], int]:
    """Every evidence item, following next_cursor; the first page's correlations; pages."""
    items: list[dict[str, Any]] = []
    status, body = api.get(f"{URL}?limit={limit}", who)
    assert status == 200, body
    correlations, count = body["correlations"], 1
    items += body["evidence"]
    while body["next_cursor"]:
        status, body = api.get(f"{URL}?limit={limit}&cursor={body['next_cursor']}", who)
        assert status == 200, body
        assert body["correlations"] == correlations
        items += body["evidence"]
        count += 1
    return items, correlations, count


@STORES
def test_readers_see_every_report_newest_first_in_pages(api: Api) -> None:
    for who in ("operator", "auditor"):
        items, correlations, count = pages(api, who, 2)
        assert count == 3
        assert [i["signal_id"] for i in items] == ["s-4", "s-3", "s-2", "s-1", "s-0"]
        assert correlations == [
            {
                "platform_reporter": "mall",
                "platform_signal": "s-2",
                "logistics_reporter": "social",
                "logistics_signal": "x-1",
                "waybills": 3,
                "correlated_at": "2026-11-03T13:00:00Z",
            }
        ]
    first = items[-1]
    assert first == {
        "reporter": "mall",
        "signal_id": "s-0",
        "category": "FAKE_TRANSACTION",
        "severity": "HIGH",
        "window": {"start": "2026-10-27T08:00:00Z", "end": "2026-11-02T08:00:00Z"},
        "order_count": 12,
        "amount_fen": 5,
        "order_refs": [token(1), token(2)],
        "waybill_refs": ["sf:SF1234567890"],
        "note": "刷单 12 笔",
        "subject": [
            {"scheme": "USCC", "value": "91330100799655058B"},
            {"scheme": "MOBILE", "value": token(3)},
        ],
        "record_at": "2026-11-03T08:00:00Z",
        "expires_at": "2027-07-01T08:00:00Z",
    }


@STORES
def test_the_subject_view_counts_the_evidence_and_links_to_it(api: Api) -> None:
    status, body = api.get(f"/subjects?scheme=USCC&value={uscc(1)}", "auditor")
    assert status == 200 and body["cluster"] == CLUSTER
    assert body["evidence"] == 5 and body["evidence_url"] == URL
    status, linked = api.get(body["evidence_url"], "operator")
    assert status == 200 and len(linked["evidence"]) == 5 and linked["next_cursor"] is None


@STORES
def test_a_member_sees_only_its_own_reports(api: Api) -> None:
    items, correlations, _ = pages(api, "social", 10)
    assert [(i["reporter"], i["signal_id"]) for i in items] == [
        ("social", "s-3"),
        ("social", "s-1"),
    ]
    assert [(c["platform_reporter"], c["logistics_signal"]) for c in correlations] == [
        (None, "x-1")
    ]
    status, body = api.get(URL, "mall")
    assert status == 200 and {i["reporter"] for i in body["evidence"]} == {"mall"}
    assert body["correlations"][0]["logistics_reporter"] is None
    # A subject mall reported nothing about answers as if there were none.
    status, body = api.get("/subjects/c-social-only/evidence", "mall")
    assert status == 404 and body == {
        "error": {"code": "not_found", "message": "no subject has this cluster id"}
    }
    assert api.get("/subjects/c-social-only/evidence", "social")[0] == 200
    assert api.get(f"/subjects?scheme=USCC&value={uscc(1)}", "mall")[0] == 403


@STORES
def test_errors_name_nothing_that_was_sent(api: Api) -> None:
    status, body = api.get("/subjects/c-nowhere-13812345678/evidence", "operator")
    assert status == 404 and body["error"]["code"] == "not_found"
    assert "13812345678" not in json.dumps(body)
    for cursor in ("not!base64", "eHl6", "MjAyNi0xMS0wM1QwODowMDowMCswMDowMB9tYWxs"):
        status, body = api.get(f"{URL}?cursor={cursor}", "operator")
        assert status == 400 and body["error"]["code"] == "bad_request", cursor
        assert cursor not in json.dumps(body)
    status, body = api.get(f"{URL}?limit=0", "operator")
    assert status == 422 and body["error"]["code"] == "invalid_request"
    assert api.client.get(URL).status_code == 401


@STORES
def test_only_what_is_stored_goes_out_and_never_a_clear_number(api: Api) -> None:
    looks_personal = evidence_row(
        "mall",
        "s-tokens",
        CLUSTER,
        T0 + timedelta(days=1),
        note=f"买家 {token(13812345678)} 与 {token(110105194912310021)}",
        subject=json.dumps(
            [
                {"scheme": "RESIDENT_ID", "value": token(11)},
                {"scheme": "MOBILE", "value": token(12)},
                {"scheme": "ACCOUNT", "value": token(13)},
            ]
        ),
    )
    clear = evidence_row(
        "mall",
        "s-clear",
        CLUSTER,
        T0 + timedelta(days=2),
        note="买家 138-1234-5678",
        subject=json.dumps([{"scheme": "RESIDENT_ID", "value": "11010519491231002X"}]),
    )
    with api.engine.begin() as connection:
        connection.execute(accepted_signals.insert(), [looks_personal, clear])
    status, body = api.get(f"{URL}?limit=2", "operator")
    assert status == 200
    shown = {i["signal_id"]: i for i in body["evidence"]}
    assert shown["s-tokens"]["note"] == looks_personal["note"]
    assert shown["s-tokens"]["subject"] == json.loads(looks_personal["subject"])
    assert shown["s-clear"]["note"] == WITHHELD
    assert shown["s-clear"]["subject"] == [{"scheme": "RESIDENT_ID", "value": WITHHELD}]
    text = json.dumps(body)
    assert "11010519491231002X" not in text and "138-1234-5678" not in text
    assert set(shown["s-tokens"]) == set(shown["s-clear"])  # no field beyond the stored ones


@STORES
def test_the_console_subject_page_shows_evidence_and_correlations(api: Api) -> None:
    for who in ("operator", "auditor"):
        sign_in(api, who)
        page = api.client.get(f"/console/subjects?scheme=USCC&value={uscc(1)}")
        assert page.status_code == 200, page.text[:300]
        text = page.text
        for header in (
            "报告方 / Reporter",
            "类别 / Category",
            "严重程度 / Severity",
            "观察期间 / Window",
            "订单数 / Orders",
            "金额(元) / Amount (yuan)",
            "运单 / Waybills",
            "备注 / Note",
            "保存至 / Kept until",
            "空包裹关联 / Empty-parcel correlation",
        ):
            assert header in text, header
        evidence = text[
            text.index('id="subject-evidence"') : text.index('id="subject-correlations"')
        ]
        assert evidence.count("<tr>") == 6  # the header and five reports
        assert "4.05" in evidence and "0.05" in evidence  # fen shown as yuan
        assert "sf:SF1234567890" in evidence and "刷单 12 笔" in evidence
        assert "2027-07-01 16:00" in evidence  # kept until, in China time
        assert "x-1" in text[text.index('id="subject-correlations"') :]
        assert f'href="{URL}"' in text
        assert "evidence-next" not in text  # five rows fit the console's page
        if who == "auditor":
            assert "<form" not in text


@STORES
def test_the_console_pages_through_older_evidence(api: Api) -> None:
    with api.engine.begin() as connection:
        connection.execute(
            accepted_signals.insert(),
            [
                evidence_row("mall", f"older-{n}", CLUSTER, T0 - timedelta(days=1, minutes=n))
                for n in range(50)
            ],
        )
    sign_in(api, "auditor")
    first = api.client.get(f"/console/subjects?scheme=USCC&value={uscc(1)}").text
    assert "older-44" in first and "older-45" not in first  # 5 newer rows, then 45 older
    start = first.index('id="evidence-next" href="') + len('id="evidence-next" href="')
    link = first[start : first.index('"', start)].replace("&amp;", "&")
    second = api.client.get(link)
    assert second.status_code == 200
    assert "older-45" in second.text and "older-49" in second.text and "s-4" not in second.text
    assert "evidence-next" not in second.text
