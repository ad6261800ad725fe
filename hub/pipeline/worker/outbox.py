"""Publishing the outbox: list changes, then unsent instructions and rejects.

Right after storing a batch the writer sends the instructions it issued, from memory, and
runs a round if it stored rejects; and a round at least every 0.2 s (marking sent what the
broker confirmed, rows a crash or another worker left unsent, list changes, retries). Rounds
are the writer's because on SQLite one connection writes at a time, and marking rows sent is
a write: a second thread would wait on SQLite's sleeping busy loop while the writer, always
busy under load, wins every time.
Offsets never wait for a round; the outbox rows are stored, so a crash before they are
published loses nothing.
"""

import logging
import threading
import time
from collections.abc import Callable

import sqlalchemy as sa

from alliance_connector.signing import SigningKey
from alliance_connector.topics import REJECTED_TOPIC, instructions_topic, member_id
from hub.kafka.clients import KafkaError, KafkaProducer
from hub.lists.publishing import publish_list_changes
from hub.pipeline.effects import BatchEffects
from hub.pipeline.worker.relay import OutboxRelay, RelayResult, Wanted
from hub.pipeline.worker.retry import TRANSIENT, Retrier
from hub.store.errors import reading
from hub.store.members import member_ids

__all__ = ["OutboxPublisher"]

log = logging.getLogger(__name__)

# Rows another worker or a crash left unsent, and list changes, wait at most this long while
# this worker is busy with batches that publish nothing themselves.
ROUND_EVERY_S = 0.2


class OutboxPublisher:
    """Rounds of publishing for the writer (`after_batch`, `when_idle`)."""

    def __init__(
        self,
        engine: sa.Engine,
        producer: KafkaProducer,
        hub_key: SigningKey,
        lists_topic: str,
        retrier: Retrier,
        on_published: Callable[[RelayResult], None],
    ) -> None:
        self._engine = engine
        self._producer = producer
        self._hub_key = hub_key
        self._lists_topic = lists_topic
        self._relay = OutboxRelay(producer, hub_key)
        self._retrier = retrier
        self._on_published = on_published
        self._last_full_round = 0.0

    def warm_up(self) -> None:
        """Learn where every member's instructions topic lives before the first instruction:
        the first send to a topic the producer has not seen waits about 100 ms for its
        metadata, and every batch queued behind it waits too."""
        with reading(self._engine) as connection:
            topics = [instructions_topic(member_id(m)) for m in member_ids(connection)]
        for topic in [*topics, REJECTED_TOPIC, self._lists_topic]:
            try:
                self._producer.partitions_for(topic)
            except KafkaError as exc:  # a member without topics yet: learnt at first send
                log.warning("no metadata for %s yet (%s)", topic, type(exc).__name__)

    def publish_lists(self) -> int:
        """One round of list changes; a failure is logged and retried on the next round, and
        never holds up instructions and rejects."""
        try:
            return publish_list_changes(
                self._engine, self._producer, self._hub_key, self._lists_topic
            )
        except TRANSIENT as exc:
            log.warning("list changes not published (%s); retrying later", type(exc).__name__)
            return 0

    def round(self, fresh: BatchEffects | None = None) -> RelayResult:
        """A round of the relay: marks what the broker confirmed, sends the rejects `fresh`
        stored, if any; every ROUND_EVERY_S also list changes and a sweep of rows left
        unsent."""
        now = time.monotonic()
        sweep = now - self._last_full_round >= ROUND_EVERY_S
        if sweep:
            self._last_full_round = now
            self.publish_lists()
        wanted = Wanted(fresh.reject_sources if fresh else (), sweep=sweep)
        return self._relay.round(self._engine, wanted)

    def after_batch(self, effects: BatchEffects) -> None:
        """Right after a batch was stored: send its instructions from memory, and run a round
        if it stored rejects or the last full round is ROUND_EVERY_S old; a failure is left to
        the next round."""
        self._relay.send_issued(new.row for new in effects.instructions)
        due = time.monotonic() - self._last_full_round >= ROUND_EVERY_S
        if not (effects.reject_sources or due):
            return  # a query and a commit saved on most batches of a busy worker
        try:
            self._report(self.round(effects))
        except TRANSIENT as exc:
            log.warning("outbox relay failed (%s); unsent rows stay queued", type(exc).__name__)

    def when_idle(self, stop: threading.Event) -> None:
        """A round while nothing else is to be done, retried while it fails transiently."""
        self._report(self._retrier.run("outbox relay", self.round, stop))

    def drain(self) -> None:
        """Before the process ends: wait for the broker's answers and mark what it confirmed
        (one attempt; what stays unmarked is sent again later, and members de-duplicate)."""
        try:
            self._report(self._relay.drain(self._engine))
        except TRANSIENT as exc:
            log.warning("outbox not drained (%s); unmarked rows go out again", type(exc).__name__)

    def _report(self, published: RelayResult | None) -> None:
        if published is not None and (published.instructions or published.rejects):
            self._on_published(published)
