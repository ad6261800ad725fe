"""The worker: a consumer-group member that turns signal and ack records into effects.

Per batch, in this order (house style 6): verify the records (no I/O but one registry read),
write all effects in one database transaction, publish the outbox, and only then commit the
offsets, explicitly, as last offset + 1. A crash anywhere replays the batch; effects are
idempotent (see `effects`), so nothing is lost and nothing doubled. Poison records become
rejects and never stop a partition. A database or broker that is down is retried with
back-off, forever, with readiness reported false meanwhile: transient faults are never
dead-lettered.

Three strands share the work. The consumer thread polls, checks and commits offsets
(kafka-python's consumer is not thread-safe, so only it touches the consumer); signatures, the
costliest check, are verified in a child process (hub.pipeline.signatures) while the consumer
thread polls the next batch; the writer thread stores effects and publishes the outbox, one
batch at a time, in poll order, and hands back the offsets it may commit.
"""

import dataclasses
import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TypeVar

import sqlalchemy as sa
from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.consumer.fetcher import ConsumerRecord
from kafka.errors import CommitFailedError, KafkaError
from kafka.structs import OffsetAndMetadata
from sqlalchemy.exc import DataError, IntegrityError, InterfaceError, OperationalError

from alliance_connector.envelope import MAX_ENVELOPE_BYTES
from alliance_connector.reasons import Reason
from alliance_connector.signing import SigningKey
from alliance_connector.topics import LISTS_TOPIC
from hub.errors import BrokerError, StoreUnavailable
from hub.kafka.topics import WORKER_SUBSCRIPTION
from hub.lists.index import ListFollower, ListIndex
from hub.lists.publishing import publish_list_changes
from hub.pipeline.checks import (
    CheckContext,
    OpenedBatch,
    Rejection,
    open_batch,
    read_batch,
    topic_owner,
)
from hub.pipeline.effects import BatchEffects, CheckedRecord, apply_batch
from hub.pipeline.progress import Progress
from hub.pipeline.relay import OutboxRelay, RelayResult
from hub.pipeline.signatures import SignatureVerifier, Verification
from hub.policy.loading import default_policy
from hub.policy.rules import Policy
from hub.store.members import allowed_categories, keys_for

__all__ = ["Worker", "WorkerOptions", "WorkerStats"]

log = logging.getLogger(__name__)
T = TypeVar("T")

# Errors that a value in a record causes and no retry can cure.
PERMANENT = (DataError, IntegrityError)
# Errors worth waiting out: the database or broker is away.
TRANSIENT = (OperationalError, InterfaceError, StoreUnavailable, BrokerError, KafkaError)


@dataclass(frozen=True)
class WorkerOptions:
    group_id: str = "alliance-hub.worker"
    subscription: str = WORKER_SUBSCRIPTION
    max_records: int = 500
    poll_timeout_ms: int = 100
    max_skew: timedelta = timedelta(minutes=5)
    max_bytes: int = MAX_ENVELOPE_BYTES
    backoff_max_s: float = 5.0
    lists_topic: str = LISTS_TOPIC
    index_timeout_s: float = 60.0  # a starting worker gives up if its list index stalls
    # Child processes checking signatures beside the worker (0: in the worker's own thread).
    verify_processes: int = 1
    fetch_max_wait_ms: int = 20


@dataclass
class WorkerStats:
    batches: int = 0
    records: int = 0
    first_record_at: float | None = None  # time.monotonic() of the first non-empty poll
    relayed: list[RelayResult] = field(default_factory=list)


LOG_APPEND_TIME = 1
# Checked batches that may wait for the writer before polling pauses.
WAITING_BATCHES = 4


def _record_time(record: ConsumerRecord) -> datetime:
    """When the broker took the record. Member topics use LogAppendTime, which the member
    cannot set; for any other timestamp the hub's own clock stands in, never the producer's
    claim (a holder of a revoked key could backdate it)."""
    if record.timestamp_type == LOG_APPEND_TIME:
        try:
            return datetime.fromtimestamp(record.timestamp / 1000, UTC)
        except (ValueError, OverflowError, OSError):
            pass
    return datetime.now(UTC)


