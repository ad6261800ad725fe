"""The demo end to end on the real broker: simulated members report, the hub sanctions, the
members acknowledge, the dashboard shows it, and it stops when told."""

from collections.abc import Callable
from pathlib import Path

from tests.integration.alliance import wait_until
from tests.integration.conftest import SaslBroker
from tests.integration.demo_harness import demo_running


def test_the_demo_runs_an_alliance_and_stops(
    kafka_bootstrap: str, unique_name: Callable[[str], str], tmp_path: Path
) -> None:
    with demo_running(kafka_bootstrap, unique_name("demo"), tmp_path) as demo:
        client = demo.client()

        def acked() -> int:
            found = client.get("/instructions", params={"status": "acked", "limit": 1000})
            return len(found.json()) if found.status_code == 200 else 0

        wait_until(lambda: acked() >= 3, 120, "instructions issued, delivered and acknowledged")
        data = client.get("/dashboard/data").json()
        members = {f"{demo.prefix}-{m}" for m in ("mall", "social", "express")}
        assert set(data["signals"]) == members
        assert data["rejects"] == []
        assert ["BLACKLIST OVERDUE", 5] in data["lists"]  # the sample's old entries
        assert client.get("/ledger/verify").json()["ok"] is True
        assert len(client.get("/hub/keys").json()) == 1  # what the members pin


def test_the_demo_runs_confined_on_the_sasl_broker(
    kafka_sasl: SaslBroker, unique_name: Callable[[str], str], tmp_path: Path
) -> None:
    """What `alliance-hub demo` runs by default: members onboarded with SCRAM credentials and
    ACLs, each connected as itself; signals, instructions and acks all flow."""
    admin = (kafka_sasl.admin_user, kafka_sasl.admin_password)
    with demo_running(kafka_sasl.bootstrap, unique_name("sdemo"), tmp_path, admin) as demo:
        client = demo.client()

        def acked() -> int:
            found = client.get("/instructions", params={"status": "acked", "limit": 1000})
            return len(found.json()) if found.status_code == 200 else 0

        wait_until(lambda: acked() >= 3, 120, "instructions acknowledged on the SASL broker")
        assert client.get("/rejects/counts").json() == []
        members = client.get("/members", params={"drift": "true"}).json()
        ours = [m for m in members if m["member_id"].startswith(demo.prefix)]
        assert len(ours) == 3 and all(m["drift"] == [] for m in ours), ours
        assert any("own SCRAM-SHA-256 credential" in line for line in demo.lines)
