"""The demo end to end on the real broker: simulated members report, the hub sanctions, the
members acknowledge, the dashboard shows it, and it stops when told."""

import socket
import threading
from collections.abc import Callable
from pathlib import Path

import httpx

from hub.config import Settings
from hub.demo.run import run_demo
from tests.integration.alliance import wait_until


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_the_demo_runs_an_alliance_and_stops(
    kafka_bootstrap: str, unique_name: Callable[[str], str], tmp_path: Path
) -> None:
    prefix = unique_name("demo")
    settings = Settings(
        kafka_bootstrap=kafka_bootstrap,
        database_url=f"sqlite:///{tmp_path / 'demo.sqlite3'}",
        hub_key_path=tmp_path / "hub.pem",
        worker_group=f"{prefix}-worker",
        worker_subscription=rf"^alliance\.(signals|acks)\.{prefix}-.+",
        lists_topic=f"alliance.lists.{prefix}",
    )
    port, stop = free_port(), threading.Event()
    lines: list[str] = []
    demo = threading.Thread(
        target=run_demo,
        args=(settings, "127.0.0.1", port, lines.append, stop, f"{prefix}-"),
        daemon=True,
    )
    demo.start()
    try:

        def token_line() -> str | None:
            return next((x for x in lines if x.startswith("operator token: ")), None)

        wait_until(lambda: token_line() is not None, 60, "the demo up")
        token = str(token_line()).split()[-1]
        client = httpx.Client(
            base_url=f"http://127.0.0.1:{port}",
            headers={"Authorization": f"Bearer {token}"},
            trust_env=False,
        )

        def acked() -> int:
            found = client.get("/instructions", params={"status": "acked", "limit": 1000})
            return len(found.json()) if found.status_code == 200 else 0

        wait_until(lambda: acked() >= 3, 120, "instructions issued, delivered and acknowledged")
        data = client.get("/dashboard/data").json()
        assert set(data["signals"]) == {f"{prefix}-{m}" for m in ("mall", "social", "express")}
        assert data["rejects"] == []
        assert ["BLACKLIST OVERDUE", 5] in data["lists"]  # the sample's old entries
        assert client.get("/ledger/verify").json()["ok"] is True
    finally:
        stop.set()
        demo.join(timeout=60)
    assert not demo.is_alive() and lines[-1] == "demo stopped"