@dataclass(frozen=True)
class _Checking:
    """A polled batch whose signatures are being verified."""

    records: list[ConsumerRecord]
    times: list[datetime]
    opened: OpenedBatch
    verification: Verification


@dataclass(frozen=True)
class _Handoff:
    checked: list[CheckedRecord]
    offsets: dict[TopicPartition, OffsetAndMetadata]


class Worker:
    """One member of the hub's worker group."""

    def __init__(
        self,
        engine: sa.Engine,
        kafka_options: dict[str, object],
        hub_key: SigningKey,
        options: WorkerOptions | None = None,
        keep_stats: bool = False,
        policy: Policy | None = None,
    ) -> None:
        self.options = options or WorkerOptions()
        self.policy = policy or default_policy()
        self.engine = engine
        self.ready = False
        self.stats = WorkerStats() if keep_stats else None
        self._consumer = KafkaConsumer(
            group_id=self.options.group_id,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            max_poll_records=self.options.max_records,
            # New members' topics must join the subscription within seconds, not minutes.
            metadata_max_age_ms=3000,
            max_poll_interval_ms=30 * 60 * 1000,  # a long database outage keeps the member in
            # A worker that died (kill -9) hands its partitions over within seconds.
            session_timeout_ms=10_000,
            heartbeat_interval_ms=2_000,
            # kafka-python keeps one fetch per broker in flight, for the partitions that had
            # nothing buffered when it was sent; a record on another partition waits until
            # that fetch returns. The broker's wait for an empty fetch bounds that delay.
            fetch_max_wait_ms=self.options.fetch_max_wait_ms,
            **kafka_options,
        )
        self._consumer.subscribe(pattern=self.options.subscription)
        self._producer = KafkaProducer(
            acks="all",
            enable_idempotence=True,
            linger_ms=2,
            max_block_ms=5_000,  # a missing topic delays one relay round, not a minute
            **kafka_options,
        )
        self._relay = OutboxRelay(self._producer, hub_key)
        self._verifier = SignatureVerifier(self.options.verify_processes)
        self._hub_key = hub_key
        self.index = ListIndex()
        self._follower = ListFollower(
            kafka_options, hub_key.verify_key, self.index, self.options.lists_topic
        )
        self._progress = Progress()
        # Checked batches wait here for the writer, which takes all that wait at once.
        self._handoff: queue.Queue[_Handoff] = queue.Queue(maxsize=WAITING_BATCHES)
        self._written: queue.Queue[dict[TopicPartition, OffsetAndMetadata]] = queue.Queue()
        self._writer_error: BaseException | None = None

    def _retrying(self, what: str, action: Callable[[], T], stop: threading.Event) -> T | None:
        """`action()`, retried with back-off while it fails transiently; None once `stop` is
        set between attempts (the first attempt always runs, so a batch in hand finishes)."""
        delay = 0.1
        while True:
            try:
                result = action()
            except TRANSIENT as exc:
                self.ready = False
                if stop.is_set():
                    return None
                log.warning("%s failed (%s); retrying in %.1fs", what, type(exc).__name__, delay)
                stop.wait(delay)
                delay = min(delay * 2, self.options.backoff_max_s)
                continue
            self.ready = True
            return result

    def _context(self, topics: set[str]) -> CheckContext:
        owners = {owner for topic in topics if (owner := topic_owner(topic))}
        with self.engine.connect() as connection:
            return CheckContext(
                keys_for(connection, owners),
                allowed_categories(connection, owners),
                self.options.max_skew,
                self.options.max_bytes,
            )

    def _apply(self, checked: list[CheckedRecord]) -> BatchEffects:
        with self.engine.begin() as connection:
            return apply_batch(connection, checked, self.index, self.policy, datetime.now(UTC))

    def _store(self, checked: list[CheckedRecord]) -> BatchEffects:
        """Apply the batch; if the store refuses it for good (a value it cannot hold), apply
        record by record and turn each refused record into a reject, so one record can never
        stop every partition."""
        try:
            return self._apply(checked)
        except PERMANENT as exc:
            log.warning("store refused a batch (%s); isolating the record", type(exc).__name__)
        total = BatchEffects()
        for item in checked:
            try:
                one = self._apply([item])
            except PERMANENT as exc:
                refused = Rejection(
                    Reason.INVALID_FIELD, f"the store refused it: {type(exc).__name__}"
                )
                one = self._apply([dataclasses.replace(item, outcome=refused)])
            total.merge(one)
        return total

    def _relay_once(self) -> RelayResult:
        self._publish_lists()
        return self._relay.flush(self.engine, datetime.now(UTC))

    def _publish_lists(self) -> int:
        """One round of list changes; a failure is logged and retried on the next round, and
        never holds up instructions and rejects."""
        try:
            return publish_list_changes(
                self.engine, self._producer, self._hub_key, self.options.lists_topic
            )
        except TRANSIENT as exc:
            log.warning("list changes not published (%s); retrying later", type(exc).__name__)
            return 0

    def _build_index(self, stop: threading.Event) -> None:
        """Publish list changes still in the outbox, then read alliance.lists to its end, so
        the first batch already matches against every entry the store holds. A long list
        takes a while (each record's signature is checked): wait as long as it progresses."""
        while not stop.is_set() and self._publish_lists():
            pass
        self._follower.start()
        seen, idle_since = -1, time.monotonic()
        while not stop.is_set() and not self._follower.caught_up.wait(1.0):
            if not self._follower.alive:
                raise BrokerError(f"could not read {self.options.lists_topic}")
            if self._follower.applied != seen:
                seen, idle_since = self._follower.applied, time.monotonic()
                log.info("building the list index: %d records read", seen)
            elif time.monotonic() - idle_since > self.options.index_timeout_s:
                raise BrokerError(f"no progress reading {self.options.lists_topic}")

    def _commit_written(self) -> None:
        """Commit the offsets of batches the writer has finished (consumer thread only)."""
        offsets: dict[TopicPartition, OffsetAndMetadata] = {}
        while True:
            try:
                offsets |= self._written.get_nowait()
            except queue.Empty:
                break
        # After a rebalance, partitions handed to another worker are theirs to commit.
        owned = self._consumer.assignment()
        offsets = {tp: offset for tp, offset in offsets.items() if tp in owned}
        if not offsets:
            return
        try:
            self._consumer.commit(offsets)
        except CommitFailedError:
            # The group rebalanced; the new owner replays these records and skips them.
            log.warning("offset commit refused after a rebalance; effects are already stored")

    def _start_next(self, stop: threading.Event, wait: bool) -> _Checking | None:
        """Poll one batch, run the checks before signatures and start verifying those in the
        background (consumer thread); None when there was nothing. Without `wait`, take only
        what is already fetched."""
        timeout = self.options.poll_timeout_ms if wait else 0
        polled = self._consumer.poll(timeout_ms=timeout)
        records = sorted(
            (r for batch in polled.values() for r in batch),
            key=lambda r: (r.topic, r.partition, r.offset),
        )
        if not records:
            return None
        if self.stats is not None and self.stats.first_record_at is None:
            self.stats.first_record_at = time.monotonic()
        topics = {r.topic for r in records}
        context = self._retrying("registry read", lambda: self._context(topics), stop)
        if context is None:
            return None
        times = [_record_time(r) for r in records]
        opened = open_batch(
            [(r.value, r.topic, at) for r, at in zip(records, times, strict=True)], context
        )
        return _Checking(records, times, opened, self._verifier.start(opened.signature_checks))

    @staticmethod
    def _finish(checking: _Checking) -> _Handoff:
        """The rest of the checks, once the batch's signatures are verified."""
        outcomes = read_batch(checking.opened, checking.verification.result())
        checked = [
            CheckedRecord(r.topic, r.partition, r.offset, at, r.value, outcome)
            for r, at, outcome in zip(checking.records, checking.times, outcomes, strict=True)
        ]
        offsets = {
            TopicPartition(r.topic, r.partition): OffsetAndMetadata(r.offset + 1, "", -1)
            for r in checking.records
        }
        return _Handoff(checked, offsets)

    def _hand_over(self, handoff: _Handoff, stop: threading.Event) -> None:
        """Queue a checked batch for the writer, committing what it finishes meanwhile."""
        while not stop.is_set():
            try:
                self._handoff.put(handoff, timeout=0.1)
                return
            except queue.Full:
                self._commit_written()

    def _write(self, handoff: _Handoff, stop: threading.Event) -> bool:
        """Store one batch's effects and publish the outbox (writer thread); False if stopped
        first, in which case nothing of the batch is committed and it is redelivered."""
        started = time.perf_counter()
        effects = self._retrying("database write", lambda: self._store(handoff.checked), stop)
        if effects is None:
            return False
        stored = time.perf_counter()
        try:
            relayed = self._relay_once()
        except TRANSIENT as exc:
            # The outbox rows are stored, so the offsets may move on; the idle loop retries.
            log.warning("outbox relay failed (%s); unsent rows stay queued", type(exc).__name__)
            relayed = RelayResult()
        log.debug(
            "batch of %d: stored in %.1f ms, %d instructions relayed in %.1f ms",
            len(handoff.checked),
            (stored - started) * 1000,
            relayed.instructions,
            (time.perf_counter() - stored) * 1000,
        )
        self._written.put(handoff.offsets)
        self._progress.add(len(handoff.checked), effects, relayed)
        if self.stats is not None:
            self.stats.batches += 1
            self.stats.records += len(handoff.checked)
            self.stats.relayed.append(relayed)
        return True

    def _write_loop(self, stop: threading.Event) -> None:
        try:
            self._write_until_stopped(stop)
        except BaseException as exc:
            # A bug, not a fault to wait out: stop the worker and let run() raise it, so the
            # process exits non-zero and its supervisor restarts it.
            self._writer_error = exc
            stop.set()

    def _write_until_stopped(self, stop: threading.Event) -> None:
        while True:
            try:
                handoff = self._handoff.get(timeout=0.2)
            except queue.Empty:
                if stop.is_set():
                    return
                # Idle: publish what an earlier crash or another worker left unsent.
                relayed = self._retrying("outbox relay", self._relay_once, stop)
                if relayed and self.stats is not None and (relayed.instructions or relayed.rejects):
                    self.stats.relayed.append(relayed)
                continue
            if not self._write(self._with_waiting(handoff), stop):
                return

    def _with_waiting(self, first: _Handoff) -> _Handoff:
        """`first` and the batches checked while the last one was written, as one: a writer
        that fell behind catches up in fewer, larger transactions (each costs a dozen
        statements and a commit however small), so records wait less."""
        checked, offsets = list(first.checked), dict(first.offsets)
        while len(checked) < self.options.max_records * WAITING_BATCHES:
            try:
                more = self._handoff.get_nowait()
            except queue.Empty:
                break
            checked += more.checked
            offsets |= more.offsets  # later batches hold later offsets
        return _Handoff(checked, offsets)

    def assignment(self) -> set[TopicPartition]:
        """The partitions this worker currently owns in its group."""
        return set(self._consumer.assignment())

    def run(self, stop: threading.Event) -> None:
        """Work until `stop` is set. This thread polls, verifies and commits offsets; a writer
        thread stores effects and publishes, so database time overlaps with verification."""
        self._verifier.warm_up()
        self._build_index(stop)
        writer = threading.Thread(target=self._write_loop, args=(stop,), name="hub-writer")
        writer.start()
        # While one batch's signatures are verified in the background, the next batch is
        # polled and opened; a batch stopped half-way is simply redelivered.
        checking: _Checking | None = None
        try:
            while not stop.is_set() and writer.is_alive():
                if not self._follower.alive:
                    raise BrokerError("the list index stopped following alliance.lists")
                self._commit_written()
                started = self._start_next(stop, wait=checking is None)
                if checking is not None:
                    self._hand_over(self._finish(checking), stop)
                checking = started
        finally:
            stop.set()
            writer.join()
            self._commit_written()
        if self._writer_error is not None:
            raise self._writer_error

    def close(self) -> None:
        self._verifier.close()
        self._follower.stop()
        self._consumer.close(autocommit=False)
        self._producer.close(timeout=10)
