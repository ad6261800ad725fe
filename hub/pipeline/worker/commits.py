"""Offsets the store holds but the broker has not yet confirmed as committed.

The worker commits asynchronously, so a poll does not wait for the coordinator. A commit that
fails (the coordinator is away during a broker outage) must be sent again: otherwise a
partition that receives nothing more keeps its committed offset behind the ledger for good,
and a restarted worker replays what is stored (harmless, but it looks like lag for ever).
So each partition's highest stored offset stays here until a commit carrying it (or a later
one) is accepted, or the partition is revoked and becomes another worker's to commit. One
commit is in flight at a time, and after a failure the next waits a second (polls come every
few milliseconds, and the coordinator is not back sooner): the next poll after that sends
whatever is pending then.
"""

import threading
import time
from collections.abc import Callable

from hub.kafka.clients import OffsetAndMetadata, TopicPartition

__all__ = ["RETRY_AFTER_S", "PendingCommits"]

RETRY_AFTER_S = 1.0

Offsets = dict[TopicPartition, OffsetAndMetadata]


class PendingCommits:
    """The highest stored offset per partition not yet confirmed; thread-safe, since commit
    answers arrive on the consumer's network thread."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._pending: Offsets = {}
        self._in_flight = False
        self._not_before = 0.0  # monotonic time before which a failed commit is not resent
        self.failures = 0  # since the last accepted commit, so an outage logs once
        self._lock = threading.Lock()

    def add(self, offsets: Offsets) -> None:
        """Offsets the store process has just committed to the database."""
        with self._lock:
            for tp, offset in offsets.items():
                held = self._pending.get(tp)
                if held is None or offset.offset > held.offset:
                    self._pending[tp] = offset

    def to_send(self, owned: set[TopicPartition], force: bool = False) -> Offsets:
        """What to commit now, for the partitions this worker still owns (the others are
        forgotten); empty while a commit is in flight, unless `force` (the last commit at
        stop, which waits for its answer)."""
        with self._lock:
            self._pending = {tp: o for tp, o in self._pending.items() if tp in owned}
            waiting = self._in_flight or self._clock() < self._not_before
            if not self._pending or (waiting and not force):
                return {}
            self._in_flight = True
            return dict(self._pending)

    def answered(self, sent: Offsets, failure: Exception | None) -> None:
        """The broker's answer to a commit of `sent`: accepted, its offsets are confirmed
        (those not overtaken since are dropped); failed, they stay to be sent again."""
        with self._lock:
            self._in_flight = False
            if failure is not None:
                self.failures += 1
                self._not_before = self._clock() + RETRY_AFTER_S
                return
            self.failures = 0
            for tp, offset in sent.items():
                held = self._pending.get(tp)
                if held is not None and held.offset <= offset.offset:
                    del self._pending[tp]

    def __len__(self) -> int:
        with self._lock:
            return len(self._pending)
