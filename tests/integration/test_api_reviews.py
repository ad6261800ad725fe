"""The review-queue and link routes on both stores, over data the real pipeline made: signals go
through hub.pipeline.effects.apply_batch (links with provenance, evidence, presences, a bridge
review), and two blacklisted entries go OVERDUE through the API (sanctions awaiting
confirmation). Readers list and read the items with their evidence; operators confirm and
dismiss them once (then 409) and withdraw links, which splits a cluster and lifts exactly the
instructions it supported; auditors read only, members not at all, and refused values are
never echoed."""

import dataclasses
import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from alliance_connector.identifiers import Identifier, IdentifierScheme
from alliance_connector.messages import (
    CreditSignal,
    Evidence,
    ListType,
    ObservedWindow,
    Severity,
    SignalCategory,
)
from hub.domain.lists import ListStatus
from hub.lists.reviews import decide_review
from hub.pipeline.effects import apply_batch
from hub.pipeline.messages import AcceptedSignal, CheckedRecord
from hub.policy.loading import default_policy
from hub.sanctions.index import IndexedEntry, ListIndex
from hub.store.reviews import NewReview, ReviewKind, open_reviews, review_id
from hub.store.schema import (
    instructions,
    list_entry_identifiers,
    parcel_correlations,
    reviews,
    subject_identifiers,
)
from tests.integration.test_api import Api, bearer
from tests.integration.test_api_entries import STORES, move, store_api, uscc

S = IdentifierScheme
ORDER_TOKEN = "tk1:" + "ab" * 32
A_MOBILE = "13812345678"  # what a reason must never carry, nor an error echo


def signal(reporter: str, category: SignalCategory, *ids: tuple[S, str], waybill: str = "") -> Any:
    now = datetime.now(UTC)
    return CreditSignal(
        uuid.uuid4(),
        reporter,
        now,
        ObservedWindow(now - timedelta(days=3), now),
        category,
        tuple(Identifier(scheme, value) for scheme, value in ids),
        Evidence(3, 12_000, (ORDER_TOKEN,), (waybill,) if waybill else (), "三单同址"),
        Severity.HIGH,
    )


@dataclass
class Queue:
    """The test's alliance: its API, the signals it sent and the review items they opened."""

    api: Api
    signals: dict[str, CreditSignal]
    bridge: str  # mall named blacklisted le-01 with social's store 7 (the bridge attack)
    mall_exposure: str  # le-01 OVERDUE: public exposure at mall awaits confirmation
    social_exposure: str  # le-02 OVERDUE: public exposure at social awaits confirmation

    def post(self, path: str, body: dict[str, Any], who: str = "operator") -> Any:
        return self.api.client.post(path, json=body, headers=bearer(self.api, who))

    def cluster(self, scheme: str, value: str) -> str:
        with self.api.engine.connect() as connection:
            found = connection.scalar(
                sa.select(subject_identifiers.c.cluster_id).where(
                    subject_identifiers.c.scheme == scheme, subject_identifiers.c.value == value
                )
            )
        assert found is not None
        return str(found)

    def instructions(self, entry_id: str, member: str) -> dict[str, str]:
        """instruction id -> action of the entry's instructions at the member (LIFTs too)."""
        t = instructions.c
        with self.api.engine.connect() as connection:
            rows = connection.execute(
                sa.select(t.instruction_id, t.action).where(
                    t.entry_id == entry_id, t.target_member == member
                )
            )
            return {r.instruction_id: r.action for r in rows}


def _indexed(entry_id: str, n: int) -> IndexedEntry:
    category = SignalCategory.COUNTERFEIT
    status = ListStatus.LISTED
    return IndexedEntry(
        entry_id, 1, ListType.BLACKLIST, category, status, frozenset({("USCC", uscc(n))})
    )


