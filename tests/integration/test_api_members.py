"""Members through the API without a broker: the record, its standing moves and their ledger
rows, key ids a member chooses, member tokens issued by operators; and the refusals."""

import pytest
import sqlalchemy as sa

from alliance_connector.signing import SigningKey
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
