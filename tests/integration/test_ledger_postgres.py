"""Concurrent appenders on one ledger: the head-row lock serialises them into one unbroken chain.

On PostgreSQL the lock is SELECT ... FOR UPDATE on ledger_head; on SQLite it is the single writer
lock taken before the head is read. Without either, two appenders read the same head and collide
on seq (or, worse, fork the chain), so this test fails.
"""

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from hub.ledger.chain import LedgerEntry, append
from hub.ledger.verify import verify
from hub.store.engine import open_engine
from hub.store.migrate import upgrade
from hub.store.schema import ledger

BACKENDS = pytest.mark.parametrize("fresh_database_url", ["sqlite", "postgresql"], indirect=True)
BATCHES = 200


@BACKENDS
def test_two_concurrent_appenders_make_one_chain(fresh_database_url: str) -> None:
    engine = open_engine(fresh_database_url)
    upgrade(engine)
    start = threading.Barrier(2)  # both threads append at once, not one after the other

    def appender(partition: int) -> list[int]:
        start.wait()
        seqs: list[int] = []
        for offset in range(BATCHES):
            entry = LedgerEntry(
                "SIGNAL_ACCEPTED",
                f"shop-{partition}",
                {"offset": offset},
                source=("alliance.signals", partition, offset),
            )
            with engine.begin() as connection:  # its own connection and transaction each time
                seqs += append(connection, [entry], datetime.now(UTC))
        return seqs

    with ThreadPoolExecutor(max_workers=2) as pool:
        first, second = pool.map(appender, (0, 1))

    assert sorted(first + second) == list(range(1, 2 * BATCHES + 1))
    with engine.connect() as connection:
        report = verify(connection, batch=128)
        by_seq = connection.execute(sa.select(ledger.c.actor).order_by(ledger.c.seq)).scalars()
        actors = list(by_seq)
    assert (report.ok, report.rows, report.head_seq) == (True, 2 * BATCHES, 2 * BATCHES)
    assert report.problems == ()
    # Interleaved actors show the appenders really contended. SQLite's busy handler hands its
    # writer lock over unfairly (one thread may finish most of its batches first), so only on
    # PostgreSQL is interleaving certain enough to assert.
    switches = sum(a != b for a, b in zip(actors, actors[1:], strict=False))
    if engine.dialect.name == "postgresql":
        assert switches > BATCHES // 4
    engine.dispose()


@BACKENDS
def test_a_duplicate_source_is_an_integrity_error_and_writes_nothing(
    fresh_database_url: str,
) -> None:
    """The worker tells a redelivered record (or a record the store refuses) by this error,
    whichever way the backend takes the rows (COPY on PostgreSQL)."""
    engine = open_engine(fresh_database_url)
    upgrade(engine)
    source = ("alliance.signals.mall", 0, 7)
    first = LedgerEntry("SIGNAL_ACCEPTED", "mall", {"n": 1}, source=source)
    with engine.begin() as connection:
        append(connection, [first], datetime.now(UTC))
    again = [LedgerEntry("SIGNAL_ACCEPTED", "mall", {"n": n}, source=source) for n in (2, 3)]
    with pytest.raises(sa.exc.IntegrityError), engine.begin() as connection:
        append(connection, again, datetime.now(UTC))
    with engine.connect() as connection:
        report = verify(connection, batch=128)
        bodies = list(connection.execute(sa.select(ledger.c.body)).scalars())
    assert (report.ok, report.rows, bodies) == (True, 1, ['{"n":1}'])