def build_queue(url: str) -> Queue:
    """store_api's entries (le-01 and le-02 are blacklisted), then four signals through the
    pipeline and both entries OVERDUE."""
    api = store_api(url)
    index = ListIndex()
    index.put(_indexed("le-01", 1))
    index.put(_indexed("le-02", 2))
    cat = SignalCategory
    signals = {
        "mall_presence": signal("mall", cat.PRESENCE, (S.USCC, uscc(1)), (S.STORE, "mall:store:1")),
        "social_b": signal("social", cat.PRESENCE, (S.USCC, uscc(50)), (S.STORE, "social:store:7")),
        "attack": signal(
            "mall",
            cat.FAKE_TRANSACTION,
            (S.USCC, uscc(1)),
            (S.STORE, "social:store:7"),
            waybill="sf:SF1234567",
        ),
        "social_le02": signal(
            "social", cat.PRESENCE, (S.USCC, uscc(2)), (S.STORE, "social:store:8")
        ),
    }
    now = datetime.now(UTC)
    records = [
        CheckedRecord(f"alliance.signals.{s.reporter}", 0, n, now, None, AcceptedSignal(s))
        for n, s in enumerate(signals.values())
    ]
    with api.engine.begin() as connection:
        effects = apply_batch(connection, records, index, default_policy(), now)
    assert effects.accepted == 4
    for entry_id in ("le-01", "le-02"):
        move(api, entry_id, "OVERDUE", "逾期未整改")
    link = sorted([("STORE", "social:store:7"), ("USCC", uscc(1))])
    exposure = "PUBLIC_EXPOSURE"
    return Queue(
        api,
        signals,
        review_id(ReviewKind.BRIDGE, *link[0], *link[1]),
        review_id(ReviewKind.SANCTION, "le-01", "mall", exposure),
        review_id(ReviewKind.SANCTION, "le-02", "social", exposure),
    )


@pytest.fixture
def queue(fresh_database_url: str) -> Iterator[Queue]:
    built = build_queue(fresh_database_url)
    yield built
    built.api.engine.dispose()


def listed(queue: Queue, query: str, who: str = "operator") -> list[str]:
    status, body = queue.api.get(f"/reviews?{query}", who)
    assert status == 200, body
    return [r["review_id"] for r in body["reviews"]]


@STORES
def test_the_queue_lists_every_open_item_and_pages_through_it(queue: Queue) -> None:
    status, body = queue.api.get("/reviews", "auditor")
    assert status == 200 and body["total"] == 3 and body["next"] is None
    items = body["reviews"]
    assert {r["review_id"] for r in items} == {
        queue.bridge,
        queue.mall_exposure,
        queue.social_exposure,
    }
    assert [(r["due_at"], r["review_id"]) for r in items] == sorted(
        (r["due_at"], r["review_id"]) for r in items
    )
    assert listed(queue, "kind=BRIDGE") == [queue.bridge]
    assert set(listed(queue, "kind=SANCTION")) == {queue.mall_exposure, queue.social_exposure}
    assert listed(queue, "state=DISMISSED") == []
    seen, cursor = [], ""
    while True:
        status, page = queue.api.get(f"/reviews?limit=1&cursor={cursor}", "operator")
        assert status == 200 and page["total"] == 3 and len(page["reviews"]) == 1
        seen += [r["review_id"] for r in page["reviews"]]
        if page["next"] is None:
            break
        cursor = page["next"]
    assert seen == [r["review_id"] for r in items]
    for bad in ("state=SECRET_STATE", "kind=SECRET_KIND", "cursor=%21%21SECRET"):
        status, refused = queue.api.get(f"/reviews?{bad}", "operator")
        assert status in (400, 422) and "SECRET" not in json.dumps(refused)
    assert queue.api.get("/reviews", "mall")[0] == 403
    assert queue.api.client.get("/reviews").status_code == 401


