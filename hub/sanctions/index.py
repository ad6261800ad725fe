"""The match index every worker keeps in memory: identifier -> the list entries naming it.

A worker builds it from the compacted topic alliance.lists at start (reading every partition
from the beginning to the end offsets it found) and then follows the topic live, so a new
listing matches the next signal within about a second (one relay round and one poll).
Records are verified against the hub's own key before they are believed, and must name the
entry they are keyed by; anything else on the topic (an unsigned tombstone too) is logged
and skipped, never trusted. Each entry keeps its highest version, so an older state arriving
late changes nothing, even after the entry left the list.

The index only proposes: matching reads each proposed entry's status from the store.
"""

import logging
import threading
from dataclasses import dataclass

from alliance_connector.envelope import open_verified
from alliance_connector.errors import MessageRejected
from alliance_connector.identifiers import IdentifierScheme
from alliance_connector.messages import ListType, SignalCategory
from alliance_connector.signing import VerifyKey
from alliance_connector.topics import HUB_SIGNER, LISTS_TOPIC
from hub.domain.lists import ACTIVE_STATUSES, ListStatus
from hub.kafka.clients import ConsumerRecord, TopicPartition, open_consumer

__all__ = ["MAX_STATE_BYTES", "IndexedEntry", "ListFollower", "ListIndex"]

log = logging.getLogger(__name__)

# A list entry's state is larger than a signal's envelope allows when it names many
# identifiers (the importer caps them at 100 per entry, well under this).
MAX_STATE_BYTES = 1024 * 1024


@dataclass(frozen=True)
class IndexedEntry:
    entry_id: str
    version: int
    list_type: ListType
    category: SignalCategory
    status: ListStatus
    identifiers: frozenset[tuple[str, str]]  # (scheme, value)


class ListIndex:
    """Entries by id and by identifier; safe to read while the follower writes."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: dict[str, IndexedEntry] = {}
        self._by_identifier: dict[tuple[str, str], set[str]] = {}
        self._versions: dict[str, int] = {}  # every entry seen, on the list or not

    def __len__(self) -> int:
        return len(self._entries)

    def put(self, entry: IndexedEntry) -> None:
        """Take the entry's state: indexed while it is on the list, dropped once it left."""
        with self._lock:
            if self._versions.get(entry.entry_id, 0) > entry.version:
                return  # an older state arriving late changes nothing
            self._versions[entry.entry_id] = entry.version
            self._forget(entry.entry_id)
            if entry.status not in ACTIVE_STATUSES:
                return
            self._entries[entry.entry_id] = entry
            for identifier in entry.identifiers:
                self._by_identifier.setdefault(identifier, set()).add(entry.entry_id)

    def _forget(self, entry_id: str) -> None:
        old = self._entries.pop(entry_id, None)
        for identifier in old.identifiers if old else ():
            ids = self._by_identifier.get(identifier, set())
            ids.discard(entry_id)
            if not ids:
                self._by_identifier.pop(identifier, None)

    def get(self, entry_id: str) -> IndexedEntry | None:
        return self._entries.get(entry_id)

    def matching(self, identifiers: set[tuple[str, str]]) -> list[IndexedEntry]:
        """The entries naming any of these identifiers, by entry id."""
        with self._lock:
            ids = {e for i in identifiers for e in self._by_identifier.get(i, ())}
            return [self._entries[e] for e in sorted(ids)]


def _entry(record: dict[str, object]) -> IndexedEntry:
    identifiers = record["identifiers"]
    assert isinstance(identifiers, list)  # noqa: S101 - the Avro schema says so
    return IndexedEntry(
        entry_id=str(record["entry_id"]),
        version=int(str(record["version"])),
        list_type=ListType(str(record["list_type"])),
        category=SignalCategory(str(record["category"])),
        status=ListStatus(str(record["status"])),
        identifiers=frozenset(
            (str(IdentifierScheme(i["scheme"])), str(i["value"])) for i in identifiers
        ),
    )


class ListFollower:
    """Reads alliance.lists into a ListIndex on a thread of its own."""

    def __init__(
        self,
        kafka_options: dict[str, object],
        hub_key: VerifyKey,
        index: ListIndex,
        topic: str = LISTS_TOPIC,
    ) -> None:
        self.index = index
        self.caught_up = threading.Event()
        self._hub_key = hub_key
        self._topic = topic
        self._consumer = open_consumer(
            kafka_options, group_id=None, enable_auto_commit=False, auto_offset_reset="earliest"
        )
        self._stop = threading.Event()
        self._started = False
        self.applied = 0  # records read so far: how a waiting worker sees progress
        self._thread = threading.Thread(target=self._run, name="hub-list-follower", daemon=True)

    def start(self) -> None:
        self._started = True
        self._thread.start()

    def _apply(self, record: ConsumerRecord) -> None:
        key = (record.key or b"").decode("utf-8", "replace")
        try:
            opened = open_verified(
                record.value,
                lambda signer, key_id: self._hub_key if key_id == self._hub_key.key_id else None,
                HUB_SIGNER,
                max_bytes=MAX_STATE_BYTES,
            )
            entry = _entry(opened.record)
            if entry.entry_id != key:
                raise ValueError(f"record for {entry.entry_id!r} keyed {key!r}")
        except (MessageRejected, ValueError, KeyError) as exc:
            log.warning("skipping %s offset %d: %s", self._topic, record.offset, exc)
            return
        self.index.put(entry)

    @property
    def alive(self) -> bool:
        """False once the follower stopped on an error: the index no longer follows."""
        return self._thread.is_alive() or not self._started

    def _run(self) -> None:
        try:
            self._follow()
        except Exception:
            log.exception("the list follower stopped; the index no longer follows %s", self._topic)
            raise

    def _follow(self) -> None:
        partitions = self._consumer.partitions_for_topic(self._topic) or set()
        assigned = [TopicPartition(self._topic, p) for p in sorted(partitions)]
        self._consumer.assign(assigned)
        self._consumer.seek_to_beginning(*assigned)
        ends = self._consumer.end_offsets(assigned) if assigned else {}
        while not self._stop.is_set():
            for records in self._consumer.poll(timeout_ms=100).values():
                for record in records:
                    self._apply(record)
                    self.applied += 1
            if not self.caught_up.is_set() and all(
                self._consumer.position(tp) >= end for tp, end in ends.items()
            ):
                log.info("list index built: %d entries from %s", len(self.index), self._topic)
                self.caught_up.set()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=10)
        self._consumer.close(autocommit=False)
