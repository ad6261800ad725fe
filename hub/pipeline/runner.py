"""The worker: a consumer-group member that turns signal and ack records into effects.

Per batch, in this order (house style 6): verify the records (no I/O but one registry read),
write all effects in one database transaction, publish the outbox, and only then commit the
offsets, explicitly, as last offset + 1. A crash anywhere replays the batch; effects are
idempotent (see `effects`), so nothing is lost and nothing doubled. Poison records become
rejects and never stop a partition. A database or broker that is down is retried with
back-off, forever, with readiness reported false meanwhile: transient faults are never
dead-lettered.

Two threads share the work so that database time overlaps with signature checks: the
consumer thread polls, verifies and commits offsets (kafka-python's consumer is not
thread-safe, so only it touches the consumer); the writer thread stores effects and publishes
the outbox, one batch at a time, in poll order, and hands back the offsets it may commit.
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
from hub.pipeline.checks import CheckContext, Rejection, check_record, topic_owner
from hub.pipeline.effects import BatchEffects, CheckedRecord, apply_batch
from hub.pipeline.progress import Progress
from hub.pipeline.relay import OutboxRelay, RelayResult
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


@dataclass
class WorkerStats:
    batches: int = 0
    records: int = 0
    first_record_at: float | None = None  # time.monotonic() of the first non-empty poll
    relayed: list[RelayResult] = field(default_factory=list)


LOG_APPEND_TIME = 1


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


def _checked(record: ConsumerRecord, context: CheckContext) -> CheckedRecord:
    record_time = _record_time(record)
    verdict = check_record(record.value, record.topic, record_time, context)
    return CheckedRecord(
        record.topic, record.partition, record.offset, record_time, record.value, verdict
    )


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
        self._hub_key = hub_key
        self.index = ListIndex()
        self._follower = ListFollower(
            kafka_options, hub_key.verify_key, self.index, self.options.lists_topic
        )
        self._progress = Progress()
        # Checked batches wait here for the writer: one being written, one checked, no more.
        self._handoff: queue.Queue[_Handoff | None] = queue.Queue(maxsize=1)
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

    def _check_next(self, stop: threading.Event) -> _Handoff | None:
        """Poll and verify one batch (consumer thread); None when there was nothing."""
        polled = self._consumer.poll(timeout_ms=self.options.poll_timeout_ms)
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
        offsets = {
            TopicPartition(r.topic, r.partition): OffsetAndMetadata(r.offset + 1, "", -1)
            for r in records
        }
        return _Handoff([_checked(r, context) for r in records], offsets)

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
            if handoff is None or not self._write(handoff, stop):
                return

    def assignment(self) -> set[TopicPartition]:
        """The partitions this worker currently owns in its group."""
        return set(self._consumer.assignment())

    def run(self, stop: threading.Event) -> None:
        """Work until `stop` is set. This thread polls, verifies and commits offsets; a writer
        thread stores effects and publishes, so database time overlaps with verification."""
        self._build_index(stop)
        writer = threading.Thread(target=self._write_loop, args=(stop,), name="hub-writer")
        writer.start()
        try:
            while not stop.is_set() and writer.is_alive():
                if not self._follower.alive:
                    raise BrokerError("the list index stopped following alliance.lists")
                self._commit_written()
                handoff = self._check_next(stop)
                while handoff is not None and not stop.is_set():
                    try:
                        self._handoff.put(handoff, timeout=0.1)
                        handoff = None
                    except queue.Full:
                        self._commit_written()
        finally:
            stop.set()
            writer.join()
            self._commit_written()
        if self._writer_error is not None:
            raise self._writer_error

    def close(self) -> None:
        self._follower.stop()
        self._consumer.close(autocommit=False)
        self._producer.close(timeout=10)
