"""Credit repair (信用修复) through the API on both stores: an application needs a signed
commitment, the served period and evidence digests; approval moves the entry to the policy's
status for its list and lifts its sanctions, refusal records the reason and changes nothing
else; every step is a ledger row, and only operators write."""

import dataclasses
import json
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa

from hub.policy.loading import default_policy
from hub.store.schema import ledger, list_entries
from tests.integration.test_api import Api, bearer
from tests.integration.test_api_entries import STORES, move, store_api

DIGEST = "cd" * 32


@pytest.fixture
def api(fresh_database_url: str) -> Iterator[Api]:
    built = store_api(fresh_database_url)
    yield built
    built.engine.dispose()


def post(api: Api, path: str, body: dict[str, Any], who: str = "operator") -> Any:
    return api.client.post(path, json=body, headers=bearer(api, who))


def status_of(api: Api, entry_id: str) -> str:
    with api.engine.connect() as connection:
        found = connection.scalar(
            sa.select(list_entries.c.status).where(list_entries.c.entry_id == entry_id)
        )
    return str(found)


def kinds(api: Api) -> list[tuple[str, dict[str, Any]]]:
    with api.engine.connect() as connection:
        rows = connection.execute(
            sa.select(ledger.c.kind, ledger.c.body)
            .where(ledger.c.kind.like("REPAIR_%"))
            .order_by(ledger.c.seq)
        ).all()
    return [(r.kind, json.loads(r.body)) for r in rows]


def short_periods(api: Api) -> None:
    """The served period down to a month: the seeds were listed in October 2026."""
    policy = default_policy()
    safeguards = dataclasses.replace(
        policy.safeguards, repair_blacklist_months=1, repair_watchlist_months=1
    )
    app = api.client.app
    app.state.policy = dataclasses.replace(policy, safeguards=safeguards)  # type: ignore[attr-defined]


@STORES
def test_an_application_needs_commitment_period_and_evidence(api: Api) -> None:
    apply = {"evidence": [DIGEST], "statement": "已下架全部涉事商品"}
    move(api, "le-05", "NOTIFIED", "送达")
    not_yet = post(api, "/entries/le-05/repairs", apply)
    assert not_yet.status_code == 422 and "COMMITTED" in not_yet.text  # NOTIFIED only
    move(api, "le-05", "COMMITTED", "已签承诺书")
    served = post(api, "/entries/le-05/repairs", apply)  # a blacklisting serves 12 months
    assert served.status_code == 422 and "12 months" in served.text
    short_periods(api)
    assert post(api, "/entries/le-05/repairs", {"evidence": []}).status_code == 422
    assert post(api, "/entries/le-05/repairs", apply, "mall").status_code == 403
    assert post(api, "/entries/le-05/repairs", apply, "auditor").status_code == 403
    assert post(api, "/entries/le-99/repairs", apply).status_code == 404
    applied = post(api, "/entries/le-05/repairs", apply)
    assert applied.status_code == 201, applied.text
    assert applied.json()["state"] == "APPLIED" and applied.json()["evidence"] == [DIGEST]
    again = post(api, "/entries/le-05/repairs", apply)
    assert again.status_code == 422 and "open already" in again.text
    assert kinds(api) == [
        ("REPAIR_APPLIED", {"repair_id": applied.json()["repair_id"], "entry_id": "le-05"})
    ]


@STORES
def test_approval_moves_per_list_and_refusal_changes_nothing(api: Api) -> None:
    short_periods(api)
    apply = {"evidence": [DIGEST]}
    for entry_id in ("le-05", "le-06", "le-03"):  # blacklist, watchlist, watchlist
        move(api, entry_id, "NOTIFIED", "送达")
        move(api, entry_id, "COMMITTED", "已签承诺书")
    ids = {
        e: post(api, f"/entries/{e}/repairs", apply).json()["repair_id"]
        for e in ("le-05", "le-06", "le-03")
    }
    black = post(api, f"/repairs/{ids['le-05']}/approve", {"reason": "整改到位"})
    assert black.status_code == 200, black.text
    assert (
        black.json()["repair"]["to_status"] == "RECTIFIED"
        and status_of(api, "le-05") == "RECTIFIED"
    )
    watch = post(api, f"/repairs/{ids['le-06']}/approve", {"reason": "整改到位"})
    assert (
        watch.json()["repair"]["to_status"] == "DELISTED" and status_of(api, "le-06") == "DELISTED"
    )
    assert post(api, f"/repairs/{ids['le-03']}/approve", {"reason": "x"}, "mall").status_code == 403
    refused = post(api, f"/repairs/{ids['le-03']}/refuse", {"reason": "证明材料不足"})
    assert refused.status_code == 200 and refused.json()["repair"]["state"] == "REFUSED"
    assert refused.json()["repair"]["decision_reason"] == "证明材料不足"
    assert status_of(api, "le-03") == "COMMITTED"
    twice = post(api, f"/repairs/{ids['le-03']}/approve", {"reason": "再议"})
    assert twice.status_code == 409
    assert [k for k, _ in kinds(api)] == ["REPAIR_APPLIED"] * 3 + [
        "REPAIR_APPROVED",
        "REPAIR_APPROVED",
        "REPAIR_REFUSED",
    ]
    assert kinds(api)[3][1] == {"repair_id": ids["le-05"], "entry_id": "le-05", "to": "RECTIFIED"}
    status, listed = api.get("/repairs?state=APPROVED", "auditor")
    assert status == 200 and {r["entry_id"] for r in listed} == {"le-05", "le-06"}
    assert api.get("/repairs", "mall")[0] == 403
