"""`alliance-hub bench`: the worker end to end on the real broker, measured.

1. The raw Ed25519 verify rate of one core, measured first, in this process: the ceiling.
2. Throughput: N valid signals are published through the SDK before the worker starts; one
   worker then drains them (verify, decode, link, match, store, commit); signals per second
   run from its first poll to its last record.
3. Latency: signals are published at a steady rate from another process; every N-th is a
   PRESENCE of a blacklisted subject, causing two instructions, the others report unlisted
   subjects. Latency runs from the signal's Kafka record time (when the member sent it) to
   the broker's confirmation of the instruction it caused. The first second is warm-up (the
   first time this load meets the worker, the broker and the publisher) and is left out of
   p50/p99; p99 with it is reported beside them. The throughput run's writes are
   checkpointed first (SQLite), so the latency run does not pay for them.
Figures, not assertions: targets are judged by people reading them.
"""

import multiprocessing
import os
import statistics
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

from alliance_connector import (
    BrokerConnection,
    CreditSignal,
    Identifier,
    IdentifierScheme,
    ObservedWindow,
    Publisher,
    SignalCategory,
    SigningKey,
    TokenKey,
)
from alliance_connector.identifiers import uscc_check_character
from alliance_connector.topics import member_id
from hub.config import WorkerOptions
from hub.kafka.clients import open_admin
from hub.kafka.topics import ensure_topics, hub_topics, member_topics
from hub.pipeline.worker.relay import RelayResult
from hub.pipeline.worker.runner import Worker
from hub.store.engine import open_engine
from hub.store.list_entries import insert_entries, insert_identifiers
from hub.store.members import add_key, register_member
from hub.store.migrate import upgrade

__all__ = ["BenchResult", "run_bench"]

TOKEN_KEY = TokenKey(1, b"bench-token-key-of-32-bytes-long!")
UNLISTED = 10_000_000  # subject numbers from here on are on no list
# A PRESENCE at a platform of an OVERDUE blacklisted subject with a store, under the default
# policy: RESTRICT_MEMBERSHIP and BLOCK_STORE; its PUBLIC_EXPOSURE waits in the review queue.
INSTRUCTIONS_PER_PRESENCE = 2


@dataclass(frozen=True)
class BenchResult:
    signals: int
    signals_per_s: float
    verify_limit_per_s: float
    ratio: float
    latency_signals: int
    instruction_every: int
    latency_rate_per_s: float
    instructions: int
    p50_ms: float
    p99_ms: float
    warmup_s: float
    p99_with_warmup_ms: float  # the same run's p99 over every instruction, warm-up included
    database: str


def uscc(n: int) -> Identifier:
    first17 = f"91110000{n:09d}"
    return Identifier(IdentifierScheme.USCC, first17 + uscc_check_character(first17))


def verify_rate(seconds: float = 1.5) -> float:
    """Raw Ed25519 verifications per second on one core (a 300-byte payload, as in a signal)."""
    key = SigningKey.generate()
    body, kind = b"x" * 300, "application/vnd.alliance.credit-signal.v1+avro"
    signature = key.sign(kind, body)
    done, started = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - started) < seconds:
        for _ in range(500):
            key.verify_key.verify(kind, body, signature)
        done += 500
    return done / elapsed


def _signal(member: str, category: SignalCategory, *subject: Identifier) -> CreditSignal:
    now = datetime.now(UTC)
    return CreditSignal(
        uuid.uuid4(), member, now, ObservedWindow(now - timedelta(hours=1), now), category, subject
    )


def _paced_signal(member: str, n: int, every: int) -> CreditSignal:
    """Every `every`-th signal is a PRESENCE of listed subject n // every (two instructions);
    the others report unlisted subjects (no instruction), as most real signals do."""
    if n % every:
        return _signal(member, SignalCategory.FAKE_TRANSACTION, uscc(UNLISTED + n % 5_000))
    subject = n // every
    store = Identifier(IdentifierScheme.STORE, f"{member}:store:{subject}")
    return _signal(member, SignalCategory.PRESENCE, uscc(subject), store)


def publish_paced(
    bootstrap: str, member: str, seed: bytes, count: int, rate: int, every: int
) -> None:
    """Publish `count` signals at `rate` per second (see `_paced_signal`)."""
    publisher = Publisher(
        member, SigningKey.from_seed(seed), TOKEN_KEY, BrokerConnection(bootstrap)
    )
    # Start-up (connecting, first use of each code path) happens before the first record, so
    # its burst of CPU does not land on the worker's first measured signals.
    publisher.connect()
    publisher.prepare(_paced_signal(member, 0, every))
    tick = 0.01
    per_tick, sent, next_tick = max(1, int(rate * tick)), 0, time.perf_counter()
    while sent < count:
        chunk = min(per_tick, count - sent)
        publisher.report_many(_paced_signal(member, n, every) for n in range(sent, sent + chunk))
        sent += chunk
        next_tick += tick
        time.sleep(max(0.0, next_tick - time.perf_counter()))
    publisher.close()


def _percentiles(values: list[float]) -> list[float]:
    return statistics.quantiles(values, n=100) if len(values) > 1 else [0.0] * 99


def _latencies_ms(relayed: list[RelayResult], warmup_s: float) -> tuple[list[float], list[float]]:
    """(latencies of instructions caused after the warm-up, all latencies), in ms. The
    warm-up is the paced run's first `warmup_s` seconds, by the signals' record times: the
    first time this load meets the worker, the broker and the publisher."""
    pairs = [pair for result in relayed for pair in result.latencies]
    if not pairs:
        return [], []
    start = min(at for at, _ in pairs) + timedelta(seconds=warmup_s)
    measured = [seconds * 1000 for at, seconds in pairs if at >= start]
    return measured, [seconds * 1000 for _, seconds in pairs]


