"""The demo end to end on the real broker: simulated members report, the hub sanctions, the
members acknowledge, the dashboard shows it, and it stops when told."""

from collections.abc import Callable
from pathlib import Path

from tests.integration.alliance import wait_until
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
