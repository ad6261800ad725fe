"""The worker: a consumer-group member that turns signal and ack records into effects.

Per batch, in this order (house style 6): verify the records (no I/O but one registry read,
of one number while the registry is unchanged: `registry`), write all effects in one database
transaction, and only then commit the offsets, explicitly, as last offset + 1. The outbox
(instructions, rejects) is published from the stored rows. A crash anywhere replays the
batch; effects are idempotent (see `effects`), so nothing is lost and nothing doubled. Poison
records become rejects and never stop a partition. A database or broker that is down is
retried with back-off, forever, with readiness reported false meanwhile: transient faults are
never dead-lettered (`retry`).

Three processes share the work, so that one interpreter lock does not serialise it all:
- this one: its consumer thread polls, checks and commits offsets (kafka-python's consumer is
  not thread-safe, so only it touches the consumer);
- a child verifies each batch's signatures, the costliest check, while the consumer thread
  polls and opens the next batch (`signatures`);
- the store process stores effects, in poll order, publishes the outbox and keeps the list
  index, and hands back the offsets that may be committed (`store_process`, `writer`).
"""

import gc
import logging
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime

import sqlalchemy as sa

from alliance_connector.signing import SigningKey
from hub.config import WorkerOptions
from hub.errors import StoreFailed
from hub.kafka.clients import (
    CommitFailedError,
    ConsumerRecord,
    KafkaError,
    OffsetAndMetadata,
    TopicPartition,
    open_consumer,
)
from hub.pipeline.checks import CheckContext, OpenedBatch, open_batch, read_batch, topic_owner
from hub.pipeline.messages import CheckedRecord, Outcome, Rejection
from hub.pipeline.signatures import SignatureVerifier, Verification
from hub.pipeline.worker.commits import Offsets, PendingCommits
from hub.pipeline.worker.registry import RegistryView
from hub.pipeline.worker.relay import RelayResult
from hub.pipeline.worker.retry import Retrier
from hub.pipeline.worker.store_process import StoreProcess, StoreSetup
from hub.pipeline.worker.writer import Handoff
from hub.policy.loading import default_policy
from hub.policy.rules import Policy

__all__ = ["Worker", "WorkerStats"]

log = logging.getLogger(__name__)


# How long a poll may wait while the consumer (re)joins its group: the metadata and join
# round trips, never the records' latency (a worker owns no partitions while it joins).
REJOIN_POLL_MS = 2_000


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


