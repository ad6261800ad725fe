"""A small alliance on the real broker and database, for worker tests: members with keys
and topics, a hub key, publishers, a worker running in a thread, and readers of the hub's
output topics."""

import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from kafka import KafkaConsumer, KafkaProducer
from kafka.admin import KafkaAdminClient

from alliance_connector import (
    BrokerConnection,
    CreditSignal,
    Identifier,
    ObservedWindow,
    Publisher,
    SignalCategory,
    SigningKey,
    TokenKey,
    open_verified,
)
from alliance_connector.identifiers import IdentifierScheme, uscc_check_character
from alliance_connector.messages import SanctionInstruction
from alliance_connector.topics import HUB_SIGNER, MemberId, instructions_topic, member_id
from hub.config import WorkerOptions
from hub.kafka.topics import ensure_topics, hub_topics, member_topics
from hub.pipeline.worker.runner import Worker
from hub.store.engine import open_engine
from hub.store.members import add_key, register_member
from hub.store.migrate import upgrade
from hub.store.schema import list_entries, list_entry_identifiers


def numbered_uscc(n: int, region: str = "913301") -> Identifier:
    """A valid USCC for subject number n (computed check character)."""
    first17 = f"{region}00{n:09d}"
    return Identifier(IdentifierScheme.USCC, first17 + uscc_check_character(first17))


TOKEN_KEY = TokenKey(1, b"alliance-test-token-key-32-bytes!")
ALL_CATEGORIES = list(SignalCategory)


@dataclass
class Member:
    id: MemberId
    key: SigningKey
    publisher: Publisher


@dataclass
class Alliance:
    bootstrap: str
    database_url: str
    admin: KafkaAdminClient
    prefix: str
    hub_key: SigningKey = field(default_factory=SigningKey.generate)
    members: dict[str, Member] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.engine = open_engine(self.database_url)
        upgrade(self.engine)
        # Each alliance its own list topic: tests share the broker, not their lists.
        self.lists_topic = f"alliance.lists.{self.prefix}"
        ensure_topics(self.admin, hub_topics(self.lists_topic))
        self.group = f"{self.prefix}-worker"

    def join(
        self, name: str, kind: str = "platform", categories: list[SignalCategory] | None = None
    ) -> Member:
        member = member_id(f"{self.prefix}-{name}")
        key = SigningKey.generate()
        now = datetime.now(UTC)
        with self.engine.begin() as connection:
            register_member(connection, member, kind, name, categories or ALL_CATEGORIES, now)
            add_key(connection, member, key.verify_key, now - timedelta(days=1))
        ensure_topics(self.admin, member_topics(member))
        publisher = Publisher(member, key, TOKEN_KEY, BrokerConnection(self.bootstrap))
        self.members[name] = Member(member, key, publisher)
        return self.members[name]

    def blacklist(
        self,
        entry_id: str,
        *identifiers: Identifier,
        list_type: str = "BLACKLIST",
        status: str = "OVERDUE",
    ) -> None:
        """List the subject directly in the store; OVERDUE by default, the status in which the
        default policy sanctions it at every member where it is present."""
        with self.engine.begin() as connection:
            connection.execute(
                list_entries.insert().values(
                    entry_id=entry_id,
                    list_type=list_type,
                    category="FAKE_TRANSACTION",
                    status=status,
                    listed_at=datetime.now(UTC),
                )
            )
            connection.execute(
                list_entry_identifiers.insert(),
                [
                    {"entry_id": entry_id, "scheme": str(i.scheme), "value": i.value}
                    for i in identifiers
                ],
            )

    def signal(self, name: str, category: SignalCategory, *identifiers: Identifier) -> CreditSignal:
        now = datetime.now(UTC)
        return CreditSignal(
            signal_id=uuid.uuid4(),
            reporter=self.members[name].id,
            reported_at=now,
            observed_window=ObservedWindow(now - timedelta(days=1), now),
            category=category,
            subject=identifiers,
        )

    def worker(self, engine: sa.Engine | None = None, **options: object) -> Worker:
        return Worker(
            engine or self.engine,
            {"bootstrap_servers": self.bootstrap},
            self.hub_key,
            WorkerOptions(
                group_id=self.group,
                # Only this alliance's members: other tests share the broker.
                subscription=rf"^alliance\.(signals|acks)\.{self.prefix}-.+",
                poll_timeout_ms=50,
                lists_topic=self.lists_topic,
                **options,  # type: ignore[arg-type]
            ),
            keep_stats=True,
        )

    def count(self, table: sa.Table, *where: sa.ColumnElement[bool]) -> int:
        """Rows of `table` matching every condition."""
        statement = sa.select(sa.func.count()).select_from(table).where(*where)
        with self.engine.connect() as connection:
            return int(connection.scalar(statement) or 0)

    def scalar(self, statement: sa.Executable) -> object:
        with self.engine.connect() as connection:
            return connection.scalar(statement)

    def close(self) -> None:
        for member in self.members.values():
            member.publisher.close()
        self.engine.dispose()


class RunningWorker:
    """A worker in a background thread, stopped and closed on exit."""

    def __init__(self, worker: Worker) -> None:
        self.worker = worker
        self.stop = threading.Event()
        self.thread = threading.Thread(target=worker.run, args=(self.stop,), daemon=True)

    def __enter__(self) -> Worker:
        self.thread.start()
        return self.worker

    def __exit__(self, *_: object) -> None:
        self.stop.set()
        self.thread.join(timeout=30)
        self.worker.close()


def wait_until(condition: Callable[[], bool], timeout_s: float = 60, what: str = "") -> None:
    deadline = datetime.now(UTC) + timedelta(seconds=timeout_s)
    while datetime.now(UTC) < deadline:
        if condition():
            return
        threading.Event().wait(0.1)
    raise AssertionError(f"timed out waiting for {what or condition}")


def read_topic(bootstrap: str, topic: str, expected: int, timeout_s: float = 30) -> list[bytes]:
    consumer = KafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=None,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        consumer_timeout_ms=int(timeout_s * 1000),
    )
    values: list[bytes] = []
    for record in consumer:
        values.append(record.value)
        if len(values) >= expected:
            break
    consumer.close()
    return values


def instructions_for(
    alliance: Alliance, member: MemberId, expected: int, timeout_s: float = 30
) -> list[SanctionInstruction]:
    raw = read_topic(alliance.bootstrap, instructions_topic(member), expected, timeout_s)
    key = alliance.hub_key.verify_key
    return [
        SanctionInstruction.from_record(
            open_verified(value, lambda signer, key_id: key, HUB_SIGNER).record
        )
        for value in raw
    ]


def raw_producer(bootstrap: str) -> Iterator[KafkaProducer]:
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all")
    yield producer
    producer.close()


def wait_for_disjoint_assignments(first: Worker, second: Worker) -> None:
    """Until both workers own partitions and none twice (during a rebalance both may briefly
    list one)."""
    wait_until(
        lambda: (
            bool(first.assignment())
            and bool(second.assignment())
            and not first.assignment() & second.assignment()
        ),
        what="both workers to own disjoint partitions",
    )
