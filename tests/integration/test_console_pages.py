"""The console's pages through TestClient on SQLite (fast: no broker): every page renders for
an operator and an auditor, the auditor's without a single form; a cookie write needs the
page's CSRF token from the console's own origin; members cannot open a session."""

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from alliance_connector.signing import SigningKey
from hub.store.operator_tasks import NewTask, add_task, task_id
from hub.store.schema import presences, subject_identifiers
from tests.integration.test_api import Api, bearer
from tests.integration.test_api_entries import store_api, uscc

SQLITE = pytest.mark.parametrize("fresh_database_url", ["sqlite"], indirect=True)


@pytest.fixture
def api(fresh_database_url: str) -> Iterator[Api]:
    """store_api's entries, a task on le-01, and a subject (le-01's USCC) present at mall."""
    built = store_api(fresh_database_url)
    now = datetime.now(UTC)
    with built.engine.begin() as connection:
        add_task(connection, "le-01", NewTask("NOTIFY_REGULATOR", "通报", now + timedelta(5)), now)
        connection.execute(
            subject_identifiers.insert(),
            [
                {"scheme": "USCC", "value": uscc(1), "cluster_id": "c-1"},
                {"scheme": "STORE", "value": "mall:store:9", "cluster_id": "c-1"},
            ],
        )
        connection.execute(
            presences.insert().values(
                member_id="mall", scheme="STORE", value="mall:store:9", first_seen=now
            )
        )
    yield built
    built.engine.dispose()


PAGES = (
    "/",
    "/console/members",
    "/console/members/mall",
    "/console/lists",
    "/console/lists?list_type=WATCHLIST&province=浙江省",
    "/console/lists/le-01",
    f"/console/subjects?scheme=USCC&value={uscc(1)}",
    "/console/subjects",
    "/console/instructions",
    "/console/instructions?status=awaiting_ack&older_than_s=60",
    "/console/rejects",
    "/console/rejects?member=social",
    "/console/tasks",
    "/console/tasks?state=done",
    "/console/documents",
    "/console/reports",
)
WRITABLE = {"/console/members", "/console/members/mall", "/console/lists", "/console/lists/le-01"}


def sign_in(api: Api, who: str) -> str:
    """Open a session as `who`; the CSRF token its pages carry."""
    opened = api.client.post("/session", json={"token": api.tokens[who]})
    assert opened.status_code == 204, opened.text
    page = api.client.get("/console/tasks")
    found = re.search(r'<meta name="csrf-token" content="([0-9a-f]{64})">', page.text)
    assert found, page.text[:400]
    return found.group(1)


@SQLITE
def test_every_page_renders_for_operators_and_auditors(api: Api) -> None:
    for who in ("operator", "auditor"):
        sign_in(api, who)
        for path in PAGES:
            page = api.client.get(path)
            assert page.status_code == 200, (who, path, page.text[:300])
            assert "退出 / Sign out" in page.text and "成员 / Members" in page.text
            assert "http://" not in page.text.replace("http://www.w3.org/2000/svg", "")
            forms = page.text.count("<form")
            if who == "auditor":
                assert forms == 0, path  # the same pages, without the write controls
            elif path in WRITABLE:
                assert forms > 0, path
    lists = api.client.get("/console/lists?list_type=WATCHLIST&province=浙江省").text
    assert "le-06" in lists and "le-12" in lists and "le-01" not in lists
    subject = api.client.get(f"/console/subjects?scheme=USCC&value={uscc(1)}").text
    assert 'id="cluster"' in subject and "le-01" in subject
    task = task_id("le-01", "NOTIFY_REGULATOR")
    assert task in api.client.get("/console/tasks").text
    assert "整改期限 / Rectification deadline" in api.client.get("/console/lists/le-01").text


@SQLITE
def test_unknown_ids_and_bad_filters_answer_as_the_api_does(api: Api) -> None:
    sign_in(api, "operator")
    missing = api.client.get("/console/lists/le-nowhere")
    assert missing.status_code == 404 and 'data-code="not_found"' in missing.text
    assert "le-nowhere" not in missing.text.split("<h1>")[1]  # errors never echo input
    assert api.client.get("/console/members/nobody").status_code == 404
    bad = api.client.get("/console/lists?status=SECRET")
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "invalid_request"
    assert "SECRET" not in bad.text
    none = api.client.get("/console/subjects?scheme=USCC&value=nothing-here").text
    assert 'data-code="not_found"' in none
    api.client.delete("/session")
    assert api.client.get("/console/members", follow_redirects=False).status_code == 303


@SQLITE
def test_documents_render_for_readers_only(api: Api) -> None:
    for who in ("operator", "auditor"):
        notice = api.client.get(
            "/lists/entries/le-01/documents/rectification-notice.html", headers=bearer(api, who)
        )
        assert notice.status_code == 200 and "整改通知书" in notice.text
        commitment = api.client.get(
            "/lists/entries/le-01/documents/credit-commitment.html", headers=bearer(api, who)
        )
        assert commitment.status_code == 200 and "信用承诺书" in commitment.text
    refused = api.client.get(
        "/lists/entries/le-01/documents/credit-commitment.html", headers=bearer(api, "mall")
    )
    assert refused.status_code == 403
    missing = api.client.get(
        "/lists/entries/le-xx/documents/credit-commitment.html", headers=bearer(api, "auditor")
    )
    assert missing.status_code == 404
    auditor = bearer(api, "auditor")
    odd = api.client.get("/lists/entries/le-01/documents/other.html", headers=auditor)
    assert odd.status_code == 422


