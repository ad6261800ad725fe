"""Running the demo inside a test: its own member prefix, topics and store, on the shared
broker, stopped and joined on exit."""

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from hub.config import Settings
from hub.demo.run import run_demo
from tests.integration.alliance import wait_until


@dataclass
class RunningDemo:
    port: int
    token: str
    prefix: str
    lines: list[str]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def client(self) -> httpx.Client:
        headers = {"Authorization": f"Bearer {self.token}"}
        return httpx.Client(base_url=self.url, headers=headers, trust_env=False)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def demo_running(
    kafka_bootstrap: str, prefix: str, folder: Path, sasl_admin: tuple[str, str] | None = None
) -> Iterator[RunningDemo]:
    """The demo on `kafka_bootstrap`: PLAINTEXT, or with `sasl_admin` (user, password) the
    SASL broker, the hub as that super-user and each member with its own credential."""
    confined: dict[str, Any] = {}
    if sasl_admin is not None:
        confined = {
            "kafka_security_protocol": "SASL_PLAINTEXT",
            "kafka_sasl_username": sasl_admin[0],
            "kafka_sasl_password": sasl_admin[1],
        }
    settings = Settings(
        **confined,
        kafka_bootstrap=kafka_bootstrap,
        database_url=f"sqlite:///{folder / 'demo.sqlite3'}",
        hub_key_path=folder / "hub.pem",
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

    def token_line() -> str | None:
        return next((x for x in lines if x.startswith("operator token: ")), None)

    try:
        wait_until(lambda: token_line() is not None, 60, "the demo up")
        yield RunningDemo(port, str(token_line()).split()[-1], prefix, lines)
    finally:
        stop.set()
        demo.join(timeout=60)
    assert not demo.is_alive() and lines[-1] == "demo stopped"
