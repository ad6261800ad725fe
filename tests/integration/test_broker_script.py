"""deploy/kafka/broker fails fast with one clear line on bad ground, start is idempotent and
says whether it started the broker, and an interrupted start leaves no broker behind.

Each failing case runs with its own KAFKA_RUN_DIR and ports, so the shared test broker is never
touched; a timeout guards "never a hang".
"""

import os
import signal
import socket
import subprocess
import time
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
    assert first.stdout.split() == ["started", address]  # who started it, then the address
    assert f"broker: starting the plain profile on {address}" in first.stderr
    assert all(line.startswith("broker: ") for line in first.stderr.splitlines())
    assert again.returncode == 0 and again.stdout.split() == ["running", address]
    assert "already running" in again.stderr
    assert status.returncode == 0 and status.stdout.strip() == address
    assert stopped.returncode == 0
    assert run_broker("status", **own).returncode == 3


def test_an_interrupted_start_stops_the_broker_it_was_starting(
    tmp_path: Path, free_port: int
) -> None:
    own = {"KAFKA_RUN_DIR": str(tmp_path), "KAFKA_PORT": str(free_port)}
    pid_file = tmp_path / "plain" / "broker.pid"
    starting = subprocess.Popen(
        [str(BROKER_SCRIPT), "start"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=os.environ | own,
        # A test run launched in the background (`cmd &` without job control, nohup) starts
        # with SIGINT ignored, and a shell may not trap a signal ignored on entry: give the
        # script the disposition a terminal's Ctrl-C finds.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),  # noqa: PLW1509
    )
    try:
        deadline = time.monotonic() + 90
        while not (pid_file.exists() and pid_file.read_text().strip()):
            assert starting.poll() is None, starting.communicate()
            assert time.monotonic() < deadline, "the broker was never launched"
            time.sleep(0.05)
        broker_pid = int(pid_file.read_text())
        starting.send_signal(signal.SIGINT)  # what Ctrl-C sends the script
        out, err = starting.communicate(timeout=60)
    finally:
        if starting.poll() is None:
            starting.kill()
        run_broker("stop", **own)

    assert starting.returncode != 0 and out == ""
    assert err.strip().splitlines()[-1] == "broker: interrupted: stopped the broker it was starting"
    assert not pid_file.exists()
    with pytest.raises(ProcessLookupError):
        os.kill(broker_pid, 0)
