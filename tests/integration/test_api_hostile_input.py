"""What an outside integrator threw at the API (issue 12, points 8, 9 and 11) on a real
PostgreSQL store: each answers 4xx in the one error shape, and none holds up other routes."""

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

import hub.api.lists
from hub.lists.reading import COLUMNS, MAX_HEADER_COLUMNS, ReadResult, read_list_file
from tests.integration.test_api import Api, bearer


@pytest.fixture
def api(fresh_postgres_url: str, kafka_bootstrap: str) -> Iterator[Api]:
    built = Api(fresh_postgres_url, kafka_bootstrap)
    yield built
    built.engine.dispose()


def toml(api: Api) -> dict[str, str]:
    return bearer(api, "operator") | {"Content-Type": "application/toml"}


def test_a_policy_nested_500_deep_is_an_invalid_policy_not_a_crash(api: Api) -> None:
    deep = b"version = " + b"[" * 500 + b"]" * 500
    response = api.client.post("/policy/diff", content=deep, headers=toml(api))
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "invalid_policy"
    assert error["detail"]["problems"] == [
        "candidate: nested too deep to parse (a policy nests at most 8 levels)"
    ]


@pytest.mark.parametrize("month", ["0001-01", "9999-12", "2026-13"])
def test_a_month_out_of_range_is_a_bad_request(api: Api, month: str) -> None:
    for fmt in ("html", "csv"):
        status, body = api.get(f"/reports/monthly/{month}.{fmt}", "auditor")
        assert status == 400
        assert body == {
            "error": {
                "code": "bad_request",
                "message": "month: expected YYYY-MM (e.g. 2026-11), month 01 to 12, "
                "year 1970 to 9998",
            }
        }


def test_a_100000_column_header_is_refused_at_once(api: Api) -> None:
    # Known names, repeated: each was compared with every earlier one, 77 s for this header.
    header = ",".join(COLUMNS[n % len(COLUMNS)] for n in range(100_000)).encode()
    started = time.monotonic()
    response = api.client.post(
        "/lists/import",
        params={"filename": "wide.csv"},
        content=header + b"\n",
        headers=bearer(api, "operator"),
    )
    elapsed = time.monotonic() - started
    assert response.status_code == 422
    assert response.json()["error"]["detail"]["problems"] == [
        {
            "line": 1,
            "field": "-",
            "rule": f"header has 100000 columns, more than {MAX_HEADER_COLUMNS}",
        }
    ]
    assert elapsed < 5, elapsed


def test_duplicate_columns_are_still_named(api: Api) -> None:
    header = "entry_id,list_type,entry_id,category,category,category"
    response = api.client.post(
        "/lists/import",
        params={"filename": "dup.csv"},
        content=header.encode() + b"\n",
        headers=bearer(api, "operator"),
    )
    problems = response.json()["error"]["detail"]["problems"]
    duplicates = [p["field"] for p in problems if p["rule"] == "column appears more than once"]
    assert duplicates == ["entry_id", "category", "category"]


def test_other_routes_answer_while_an_import_runs(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The import is held inside its file reading until /health has answered: if the import
    ran on the event loop, /health could not answer until the hold timed out."""
    reading, release = threading.Event(), threading.Event()
    held_to_the_end: list[bool] = []

    def held_read(path: Path, *args: object) -> ReadResult:
        reading.set()
        held_to_the_end.append(not release.wait(timeout=10))
        return read_list_file(path, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(hub.api.lists, "read_list_file", held_read)
    results: list[int] = []
    with api.client as client:  # one event loop for both requests

        def upload() -> None:
            response = client.post(
                "/lists/import",
                params={"filename": "x.csv"},
                content=b"entry_id\n",
                headers=bearer(api, "operator"),
            )
            results.append(response.status_code)

        uploader = threading.Thread(target=upload)
        uploader.start()
        assert reading.wait(timeout=10)
        health = client.get("/health")
        release.set()
        uploader.join(timeout=20)
    assert health.status_code == 200
    assert held_to_the_end == [False]  # /health answered while the import was held
    assert results == [422]  # and the import then finished (its file lacks columns)


def test_a_chunked_body_over_the_cap_answers_413(api: Api) -> None:
    def chunks() -> Iterator[bytes]:
        for _ in range(32):  # 2 MiB, without Content-Length
            yield b"x" * 65536

    for path, kind in (("/members", "application/json"), ("/policy/diff", "application/toml")):
        response = api.client.post(
            path, content=chunks(), headers=bearer(api, "operator") | {"Content-Type": kind}
        )
        assert response.status_code == 413, path
        assert response.json() == {
            "error": {"code": "too_large", "message": "body over 1048576 bytes"}
        }


def test_keys_of_an_unknown_member_answer_404(api: Api) -> None:
    status, body = api.get("/members/nosuch/keys", "auditor")
    assert status == 404
    assert body == {"error": {"code": "not_found", "message": "no member has this id"}}
    assert api.get("/members/mall/keys", "auditor") == (200, [])


def test_the_openapi_description_declares_bearer_tokens(api: Api) -> None:
    described = api.client.get("/openapi.json").json()
    assert described["components"]["securitySchemes"]["bearer"] == {
        "type": "http",
        "scheme": "bearer",
        "description": "An API token: `Authorization: Bearer ah_…` (alliance-hub tokens create).",
    }
    protected = described["paths"]["/instructions"]["get"]
    assert protected["security"] == [{"bearer": []}]
    assert "security" not in described["paths"]["/health"]["get"]
