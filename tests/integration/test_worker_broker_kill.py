"""The broker killed (SIGKILL) under a worker, on a broker of the test's own (the shared one
must stay up): the offset commit that failed during the outage is sent again, so the group's
committed offsets reach what the store holds with nothing more published (issue 18), and the
worker resumes within its reconnect bound once the broker is back."""

import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from kafka.admin import KafkaAdminClient

from alliance_connector import Identifier, IdentifierScheme, SignalCategory
from hub.store.schema import accepted_signals
from tests.integration.alliance import Alliance, RunningWorker, wait_until
from tests.integration.conftest import BROKER_SCRIPT
from tests.integration.test_worker_crash import committed_offsets

USCC = Identifier(IdentifierScheme.USCC, "91330100799655058B")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class OwnBroker:
    """A local broker in a folder and on ports of its own."""

    def __init__(self, folder: Path) -> None:
        port = free_port()
        self.env = os.environ | {
            "KAFKA_RUN_DIR": str(folder),
            "KAFKA_PORT": str(port),
            "KAFKA_CONTROLLER_PORT": str(free_port()),
        }
        self.bootstrap = f"127.0.0.1:{port}"
        self.pid_file = folder / "plain" / "broker.pid"

    def run(self, command: str) -> None:
        done = subprocess.run(  # noqa: S603 - our own script
            [str(BROKER_SCRIPT), command], env=self.env, capture_output=True, text=True, timeout=180
        )
        assert done.returncode == 0, done.stderr

    def kill(self) -> None:
        pid = int(self.pid_file.read_text().strip())
        os.kill(pid, signal.SIGKILL)
        while True:
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.05)


@pytest.fixture
def own_broker(tmp_path: Path) -> Iterator[OwnBroker]:
    broker = OwnBroker(tmp_path / "kafka")
    broker.run("start")
    yield broker
    broker.run("stop")


@pytest.fixture(params=["postgresql", "sqlite"])
def alliance_on_own_broker(
    request: pytest.FixtureRequest,
    own_broker: OwnBroker,
    unique_name: Callable[[str], str],
    tmp_path: Path,
) -> Iterator[Alliance]:
    if request.param == "postgresql":
        url = str(request.getfixturevalue("fresh_postgres_url"))
    else:
        url = f"sqlite:///{tmp_path / 'store.sqlite3'}"
    admin = KafkaAdminClient(bootstrap_servers=own_broker.bootstrap, client_id="kill-test")
    built = Alliance(own_broker.bootstrap, url, admin, unique_name("k"))
    yield built
    built.close()
    admin.close()


def test_a_commit_lost_to_a_broker_kill_is_sent_again(
    alliance_on_own_broker: Alliance, own_broker: OwnBroker
) -> None:
    alliance = alliance_on_own_broker
    shop = alliance.join("shop")

    def publish(n: int) -> None:
        shop.publisher.report_many(
            [alliance.signal("shop", SignalCategory.FAKE_TRANSACTION, USCC) for _ in range(n)]
        )

    def committed() -> int:
        try:
            return sum(committed_offsets(alliance.admin, alliance.group).values())
        except Exception:  # noqa: BLE001 - the broker may be down or starting
            return -1

    with RunningWorker(alliance.worker()) as worker:
        publish(60)
        wait_until(lambda: committed() == 60, what="the first 60 committed")
        store_pid = int(worker._store._process.pid)  # type: ignore[union-attr,arg-type]  # noqa: SLF001
        os.kill(store_pid, signal.SIGSTOP)
        try:
            publish(20)
            # The worker polls the 20 and hands them to the paused store process (the pipe
            # takes them); only then does the broker die, so their commit is what is lost.
            time.sleep(3)
            own_broker.kill()
        finally:
            os.kill(store_pid, signal.SIGCONT)
        # The store process writes the 20 while the broker is down; their commit fails.
        wait_until(lambda: alliance.count(accepted_signals) == 80, what="the 20 stored")
        time.sleep(3)  # commits are attempted, and fail, meanwhile
        restarted = time.monotonic()
        own_broker.run("start")
        answering = time.monotonic()
        wait_until(lambda: committed() == 80, timeout_s=60, what="offsets committed to 80")
        resumed = time.monotonic()
    print(
        f"broker start took {answering - restarted:.1f} s; committed offsets reached the store "
        f"{resumed - answering:.1f} s after the broker answered"
    )
    assert committed() == 80
    assert alliance.count(accepted_signals) == 80
    # The reconnect bound (hub.kafka.clients.RECONNECT: at most 1 s between attempts) plus a
    # coordinator lookup and one commit round: well under the 3-28 s measured before.
    assert resumed - answering < 15
