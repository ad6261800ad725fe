"""`alliance-hub bench`: the worker end to end on the real broker, measured.

1. The raw Ed25519 verify rate of one core, measured first, in this process: the ceiling.
2. Throughput: N valid signals are published through the SDK before the worker starts; one
   worker then drains them (verify, decode, link, match, store, commit); signals per second
   run from its first poll to its last record.
3. Latency: PRESENCE signals for blacklisted subjects are published at a steady rate, each
   causing two instructions; latency runs from the signal's Kafka record time (when the
   member sent it) to the broker's confirmation of the instruction.
Figures, not assertions: targets are judged by people reading them.
"""

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
from kafka.admin import KafkaAdminClient

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
from hub.kafka.topics import ensure_topics, hub_topics, member_topics
from hub.pipeline.runner import Worker, WorkerOptions
from hub.store.engine import open_engine
from hub.store.members import add_key, register_member
from hub.store.migrate import upgrade
from hub.store.schema import list_entries, list_entry_identifiers

__all__ = ["BenchResult", "run_bench"]

TOKEN_KEY = TokenKey(1, b"bench-token-key-of-32-bytes-long!")


@dataclass(frozen=True)
class BenchResult:
    signals: int
    signals_per_s: float
    verify_limit_per_s: float
    ratio: float
    latency_signals: int
    latency_rate_per_s: float
    instructions: int
    p50_ms: float
    p99_ms: float
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


def run_bench(
    bootstrap: str,
    count: int = 20_000,
    rate: int = 1_000,
    latency_seconds: float = 10.0,
    database_url: str | None = None,
    say: Callable[[str], None] = print,
) -> BenchResult:
    """Run the three measurements against the broker at `bootstrap`."""
    workdir = Path(tempfile.mkdtemp(prefix="alliance-bench-"))
    url = database_url or f"sqlite:///{workdir / 'bench.sqlite3'}"
    engine = open_engine(url)
    upgrade(engine)
    prefix = f"bench-{uuid.uuid4().hex[:8]}"
    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    ensure_topics(admin, hub_topics())
    now = datetime.now(UTC)
    members = {}
    for name in ("mall", "social"):
        member, key = member_id(f"{prefix}-{name}"), SigningKey.generate()
        with engine.begin() as connection:
            register_member(connection, member, "platform", name, list(SignalCategory), now)
            add_key(connection, member, key.verify_key, now - timedelta(days=1))
        ensure_topics(admin, member_topics(member))
        members[name] = (member, Publisher(member, key, TOKEN_KEY, BrokerConnection(bootstrap)))
    admin.close()
    listed = int(rate * latency_seconds)
    with engine.begin() as connection:
        connection.execute(
            list_entries.insert(),
            [
                {
                    "entry_id": f"e{n}",
                    "list_type": "BLACKLIST",
                    "category": "FAKE_TRANSACTION",
                    "status": "LISTED",
                    "listed_at": now,
                }
                for n in range(listed)
            ],
        )
        connection.execute(
            list_entry_identifiers.insert(),
            [
                {"entry_id": f"e{n}", "scheme": "USCC", "value": uscc(n).value}
                for n in range(listed)
            ],
        )

    limit = verify_rate()
    say(f"raw Ed25519 verify, one core: {limit:,.0f}/s")

    mall, mall_publisher = members["mall"]
    started = time.perf_counter()
    for start in range(0, count, 2_000):
        mall_publisher.report_many(
            _signal(mall, SignalCategory.FAKE_TRANSACTION, uscc(listed + n % 5_000))
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
        ),
        keep_stats=True,
    )
    stats = worker.stats
    assert stats is not None  # noqa: S101 - keep_stats=True
    stop = threading.Event()
    thread = threading.Thread(target=worker.run, args=(stop,), daemon=True)
    thread.start()
    while stats.records < count:
        time.sleep(0.05)
    assert stats.first_record_at is not None  # noqa: S101
    throughput = count / (time.monotonic() - stats.first_record_at)
    say(f"worker drained {count:,} signals: {throughput:,.0f}/s end to end")

    social, social_publisher = members["social"]
    relayed_before = len(stats.relayed)
    tick, per_tick, sent = 0.01, max(1, int(rate * 0.01)), 0
    next_tick = time.perf_counter()
    while sent < listed:
        chunk = min(per_tick, listed - sent)
        social_publisher.report_many(
            _signal(
                social,
                SignalCategory.PRESENCE,
                uscc(n),
                Identifier(IdentifierScheme.STORE, f"{social}:store:{n}"),
            )
            for n in range(sent, sent + chunk)
        )
        sent += chunk
        next_tick += tick
        time.sleep(max(0.0, next_tick - time.perf_counter()))
    expected = 2 * listed
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

    latencies = sorted(s * 1000 for r in stats.relayed[relayed_before:] for s in r.latencies)
    quantiles = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else [0.0] * 99
    return BenchResult(
        signals=count,
        signals_per_s=round(throughput, 1),
        verify_limit_per_s=round(limit, 1),
        ratio=round(throughput / limit, 3),
        latency_signals=listed,
        latency_rate_per_s=rate,
        instructions=len(latencies),
        p50_ms=round(quantiles[49], 1),
        p99_ms=round(quantiles[98], 1),
        database=sa.make_url(url).get_backend_name(),
    )