@STORES
def test_each_item_is_read_with_what_it_rests_on(queue: Queue) -> None:
    status, bridge = queue.api.get(f"/reviews/{queue.bridge}", "auditor")
    assert status == 200 and bridge["kind"] == "BRIDGE" and bridge["state"] == "OPEN"
    attack = queue.signals["attack"]
    (held,) = bridge["assertions"]
    assert (held["asserted_by"], held["signal_id"], held["kind"], held["held"]) == (
        "mall",
        str(attack.signal_id),
        "mention",
        True,
    )
    ends = {
        (held["a"]["value"], held["a"]["cluster_id"]),
        (held["b"]["value"], held["b"]["cluster_id"]),
    }
    assert ends == {
        ("social:store:7", queue.cluster("STORE", "social:store:7")),
        (uscc(1), queue.cluster("USCC", uscc(1))),
    }
    assert queue.cluster("STORE", "social:store:7") != queue.cluster("USCC", uscc(1))
    (evidence,) = bridge["evidence"]
    assert evidence["signal_id"] == str(attack.signal_id) and evidence["reporter"] == "mall"
    assert evidence["waybill_refs"] == ["sf:SF1234567"] and evidence["order_refs"] == [ORDER_TOKEN]
    assert (evidence["order_count"], evidence["amount_fen"], evidence["severity"]) == (
        3,
        12_000,
        "HIGH",
    )
    # The subject evidence route's shape: the window nested, no cluster (the item has it).
    window = {k: datetime.fromisoformat(v) for k, v in evidence["window"].items()}
    assert window == {"start": attack.observed_window.start, "end": attack.observed_window.end}
    assert "cluster_id" not in evidence and "window_start" not in evidence
    assert bridge["entry"] is None and bridge["correlations"] == []
    status, sanction = queue.api.get(f"/reviews/{queue.mall_exposure}", "operator")
    assert status == 200 and sanction["kind"] == "SANCTION"
    assert (sanction["member_id"], sanction["action"]) == ("mall", "PUBLIC_EXPOSURE")
    assert sanction["entry"] == {
        "entry_id": "le-01",
        "list_type": "BLACKLIST",
        "category": "COUNTERFEIT",
        "status": "OVERDUE",
        "subject_name": "某某网店1",
    }
    missing = queue.api.get("/reviews/rev-SECRET-nowhere", "operator")
    assert missing[0] == 404 and missing[1]["error"]["code"] == "not_found"
    assert "SECRET" not in json.dumps(missing[1])
    assert queue.api.get(f"/reviews/{queue.bridge}", "social")[0] == 403


@STORES
def test_a_candidate_is_read_with_its_cluster_evidence_and_parcel_correlations(
    queue: Queue,
) -> None:
    cluster = queue.cluster("USCC", uscc(50))
    now = datetime.now(UTC)
    candidate = review_id(ReviewKind.CANDIDATE, cluster)
    social = queue.signals["social_b"]
    with queue.api.engine.begin() as connection:
        detail = {"reporters": ["social"]}
        item = NewReview(candidate, ReviewKind.CANDIDATE, detail, now + timedelta(2), cluster)
        open_reviews(connection, [item], now)
        connection.execute(
            parcel_correlations.insert().values(
                platform_reporter="social",
                platform_signal=str(social.signal_id),
                logistics_reporter="mall",
                logistics_signal=str(uuid.uuid4()),
                cluster_id=cluster,
                waybills=2,
                correlated_at=now,
            )
        )
    status, body = queue.api.get(f"/reviews/{candidate}", "auditor")
    assert status == 200 and body["kind"] == "CANDIDATE" and body["cluster_id"] == cluster
    assert [e["signal_id"] for e in body["evidence"]] == [str(social.signal_id)]
    assert body["evidence"][0]["subject"] == [
        {"scheme": "USCC", "value": uscc(50)},
        {"scheme": "STORE", "value": "social:store:7"},
    ]
    assert [(c["platform_signal"], c["waybills"]) for c in body["correlations"]] == [
        (str(social.signal_id), 2)
    ]
    assert "cluster_id" not in body["correlations"][0]  # the candidate names its cluster
    assert body["assertions"] == [] and body["entry"] is None


@STORES
def test_confirming_the_bridge_sanctions_the_store_owner_only_then(queue: Queue) -> None:
    assert queue.instructions("le-01", "social") == {}  # the attack alone reached no one
    done = queue.post(f"/reviews/{queue.bridge}/confirm", {"reason": "两店同一经营者, 已核实"})
    assert done.status_code == 200, done.text
    decision = done.json()
    assert decision["state"] == "CONFIRMED" and decision["lifted"] == []
    at_social = queue.instructions("le-01", "social")
    assert decision["issued"] and set(decision["issued"]) <= set(at_social)
    assert "PUBLIC_EXPOSURE" not in at_social.values()  # it waits for its own confirmation
    assert queue.cluster("STORE", "social:store:7") == queue.cluster("USCC", uscc(1))
    status, read = queue.api.get(f"/reviews/{queue.bridge}", "auditor")
    assert read["state"] == "CONFIRMED" and read["decided_by"].startswith("api:")
    assert read["decision_reason"] == "两店同一经营者, 已核实"
    assert listed(queue, "state=CONFIRMED") == [queue.bridge]
    for again in ("confirm", "dismiss"):
        twice = queue.post(f"/reviews/{queue.bridge}/{again}", {"reason": "再次"})
        assert twice.status_code == 409 and twice.json()["error"]["code"] == "conflict"
    assert queue.instructions("le-01", "social") == at_social


