"""The list-entry read routes on both stores: filters admit exactly what they name, keyset pages
cover every entry once, one entry shows its history, instructions and tasks, only operators
and auditors read, and refused filter values are not echoed."""

import json
from collections.abc import Iterator
from typing import Any

import pytest

from alliance_connector.identifiers import uscc_check_character
from hub.store.schema import instructions
from tests.integration.test_api import Api, bearer, instruction_row

STORES = pytest.mark.parametrize("fresh_database_url", ["sqlite", "postgresql"], indirect=True)
# ids sort after the instructions' "e-1" that Api seeds, and in numeric order as text
COUNT = 12


def uscc(n: int) -> str:
    first17 = f"91330100{n:09d}"
    return first17 + uscc_check_character(first17)


def seed_entry(n: int) -> dict[str, str]:
    """Entry le-NN: lists, categories, provinces and authorities vary with n."""
    watch = n % 3 == 0
    province, authority = (("浙江省", "杭州市市场监督管理局"), ("广东省", "广州市市场监督管理局"))[
        n % 2
    ]
    names = {2: "Acme Trading", 7: "100%正品店"}
    return {
        "entry_id": f"le-{n:02d}",
        "list_type": "WATCHLIST" if watch else "BLACKLIST",
        "category": "FALSE_ADVERTISING" if watch else ("COUNTERFEIT" if n % 4 else "EMPTY_PARCEL"),
        "subject_name": names.get(n, f"某某网店{n}"),
        "uscc": uscc(n),
        "authority": authority,
        "document_no": f"某市监〔2026〕{n}号",
        "province": province,
        "city": "",
        "listed_at": f"2026-10-{n:02d}",
    }


SEEDS = [seed_entry(n) for n in range(1, COUNT + 1)]


def store_api(url: str) -> Api:
    """test_api's Api (members mall and social, a token per role) on `url`, with SEEDS
    imported through the API as an operator would."""
    api = Api(url, "127.0.0.1:1")  # no route here asks the broker
    body = "".join(json.dumps(s, ensure_ascii=False) + "\n" for s in SEEDS).encode()
    imported = api.client.post(
        "/lists/import",
        params={"filename": "seed.jsonl", "complete": "false"},
        content=body,
        headers=bearer(api, "operator"),
    )
    assert imported.status_code == 200, imported.text
    assert imported.json()["new"] == COUNT
    return api


@pytest.fixture
def api(fresh_database_url: str) -> Iterator[Api]:
    built = store_api(fresh_database_url)
    yield built
    built.engine.dispose()


def ids(api: Api, query: str, who: str = "operator") -> list[str]:
    status, body = api.get(f"/lists/entries?{query}", who)
    assert status == 200, body
    assert body["total"] == len(body["entries"])  # every filter here fits one page
    return [e["entry_id"] for e in body["entries"]]


def wanted(keep: Any) -> list[str]:
    return [s["entry_id"] for s in SEEDS if keep(s)]


def move(api: Api, entry_id: str, status: str, reason: str) -> None:
    moved = api.client.post(
        f"/lists/entries/{entry_id}/status",
        json={"status": status, "reason": reason},
        headers=bearer(api, "operator"),
    )
    assert moved.status_code == 200, moved.text


@STORES
def test_filters_admit_exactly_what_they_name(api: Api) -> None:
    assert ids(api, "") == wanted(lambda s: True)
    assert ids(api, "list_type=WATCHLIST") == wanted(lambda s: s["list_type"] == "WATCHLIST")
    assert ids(api, "category=EMPTY_PARCEL") == ["le-04", "le-08"]
    assert ids(api, "province=广东省") == wanted(lambda s: s["province"] == "广东省")
    both = ids(api, "province=浙江省&list_type=WATCHLIST")
    assert both == ["le-06", "le-12"]
    assert ids(api, "authority=杭州市市场监督管理局") == wanted(lambda s: s["province"] == "浙江省")
    move(api, "le-05", "NOTIFIED", "送达")
    assert ids(api, "status=NOTIFIED") == ["le-05"]
    assert "le-05" not in ids(api, "status=LISTED")


@STORES
def test_text_search_is_a_name_substring_or_an_identifier_prefix(api: Api) -> None:
    assert ids(api, "q=网店1") == ["le-01", "le-10", "le-11", "le-12"]
    assert ids(api, "q=acme") == ["le-02"]  # ASCII case is ignored in names
    assert ids(api, "q=%25") == ["le-07"]  # a literal %, not a wildcard
    assert ids(api, "q=_") == []
    assert ids(api, f"q={uscc(3)}") == ["le-03"]  # the whole value
    assert ids(api, f"q={uscc(3)[:17]}") == ["le-03"]  # a prefix
    assert ids(api, f"q={uscc(3)[4:14]}") == []  # the middle of a value is no match
    assert ids(api, "q=91330100&limit=500") == wanted(lambda s: True)


