"""Crash test: while 10,000 signals flow, the worker is killed with SIGKILL at random moments
and restarted. Afterwards every valid signal has exactly one ledger row, every expected
instruction exists once and was delivered, and no offset was ever committed ahead of the
database."""

import os
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import sqlalchemy as sa
from kafka import KafkaConsumer, TopicPartition
from kafka.admin import KafkaAdminClient

from alliance_connector import (
    CreditSignal,
    Identifier,
    IdentifierScheme,
    SanctionAction,
    SignalCategory,
)
from alliance_connector.topics import signals_topic
from hub.ledger.verify import verify
from hub.sanctions.instructions import instruction_id
from hub.store.schema import accepted_signals, instructions, ledger
from tests.integration.alliance import Alliance, instructions_for, numbered_uscc, wait_until

SIGNALS = 10_000
SUBJECTS = 200
LISTED = 50  # subjects 0..49 are blacklisted
KILLS = 4

# What the default policy sends each platform where an OVERDUE blacklisted subject is present
# (its public exposure waits in the review queue).
OVERDUE_AT_A_PLATFORM = (SanctionAction.RESTRICT_MEMBERSHIP, SanctionAction.BLOCK_STORE)


def uscc(n: int) -> Identifier:
    return numbered_uscc(n, "913301")


class WorkerProcess:
    """`alliance-hub worker` as a real process that can be killed."""

    def __init__(self, alliance: Alliance, key_path: Path, log: Path) -> None:
        self.env = os.environ | {
            "HUB_KAFKA_BOOTSTRAP": alliance.bootstrap,
            "HUB_DATABASE_URL": alliance.database_url,
            "HUB_HUB_KEY_PATH": str(key_path),
            "HUB_WORKER_GROUP": alliance.group,
            "HUB_LISTS_TOPIC": alliance.lists_topic,
            "HUB_WORKER_SUBSCRIPTION": rf"^alliance\.(signals|acks)\.{alliance.prefix}-.+",
        }
        self.log = log
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "hub", "worker"], env=self.env, stdout=out, stderr=out
            )

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=60)


def committed_offsets(admin: KafkaAdminClient, group: str) -> dict[TopicPartition, int]:
    found = admin.list_group_offsets({group: None}).get(group, {})
    return {tp: meta.offset for tp, meta in found.items() if meta.offset >= 0}


def stored_positions(alliance: Alliance) -> dict[TopicPartition, int]:
    """Per partition, one past the highest offset whose effects are in the database."""
    with alliance.engine.connect() as connection:
        rows = connection.execute(
            sa.select(
                ledger.c.source_topic,
                ledger.c.source_partition,
                sa.func.max(ledger.c.source_offset),
            )
            .where(ledger.c.source_topic.is_not(None))
            .group_by(ledger.c.source_topic, ledger.c.source_partition)
        )
        return {TopicPartition(t, p): o + 1 for t, p, o in rows}


def test_sigkill_loses_nothing_and_doubles_nothing(alliance: Alliance, tmp_path: Path) -> None:
    mall, social = alliance.join("mall"), alliance.join("social")
    express = alliance.join("express", kind="logistics")
    for n in range(LISTED):
        alliance.blacklist(f"entry-{n}", uscc(n))
    key_path = tmp_path / "hub.pem"
    alliance.hub_key.save(key_path)

    def store(member: str, n: int) -> Identifier:
        return Identifier(IdentifierScheme.STORE, f"{alliance.members[member].id}:store:{n}")

    # Presences first in each subject's stream, then fake-order reports from the carrier.
    batches: list[tuple[str, list[CreditSignal]]] = []
    for n in range(SUBJECTS):
        batches.append(
            ("mall", [alliance.signal("mall", SignalCategory.PRESENCE, uscc(n), store("mall", n))])
        )
        batches.append(
            (
                "social",
                [alliance.signal("social", SignalCategory.PRESENCE, uscc(n), store("social", n))],
            )
        )
    reports = SIGNALS - 2 * SUBJECTS
    carrier = [
        alliance.signal("express", SignalCategory.FAKE_TRANSACTION, uscc(i % SUBJECTS))
        for i in range(reports)
    ]
    batches += [("express", carrier[i : i + 400]) for i in range(0, reports, 400)]

    def publish() -> None:
        for name, signals in batches:
            alliance.members[name].publisher.report_many(signals)
            time.sleep(0.02)

    worker = WorkerProcess(alliance, key_path, tmp_path / "worker.log")
    publisher = threading.Thread(target=publish)
    publisher.start()
    worker.start()
    rng = random.Random(716)
    for _ in range(KILLS):
        time.sleep(rng.uniform(2.0, 5.0))
        worker.kill()
        committed = committed_offsets(alliance.admin, alliance.group)
        stored = stored_positions(alliance)
        ahead = {tp: o for tp, o in committed.items() if o > stored.get(tp, 0)}
        assert not ahead, f"offsets committed ahead of the database: {ahead} vs {stored}"
        worker.start()
    publisher.join(timeout=300)

    def drained() -> bool:
        done = alliance.scalar(sa.select(sa.func.count()).select_from(accepted_signals))
        unsent = alliance.scalar(
            sa.select(sa.func.count())
            .select_from(instructions)
            .where(instructions.c.sent_at.is_(None))
        )
        return done == SIGNALS and unsent == 0

    wait_until(drained, timeout_s=300, what="the backlog drained after the kills")
    wait_until(
        lambda: committed_offsets(alliance.admin, alliance.group) == end_offsets(alliance),
        timeout_s=60,
        what="offsets committed to the end",
    )
    worker.stop()

    expected = {
        instruction_id(f"entry-{n}", alliance.members[m].id, action)
        for n in range(LISTED)
        for m in ("mall", "social")
        for action in OVERDUE_AT_A_PLATFORM
    }
    with alliance.engine.connect() as connection:
        accepted_rows = connection.execute(
            sa.select(ledger.c.ref, sa.func.count())
            .where(ledger.c.kind == "SIGNAL_ACCEPTED")
            .group_by(ledger.c.ref)
        ).all()
        rejected = connection.scalar(
            sa.select(sa.func.count()).select_from(ledger).where(ledger.c.reason.is_not(None))
        )
        stored_ids = list(connection.scalars(sa.select(instructions.c.instruction_id)))
        report = verify(connection)
    assert len(accepted_rows) == SIGNALS and {count for _, count in accepted_rows} == {1}
    assert rejected == 0
    assert sorted(stored_ids) == sorted(expected)  # each exactly once, none missing
    # The whole topic: an instruction in flight when its worker was killed goes out again.
    delivered = {
        i.instruction_id
        for m in (mall, social)
        for i in instructions_for(alliance, m.id, 10**9, timeout_s=5)
    }
    assert delivered == expected
    assert report.ok, report.problems
    assert express.id  # the carrier reported but, holding no presence, got nothing


def end_offsets(alliance: Alliance) -> dict[TopicPartition, int]:
    consumer = KafkaConsumer(bootstrap_servers=alliance.bootstrap)
    partitions = [
        TopicPartition(signals_topic(member.id), p)
        for member in alliance.members.values()
        for p in consumer.partitions_for_topic(signals_topic(member.id)) or ()
    ]
    ends = consumer.end_offsets(partitions)
    consumer.close()
    return {tp: offset for tp, offset in ends.items() if offset > 0}
