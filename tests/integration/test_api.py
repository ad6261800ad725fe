"""The operator API on a real PostgreSQL store: tokens and roles, member confinement (another
member's data answers 404), one error shape, write limits, readiness."""

import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from importlib.resources import files
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import KafkaAdminClient
from kafka.structs import OffsetAndMetadata

from alliance_connector.messages import SignalCategory
from alliance_connector.signing import SigningKey
from hub.api.access import WriteLimiter
from hub.api.app import MAX_BODY_BYTES, create_app
from hub.api.tokens import issue_token
from hub.kafka.flows import FlowReader
from hub.kafka.topics import TopicSpec, ensure_topics
from hub.policy.loading import default_policy
from hub.store.engine import open_engine
from hub.store.members import register_member
from hub.store.migrate import upgrade
from hub.store.schema import (
    instructions,
    list_entries,
    presences,
    rejects,
    subject_identifiers,
)


def instruction_row(number: int, target: str, sent: bool = True) -> dict[str, object]:
    now = datetime.now(UTC)
    return {
        "instruction_id": f"ins-{number}",
        "target_member": target,
        "action": "RESTRICT_MEMBERSHIP",
        "subject": "[]",
        "entry_id": "e-1",
        "list_type": "BLACKLIST",
        "category": "FAKE_TRANSACTION",
        "legal_basis": "发改财金〔2018〕716号",
        "issued_at": now - timedelta(hours=number),
        "sent_at": now if sent else None,
    }


class Api:
    def __init__(self, url: str, bootstrap: str) -> None:
        self.engine = open_engine(url)
        upgrade(self.engine)
        now = datetime.now(UTC)
        with self.engine.begin() as connection:
            for member in ("mall", "social"):
                register_member(connection, member, "platform", member, list(SignalCategory), now)
            self.tokens = {
                "operator": issue_token(connection, "operator", None, "op", now),
                "auditor": issue_token(connection, "auditor", None, "audit", now),
                "mall": issue_token(connection, "member", "mall", "mall", now),
                "social": issue_token(connection, "member", "social", "social", now),
            }
            connection.execute(
                instructions.insert(),
                [instruction_row(1, "mall"), instruction_row(2, "social", sent=False)],
            )
            connection.execute(
                rejects.insert(),
                [
                    {
                        "topic": f"alliance.signals.{member}",
                        "partition": 0,
                        "offset": n,
                        "member_id": member,
                        "reason": "BAD_SIGNATURE",
                        "detail": "signature does not verify",
                        "original": b"",
                        "rejected_at": now,
                    }
                    for n, member in enumerate(("mall", "social", "social"))
                ],
            )
        self.client = TestClient(create_app(self.engine, default_policy(), bootstrap))

    def get(self, path: str, who: str) -> tuple[int, Any]:
        response = self.client.get(path, headers={"Authorization": f"Bearer {self.tokens[who]}"})
        return response.status_code, response.json()


@pytest.fixture
def api(fresh_postgres_url: str, kafka_bootstrap: str) -> Iterator[Api]:
    built = Api(fresh_postgres_url, kafka_bootstrap)
    yield built
    built.engine.dispose()


def test_members_see_their_own_instructions_and_nothing_else(api: Api) -> None:
    status, body = api.get("/instructions", "mall")
    assert status == 200 and [i["instruction_id"] for i in body] == ["ins-1"]
    assert api.get("/instructions/ins-1", "mall")[0] == 200
    status, body = api.get("/instructions/ins-2", "mall")  # social's
    assert status == 404 and body == {
        "error": {"code": "not_found", "message": "no instruction has this id"}
    }
    assert api.get("/instructions?member=social", "mall")[0] == 404
    status, body = api.get("/instructions", "operator")
    assert status == 200 and len(body) == 2
    status, body = api.get("/instructions?status=unsent", "auditor")
    assert [i["instruction_id"] for i in body] == ["ins-2"]


