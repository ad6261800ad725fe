"""The writer thread: stores checked batches' effects, in poll order, hands back the offsets
that may then be committed, and publishes the outbox (`outbox`).

Each write is one database transaction (`effects.apply_batch`). A writer that fell behind
takes every batch waiting for it at once: a transaction costs a dozen statements and a commit
however small it is, so larger ones let records wait less.
"""

import dataclasses
import logging
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa

from alliance_connector.reasons import Reason
from hub.errors import StoreRefused
from hub.kafka.clients import OffsetAndMetadata, TopicPartition
from hub.pipeline.effects import BatchEffects, apply_batch
from hub.pipeline.messages import CheckedRecord, Rejection
from hub.pipeline.worker.outbox import ROUND_EVERY_S, OutboxPublisher
from hub.pipeline.worker.retry import Retrier
from hub.policy.rules import Policy
from hub.sanctions.index import ListIndex
from hub.store.errors import transaction

__all__ = ["BatchWriter", "Handoff"]

log = logging.getLogger(__name__)

# Checked batches that may wait for the writer before polling pauses.
WAITING_BATCHES = 4


@dataclass(frozen=True)
class Handoff:
    """A checked batch and the offsets to commit once its effects are stored."""

    checked: list[CheckedRecord]
    offsets: dict[TopicPartition, OffsetAndMetadata]
    batches: int = 1  # polled batches merged into this one


class BatchWriter:
    """Stores handed-over batches on its own thread (`run`)."""

    def __init__(
        self,
        engine: sa.Engine,
        index: ListIndex,
        policy: Policy,
        retrier: Retrier,
        max_records: int,
        outbox: OutboxPublisher,
        on_stored: Callable[[Handoff, BatchEffects], None],
    ) -> None:
        self._engine = engine
        self._index = index
        self._policy = policy
        self._retrier = retrier
        self._max_records = max_records
        self._outbox = outbox
        self._on_stored = on_stored
        self._waiting: queue.Queue[Handoff] = queue.Queue(maxsize=WAITING_BATCHES)
        self.error: BaseException | None = None

    def hand_over(self, handoff: Handoff, stop: threading.Event) -> None:
        """Queue a checked batch, waiting while the queue is full."""
        while not stop.is_set():
            try:
                self._waiting.put(handoff, timeout=0.1)
                return
            except queue.Full:
                continue

    def run(self, stop: threading.Event) -> None:
        """Write until `stop` is set (thread target). A bug, not a fault to wait out, is kept
        in `error` and stops the worker, so its process exits non-zero and its supervisor
        restarts it."""
        try:
            while not stop.is_set():
                try:
                    first = self._waiting.get(timeout=ROUND_EVERY_S)
                except queue.Empty:
                    self._outbox.when_idle(stop)
                    continue
                if not self._write(self._with_waiting(first), stop):
                    return
        except BaseException as exc:
            self.error = exc
            stop.set()

    def _write(self, handoff: Handoff, stop: threading.Event) -> bool:
        """Store one batch; False if stopped during an outage first, in which case nothing of
        it is committed and it is redelivered."""
        effects = self._retrier.run("database write", lambda: self._store(handoff.checked), stop)
        if effects is None:
            return False
        self._outbox.after_batch(effects)
        self._on_stored(handoff, effects)
        return True

    def _with_waiting(self, first: Handoff) -> Handoff:
        """`first` and the batches checked while the last one was written, as one."""
        checked, offsets, batches = list(first.checked), dict(first.offsets), first.batches
        while len(checked) < self._max_records * WAITING_BATCHES:
            try:
                more = self._waiting.get_nowait()
            except queue.Empty:
                break
            checked += more.checked
            offsets |= more.offsets  # later batches hold later offsets
            batches += more.batches
        return Handoff(checked, offsets, batches)

    def _apply(self, checked: list[CheckedRecord]) -> BatchEffects:
        with transaction(self._engine) as connection:
            return apply_batch(connection, checked, self._index, self._policy, datetime.now(UTC))

    def _store(self, checked: list[CheckedRecord]) -> BatchEffects:
        """Apply the batch; if the store refuses it for good (a value it cannot hold), apply
        record by record and turn each refused record into a reject, so one record can never
        stop every partition."""
        try:
            return self._apply(checked)
        except StoreRefused as exc:
            log.warning("store refused a batch (%s); isolating the record", exc.reason)
        total = BatchEffects()
        for item in checked:
            try:
                one = self._apply([item])
            except StoreRefused as exc:
                refused = Rejection(Reason.INVALID_FIELD, f"the store refused it: {exc.reason}")
                one = self._apply([dataclasses.replace(item, outcome=refused)])
            total.merge(one)
        return total
