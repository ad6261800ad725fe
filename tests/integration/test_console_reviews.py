"""The console's 审核队列 / Review queue and 关联 / Links pages through TestClient, over
test_api_reviews' queue (made by the real pipeline): every item shows its kind, due date and
evidence, operators get confirm and dismiss forms (candidates with list and category), auditors
the same page without one; the links page lists a cluster's assertions with their state and
withdraw buttons; every form posts to an API route, and through the cookie only with the
page's CSRF token."""

import re
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone

import pytest

from hub.store.reviews import NewReview, ReviewKind, open_reviews, review_id
from tests.integration.test_api_entries import STORES, uscc
from tests.integration.test_api_reviews import ORDER_TOKEN, Queue, build_queue
from tests.integration.test_console_pages import sign_in


@pytest.fixture
def queue(fresh_database_url: str) -> Iterator[Queue]:
    """build_queue's items, and a listing candidate about the unlisted company of store 7."""
    built = build_queue(fresh_database_url)
    now = datetime.now(UTC)
    cluster = built.cluster("USCC", uscc(50))
    with built.api.engine.begin() as connection:
        item = NewReview(
            review_id(ReviewKind.CANDIDATE, cluster),
            ReviewKind.CANDIDATE,
            {"reporters": ["social"]},
            now + timedelta(days=5),
            cluster,
        )
        open_reviews(connection, [item], now)
    yield built
    built.api.engine.dispose()


def sections(html: str) -> dict[str, str]:
    """review id -> its section of the page."""
    found = re.findall(r'<section class="review" data-review="([^"]+)"(.*?)</section>', html, re.S)
    return dict(found)


@STORES
def test_the_queue_shows_each_item_with_its_evidence_and_forms_for_operators(
    queue: Queue,
) -> None:
    sign_in(queue.api, "operator")
    page = queue.api.client.get("/console/reviews")
    assert page.status_code == 200, page.text[:400]
    assert 'id="review-total">4<' in page.text
    items = sections(page.text)
    candidate = review_id(ReviewKind.CANDIDATE, queue.cluster("USCC", uscc(50)))
    assert set(items) == {queue.bridge, queue.mall_exposure, queue.social_exposure, candidate}
    for tab in ("上榜候选 / Listing candidates", "关联桥接 / Bridging links", "待确认惩戒"):
        assert tab in page.text
    bridge = items[queue.bridge]
    assert 'data-kind="BRIDGE"' in bridge and "到期 / Due" in bridge
    assert str(queue.signals["attack"].signal_id) in bridge and "sf:SF1234567" in bridge
    assert ORDER_TOKEN in bridge and "social:store:7" in bridge
    assert f"/console/links?cluster_id={queue.cluster('STORE', 'social:store:7')}" in bridge
    # The evidence row's window (nested in the API's shape), shown in China time.
    start = queue.signals["attack"].observed_window.start.astimezone(timezone(timedelta(hours=8)))
    assert f"<td>{start:%Y-%m-%d %H:%M}</td>" in bridge
    sanction = items[queue.mall_exposure]
    assert "PUBLIC_EXPOSURE" in sanction and 'href="/console/lists/le-01"' in sanction
    assert "OVERDUE" in sanction
    assert str(queue.signals["social_b"].signal_id) in items[candidate]
    for rid, html in items.items():
        posts = re.findall(r'<form data-post="([^"]+)"', html)
        assert posts == [f"/reviews/{rid}/confirm", f"/reviews/{rid}/dismiss"], rid
        assert ('name="list_type"' in html) == (rid == candidate)
        assert ('name="category"' in html) == (rid == candidate)
    only = sections(queue.api.client.get("/console/reviews?kind=BRIDGE").text)
    assert list(only) == [queue.bridge]
    assert sections(queue.api.client.get("/console/reviews?state=DISMISSED").text) == {}
    bad = queue.api.client.get("/console/reviews?kind=SECRET")
    assert bad.status_code == 422 and "SECRET" not in bad.text