def test_members_see_their_own_rejects(api: Api) -> None:
    status, body = api.get("/rejects", "social")
    assert status == 200 and {r["member_id"] for r in body} == {"social"}
    assert len(body) == 2
    assert "original" not in body[0]
    status, counts = api.get("/rejects/counts", "mall")
    assert counts == [{"member_id": "mall", "reason": "BAD_SIGNATURE", "count": 1}]
    assert api.get("/rejects?member=mall", "social")[0] == 404
    status, counts = api.get("/rejects/counts", "operator")
    assert sorted((c["member_id"], c["count"]) for c in counts) == [("mall", 1), ("social", 2)]


def test_tokens_and_roles(api: Api) -> None:
    assert api.client.get("/instructions").status_code == 401
    response = api.client.get("/instructions", headers={"Authorization": "Bearer ah_x_y"})
    assert response.status_code == 401 and response.json()["error"]["code"] == "unauthenticated"
    assert api.get("/members", "mall")[0] == 403
    status, body = api.get("/members", "auditor")
    assert status == 200 and [m["member_id"] for m in body] == ["mall", "social"]
    new = {"member_id": "express", "kind": "logistics", "display_name": "快递", "categories": []}
    for who in ("auditor", "mall"):
        headers = {"Authorization": f"Bearer {api.tokens[who]}"}
        assert api.client.post("/members", json=new, headers=headers).status_code == 403
    headers = {"Authorization": f"Bearer {api.tokens['operator']}"}
    assert api.client.post("/members", json=new, headers=headers).status_code == 201
    again = api.client.post("/members", json=new, headers=headers)
    assert again.status_code == 409 and again.json()["error"]["code"] == "conflict"
    bad = api.client.post("/members", json=new | {"kind": "bank"}, headers=headers)
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "invalid_request"


def test_writes_are_limited_in_size_and_rate(api: Api) -> None:
    api.client.app.state.write_limiter = WriteLimiter(rate=1, burst=3)  # type: ignore[attr-defined]
    headers = {"Authorization": f"Bearer {api.tokens['operator']}"}
    huge = json.dumps({"status": "NOTIFIED", "reason": "x" * (MAX_BODY_BYTES + 1)})
    response = api.client.post(
        "/lists/entries/e-1/status",
        content=huge,
        headers=headers | {"Content-Type": "application/json"},
    )
    assert response.status_code == 413 and response.json()["error"]["code"] == "too_large"
    statuses = [
        api.client.post(
            "/lists/entries/missing/status",
            json={"status": "NOTIFIED", "reason": "r"},
            headers=headers,
        ).status_code
        for _ in range(5)
    ]
    assert statuses[:3] == [404, 404, 404]  # within the burst: the entry does not exist
    assert 429 in statuses[3:]


def test_operators_move_list_entries_and_illegal_moves_are_409(api: Api) -> None:
    with api.engine.begin() as connection:
        connection.execute(
            list_entries.insert().values(
                entry_id="e-9",
                list_type="BLACKLIST",
                category="FAKE_TRANSACTION",
                status="LISTED",
                listed_at=datetime.now(UTC),
            )
        )
    headers = {"Authorization": f"Bearer {api.tokens['operator']}"}
    moved = api.client.post(
        "/lists/entries/e-9/status", json={"status": "NOTIFIED", "reason": "送达"}, headers=headers
    )
    assert moved.status_code == 200 and moved.json()["after"] == "NOTIFIED"
    illegal = api.client.post(
        "/lists/entries/e-9/status", json={"status": "LISTED", "reason": "back"}, headers=headers
    )
    assert illegal.status_code == 409
    assert illegal.json()["error"]["code"] == "illegal_transition"
    status = api.engine.connect().execute(sa.select(list_entries.c.status)).scalar_one()
    assert status == "NOTIFIED"


def test_health_readiness_and_openapi(api: Api) -> None:
    assert api.client.get("/health").json() == {"status": "ok"}
    ready = api.client.get("/ready")
    assert ready.status_code == 200 and ready.json()["checks"] == {"database": True, "broker": True}
    api.client.app.state.bootstrap = "127.0.0.1:1"  # type: ignore[attr-defined]
    not_ready = api.client.get("/ready")
    assert not_ready.status_code == 503
    assert not_ready.json()["error"]["detail"]["checks"]["broker"] is False
    paths = api.client.get("/openapi.json").json()["paths"]
    assert {"/instructions", "/rejects", "/members", "/ready"} <= set(paths)


