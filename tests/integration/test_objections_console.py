"""异议与信用修复 / Objections in the console, on both stores over test_api_reviews' queue:
operators file an objection through the page's form (the cookie and its CSRF token, digests
in one text field), see it with its decision forms and its documents, and decide it; the
receipt and reply render as the notices do; auditors get the page without a form; every
form posts to an API route."""

import re
from collections.abc import Iterator

import pytest

from tests.integration.test_api import bearer
from tests.integration.test_api_entries import STORES
from tests.integration.test_api_reviews import Queue, build_queue
from tests.integration.test_console_pages import sign_in

DIGESTS = f"{'ab' * 32} {'cd' * 32}"


@pytest.fixture
def queue(fresh_database_url: str) -> Iterator[Queue]:
    built = build_queue(fresh_database_url)
    yield built
    built.api.engine.dispose()


def posts(html: str) -> set[str]:
    return set(re.findall(r'<form data-post="([^"]+)"', html))


@STORES
def test_an_operator_files_and_decides_an_objection_on_the_page(queue: Queue) -> None:
    api = queue.api
    own = {"X-CSRF-Token": sign_in(api, "operator"), "Origin": "http://testserver"}
    page = api.client.get("/console/objections?entry_id=le-01")
    assert page.status_code == 200, page.text[:400]
    assert posts(page.text) == {"/entries/le-01/objections", "/entries/le-01/repairs"}
    assert "异议与信用修复 / Objections" in page.text  # in the nav
    body = {"filed_by": "subject", "grounds_kind": "WRONG_SUBJECT", "grounds": "非本企业店铺"}
    assert api.client.post("/entries/le-01/objections", json=body).status_code == 403
    filed = api.client.post(
        "/entries/le-01/objections", json=body | {"attachments": DIGESTS}, headers=own
    )
    assert filed.status_code == 201, filed.text
    objection = filed.json()["objection"]
    oid = objection["objection_id"]
    assert objection["attachments"] == DIGESTS.split()
    page = api.client.get("/console/objections?state=OPEN").text
    assert f'data-objection="{oid}"' in page
    assert {f"/objections/{oid}/uphold", f"/objections/{oid}/dismiss"} <= posts(page)
    receipt = api.client.get(f"/objections/{oid}/receipt.html")
    assert receipt.status_code == 200 and "异议受理通知书" in receipt.text
    assert "公开曝光措施暂停执行" in receipt.text
    assert api.client.get(f"/objections/{oid}/reply.html").status_code == 409
    dismissed = api.client.post(
        f"/objections/{oid}/dismiss", json={"reason": "不成立"}, headers=own
    )
    assert dismissed.status_code == 200, dismissed.text
    reply = api.client.get(f"/objections/{oid}/reply.html")
    assert reply.status_code == 200 and "异议不成立" in reply.text and "不成立" in reply.text
    assert f"/objections/{oid}/dismiss" not in posts(api.client.get("/console/objections").text)
    # Members read the documents of objections they filed only: this one was the subject's.
    member = api.client.get(f"/objections/{oid}/receipt.html", headers=bearer(api, "mall"))
    assert member.status_code == 404


@STORES
def test_auditors_see_the_page_without_a_form_and_forms_post_to_api_routes(queue: Queue) -> None:
    api = queue.api
    sign_in(api, "operator")
    filed = queue.post(
        "/entries/le-02/objections",
        {"filed_by": "social", "grounds_kind": "OTHER", "grounds": "请复核"},
    )
    assert filed.status_code == 201
    operator_page = api.client.get("/console/objections?entry_id=le-02").text
    schema = api.client.get("/openapi.json").json()["paths"]
    writes = [
        re.compile("^" + re.sub(r"\{[^}]+\}", "[^/]+", path) + "$")
        for path, methods in schema.items()
        if "post" in methods
    ]
    found = posts(operator_page)
    assert len(found) == 4
    for post in found:
        assert any(w.match(post) for w in writes), post
    sign_in(api, "auditor")
    page = api.client.get("/console/objections?entry_id=le-02")
    assert page.status_code == 200 and page.text.count("<form") == 0
    assert filed.json()["objection"]["objection_id"] in page.text
    assert api.client.get("/console/objections?entry_id=le-nowhere").status_code == 404