def _carried(value: bytes | None, outcome: Outcome) -> bytes | None:
    """The raw value to hand to the store process with the record: only where a reject may keep
    it. That is a clean rejection, and an accepted record, which the store may still refuse
    (REPLAY, UNKNOWN_INSTRUCTION, WRONG_MEMBER) and which passed every rule; a rejection that
    is not clean may hold a personal identifier in clear and its bytes stay here. Carrying an
    accepted signal's few hundred bytes costs the store process about 2 us to unpickle."""
    if isinstance(outcome, Rejection):
        return value if outcome.clean else None
    return value


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
        self._registry = RegistryView(engine)
        self._pending = PendingCommits()
        self.stats = WorkerStats() if keep_stats else None
        self._consumer = open_consumer(
            kafka_options,
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
        )
        self._consumer.subscribe(pattern=self.options.subscription)
        self._verifier = SignatureVerifier(self.options.verify_processes)
        self._store = StoreProcess(
            StoreSetup(
                database_url=engine.url.render_as_string(hide_password=False),
                kafka_options=dict(kafka_options),
                hub_seed=hub_key.seed(),
                hub_key_id=hub_key.key_id,
                policy=self.policy,
                options=self.options,
                log_level=logging.getLogger().getEffectiveLevel(),
            ),
            self._written,
            self._published,
        )

    @property
    def ready(self) -> bool:
        """Whether the last attempts to reach the database and broker succeeded, here and in
        the store process."""
        return self._retrier.ready and self._store.ready

    def _written(self, records: int) -> None:
        """The store process committed a batch."""
        if self.stats is not None:
            self.stats.batches += 1
            self.stats.records += records

    def _published(self, relayed: RelayResult) -> None:
        """The store process published instructions or rejects."""
        if self.stats is not None:
            self.stats.relayed.append(relayed)

    def _context(self, topics: set[str]) -> CheckContext:
        owners = {owner for topic in topics if (owner := topic_owner(topic))}
        keys, categories, suspensions = self._registry.read(owners)
        options = self.options
        return CheckContext(keys, categories, options.max_skew, options.max_bytes, suspensions)

    def _commit_written(self, wait: bool = False) -> None:
        """Commit the offsets the store holds and the broker has not confirmed yet (consumer
        thread only): those of batches finished since the last call, and any whose commit
        failed (hub.pipeline.worker.commits).

        Without `wait` the commit is sent and not waited for: waiting cost every poll 1.5 ms
        (7 ms at p99) at 1,000 signals/s. A commit that fails is sent again from a later poll.
        """
        self._pending.add(self._store.written_offsets())
        # After a rebalance, partitions handed to another worker are theirs to commit.
        offsets = self._pending.to_send(self._consumer.assignment(), force=wait)
        if not offsets:
            return
        if not wait:
            self._consumer.commit_async(offsets, callback=self._commit_answered)
            return
        try:
            self._consumer.commit(offsets)
        except CommitFailedError as exc:
            # The group rebalanced; the new owner replays these records and skips them.
            log.warning("offset commit refused after a rebalance; effects are already stored")
            self._pending.answered(offsets, exc)
        except KafkaError as exc:
            log.warning("offset commit failed at stop (%s); effects are already stored", exc)
            self._pending.answered(offsets, exc)
        else:
            self._pending.answered(offsets, None)

    def _commit_answered(self, offsets: Offsets, response: object) -> None:
        """An asynchronous commit's outcome (on the consumer's network thread)."""
        failure = response if isinstance(response, Exception) else None
        if failure is not None and self._pending.failures == 0:  # once an outage
            log.warning("offset commit failed (%s); sent again every second", failure)
        self._pending.answered(offsets, failure)

    def _start_next(self, stop: threading.Event, wait: bool) -> _Checking | None:
        """Poll one batch, run the checks before signatures and start verifying those in the
        background (consumer thread); None when there was nothing. Without `wait`, take only
        what is already fetched."""
        timeout = self.options.poll_timeout_ms if wait else 0
        if self._consumer._coordinator.need_rejoin():  # kafka-python 3.0 has no public call
            # Before each (re)join of a pattern subscription kafka-python waits for fresh
            # metadata of every topic, and gives up on the join when the poll's timeout ends
            # first: on a busy broker with hundreds of topics a short poll never joins.
            timeout = max(timeout, REJOIN_POLL_MS)
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
            CheckedRecord(r.topic, r.partition, r.offset, at, _carried(r.value, outcome), outcome)
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
        """Work until `stop` is set; raise StoreFailed if the store process stopped on a bug
        or died."""
        self._verifier.warm_up()
        self._store.start(stop)
        # What exists now lives as long as the worker: clients, schemas, compiled queries.
        # Frozen, the collector's full passes stop walking it (they paused every thread).
        gc.freeze()
        # While one batch's signatures are verified in the background, the next batch is
        # polled and opened; a batch stopped half-way is simply redelivered.
        checking: _Checking | None = None
        try:
            while not stop.is_set():
                self._commit_written()
                started = self._start_next(stop, wait=checking is None)
                if checking is not None:
                    self._store.hand_over(self._finish(checking), stop)
                checking = started
        finally:
            stop.set()
            self._store.finish()
            self._commit_written_after_stop()

    def _commit_written_after_stop(self) -> None:
        try:
            self._commit_written(wait=True)
        except StoreFailed:
            pass  # already being raised from the loop, or it ended after its last batch

    def close(self) -> None:
        self._verifier.close()
        self._consumer.close(autocommit=False)
