"""What is flowing through the alliance's topics, read from the broker: each partition's end
offset, and how far the worker group has committed, so rates and lag come from the real
broker, not from the hub's own counting."""

import threading
import time
from dataclasses import dataclass

from kafka import KafkaConsumer, TopicPartition
from kafka.admin import KafkaAdminClient
from kafka.errors import KafkaError

from hub.errors import BrokerError

__all__ = ["FlowReader", "FlowSnapshot"]


@dataclass(frozen=True)
class FlowSnapshot:
    at: float  # time.monotonic() when read
    ends: dict[TopicPartition, int]  # next offset per partition: messages ever written
    committed: dict[TopicPartition, int]  # the worker group's committed offsets

    def lag(self) -> dict[TopicPartition, int]:
        """Records the worker group has not committed yet, per partition it reads."""
        return {tp: max(0, self.ends.get(tp, 0) - offset) for tp, offset in self.committed.items()}

    def messages(self) -> dict[str, int]:
        totals: dict[str, int] = {}
        for tp, end in self.ends.items():
            totals[tp.topic] = totals.get(tp.topic, 0) + end
        return totals


class FlowReader:
    """Reads snapshots of the `alliance.*` topics; safe to call from several threads."""

    def __init__(self, kafka_options: dict[str, object], group: str) -> None:
        self._options = kafka_options
        self._group = group
        self._lock = threading.Lock()
        self._consumer: KafkaConsumer | None = None
        self._admin: KafkaAdminClient | None = None

    def snapshot(self) -> FlowSnapshot:
        with self._lock:
            try:
                if self._consumer is None or self._admin is None:
                    self._consumer = KafkaConsumer(**self._options)
                    self._admin = KafkaAdminClient(**self._options)
                topics = sorted(t for t in self._consumer.topics() if t.startswith("alliance."))
                partitions = [
                    TopicPartition(topic, p)
                    for topic in topics
                    for p in sorted(self._consumer.partitions_for_topic(topic) or ())
                ]
                ends = self._consumer.end_offsets(partitions) if partitions else {}
                found = self._admin.list_group_offsets({self._group: None}).get(self._group, {})
            except KafkaError as exc:
                self.close()
                raise BrokerError(f"could not read the topics' offsets: {exc}") from exc
        committed = {tp: meta.offset for tp, meta in found.items() if meta.offset >= 0}
        return FlowSnapshot(time.monotonic(), dict(ends), committed)

    def close(self) -> None:
        if self._consumer is not None:
            self._consumer.close()
        if self._admin is not None:
            self._admin.close()
        self._consumer = self._admin = None