@STORES
def test_dismissals_issue_nothing_and_a_confirmed_sanction_is_issued(queue: Queue) -> None:
    dismissed = queue.post(f"/reviews/{queue.bridge}/dismiss", {"reason": "商户无关联"})
    assert dismissed.status_code == 200, dismissed.text
    assert dismissed.json() == {
        "review_id": queue.bridge,
        "state": "DISMISSED",
        "issued": [],
        "lifted": [],
        "entry_id": None,
    }
    assert queue.instructions("le-01", "social") == {}
    before = queue.instructions("le-01", "mall")
    assert "PUBLIC_EXPOSURE" not in before.values()
    confirmed = queue.post(f"/reviews/{queue.mall_exposure}/confirm", {"reason": "逾期, 曝光"})
    assert confirmed.status_code == 200, confirmed.text
    (issued,) = confirmed.json()["issued"]
    assert confirmed.json()["entry_id"] == "le-01"
    assert queue.instructions("le-01", "mall") == before | {issued: "PUBLIC_EXPOSURE"}
    kept = queue.instructions("le-02", "social")
    no = queue.post(f"/reviews/{queue.social_exposure}/dismiss", {"reason": "已下架"})
    assert no.status_code == 200 and no.json()["state"] == "DISMISSED" and no.json()["issued"] == []
    assert queue.instructions("le-02", "social") == kept
    assert "PUBLIC_EXPOSURE" not in kept.values()
    assert listed(queue, "") == []


@STORES
def test_decisions_refused_leave_the_item_open(queue: Queue) -> None:
    url = f"/reviews/{queue.mall_exposure}/confirm"
    personal = queue.post(url, {"reason": f"联系人 {A_MOBILE}"})
    assert personal.status_code == 422 and personal.json()["error"]["code"] == "invalid_value"
    assert A_MOBILE not in personal.text
    for body in (
        {"reason": ""},
        {"reason": "x" * 2001},
        {},
        {"reason": "x", "list_type": "SECRET"},
    ):
        refused = queue.post(url, body)
        assert refused.status_code == 422 and "SECRET" not in refused.text
    option = queue.post(url, {"reason": "x", "list_type": "BLACKLIST"})  # only candidates take one
    assert option.status_code == 422 and option.json()["error"]["code"] == "invalid_value"
    for who in ("auditor", "mall"):
        forbidden = queue.post(url, {"reason": "x"}, who)
        assert forbidden.status_code == 403 and forbidden.json()["error"]["code"] == "forbidden"
    unknown = queue.post("/reviews/rev-SECRET/dismiss", {"reason": "x"})
    assert unknown.status_code == 404 and "SECRET" not in unknown.text
    assert queue.api.get(f"/reviews/{queue.mall_exposure}", "operator")[1]["state"] == "OPEN"
    assert "PUBLIC_EXPOSURE" not in queue.instructions("le-01", "mall").values()


@STORES
def test_a_cookie_write_without_the_csrf_token_is_refused(queue: Queue) -> None:
    opened = queue.api.client.post("/session", json={"token": queue.api.tokens["operator"]})
    assert opened.status_code == 204
    for path, body in (
        (f"/reviews/{queue.bridge}/confirm", {"reason": "x"}),
        ("/links/withdraw", {"member": "social", "reason": "x"}),
    ):
        refused = queue.api.client.post(path, json=body)
        assert refused.status_code == 403 and "X-CSRF-Token" in refused.json()["error"]["message"]
    assert queue.api.client.get(f"/reviews/{queue.bridge}").json()["state"] == "OPEN"