@STORES
def test_two_pages_cover_every_entry_exactly_once(api: Api) -> None:
    seen: list[str] = []
    cursor, pages = "", 0
    while True:
        status, body = api.get(f"/lists/entries?limit=5&cursor={cursor}", "auditor")
        assert status == 200 and body["total"] == COUNT
        assert len(body["entries"]) <= 5
        seen += [e["entry_id"] for e in body["entries"]]
        pages += 1
        if body["next"] is None:
            break
        cursor = body["next"]
    assert pages == 3 and seen == wanted(lambda s: True)
    status, first = api.get("/lists/entries?list_type=BLACKLIST&limit=4", "operator")
    blacklist = wanted(lambda s: s["list_type"] == "BLACKLIST")
    assert first["total"] == len(blacklist) == 8
    status, second = api.get(
        f"/lists/entries?list_type=BLACKLIST&limit=4&cursor={first['next']}", "operator"
    )
    assert second["next"] is None
    pages_ids = [e["entry_id"] for e in first["entries"] + second["entries"]]
    assert pages_ids == blacklist


@STORES
def test_one_entry_with_its_history_instructions_and_tasks(api: Api) -> None:
    move(api, "le-01", "NOTIFIED", "送达")
    move(api, "le-01", "OVERDUE", "逾期未整改")
    with api.engine.begin() as connection:
        connection.execute(
            instructions.insert(), [instruction_row(9, "mall") | {"entry_id": "le-01"}]
        )
    status, body = api.get("/lists/entries/le-01", "auditor")
    assert status == 200, body
    assert body["subject_name"] == "某某网店1" and body["status"] == "OVERDUE"
    assert body["identifiers"] == [{"scheme": "USCC", "value": uscc(1)}]
    assert body["listed_at"].startswith("2026-")
    assert [(h["from_status"], h["to_status"], h["reason"]) for h in body["history"]][1:] == [
        ("LISTED", "NOTIFIED", "送达"),
        ("NOTIFIED", "OVERDUE", "逾期未整改"),
    ]
    assert body["history"][0]["from_status"] is None  # created by the import
    assert body["history"][1]["actor"].startswith("api:")
    assert [i["instruction_id"] for i in body["instructions"]] == ["ins-9"]
    kinds = {t["kind"] for t in body["tasks"]}
    assert kinds == {"NOTIFY_REGULATOR", "INTERVIEW_PRINCIPAL", "PUBLISH_CREDIT_WEBSITE"}
    assert all(t["done_at"] is None for t in body["tasks"])
    status, other = api.get("/lists/entries/le-02", "operator")
    assert other["history"][1:] == [] and other["instructions"] == [] and other["tasks"] == []
    status, missing = api.get("/lists/entries/le-nowhere", "operator")
    assert status == 404 and missing["error"]["code"] == "not_found"
    assert "le-nowhere" not in json.dumps(missing)


def test_only_operators_and_auditors_read_entries(api_pg: Api) -> None:
    for path in ("/lists/entries", "/lists/entries/le-01"):
        assert api_pg.get(path, "auditor")[0] == 200
        assert api_pg.get(path, "mall")[0] == 403
        assert api_pg.client.get(path).status_code == 401


def test_refused_filter_values_are_not_echoed(api_pg: Api) -> None:
    status, body = api_pg.get("/lists/entries?status=SECRET_VALUE_17", "operator")
    assert status == 422 and body["error"]["code"] == "invalid_request"
    assert [p["where"] for p in body["error"]["detail"]["problems"]] == ["query.status"]
    assert "SECRET_VALUE_17" not in json.dumps(body)
    status, body = api_pg.get("/lists/entries?limit=501", "operator")
    assert status == 422 and body["error"]["detail"]["problems"][0]["where"] == "query.limit"
    status, body = api_pg.get("/lists/entries?cursor=SECRET*VALUE", "operator")
    assert status == 400 and body["error"]["code"] == "bad_request"
    assert "SECRET" not in json.dumps(body)
    # PostgreSQL's text holds no NUL: the store refuses it, a 422 and never a 500.
    for query in ("q=%00", "cursor=AA", "authority=%00"):
        status, body = api_pg.get(f"/lists/entries?{query}", "operator")
        assert status == 422 and body["error"]["code"] == "invalid_value", query
    assert api_pg.get("/lists/entries/le%00", "operator")[0] == 422


@pytest.fixture
def api_pg(fresh_postgres_url: str) -> Iterator[Api]:
    """The store's kind does not matter to roles and validation: PostgreSQL only."""
    built = store_api(fresh_postgres_url)
    yield built
    built.engine.dispose()
