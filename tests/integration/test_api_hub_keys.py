"""The hub's public keys on GET /hub/keys, without a token, on a real PostgreSQL store: what is
published, rotated and revoked (in the ledger, through the CLI) is what a member reads, and a
key read there verifies what the hub signs."""

import base64
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from alliance_connector.signing import SigningKey, VerifyKey, key_id_for
from hub.api.hub_keys import HubKeyCache
from hub.config import Settings
from hub.errors import HubKeyRefused
from hub.ledger.hub_keys import publish_hub_key, revoke_hub_key
from hub.ledger.verify import verify
from hub.service import publish_own_key
from tests.integration.test_api import Api


@pytest.fixture
def api(fresh_postgres_url: str, kafka_bootstrap: str) -> Iterator[Api]:
    built = Api(fresh_postgres_url, kafka_bootstrap)
    built.client.app.state.hub_keys = HubKeyCache(seconds=0)  # type: ignore[attr-defined]
    yield built
    built.engine.dispose()


def hub_keys(api: Api) -> list[dict[str, object]]:
    response = api.client.get("/hub/keys")  # no token
    assert response.status_code == 200
    keys: list[dict[str, object]] = response.json()
    return keys


def cli(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = os.environ | {"HUB_DATABASE_URL": url, "COLUMNS": "200"}
    command = [sys.executable, "-m", "hub", "keys", *args]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)  # noqa: S603


def test_published_keys_are_served_without_a_token(api: Api) -> None:
    assert hub_keys(api) == []
    key = SigningKey.generate()
    since = datetime(2026, 11, 1, tzinfo=UTC)
    with api.engine.begin() as connection:
        publish_hub_key(connection, key.verify_key.raw, since, "operator", datetime.now(UTC))
    [served] = hub_keys(api)
    assert served == {
        "key_id": key.key_id,
        "public_key": key.verify_key.b64,
        "valid_from": "2026-11-01T00:00:00Z",
        "valid_until": None,
        "revoked": False,
    }
    raw = base64.b64decode(str(served["public_key"]), validate=True)
    assert len(raw) == 32 and served["key_id"] == key_id_for(raw)  # a member recomputes it
    pinned = VerifyKey(str(served["key_id"]), raw)
    pinned.verify("application/vnd.test", b"payload", key.sign("application/vnd.test", b"payload"))
    described = api.client.get("/openapi.json").json()
    assert "security" not in described["paths"]["/hub/keys"]["get"]


def test_rotation_ends_the_old_key_and_revocation_is_served(api: Api) -> None:
    old, new = SigningKey.generate(), SigningKey.generate()
    now = datetime.now(UTC)
    switch = now + timedelta(days=7)
    with api.engine.begin() as connection:
        publish_hub_key(connection, old.verify_key.raw, now, "operator", now)
    with api.engine.begin() as connection:
        publish_hub_key(connection, new.verify_key.raw, switch, "operator", now, timedelta(days=1))
    served = {k["key_id"]: k for k in hub_keys(api)}
    assert list(served) == [old.key_id, new.key_id]  # in order of publication
    ends = (switch + timedelta(days=1)).isoformat().replace("+00:00", "Z")
    assert served[old.key_id]["valid_until"] == ends
    assert served[new.key_id]["valid_until"] is None
    with api.engine.begin() as connection:
        revoke_hub_key(connection, old.key_id, "operator", datetime.now(UTC))
    served = {k["key_id"]: k for k in hub_keys(api)}
    assert served[old.key_id]["revoked"] is True and served[new.key_id]["revoked"] is False
    with api.engine.begin() as connection, pytest.raises(HubKeyRefused, match="published already"):
        publish_hub_key(connection, old.verify_key.raw, now, "operator", now)
    with api.engine.begin() as connection:
        report = verify(connection)  # every announcement is a chained ledger row
    assert report.ok and report.rows == 4  # old, new, old retired, old revoked


def test_the_cli_publishes_rotates_and_revokes(api: Api, tmp_path: Path) -> None:
    url = api.engine.url.render_as_string(hide_password=False)
    first, second = SigningKey.generate(), SigningKey.generate()
    first.save(tmp_path / "first.pem")
    second.save(tmp_path / "second.pem")
    done = cli(url, "publish-hub", "--key-file", str(tmp_path / "first.pem"))
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"published hub key {first.key_id}, valid from ")
    done = cli(
        url,
        "publish-hub",
        "--key-file",
        str(tmp_path / "second.pem"),
        "--valid-from",
        "2030-01-01T00:00:00+08:00",
        "--overlap-s",
        "3600",
    )
    assert done.returncode == 0, done.stderr
    served = {k["key_id"]: k for k in hub_keys(api)}
    assert served[first.key_id]["valid_until"] == "2029-12-31T17:00:00Z"
    assert served[second.key_id]["valid_from"] == "2029-12-31T16:00:00Z"
    again = cli(url, "publish-hub", "--key-file", str(tmp_path / "first.pem"))
    assert again.returncode == 1
    assert again.stderr.strip() == f"error: hub key {first.key_id} is published already"
    assert cli(url, "revoke-hub", first.key_id).returncode == 0
    assert {k["key_id"]: k["revoked"] for k in hub_keys(api)}[first.key_id] is True
    unknown = cli(url, "revoke-hub", "ed25519:0000000000000000")
    assert unknown.returncode == 1
    assert unknown.stderr.strip() == ("error: no published hub key has this id (see GET /hub/keys)")


def test_a_starting_worker_publishes_its_own_key_once(api: Api, tmp_path: Path) -> None:
    key = SigningKey.generate()
    key.save(tmp_path / "hub.pem")
    url = api.engine.url.render_as_string(hide_password=False)
    settings = Settings(database_url=url, hub_key_path=tmp_path / "hub.pem")
    publish_own_key(settings)
    publish_own_key(settings)  # a second worker, or a restart: nothing new
    assert [k["key_id"] for k in hub_keys(api)] == [key.key_id]


def test_the_route_reads_the_ledger_at_most_once_a_minute(api: Api) -> None:
    api.client.app.state.hub_keys = HubKeyCache()  # type: ignore[attr-defined]
    assert hub_keys(api) == []
    with api.engine.begin() as connection:
        key = SigningKey.generate()
        now = datetime.now(UTC)
        publish_hub_key(connection, key.verify_key.raw, now, "operator", now)
    assert hub_keys(api) == []  # still the read of a moment ago