@STORES
def test_withdrawing_a_signal_splits_its_cluster_and_lifts_what_it_supported(
    queue: Queue,
) -> None:
    cluster = queue.cluster("USCC", uscc(2))
    status, links = queue.api.get(f"/links?cluster_id={cluster}", "auditor")
    assert status == 200 and links["entries"] == [
        {"entry_id": "le-02", "list_type": "BLACKLIST", "status": "OVERDUE"}
    ]
    assert [(a["asserted_by"], a["kind"], a["state"]) for a in links["assertions"]] == [
        ("social", "strong", "joining")
    ]
    before = queue.instructions("le-02", "social")
    blocked = {i for i, action in before.items() if action == "BLOCK_STORE"}
    assert len(blocked) == 1 and "RESTRICT_MEMBERSHIP" in before.values()
    signal_id = str(queue.signals["social_le02"].signal_id)
    body = {"member": "social", "signal_id": signal_id, "reason": "成员撤回: 店铺已转让"}
    done = queue.post("/links/withdraw", body)
    assert done.status_code == 200, done.text
    withdrawal = done.json()
    assert withdrawal["assertions"] == 1 and withdrawal["issued"] == []
    (split,) = withdrawal["splits"]
    assert split["cluster_id"] == cluster and len(split["into"]) == 2
    assert queue.cluster("USCC", uscc(2)) != queue.cluster("STORE", "social:store:8")
    after = queue.instructions("le-02", "social")
    lifts = {i for i in after if i not in before}
    assert lifts == set(withdrawal["lifted"]) and len(lifts) == 1
    t = instructions.c
    with queue.api.engine.connect() as connection:
        lifted = connection.execute(
            sa.select(t.action, t.supersedes, t.trigger_ref).where(t.instruction_id.in_(lifts))
        ).one()
    assert (lifted.action, lifted.supersedes) == ("LIFT", blocked.pop())
    assert lifted.trigger_ref == withdrawal["withdrawal_id"]  # the lift names the withdrawal
    status, gone = queue.api.get(f"/links?cluster_id={split['cluster_id']}", "operator")
    assert [a["state"] for a in gone["assertions"]] == ["withdrawn"]
    assert gone["assertions"][0]["withdrawal_id"] == withdrawal["withdrawal_id"]
    again = queue.post("/links/withdraw", body)
    assert again.status_code == 404 and again.json()["error"]["code"] == "not_found"


@STORES
def test_one_link_of_one_signal_is_withdrawn_and_bad_withdrawals_are_refused(
    queue: Queue,
) -> None:
    attack = str(queue.signals["attack"].signal_id)
    store7 = {"scheme": "STORE", "value": "social:store:7"}
    link = [{"scheme": "USCC", "value": uscc(1)}, store7]
    cases: list[tuple[dict[str, Any], int]] = [
        ({"member": "SECRET-nobody", "reason": "x"}, 404),
        ({"member": "mall", "link": link, "reason": "x"}, 422),  # a link needs its signal
        ({"member": "mall", "signal_id": attack, "link": [store7], "reason": "x"}, 422),
        ({"member": "mall", "signal_id": attack, "reason": "身份证 11010519491231002X"}, 422),
        ({"member": "mall", "signal_id": "SECRET-no-such-signal", "reason": "x"}, 404),
        (
            {
                "member": "mall",
                "signal_id": attack,
                "link": [store7, {"scheme": "MOBILE", "value": A_MOBILE}],
                "reason": "x",
            },
            422,
        ),
    ]
    for body, status in cases:
        refused = queue.post("/links/withdraw", body)
        assert refused.status_code == status, (body, refused.text)
        assert "SECRET" not in refused.text and "11010519491231002X" not in refused.text
        assert A_MOBILE not in refused.text
    for who in ("auditor", "social"):
        assert (
            queue.post("/links/withdraw", {"member": "mall", "reason": "x"}, who).status_code == 403
        )
    assert queue.api.get(f"/links?cluster_id={queue.cluster('USCC', uscc(1))}", "mall")[0] == 403
    missing = queue.api.get("/links?cluster_id=SECRET-cluster", "auditor")
    assert missing[0] == 404 and "SECRET" not in json.dumps(missing[1])
    body = {"member": "mall", "signal_id": attack, "link": link, "reason": "误报"}
    done = queue.post("/links/withdraw", body)
    assert done.status_code == 200, done.text
    assert done.json()["assertions"] == 1 and done.json()["splits"] == []
    status, bridge = queue.api.get(f"/reviews/{queue.bridge}", "operator")
    (withdrawn,) = bridge["assertions"]
    assert withdrawn["withdrawn_at"] is not None
    assert withdrawn["withdrawal_id"] == done.json()["withdrawal_id"]
    status, links = queue.api.get(f"/links?cluster_id={queue.cluster('USCC', uscc(1))}", "operator")
    states = {(a["signal_id"], a["state"]) for a in links["assertions"]}
    assert (attack, "withdrawn") in states
    assert (str(queue.signals["mall_presence"].signal_id), "joining") in states