@SQLITE
def test_a_cookie_write_needs_the_csrf_token_from_the_own_origin(api: Api) -> None:
    csrf = sign_in(api, "operator")
    done = f"/tasks/{task_id('le-01', 'NOTIFY_REGULATOR')}/done"
    without = api.client.post(done)
    assert without.status_code == 403 and without.json()["error"]["code"] == "forbidden"
    assert "X-CSRF-Token" in without.json()["error"]["message"]
    wrong = api.client.post(done, headers={"X-CSRF-Token": "0" * 64})
    assert wrong.status_code == 403
    foreign = {"X-CSRF-Token": csrf, "Origin": "http://evil.example"}
    crossed = api.client.post(done, headers=foreign)
    assert crossed.status_code == 403 and "origin" in crossed.json()["error"]["message"]
    referred = {"X-CSRF-Token": csrf, "Referer": "http://evil.example/console/tasks"}
    assert api.client.post(done, headers=referred).status_code == 403
    own = {"X-CSRF-Token": csrf, "Origin": "http://testserver"}
    passed = api.client.post(done, headers=own)
    assert passed.status_code == 200, passed.text
    token = api.client.post(
        "/tokens", json={"role": "member", "member": "mall", "label": "x"}, headers=own
    )
    assert token.status_code == 201 and token.json()["token"].startswith("ah_")
    # A bad body through the cookie gets the API's own typed error.
    bad = api.client.post("/members", json={"member_id": "x"}, headers=own)
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "invalid_request"
    # Another session's token does not fit this one.
    other = sign_in(api, "auditor")
    assert other != csrf
    assert api.client.post(done, headers={"X-CSRF-Token": csrf}).status_code == 403


@SQLITE
def test_auditors_are_refused_writes_even_with_the_token(api: Api) -> None:
    csrf = sign_in(api, "auditor")
    tried = api.client.post(
        "/lists/entries/le-01/status",
        json={"status": "NOTIFIED", "reason": "x"},
        headers={"X-CSRF-Token": csrf},
    )
    assert tried.status_code == 403 and "auditor" in tried.json()["error"]["message"]
    assert api.get("/lists/entries/le-01", "auditor")[1]["status"] == "LISTED"


@SQLITE
def test_members_cannot_open_a_session(api: Api) -> None:
    refused = api.client.post("/session", json={"token": api.tokens["mall"]})
    assert refused.status_code == 403 and "set-cookie" not in refused.headers
    assert api.client.get("/console/members", follow_redirects=False).status_code == 303


@SQLITE
def test_bearer_writes_are_unchanged(api: Api) -> None:
    sign_in(api, "operator")  # a cookie too: the header decides
    moved = api.client.post(
        "/lists/entries/le-02/status",
        json={"status": "NOTIFIED", "reason": "送达"},
        headers=bearer(api, "operator"),
    )
    assert moved.status_code == 200, moved.text


@SQLITE
def test_every_form_posts_to_an_api_route(api: Api) -> None:
    sign_in(api, "operator")
    posts: set[str] = set()
    for path in PAGES:
        posts |= set(re.findall(r'<form data-post="([^"]+)"', api.client.get(path).text))
    schema = api.client.get("/openapi.json").json()["paths"]
    writes = [
        re.compile("^" + re.sub(r"\{[^}]+\}", "[^/]+", path) + "$")
        for path, methods in schema.items()
        if "post" in methods
    ]
    assert len(posts) > 10
    for post in posts:
        assert any(w.match(post) for w in writes), post


@SQLITE
def test_member_forms_work_through_the_cookie(api: Api) -> None:
    own = {"X-CSRF-Token": sign_in(api, "operator")}
    first, second = SigningKey.generate().verify_key, SigningKey.generate().verify_key
    made = api.client.post("/members/mall/keys", json={"public_key_b64": first.b64}, headers=own)
    assert made.status_code == 201, made.text
    rotated = {"public_key_b64": second.b64, "overlap_s": 60}
    assert api.client.post("/members/mall/keys", json=rotated, headers=own).status_code == 201
    for step, body in (("suspend", {"reason": "检查"}), ("resume", {}), ("mend", {})):
        done = api.client.post(f"/members/mall/{step}", json=body, headers=own)
        assert done.status_code == 200, (step, done.text)
        assert done.json()["steps"]
    page = api.client.get("/console/members/mall").text
    assert made.json()["key_id"] in page and "/revoke" in page
    revoked = api.client.post(f"/keys/{made.json()['key_id']}/revoke", headers=own)
    assert revoked.status_code == 200
    entry = {
        "entry_id": "c-1",
        "list_type": "BLACKLIST",
        "category": "COUNTERFEIT",
        "subject_name": "某店",
        "uscc": uscc(40),
        "authority": "某局",
        "document_no": "某文1号",
        "province": "浙江省",
        "city": "",  # the form sends it empty (data-empty): the file's rules want the key
        "listed_at": "2026-11-20",
    }
    added = api.client.post("/lists/entries", json=entry, headers=own)  # the add form's shape
    assert added.status_code == 201, added.text
    missing = api.client.post("/lists/entries", json={"entry_id": "c-2"}, headers=own)
    assert missing.status_code == 422 and missing.json()["error"]["detail"]["problems"]