def test_metrics_count_from_the_store(api: Api) -> None:
    sent = datetime.now(UTC)
    with api.engine.begin() as connection:
        connection.execute(
            instructions.insert(),
            [
                instruction_row(3, "mall")
                | {"sent_at": sent, "trigger_at": sent - timedelta(seconds=0.2)}
                | {"trigger_ref": "signal-1"},
            ],
        )
    assert api.client.get("/metrics", headers=bearer(api, "mall")).status_code == 403
    response = api.client.get("/metrics", headers=bearer(api, "auditor"))
    assert response.status_code == 200
    lines = set(response.text.splitlines())
    assert 'alliance_rejects_total{member="social",reason="BAD_SIGNATURE"} 2' in lines
    assert (
        'alliance_instructions_total{member="social",action="RESTRICT_MEMBERSHIP",'
        'delivered="false"} 1'
    ) in lines
    assert 'alliance_signal_to_instruction_seconds_bucket{le="0.1"} 0' in lines
    assert 'alliance_signal_to_instruction_seconds_bucket{le="0.25"} 1' in lines
    assert "alliance_signal_to_instruction_seconds_count 1" in lines


def test_flows_and_lag_come_from_the_broker(
    api: Api,
    kafka_bootstrap: str,
    kafka_admin: KafkaAdminClient,
    unique_name: Callable[[str], str],
) -> None:
    topic, group = f"alliance.signals.{unique_name('flow')}", unique_name("group")
    ensure_topics(kafka_admin, [TopicSpec(topic)])
    producer = KafkaProducer(bootstrap_servers=kafka_bootstrap)
    for _ in range(3):
        producer.send(topic, value=b"x", partition=0).get(30)
    producer.close()
    consumer = KafkaConsumer(
        bootstrap_servers=kafka_bootstrap, group_id=group, enable_auto_commit=False
    )
    consumer.commit({TopicPartition(topic, 0): OffsetAndMetadata(1, "", -1)})
    consumer.close()
    api.client.app.state.flows = FlowReader({"bootstrap_servers": kafka_bootstrap}, group)  # type: ignore[attr-defined]
    first = api.client.get("/flows", headers=bearer(api, "operator")).json()
    ours = [t for t in first["topics"] if t["topic"] == topic]
    assert ours == [{"topic": topic, "messages": 3, "rate_per_s": None}]
    assert {"topic": topic, "partition": 0, "lag": 2} in first["lag"]
    second = api.client.get("/flows", headers=bearer(api, "operator")).json()
    assert [t["rate_per_s"] for t in second["topics"] if t["topic"] == topic] == [0.0]
    metrics = api.client.get("/metrics", headers=bearer(api, "operator")).text
    assert f'alliance_consumer_lag{{topic="{topic}",partition="0"}} 2' in metrics
    api.client.app.state.flows.close()  # type: ignore[attr-defined]


