"""A worker stopped (SIGSTOP) inside its batch transaction beside a second worker, on
PostgreSQL: the server ends the stopped session after its idle-in-transaction bound, so the
other worker's stall is bounded; the stopped one, resumed, doubles nothing (issue 18).

SQLite has no server to end a stopped process's transaction; docs/worker.md says what that
means for several workers on one SQLite file."""

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import sqlalchemy as sa

from alliance_connector import Identifier, IdentifierScheme, SignalCategory
from hub.store.schema import accepted_signals, ledger
from tests.integration.alliance import Alliance, RunningWorker, wait_until
from tests.integration.test_worker_crash import WorkerProcess

USCC = Identifier(IdentifierScheme.USCC, "91330100799655058B")
PAUSE_S = 40


def head_is_locked(alliance: Alliance) -> bool:
    """Whether a transaction holds the ledger head's row lock (the batch's serial section)."""
    try:
        with alliance.engine.connect() as connection:
            connection.execute(sa.text("SET LOCAL lock_timeout = '50ms'"))
            connection.execute(sa.text("SELECT seq FROM ledger_head WHERE id = 1 FOR UPDATE"))
            connection.rollback()
    except sa.exc.OperationalError:
        return True
    return False


class StoppableWorker(WorkerProcess):
    """`alliance-hub worker` in a process group of its own, so SIGSTOP stops all of it: the
    consumer, its heartbeats and its store process, as a frozen machine would."""

    def start(self) -> None:
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(  # noqa: S603
                [sys.executable, "-m", "hub", "worker"],
                env=self.env,
                stdout=out,
                stderr=out,
                start_new_session=True,
            )

    def signal_all(self, sig: signal.Signals) -> None:
        assert self.process is not None
        os.killpg(self.process.pid, sig)


def test_a_stopped_worker_does_not_stall_the_other(alliance: Alliance, tmp_path: Path) -> None:
    shop = alliance.join("shop")
    published = 0
    flowing = threading.Event()

    def stream() -> None:
        nonlocal published
        while not flowing.is_set():
            shop.publisher.report_many(
                [alliance.signal("shop", SignalCategory.FAKE_TRANSACTION, USCC) for _ in range(20)]
            )
            published += 20
            time.sleep(0.02)

    publisher = threading.Thread(target=stream, daemon=True)
    key_path = tmp_path / "hub.pem"
    alliance.hub_key.save(key_path)
    first = StoppableWorker(alliance, key_path, tmp_path / "first.log")
    first.start()
    try:
        publisher.start()
        wait_until(lambda: alliance.count(accepted_signals) > 100, what="the first worker storing")
        # Stop it until it is caught holding the ledger head's lock, inside its batch.
        for _ in range(200):
            first.signal_all(signal.SIGSTOP)
            time.sleep(0.05)
            if head_is_locked(alliance):
                break
            first.signal_all(signal.SIGCONT)
            time.sleep(0.01)
        else:
            raise AssertionError("never caught the worker holding the ledger lock")
        stopped_at = time.monotonic()
        with RunningWorker(alliance.worker()):
            before = alliance.count(accepted_signals)
            wait_until(
                lambda: alliance.count(accepted_signals) > before + 50,
                timeout_s=PAUSE_S - 5,
                what="the second worker storing while the first is stopped",
            )
            stall = time.monotonic() - stopped_at
            time.sleep(max(0.0, PAUSE_S - (time.monotonic() - stopped_at)))
            first.signal_all(signal.SIGCONT)
            flowing.set()
            publisher.join(timeout=30)
            wait_until(
                lambda: alliance.count(accepted_signals) == published,
                timeout_s=90,
                what="every signal stored after the first worker resumed",
            )
            time.sleep(3)  # the resumed worker retries its batch meanwhile
    finally:
        flowing.set()
        first.signal_all(signal.SIGCONT)
        first.stop()
    print(f"the other worker stored again {stall:.1f} s after the first stopped")
    # Once each: the resumed worker's late batch doubled nothing.
    assert alliance.count(accepted_signals) == published
    with alliance.engine.connect() as connection:
        refs = connection.scalar(
            sa.select(sa.func.count(ledger.c.ref)).where(ledger.c.kind == "SIGNAL_ACCEPTED")
        )
    assert refs == published
    # Bounded by the idle-in-transaction limit (10 s) and a rebalance (session timeout 10 s).
    assert stall < 30