@STORES
def test_withdrawing_an_operators_confirmation_splits_the_bridge_again(queue: Queue) -> None:
    done = queue.post(f"/reviews/{queue.bridge}/confirm", {"reason": "同一经营者"})
    assert done.status_code == 200, done.text
    issued = set(done.json()["issued"])
    assert issued and issued <= set(queue.instructions("le-01", "social"))
    merged = queue.cluster("USCC", uscc(1))
    assert queue.cluster("STORE", "social:store:7") == merged
    status, links = queue.api.get(f"/links?cluster_id={merged}", "operator")
    (confirmed,) = [a for a in links["assertions"] if a["kind"] == "confirmed"]
    assert (confirmed["asserted_by"], confirmed["signal_id"]) == ("operator", queue.bridge)
    assert confirmed["state"] == "joining"
    body = {"member": "operator", "signal_id": queue.bridge, "reason": "复核: 并非同一经营者"}
    undone = queue.post("/links/withdraw", body)
    assert undone.status_code == 200, undone.text
    assert undone.json()["assertions"] == 1 and len(undone.json()["splits"]) == 1
    assert queue.cluster("STORE", "social:store:7") != queue.cluster("USCC", uscc(1))
    at_social = queue.instructions("le-01", "social")
    lifts = set(at_social) - issued
    assert lifts == set(undone.json()["lifted"])
    t = instructions.c
    with queue.api.engine.connect() as connection:
        superseded = set(
            connection.scalars(sa.select(t.supersedes).where(t.instruction_id.in_(lifts)))
        )
    assert superseded == issued  # exactly what the confirmation had issued, nothing of mall's
    assert "LIFT" not in queue.instructions("le-01", "mall").values()


@STORES
def test_a_confirmed_candidate_ties_no_member_through_another_members_weak_link(
    fresh_database_url: str,
) -> None:
    """mall alone corroborates a weak link from its store to a mobile token that social holds
    with its own store; a candidate about mall's store is then confirmed and overdue. The new
    entry names what the reporters said the subject is, so nothing reaches social."""
    api = store_api(fresh_database_url)
    policy = default_policy()
    policy = dataclasses.replace(
        policy, safeguards=dataclasses.replace(policy.safeguards, candidate_members=2)
    )
    mobile = "tk1:" + "cd" * 32
    cat = SignalCategory
    sent = [
        signal("social", cat.PRESENCE, (S.STORE, "social:store:7"), (S.MOBILE, mobile)),
        signal("mall", cat.FAKE_TRANSACTION, (S.STORE, "mall:store:1"), (S.MOBILE, mobile)),
        signal("mall", cat.FAKE_TRANSACTION, (S.STORE, "mall:store:1"), (S.MOBILE, mobile)),
        signal("social", cat.FAKE_TRANSACTION, (S.STORE, "mall:store:1")),
    ]
    now = datetime.now(UTC)
    for n, s in enumerate(sent):
        record = CheckedRecord(f"alliance.signals.{s.reporter}", 0, n, now, None, AcceptedSignal(s))
        with api.engine.begin() as connection:
            apply_batch(connection, [record], ListIndex(), policy, now)
    with api.engine.begin() as connection:
        candidate = connection.scalar(
            sa.select(reviews.c.review_id).where(reviews.c.kind == str(ReviewKind.CANDIDATE))
        )
        assert candidate is not None
        decision = decide_review(
            connection, candidate, True, "op", "two platforms agree", policy, now
        )
    assert decision.entry_id is not None
    move(api, decision.entry_id, "OVERDUE", "逾期未整改")
    with api.engine.connect() as connection:
        named = connection.execute(
            sa.select(list_entry_identifiers.c.scheme, list_entry_identifiers.c.value).where(
                list_entry_identifiers.c.entry_id == decision.entry_id
            )
        ).all()
        targets = set(
            connection.scalars(
                sa.select(instructions.c.target_member).where(
                    instructions.c.entry_id == decision.entry_id
                )
            )
        )
    assert [tuple(r) for r in named] == [("STORE", "mall:store:1")]
    assert targets == {"mall"}  # mall tied its own store; social tied nothing to it
    api.engine.dispose()