def bearer(api: Api, who: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {api.tokens[who]}"}


def test_keys_register_rotate_and_revoke(api: Api) -> None:
    operator = bearer(api, "operator")
    first, second = SigningKey.generate().verify_key, SigningKey.generate().verify_key
    made = api.client.post(
        "/members/mall/keys", json={"public_key_b64": first.b64}, headers=operator
    )
    assert made.status_code == 201 and made.json()["valid_until"] is None
    again = api.client.post(
        "/members/mall/keys", json={"public_key_b64": first.b64}, headers=operator
    )
    assert again.status_code == 409
    rotated = api.client.post(
        "/members/mall/keys",
        json={"public_key_b64": second.b64, "overlap_s": 3600},
        headers=operator,
    )
    assert rotated.status_code == 201
    listed = {k["public_key_b64"]: k for k in api.get("/members/mall/keys", "auditor")[1]}
    old_until = datetime.fromisoformat(listed[first.b64]["valid_until"])
    assert timedelta(minutes=59) < old_until - datetime.now(UTC) <= timedelta(hours=1)
    assert listed[second.b64]["valid_until"] is None  # the new key runs on
    key_id = listed[first.b64]["key_id"]
    revoked = api.client.post(f"/keys/{key_id}/revoke", headers=operator)
    assert revoked.status_code == 200 and revoked.json()["revoked_at"] is not None
    assert api.client.post("/keys/nope/revoke", headers=operator).status_code == 404
    bad = api.client.post("/members/mall/keys", json={"public_key_b64": "A" * 44}, headers=operator)
    assert bad.status_code == 400 and "public_key_b64" in bad.json()["error"]["message"]
    assert api.get("/members/mall/keys", "mall")[0] == 403


def test_ledger_verify_export_and_policy(api: Api) -> None:
    operator = bearer(api, "operator")
    with api.engine.begin() as connection:
        connection.execute(
            list_entries.insert().values(
                entry_id="e-5",
                list_type="BLACKLIST",
                category="FAKE_TRANSACTION",
                status="LISTED",
                listed_at=datetime.now(UTC),
            )
        )
    moved = api.client.post(
        "/lists/entries/e-5/status", json={"status": "NOTIFIED", "reason": "送达"}, headers=operator
    )
    assert moved.status_code == 200
    status, report = api.get("/ledger/verify", "auditor")
    assert status == 200 and report["ok"] is True and report["rows"] == 1
    export = api.client.get("/ledger/export.csv", headers=bearer(api, "auditor"))
    lines = export.content.decode("utf-8-sig").splitlines()
    assert lines[0] == "seq,recorded_at,kind,actor,ref,reason,body,row_hash"
    assert "LIST_STATUS_CHANGED" in lines[1] and "送达" in lines[1]
    status, policy = api.get("/policy", "auditor")
    assert status == 200 and policy["version"] == default_policy().version
    assert policy["safeguards"]["review.within_days"] == 2
    assert policy["safeguards"]["review.confirm_actions"] == ["CLOSE_STORE", "PUBLIC_EXPOSURE"]
    text = (files("hub.policy") / "default.toml").read_text("utf-8")
    diff = api.client.post(
        "/policy/diff",
        content=text.replace('version = "', 'version = "next-', 1).encode(),
        headers=operator | {"Content-Type": "application/toml"},
    )
    assert diff.status_code == 200 and diff.json()["add"] == [] and diff.json()["lift"] == []
    assert diff.json()["safeguards"] == []
    stricter = api.client.post(
        "/policy/diff",
        content=text.replace("members = 3", "members = 4").encode(),
        headers=operator | {"Content-Type": "application/toml"},
    )
    assert stricter.status_code == 200 and stricter.json()["add"] == []
    assert stricter.json()["safeguards"] == [{"name": "candidates.members", "old": 3, "new": 4}]
    broken = api.client.post(
        "/policy/diff",
        content=b'version = "x"\n[[rules]]\nactions = ["BAN"]\n',
        headers=operator | {"Content-Type": "application/toml"},
    )
    assert broken.status_code == 422 and broken.json()["error"]["code"] == "invalid_policy"
    assert broken.json()["error"]["detail"]["problems"]


def test_subjects_show_the_cross_member_view_to_readers_only(api: Api) -> None:
    with api.engine.begin() as connection:
        connection.execute(
            subject_identifiers.insert(),
            [
                {"scheme": "USCC", "value": "91330100000000001X", "cluster_id": "c-1"},
                {"scheme": "STORE", "value": "mall:store:9", "cluster_id": "c-1"},
            ],
        )
        connection.execute(
            presences.insert().values(
                member_id="mall", scheme="STORE", value="mall:store:9", first_seen=datetime.now(UTC)
            )
        )
    status, body = api.get("/subjects?scheme=USCC&value=91330100000000001X", "auditor")
    assert status == 200 and body["cluster"] == "c-1"
    assert [i["scheme"] for i in body["identifiers"]] == ["STORE", "USCC"]
    assert body["presences"] == [{"member": "mall", "scheme": "STORE", "value": "mall:store:9"}]
    assert api.get("/subjects?scheme=USCC&value=91330100000000001X", "mall")[0] == 403
    assert api.get("/subjects?scheme=USCC&value=none", "operator")[0] == 404


def test_monthly_report_routes(api: Api) -> None:
    month = datetime.now(UTC).strftime("%Y-%m")
    csv = api.client.get(f"/reports/monthly/{month}.csv", headers=bearer(api, "auditor"))
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    assert f"month,{month},due," in csv.content.decode("utf-8-sig")
    html = api.client.get(f"/reports/monthly/{month}.html", headers=bearer(api, "operator"))
    assert html.status_code == 200 and "月报" in html.text
    assert (
        api.client.get(f"/reports/monthly/{month}.csv", headers=bearer(api, "mall")).status_code
        == 403
    )
    bad = api.client.get("/reports/monthly/2026-13.csv", headers=bearer(api, "auditor"))
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "bad_request"


def test_dashboard_session_and_data(api: Api) -> None:
    assert api.client.get("/", follow_redirects=False).headers["location"] == "/login"
    assert "Sign in" in api.client.get("/login").text
    refused = api.client.post("/session", json={"token": api.tokens["mall"]})
    assert refused.status_code == 403  # members have no dashboard
    opened = api.client.post("/session", json={"token": api.tokens["auditor"]})
    assert opened.status_code == 204
    assert "httponly" in opened.headers["set-cookie"].lower()
    assert "samesite=strict" in opened.headers["set-cookie"].lower()
    page = api.client.get("/")
    assert page.status_code == 200 and "Rejects by reason" in page.text
    assert "http" not in page.text.replace("http://www.w3.org/2000/svg", "")  # nothing fetched
    data = api.client.get("/dashboard/data").json()  # the cookie admits GETs
    assert dict(data["rejects"]) == {"BAD_SIGNATURE": 3}
    assert data["pending"] == [{"member": "mall", "awaiting": 1, "overdue": 0}]
    assert len(data["minutes"]) == 15
    new = {"member_id": "x1", "kind": "other", "display_name": "x", "categories": []}
    # but never a write without the page's CSRF token (test_console_pages.py has the rest)
    assert api.client.post("/members", json=new).status_code == 403


def test_list_upload_reports_every_bad_row_and_adds_entries(api: Api) -> None:
    operator = bearer(api, "operator") | {"Content-Type": "text/csv"}
    header = "entry_id,list_type,category,subject_name,uscc,authority,document_no,province,city"
    good = "u-1,BLACKLIST,COUNTERFEIT,某店,91330100000000001C,某局,某文1号,浙江省,杭州市"
    bad = good.replace("u-1", "u-2").replace("COUNTERFEIT", "FALSE_ADVERTISING")
    body = f"{header},listed_at\n{good},2026-11-01\n{bad},2026-11-01\n".encode("gb18030")
    refused = api.client.post(
        "/lists/import", params={"filename": "bl.csv"}, content=body, headers=operator
    )
    assert refused.status_code == 422 and refused.json()["error"]["code"] == "import_refused"
    problems = refused.json()["error"]["detail"]["problems"]
    assert [(p["line"], p["field"]) for p in problems] == [(3, "category")]
    one_row = f"{header},listed_at\n{good},2026-11-01\n".encode("gb18030")
    taken = api.client.post(
        "/lists/import", params={"filename": "bl.csv"}, content=one_row, headers=operator
    )
    assert taken.status_code == 200 and taken.json()["new"] == 1
    assert taken.json()["encoding"] == "gb18030"
    entry = {
        "entry_id": "u-9",
        "list_type": "WATCHLIST",
        "category": "FALSE_ADVERTISING",
        "subject_name": "另一店",
        "uscc": "91330100000000001C",
        "authority": "某局",
        "document_no": "某文9号",
        "province": "浙江省",
        "city": "",
        "listed_at": "2026-11-02",
    }
    added = api.client.post("/lists/entries", json=entry, headers=bearer(api, "operator"))
    assert added.status_code == 201 and added.json()["new"] == 1
    with api.engine.connect() as connection:
        statuses = dict(
            connection.execute(sa.select(list_entries.c.entry_id, list_entries.c.status)).all()
        )
    assert statuses == {"u-1": "LISTED", "u-9": "LISTED"}  # adding one delisted nothing
    wrong = api.client.post(
        "/lists/entries", json=entry | {"uscc": "123"}, headers=bearer(api, "operator")
    )
    assert (
        wrong.status_code == 422
        and wrong.json()["error"]["detail"]["problems"][0]["field"] == "uscc"
    )
