"""deploy/kafka/broker fails fast with one clear line on bad ground, and start is idempotent.

Each failing case runs with its own KAFKA_RUN_DIR and ports, so the shared test broker is never
touched; a timeout guards "never a hang".
"""

import os
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.conftest import BROKER_SCRIPT


def run_broker(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BROKER_SCRIPT), *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=os.environ | env,
        check=False,
    )


def one_clear_line(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode != 0
    assert done.stdout == ""  # no bootstrap address is printed on failure
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("broker: ")
    return last


@pytest.fixture
def free_port() -> Iterator[int]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    yield port


def test_port_in_use_is_reported(tmp_path: Path, free_port: int) -> None:
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", free_port))
        squatter.listen()
        done = run_broker("start", KAFKA_RUN_DIR=str(tmp_path), KAFKA_PORT=str(free_port))
    line = one_clear_line(done)
    assert f"port {free_port}" in line and "in use" in line and "KAFKA_PORT" in line


def test_missing_jdk_is_reported(tmp_path: Path, free_port: int) -> None:
    done = run_broker(
        "start",
        KAFKA_RUN_DIR=str(tmp_path),
        KAFKA_PORT=str(free_port),
        JAVA_HOME=str(tmp_path / "no-jdk-here"),
    )
    line = one_clear_line(done)
    assert "Java not found" in line and "JDK 17" in line


@pytest.mark.parametrize(
    "damage",
    ["garbage meta.properties", "log segments without meta.properties"],
)
def test_corrupt_data_directory_is_reported(tmp_path: Path, free_port: int, damage: str) -> None:
    data = tmp_path / "plain" / "data"
    data.mkdir(parents=True)
    if damage == "garbage meta.properties":
        (data / "meta.properties").write_bytes(b"\x00\xffnot a properties file")
    else:
        (data / "__cluster_metadata-0").mkdir()

    done = run_broker("start", KAFKA_RUN_DIR=str(tmp_path), KAFKA_PORT=str(free_port))

    line = one_clear_line(done)
    assert "corrupt" in line and "broker reset" in line


def test_start_is_idempotent_status_agrees_and_stop_stops(tmp_path: Path, free_port: int) -> None:
    own = {"KAFKA_RUN_DIR": str(tmp_path), "KAFKA_PORT": str(free_port)}
    try:
        first = run_broker("start", **own)
        again = run_broker("start", **own)
        status = run_broker("status", **own)
    finally:
        stopped = run_broker("stop", **own)

    address = f"127.0.0.1:{free_port}"
    assert first.returncode == 0, first.stderr
    assert first.stdout.strip().splitlines()[-1] == address
    assert again.returncode == 0 and again.stdout.strip() == address
    assert "already running" in again.stderr
    assert status.returncode == 0 and status.stdout.strip() == address
    assert stopped.returncode == 0
    assert run_broker("status", **own).returncode == 3