def run_bench(
    bootstrap: str,
    count: int = 20_000,
    rate: int = 1_000,
    latency_seconds: float = 10.0,
    database_url: str | None = None,
    every: int = 10,
    say: Callable[[str], None] = print,
    warmup_s: float = 1.0,
) -> BenchResult:
    """Run the three measurements against the broker at `bootstrap`."""
    workdir = Path(tempfile.mkdtemp(prefix="alliance-bench-"))
    url = database_url or f"sqlite:///{workdir / 'bench.sqlite3'}"
    engine = open_engine(url)
    upgrade(engine)
    prefix = f"bench-{uuid.uuid4().hex[:8]}"
    admin = open_admin({}, bootstrap_servers=bootstrap)
    lists_topic = f"alliance.lists.{prefix}"  # this run's entries only
    ensure_topics(admin, hub_topics(lists_topic))
    now = datetime.now(UTC)
    members = {}
    seeds = {name: os.urandom(32) for name in ("mall", "social")}
    for name in ("mall", "social"):
        member, key = member_id(f"{prefix}-{name}"), SigningKey.from_seed(seeds[name])
        with engine.begin() as connection:
            register_member(connection, member, "platform", name, list(SignalCategory), now)
            add_key(connection, member, key.verify_key, now - timedelta(days=1))
        ensure_topics(admin, member_topics(member))
        members[name] = (member, Publisher(member, key, TOKEN_KEY, BrokerConnection(bootstrap)))
    admin.close()
    paced = int(rate * (warmup_s + latency_seconds))
    listed = -(-paced // every)  # subjects that get a PRESENCE in the latency run
    with engine.begin() as connection:
        # ENTRY_COLUMNS with the columns' defaults, then status and version. Overdue: the
        # default policy sanctions it wherever it is present.
        insert_entries(
            connection,
            (
                (f"{prefix}-e{n}", "BLACKLIST", "FAKE_TRANSACTION", now, "", "", "", "", "")
                + (None, "", None, "OVERDUE", 1)
                for n in range(listed)
            ),
        )
        insert_identifiers(
            connection, ((f"{prefix}-e{n}", "USCC", uscc(n).value) for n in range(listed))
        )

    limit = verify_rate()
    say(f"raw Ed25519 verify, one core: {limit:,.0f}/s")

    mall, mall_publisher = members["mall"]
    started = time.perf_counter()
    for start in range(0, count, 2_000):
        mall_publisher.report_many(
            _signal(mall, SignalCategory.FAKE_TRANSACTION, uscc(UNLISTED + n % 5_000))
            for n in range(start, min(start + 2_000, count))
        )
    say(f"published {count:,} signals in {time.perf_counter() - started:.1f}s")

    worker = Worker(
        engine,
        {"bootstrap_servers": bootstrap},
        SigningKey.generate(),
        WorkerOptions(
            group_id=f"{prefix}-worker",
            subscription=rf"^alliance\.(signals|acks)\.{prefix}-.+",
            lists_topic=lists_topic,
        ),
        keep_stats=True,
    )
    stats = worker.stats
    assert stats is not None  # noqa: S101 - keep_stats=True
    stop = threading.Event()
    thread = threading.Thread(target=worker.run, args=(stop,), daemon=True)
    thread.start()
    while stats.records < count:
        if not thread.is_alive():
            raise RuntimeError("the worker stopped before draining the signals (see above)")
        time.sleep(0.05)
    assert stats.first_record_at is not None  # noqa: S101
    throughput = count / (time.monotonic() - stats.first_record_at)
    say(f"worker drained {count:,} signals: {throughput:,.0f}/s end to end")

    social, _ = members["social"]
    relayed_before = len(stats.relayed)
    if engine.dialect.name == "sqlite":
        with engine.connect() as connection:
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    # A separate process publishes at the set rate, so its work does not share this
    # process's interpreter lock with the worker being measured.
    paced_process = multiprocessing.get_context("spawn").Process(
        target=publish_paced, args=(bootstrap, social, seeds["social"], paced, rate, every)
    )
    paced_process.start()
    paced_process.join()
    expected = INSTRUCTIONS_PER_PRESENCE * listed
    deadline = time.perf_counter() + 120
    while sum(r.instructions for r in stats.relayed[relayed_before:]) < expected:
        if time.perf_counter() > deadline:
            break
        time.sleep(0.05)
    stop.set()
    thread.join(timeout=30)
    worker.close()
    for _, publisher in members.values():
        publisher.close()
    engine.dispose()

    measured, everything = _latencies_ms(stats.relayed[relayed_before:], warmup_s)
    quantiles = _percentiles(measured)
    return BenchResult(
        signals=count,
        signals_per_s=round(throughput, 1),
        verify_limit_per_s=round(limit, 1),
        ratio=round(throughput / limit, 3),
        latency_signals=paced,
        instruction_every=every,
        latency_rate_per_s=rate,
        instructions=len(measured),
        p50_ms=round(quantiles[49], 1),
        p99_ms=round(quantiles[98], 1),
        warmup_s=warmup_s,
        p99_with_warmup_ms=round(_percentiles(everything)[98], 1),
        database=sa.make_url(url).get_backend_name(),
    )
