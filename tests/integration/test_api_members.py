"""Members through the API without a broker: the record, its standing moves and their ledger
rows, key ids a member chooses, member tokens issued by operators; and the refusals."""

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from alliance_connector.signing import SigningKey
from hub.api.app import create_app
from hub.policy.loading import default_policy
from hub.store.schema import ledger
from tests.integration.test_api import Api, api  # noqa: F401 - the fixture

__all__ = ["api"]


def post(api: Api, path: str, body: object, who: str = "operator") -> tuple[int, dict]:  # type: ignore[type-arg]
    answer = api.client.post(
        path, json=body, headers={"Authorization": f"Bearer {api.tokens[who]}"}
    )
    return answer.status_code, answer.json() if answer.content else {}


def test_a_member_moves_through_its_standings_each_a_ledger_row(api: Api) -> None:
    status, body = post(api, "/members/mall/suspend", {"reason": "audit"})
    assert status == 200, body
    assert body["steps"][0] == {"what": "member record", "outcome": "suspended"}
    assert body["steps"][1]["what"] == "broker"  # none configured: it says how to mend
    assert "alliance-hub members mend mall" in body["steps"][1]["outcome"]
    assert post(api, "/members/mall/suspend", {"reason": "again"})[1]["steps"][0]["outcome"] == (
        "suspended already, left as it is"
    )
    shown = api.get("/members/mall", "auditor")[1]
    assert (shown["standing"], shown["standing_reason"]) == ("suspended", "audit")
    assert shown["drift"] is None and shown["broker_error"] == "no broker configured"
    assert post(api, "/members/mall/resume", {})[0] == 200
    assert post(api, "/members/mall/remove", {"reason": "left the alliance"})[0] == 200
    status, body = post(api, "/members/mall/resume", {})
    assert (status, body["error"]["code"]) == (409, "conflict")
    with api.engine.connect() as connection:
        kinds = connection.scalars(
            sa.select(ledger.c.kind).where(ledger.c.ref == "mall").order_by(ledger.c.seq)
        ).all()
    assert kinds == ["MEMBER_SUSPENDED", "MEMBER_RESUMED", "MEMBER_REMOVED"]


def test_standing_moves_are_operators_and_unknown_members_are_404(api: Api) -> None:
    assert post(api, "/members/mall/suspend", {"reason": "x"}, who="auditor")[0] == 403
    assert post(api, "/members/mall/suspend", {"reason": "x"}, who="mall")[0] == 403
    status, body = post(api, "/members/no-such-member/suspend", {"reason": "x"})
    assert status == 404 and "no-such-member" not in body["error"]["message"]
    assert api.get("/members/no-such-member", "operator")[0] == 404


def test_a_key_registers_under_the_id_the_member_chose(api: Api) -> None:
    key = SigningKey.generate("mall-signer-2026")
    body = {"public_key_b64": key.verify_key.b64, "key_id": key.key_id}
    status, stored = post(api, "/members/mall/keys", body)
    assert (status, stored["key_id"]) == (201, "mall-signer-2026")
    status, again = post(api, "/members/mall/keys", body)
    assert status == 409 and "mall-signer" not in again["error"]["message"]


@pytest.mark.parametrize("key_id", ["", "has space", "quote'd", "x" * 65, "-leading"])
def test_a_malformed_key_id_is_refused_without_being_echoed(api: Api, key_id: str) -> None:
    body = {"public_key_b64": SigningKey.generate().verify_key.b64, "key_id": key_id}
    status, refused = post(api, "/members/mall/keys", body)
    assert status == 422
    assert refused["error"]["detail"]["problems"][0]["where"] == "body.key_id"
    if key_id:
        assert key_id not in str(refused)


def test_operators_issue_member_tokens_that_see_only_their_member(api: Api) -> None:
    status, issued = post(api, "/tokens", {"role": "member", "member": "social", "label": "eng"})
    assert status == 201 and issued["token"].startswith("ah_")
    own = api.client.get("/rejects", headers={"Authorization": f"Bearer {issued['token']}"})
    assert own.status_code == 200
    assert all(r["member_id"] == "social" for r in own.json())
    assert post(api, "/tokens", {"role": "operator", "label": "x"}, who="auditor")[0] == 403
    status, refused = post(api, "/tokens", {"role": "member", "member": "nobody", "label": "x"})
    assert status == 400 and "nobody" not in refused["error"]["message"]
    assert post(api, f"/tokens/{issued['token_id']}/revoke", {})[0] == 204
    gone = api.client.get("/rejects", headers={"Authorization": f"Bearer {issued['token']}"})
    assert gone.status_code == 401


@pytest.mark.parametrize("reserved", ["admin", "alliance-hub"])
def test_an_id_the_hub_uses_on_the_broker_is_refused(api: Api, reserved: str) -> None:
    body = {"member_id": reserved, "kind": "other", "display_name": "x", "categories": []}
    status, refused = post(api, "/members", body)
    assert (status, refused["error"]["code"]) == (422, "invalid_value")
    assert "reserved" in refused["error"]["message"] and reserved not in refused["error"]["message"]


def test_a_removed_member_keeps_no_token_and_takes_no_key_or_token(api: Api) -> None:
    member_token = {"Authorization": f"Bearer {api.tokens['mall']}"}
    assert api.client.get("/rejects", headers=member_token).status_code == 200
    assert post(api, "/members/mall/remove", {"reason": "left"})[0] == 200
    assert api.client.get("/rejects", headers=member_token).status_code == 401
    status, refused = post(api, "/tokens", {"role": "member", "member": "mall", "label": "x"})
    assert status == 400 and "removed" in refused["error"]["message"]
    key = {"public_key_b64": SigningKey.generate().verify_key.b64}
    assert post(api, "/members/mall/keys", key)[0] == 409


def test_a_suspension_holds_while_the_broker_is_away(api: Api) -> None:
    # The store is written first: an operator can suspend a member during a broker outage.
    away = create_app(
        api.engine,
        default_policy(),
        broker_options={"bootstrap_servers": "127.0.0.1:1"},
        kafka_confined=True,
    )
    with TestClient(away) as client:
        headers = {"Authorization": f"Bearer {api.tokens['operator']}"}
        listed = client.get("/members", headers=headers)  # no drift asked: no broker needed
        assert listed.status_code == 200
        answer = client.post("/members/mall/suspend", json={"reason": "x"}, headers=headers)
        assert answer.status_code == 200, answer.text
        steps = answer.json()["steps"]
        assert steps[0]["outcome"] == "suspended"
        assert steps[1]["what"] == "broker" and "members mend mall" in steps[1]["outcome"]
        shown = client.get("/members/mall", headers=headers).json()
        assert shown["standing"] == "suspended" and shown["drift"] is None
        assert shown["broker_error"]
