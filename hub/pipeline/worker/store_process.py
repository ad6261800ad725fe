"""The store process: the worker's writer, outbox and list index, apart from its consumer.

Storing a batch is a string of short database and broker round trips, and after each one the
writer waits for the interpreter lock again. In one process with the consumer's threads it
waited most of the time: a batch of 40 signals (12 instructions) took 7 ms to store and 4 ms to
publish alone, and about 30 ms in the worker. So the writer lives in a process of its own,
spawned by the worker, and the two talk over a pair of pipes:

  worker -> store   Handoff (a checked batch and its offsets), or None: finish and leave
  store -> worker   Started (the list index is built), Written (a batch is committed: its
                    offsets may be committed), Published (instructions and rejects the
                    broker confirmed), Health (the store process could or could not reach
                    the database or broker), Failed (a bug; the process then exits)

The store process leaves when told, when the worker's end of the pipe closes (the worker
died), and never on a signal: the worker decides, so a batch in hand is always finished.
"""

import gc
import logging
import multiprocessing
import signal
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

from alliance_connector.signing import SigningKey
from hub.config import WorkerOptions
from hub.errors import BrokerError, StoreFailed
from hub.kafka.clients import OffsetAndMetadata, TopicPartition, open_producer, quiet_client_logs
from hub.pipeline.effects import BatchEffects
from hub.pipeline.worker.outbox import OutboxPublisher
from hub.pipeline.worker.progress import Progress
from hub.pipeline.worker.relay import RelayResult
from hub.pipeline.worker.retry import Retrier
from hub.pipeline.worker.writer import WAITING_BATCHES, BatchWriter, Handoff
from hub.policy.rules import Policy
from hub.sanctions.index import ListFollower, ListIndex
from hub.store.checkpoints import BackgroundCheckpoints
from hub.store.engine import open_engine

__all__ = ["StoreProcess", "StoreSetup"]

log = logging.getLogger(__name__)

Offsets = dict[TopicPartition, OffsetAndMetadata]


@dataclass(frozen=True)
class StoreSetup:
    """Everything the store process needs, sent to it when it is spawned."""

    database_url: str
    kafka_options: dict[str, Any]
    hub_seed: bytes
    hub_key_id: str
    policy: Policy
    options: WorkerOptions  # the store process uses lists_topic, max_records and the timeouts
    log_level: int


@dataclass(frozen=True)
class Started:
    pass


@dataclass(frozen=True)
class Written:
    offsets: Offsets
    records: int
    batches: int  # handed-over batches it covers


@dataclass(frozen=True)
class Published:
    result: RelayResult


@dataclass(frozen=True)
class Health:
    ready: bool


@dataclass(frozen=True)
class Failed:
    detail: str


class StoreProcess:
    """The worker's side: spawn the store process, hand it batches, collect what it says."""

    def __init__(
        self,
        setup: StoreSetup,
        on_written: Callable[[int], None],
        on_published: Callable[[RelayResult], None],
    ) -> None:
        self._setup = setup
        self._on_written = on_written
        self._on_published = on_published
        self._process: multiprocessing.process.BaseProcess | None = None
        self._to_store: Connection | None = None
        self._from_store: Connection | None = None
        self._in_flight = 0
        self._offsets: Offsets = {}
        self.ready = False

    def start(self, stop: threading.Event) -> None:
        """Spawn the store process and wait while it builds its list index."""
        context = multiprocessing.get_context("spawn")  # the worker has threads; no fork
        tasks_out, tasks_in = context.Pipe(duplex=False)
        reports_out, reports_in = context.Pipe(duplex=False)
        self._process = context.Process(
            target=_serve, args=(self._setup, tasks_out, reports_in), name="hub-store"
        )
        self._process.start()
        tasks_out.close()  # the child's ends: closed here, so its death reads as EOF
        reports_in.close()
        self._to_store, self._from_store = tasks_in, reports_out
        started = False
        while not started and not stop.is_set():
            if self._from_store.poll(0.5):
                started = any(isinstance(m, Started) for m in self._drain())
            self._check_alive()

    def hand_over(self, handoff: Handoff, stop: threading.Event) -> None:
        """Send a checked batch, waiting while WAITING_BATCHES are unwritten."""
        assert self._to_store is not None and self._from_store is not None  # noqa: S101
        while self._in_flight >= WAITING_BATCHES and not stop.is_set():
            if self._from_store.poll(0.1):
                self._drain()
            self._check_alive()
        if stop.is_set():
            return
        self._to_store.send(handoff)
        self._in_flight += 1

    def written_offsets(self) -> Offsets:
        """The offsets of every batch committed since the last call (and any other news)."""
        self._drain()
        self._check_alive()
        offsets, self._offsets = self._offsets, {}
        return offsets

    def finish(self, timeout_s: float = 60.0) -> None:
        """Let the store process finish its batch in hand and leave; collect its reports."""
        if self._process is None or self._to_store is None:
            return
        try:
            self._to_store.send(None)
        except (BrokenPipeError, OSError):
            pass  # already gone
        deadline = time.monotonic() + timeout_s
        while self._process.is_alive() and time.monotonic() < deadline:
            self._drain(wait_s=0.1)
        self._drain()
        if self._process.is_alive():
            log.warning("the store process did not finish in %.0f s; terminating it", timeout_s)
            self._process.terminate()
        self._process.join(timeout=5)
        self._to_store.close()

    def _drain(self, wait_s: float = 0.0) -> list[object]:
        """Take every report waiting on the pipe."""
        assert self._from_store is not None  # noqa: S101
        reports: list[object] = []
        try:
            while self._from_store.poll(wait_s):
                wait_s = 0.0
                reports.append(self._from_store.recv())
        except (EOFError, OSError):
            pass  # the process ended; _check_alive says how
        for report in reports:
            match report:
                case Written(offsets, records, batches):
                    self._offsets |= offsets
                    self._in_flight -= batches
                    self._on_written(records)
                case Published(result):
                    self._on_published(result)
                case Health(ready):
                    self.ready = ready
                case Failed(detail):
                    raise StoreFailed(f"the store process stopped on a bug:\n{detail}")
        return reports

    def _check_alive(self) -> None:
        if self._process is not None and not self._process.is_alive():
            self._drain()  # what it said before it ended counts: a Failed raises its reason
            raise StoreFailed(f"the store process ended (exit code {self._process.exitcode})")


