"""The worker: a consumer-group member that turns signal and ack records into effects.

Per batch, in this order (house style 6): verify the records (no I/O but one registry read),
write all effects in one database transaction, and only then commit the offsets, explicitly,
as last offset + 1. The outbox (instructions, rejects) is published from the stored rows. A
crash anywhere replays the batch; effects are idempotent (see `effects`), so nothing is lost
and nothing doubled. Poison records become rejects and never stop a partition. A database or
broker that is down is retried with back-off, forever, with readiness reported false
meanwhile: transient faults are never dead-lettered (`retry`).

Three strands share the work, so that waiting and Python work overlap:
- the consumer thread polls, checks and commits offsets (kafka-python's consumer is not
  thread-safe, so only it touches the consumer);
- a child process verifies each batch's signatures, the costliest check, while the consumer
  thread polls and opens the next batch (`signatures`);
- the writer thread stores effects, in poll order, hands back the offsets it may commit
  (`writer`) and publishes the outbox (`outbox`).
"""

import gc
import logging
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.consumer.fetcher import ConsumerRecord
from kafka.errors import CommitFailedError
from kafka.structs import OffsetAndMetadata

from alliance_connector.envelope import MAX_ENVELOPE_BYTES
from alliance_connector.signing import SigningKey
from alliance_connector.topics import LISTS_TOPIC
from hub.errors import BrokerError
from hub.kafka.topics import WORKER_SUBSCRIPTION
from hub.lists.index import ListFollower, ListIndex
from hub.pipeline.checks import CheckContext, OpenedBatch, open_batch, read_batch, topic_owner
from hub.pipeline.effects import BatchEffects, CheckedRecord
from hub.pipeline.outbox import OutboxPublisher
from hub.pipeline.progress import Progress
from hub.pipeline.relay import RelayResult
from hub.pipeline.retry import Retrier
from hub.pipeline.signatures import SignatureVerifier, Verification
from hub.pipeline.writer import BatchWriter, Handoff
from hub.policy.loading import default_policy
from hub.policy.rules import Policy
from hub.store.members import allowed_categories, keys_for

__all__ = ["Worker", "WorkerOptions", "WorkerStats"]

log = logging.getLogger(__name__)


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
        self._retrier = Retrier(self.options.backoff_max_s)
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
            # Client-side metrics cost a tenth of the network thread's time and nobody reads
            # them: the hub measures its flows from the broker (hub.kafka.flows).
            metrics_enabled=False,
            **kafka_options,
        )
        self._consumer.subscribe(pattern=self.options.subscription)
        self._producer = KafkaProducer(
            acks="all",
            enable_idempotence=True,
            linger_ms=2,
            max_block_ms=5_000,  # a missing topic delays one relay round, not a minute
            metrics_enabled=False,
            **kafka_options,
        )
        self._verifier = SignatureVerifier(self.options.verify_processes)
        self.index = ListIndex()
        self._follower = ListFollower(
            kafka_options, hub_key.verify_key, self.index, self.options.lists_topic
        )
        self._progress = Progress()
        self._outbox = OutboxPublisher(
            engine, self._producer, hub_key, self.options.lists_topic, self._retrier, self._sent
        )
        self._writer = BatchWriter(
            engine,
            self.index,
            self.policy,
            self._retrier,
            self.options.max_records,
            self._outbox,
            self._stored,
        )

    @property
    def ready(self) -> bool:
        """Whether the last attempt to reach the database and broker succeeded."""
        return self._retrier.ready

    def _stored(self, handoff: Handoff, effects: BatchEffects) -> None:
        """The writer stored a batch (writer thread)."""
        self._progress.add(len(handoff.checked), effects)
        if self.stats is not None:
            self.stats.batches += 1
            self.stats.records += len(handoff.checked)

    def _sent(self, relayed: RelayResult) -> None:
        """The outbox published instructions or rejects (writer thread)."""
        self._progress.sent(relayed.instructions)
        if self.stats is not None:
            self.stats.relayed.append(relayed)

    def _context(self, topics: set[str]) -> CheckContext:
        owners = {owner for topic in topics if (owner := topic_owner(topic))}
        with self.engine.connect() as connection:
            return CheckContext(
                keys_for(connection, owners),
                allowed_categories(connection, owners),
                self.options.max_skew,
                self.options.max_bytes,
            )

    def _build_index(self, stop: threading.Event) -> None:
        """Publish list changes still in the outbox, then read alliance.lists to its end, so
        the first batch already matches against every entry the store holds. A long list
        takes a while (each record's signature is checked): wait as long as it progresses."""
        while not stop.is_set() and self._outbox.publish_lists():
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
        offsets = self._writer.written_offsets()
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
        context = self._retrier.run("registry read", lambda: self._context(topics), stop)
        if context is None:
            return None
        times = [_record_time(r) for r in records]
        opened = open_batch(
            [(r.value, r.topic, at) for r, at in zip(records, times, strict=True)], context
        )
        return _Checking(records, times, opened, self._verifier.start(opened.signature_checks))

    @staticmethod
    def _finish(checking: _Checking) -> Handoff:
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
        return Handoff(checked, offsets)

    def assignment(self) -> set[TopicPartition]:
        """The partitions this worker currently owns in its group."""
        return set(self._consumer.assignment())

    def run(self, stop: threading.Event) -> None:
        """Work until `stop` is set; raise what stopped the writer, if a bug did."""
        self._verifier.warm_up()
        self._build_index(stop)
        # What exists now lives as long as the worker: the clients, the schemas, the list
        # index (millions of objects for a long list). Frozen, the collector's full passes
        # stop walking it, which otherwise paused every thread for tens of milliseconds
        # and, with a long list, for seconds.
        gc.freeze()
        writer = threading.Thread(target=self._writer.run, args=(stop,), name="hub-writer")
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
                    self._writer.hand_over(self._finish(checking), stop, self._commit_written)
                checking = started
        finally:
            stop.set()
            writer.join()
            self._commit_written()
        if self._writer.error is not None:
            raise self._writer.error

    def close(self) -> None:
        self._verifier.close()
        self._follower.stop()
        self._consumer.close(autocommit=False)
        self._producer.close(timeout=10)