@STORES
def test_auditors_see_the_queue_and_the_links_without_a_form(queue: Queue) -> None:
    sign_in(queue.api, "auditor")
    cluster = queue.cluster("USCC", uscc(1))
    for path in (
        "/console/reviews",
        "/console/reviews?kind=SANCTION",
        f"/console/links?cluster_id={cluster}",
    ):
        page = queue.api.client.get(path)
        assert page.status_code == 200 and "<form" not in page.text, path
        assert "审核队列 / Review queue" in page.text and "关联 / Links" in page.text
    assert len(sections(queue.api.client.get("/console/reviews").text)) == 4


@STORES
def test_the_links_page_lists_a_clusters_assertions_with_withdraw_buttons(queue: Queue) -> None:
    sign_in(queue.api, "operator")
    cluster = queue.cluster("USCC", uscc(1))
    page = queue.api.client.get(f"/console/links?cluster_id={cluster}").text
    assert f'<code id="cluster">{cluster}</code>' in page
    rows = re.findall(r'<tr data-state="([a-z]+)" data-signal="([^"]+)" data-by="([^"]+)">', page)
    assert sorted(rows) == sorted(
        [
            ("joining", str(queue.signals["mall_presence"].signal_id), "mall"),
            ("held", str(queue.signals["attack"].signal_id), "mall"),
        ]
    )
    assert page.count('<form data-withdraw="/links/withdraw"') == 2
    for scope in ("Withdraw this assertion", "Withdraw this signal's", "Withdraw this member's"):
        assert page.count(scope) == 2
    assert 'href="/console/lists/le-01"' in page
    assert "已关联 / joining" in page and "暂缓待审 / held for review" in page
    search = queue.api.client.get("/console/links")
    assert search.status_code == 200 and 'name="cluster_id"' in search.text
    missing = queue.api.client.get("/console/links?cluster_id=SECRET-nowhere").text
    (problem,) = re.findall(r'<div class="problem"[^>]*>(.*?)</div>', missing)
    assert "not_found" in problem and "SECRET" not in problem  # the box keeps what was typed


@STORES
def test_every_review_form_posts_to_an_api_route_and_the_cookie_needs_the_token(
    queue: Queue,
) -> None:
    csrf = sign_in(queue.api, "operator")
    cluster = queue.cluster("USCC", uscc(2))
    reviews = queue.api.client.get("/console/reviews").text
    links = queue.api.client.get(f"/console/links?cluster_id={cluster}").text
    posts = set(re.findall(r'<form data-post="([^"]+)"', reviews))
    posts |= set(re.findall(r'<form data-withdraw="([^"]+)"', links))
    schema = queue.api.client.get("/openapi.json").json()["paths"]
    writes = [
        re.compile("^" + re.sub(r"\{[^}]+\}", "[^/]+", path) + "$")
        for path, methods in schema.items()
        if "post" in methods
    ]
    assert "/links/withdraw" in posts and len(posts) == 9
    for post in posts:
        assert any(w.match(post) for w in writes), post
    url = f"/reviews/{queue.social_exposure}/dismiss"
    assert queue.api.client.post(url, json={"reason": "已下架"}).status_code == 403
    own = {"X-CSRF-Token": csrf, "Origin": "http://testserver"}
    foreign = {"X-CSRF-Token": csrf, "Origin": "http://evil.example"}
    assert queue.api.client.post(url, json={"reason": "x"}, headers=foreign).status_code == 403
    done = queue.api.client.post(url, json={"reason": "已下架"}, headers=own)
    assert done.status_code == 200 and done.json()["state"] == "DISMISSED"
    decided = sections(queue.api.client.get("/console/reviews?state=DISMISSED").text)
    assert list(decided) == [queue.social_exposure]
    assert (
        "已下架" in decided[queue.social_exposure] and "<form" not in decided[queue.social_exposure]
    )
    signal_id = str(queue.signals["social_le02"].signal_id)
    body = {"member": "social", "signal_id": signal_id, "reason": "撤回"}
    withdrawn = queue.api.client.post("/links/withdraw", json=body, headers=own)
    assert withdrawn.status_code == 200 and len(withdrawn.json()["splits"]) == 1
    after = queue.api.client.get(f"/console/links?cluster_id={cluster}").text
    assert 'data-state="withdrawn"' in after and "<form data-withdraw" not in after
    assert str(uuid.UUID(signal_id)) in after