def _serve(setup: StoreSetup, tasks: Connection, reports: Connection) -> None:
    """The store process's main: serve batches until told to stop or the worker is gone."""
    for number in (signal.SIGINT, signal.SIGTERM):
        signal.signal(number, signal.SIG_IGN)  # the worker decides when its store stops
    logging.basicConfig(
        level=setup.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    quiet_client_logs()
    sending = threading.Lock()  # the writer thread and this one both report

    def report(message: object) -> None:
        with sending:
            reports.send(message)

    try:
        _Store(setup, report).serve(tasks)
    except BaseException:  # noqa: BLE001 - reported to the worker, which raises it
        report(Failed(traceback.format_exc()))
        raise SystemExit(1) from None


class _Store:
    """The store process's parts: writer, outbox, list index."""

    def __init__(self, setup: StoreSetup, report: Callable[[object], None]) -> None:
        self._setup = setup
        self._report = report
        hub_key = SigningKey.from_seed(setup.hub_seed, setup.hub_key_id)
        self._engine = open_engine(setup.database_url, worker=True)
        self._checkpoints = BackgroundCheckpoints(self._engine)
        self._producer = open_producer(
            setup.kafka_options,
            acks="all",
            enable_idempotence=True,
            linger_ms=2,
            max_block_ms=5_000,  # a missing topic delays one relay round, not a minute
            metrics_enabled=False,
        )
        self._retrier = Retrier(setup.options.backoff_max_s, lambda ready: report(Health(ready)))
        self._index = ListIndex()
        self._follower = ListFollower(
            setup.kafka_options, hub_key.verify_key, self._index, setup.options.lists_topic
        )
        self._progress = Progress()
        self._outbox = OutboxPublisher(
            self._engine,
            self._producer,
            hub_key,
            setup.options.lists_topic,
            self._retrier,
            self._published,
        )
        self._writer = BatchWriter(
            self._engine,
            self._index,
            setup.policy,
            self._retrier,
            setup.options.max_records,
            self._outbox,
            self._stored,
        )

    def _stored(self, handoff: Handoff, effects: BatchEffects) -> None:
        self._progress.add(len(handoff.checked), effects)
        self._report(Written(handoff.offsets, len(handoff.checked), handoff.batches))

    def _published(self, result: RelayResult) -> None:
        self._progress.sent(result.instructions)
        self._report(Published(result))

    def serve(self, tasks: Connection) -> None:
        stop = threading.Event()
        self._checkpoints.start()
        try:
            self._build_index(stop)
            gc.freeze()  # see Worker.run
            self._report(Started())
            writer = threading.Thread(target=self._writer.run, args=(stop,), name="hub-writer")
            writer.start()
            self._receive(tasks, stop, writer)
            stop.set()
            writer.join()
            if self._writer.error is not None:
                raise self._writer.error
            self._outbox.drain()
        finally:
            self._checkpoints.stop()
            self._follower.stop()
            self._producer.close(timeout=10)
            self._engine.dispose()

    def _receive(self, tasks: Connection, stop: threading.Event, writer: threading.Thread) -> None:
        while writer.is_alive():
            if not self._follower.alive:
                raise BrokerError("the list index stopped following alliance.lists")
            if not tasks.poll(0.2):
                continue
            try:
                handoff = tasks.recv()
            except (EOFError, OSError):
                return  # the worker is gone: finish the batch in hand and leave
            if handoff is None:
                return
            self._writer.hand_over(handoff, stop)

    def _build_index(self, stop: threading.Event) -> None:
        """Publish list changes still in the outbox, then read alliance.lists to its end, so
        the first batch already matches against every entry the store holds. A long list
        takes a while (each record's signature is checked): wait as long as it progresses."""
        self._outbox.warm_up()
        while self._outbox.publish_lists():
            pass
        self._follower.start()
        seen, idle_since = -1, time.monotonic()
        while not stop.is_set() and not self._follower.caught_up.wait(1.0):
            if not self._follower.alive:
                raise BrokerError(f"could not read {self._setup.options.lists_topic}")
            if self._follower.applied != seen:
                seen, idle_since = self._follower.applied, time.monotonic()
                log.info("building the list index: %d records read", seen)
            elif time.monotonic() - idle_since > self._setup.options.index_timeout_s:
                raise BrokerError(f"no progress reading {self._setup.options.lists_topic}")
