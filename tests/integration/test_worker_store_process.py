"""The worker's store process: the worker stops when it dies, and it leaves with the worker."""

import multiprocessing
import threading

from alliance_connector import SignalCategory
from hub.errors import StoreFailed
from hub.store.schema import ledger
from tests.integration.alliance import Alliance, numbered_uscc, wait_until


def store_processes() -> list[multiprocessing.process.BaseProcess]:
    return [p for p in multiprocessing.active_children() if p.name == "hub-store"]


def test_a_dead_store_process_stops_the_worker(alliance: Alliance) -> None:
    alliance.join("mall")
    worker = alliance.worker()
    stop, failures = threading.Event(), []

    def run() -> None:
        try:
            worker.run(stop)
        except BaseException as exc:  # noqa: BLE001 - the test looks at it
            failures.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    try:
        signal = alliance.signal("mall", SignalCategory.FAKE_TRANSACTION, numbered_uscc(1))
        alliance.members["mall"].publisher.report(signal)
        wait_until(lambda: alliance.count(ledger, ledger.c.kind == "SIGNAL_ACCEPTED") == 1)
        (store,) = store_processes()
        store.kill()
        # The consumer must not go on polling with nobody to store its batches.
        thread.join(timeout=30)
        assert not thread.is_alive()
        assert len(failures) == 1 and isinstance(failures[0], StoreFailed)
        assert "exit code -9" in str(failures[0])
    finally:
        stop.set()
        thread.join(timeout=30)
        worker.close()


def test_the_store_process_leaves_with_the_worker(alliance: Alliance) -> None:
    worker = alliance.worker()
    stop = threading.Event()
    thread = threading.Thread(target=worker.run, args=(stop,), daemon=True)
    thread.start()
    try:
        wait_until(lambda: len(store_processes()) == 1, what="the store process")
        (store,) = store_processes()
        stop.set()
        thread.join(timeout=30)
        store.join(timeout=5)
        assert not store.is_alive() and store.exitcode == 0
    finally:
        stop.set()
        thread.join(timeout=30)
        worker.close()
