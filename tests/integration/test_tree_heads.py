"""Signed tree heads on both stores: heads sign the tree of the committed ledger, only when it
grew; the cached tree is built incrementally and agrees with the reference; and a rewrite of
the last 100 rows *and* ledger_head, which the chain alone cannot see, fails `ledger verify`
against a head published before, whether the hub still stores it or only a member kept it."""

import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from kafka import KafkaConsumer, TopicPartition

from alliance_connector.signing import SigningKey
from hub.kafka.topics import HEADS_TOPIC
from hub.ledger.chain import GENESIS_HASH, LedgerEntry, append, canonical_json, row_hash
from hub.ledger.hub_keys import publish_hub_key
from hub.ledger.merkle import tree_hash
from hub.ledger.tree_heads import SignedTreeHead, latest_head, row_leaf, sign_head
from hub.ledger.verify import verify
from hub.lists.scheduler import sign_head_if_due
from hub.store.engine import open_engine
from hub.store.migrate import upgrade
from hub.store.schema import ledger, ledger_head, ledger_tree_nodes, tree_heads

STORES = pytest.mark.parametrize("fresh_database_url", ["sqlite", "postgresql"], indirect=True)
T0 = datetime(2026, 12, 1, 9, 0, 0, 123_000, tzinfo=UTC)
HUB_KEY = SigningKey.from_seed(bytes(range(32)))


def entry(n: int) -> LedgerEntry:
    return LedgerEntry("SIGNAL_ACCEPTED", "mall", {"n": n}, f"sig-{n}", None, ("t", 0, n))


def grow(engine: sa.Engine, rows: int, at: datetime = T0) -> None:
    """Append `rows` rows in batches of 37, so batch edges fall anywhere in the tree."""
    with engine.connect() as connection:
        start = int(connection.scalar(sa.select(sa.func.count()).select_from(ledger)) or 0)
    for first in range(start, start + rows, 37):
        with engine.begin() as connection:
            last = min(first + 37, start + rows)
            append(connection, [entry(n) for n in range(first, last)], at)


def build_ledger(url: str, rows: int) -> sa.Engine:
    """A migrated store whose ledger announces HUB_KEY (row 1) and has `rows` rows in all."""
    engine = open_engine(url)
    upgrade(engine)
    with engine.begin() as connection:
        publish_hub_key(connection, HUB_KEY.verify_key.raw, T0 - timedelta(days=1), "op", T0)
    grow(engine, rows - 1)
    return engine


@pytest.fixture
def store(fresh_database_url: str) -> Iterator[sa.Engine]:
    engine = build_ledger(fresh_database_url, 250)
    yield engine
    engine.dispose()


def sign(engine: sa.Engine, at: datetime = T0) -> SignedTreeHead:
    with engine.begin() as connection:
        head = sign_head(connection, HUB_KEY, at)
    assert head is not None
    return head


def reference_root(engine: sa.Engine, size: int) -> bytes:
    with engine.connect() as connection:
        hashes = connection.scalars(
            sa.select(ledger.c.row_hash).where(ledger.c.seq <= size).order_by(ledger.c.seq)
        ).all()
    return tree_hash([row_leaf(h) for h in hashes])


@STORES
def test_a_head_signs_the_committed_tree_and_only_a_grown_ledger_gets_a_new_one(
    store: sa.Engine,
) -> None:
    first = sign(store)
    assert (first.tree_size, first.root_hash) == (250, reference_root(store, 250))
    assert sign(store, T0 + timedelta(hours=2)) == first  # not grown: the same head
    grow(store, 9)
    second = sign(store, T0 + timedelta(hours=3))
    assert (second.tree_size, second.root_hash) == (259, reference_root(store, 259))
    with store.connect() as connection:
        nodes = connection.scalar(sa.select(sa.func.count()).select_from(ledger_tree_nodes))
        assert latest_head(connection) == second
        assert latest_head(connection, T0 + timedelta(hours=2)) == first
        assert latest_head(connection, T0 - timedelta(seconds=1)) is None
    # every complete aligned subtree stored once, built in two steps: 2n - popcount(n)
    assert nodes == 2 * 259 - bin(259).count("1")


@STORES
def test_the_scheduler_signs_after_the_interval_and_only_if_the_ledger_grew(
    store: sa.Engine,
) -> None:
    published: list[SignedTreeHead] = []
    hour = 3600.0

    def at(minutes: int) -> datetime:
        return T0 + timedelta(minutes=minutes)

    def tick(minutes: int) -> SignedTreeHead | None:
        return sign_head_if_due(store, HUB_KEY, hour, published.append, lambda: at(minutes))

    assert (first := tick(0)) is not None and first.tree_size == 250
    grow(store, 3)
    assert tick(30) is None  # grown, but the interval has not passed
    assert (second := tick(61)) is not None and second.tree_size == 253
    assert tick(200) is None  # the interval passed, but nothing new to sign
    assert published == [first, second]


def rewrite_tail(engine: sa.Engine, count: int) -> None:
    """What an attacker with the database does: change the last `count` rows, re-chain their
    hashes and move ledger_head, so that the chain verifies again."""
    with engine.begin() as connection:
        rows = connection.execute(sa.select(ledger).order_by(ledger.c.seq)).all()
        prev = rows[-count - 1].row_hash if len(rows) > count else GENESIS_HASH
        for row in rows[-count:]:
            body = {"n": -row.seq}  # what the hub recorded is replaced
            moment = row.recorded_at
            source = (row.source_topic, row.source_partition, row.source_offset)
            forged = LedgerEntry(row.kind, row.actor, body, row.ref, row.reason, source)
            digest = row_hash(prev, row.seq, moment, forged)
            connection.execute(
                ledger.update()
                .where(ledger.c.seq == row.seq)
                .values(body=canonical_json(body), prev_hash=prev, row_hash=digest)
            )
            prev = digest
        connection.execute(ledger_head.update().values(seq=rows[-1].seq, row_hash=prev))


def run_verify_cli(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "hub", "ledger", "verify", *args]
    env = {**os.environ, "HUB_DATABASE_URL": url}
    return subprocess.run(command, capture_output=True, text=True, env=env, check=False)


@STORES
def test_rewriting_the_last_100_rows_and_the_head_fails_against_an_earlier_head(
    store: sa.Engine, fresh_database_url: str, tmp_path: Path
) -> None:
    kept = sign(store)  # 250 rows; a member keeps this head, as the topic or the API gave it
    kept_file = tmp_path / "heads.jsonl"
    kept_file.write_text(json.dumps(kept.as_json()) + "\n", encoding="utf-8")
    done = run_verify_cli(fresh_database_url, "--heads", str(kept_file))
    assert (done.returncode, done.stdout) == (
        0,
        "ledger OK: 250 rows, head seq 250, 2 signed heads checked\n",
    ), done.stderr

    rewrite_tail(store, 100)
    with store.connect() as connection:
        chain_only = verify(connection)
    # The hub's own head still stands in the table, so even the default check catches it.
    assert [p.kind for p in chain_only.problems] == ["SIGNED_HEAD"]
    assert chain_only.problems[0].seq == 250

    # The attacker also deletes the stored heads and the tree cache: the chain and the
    # database are now consistent, and only the head a member kept tells.
    with store.begin() as connection:
        connection.execute(tree_heads.delete())
        connection.execute(ledger_tree_nodes.delete())
    with store.connect() as connection:
        assert verify(connection).ok
    assert run_verify_cli(fresh_database_url).returncode == 0
    done = run_verify_cli(fresh_database_url, "--heads", str(kept_file))
    assert done.returncode == 1, done.stderr
    assert done.stdout.startswith("seq 250: SIGNED_HEAD: rows 1..250 do not produce the root")


@STORES
def test_a_cut_tail_and_a_head_not_signed_by_a_hub_key_are_reported(
    store: sa.Engine, tmp_path: Path
) -> None:
    head = sign(store)
    stranger = SigningKey.from_seed(b"\x07" * 32)
    forged = SignedTreeHead(
        head.tree_size, head.root_hash, head.timestamp, stranger.key_id, b"\x00" * 64
    )
    longer = SignedTreeHead(
        head.tree_size + 5, head.root_hash, head.timestamp, head.key_id, head.signature
    )
    with store.connect() as connection:
        report = verify(connection, kept_heads=[forged, longer])
    details = [(p.seq, p.kind, p.detail.split(" signed ")[0]) for p in report.problems]
    assert details == [
        (250, "SIGNED_HEAD", "the kept head for 250 rows"),
        (255, "SIGNED_HEAD", "the kept head for 255 rows"),
    ]
    assert "not signed by a published hub key" in report.problems[0].detail
    # the one with a wrong size fails its signature too: the size is what was signed
    assert "not signed by a published hub key" in report.problems[1].detail
    with store.begin() as connection:
        connection.execute(ledger.delete().where(ledger.c.seq > 240))
        connection.execute(ledger_head.update().values(seq=240))
    with store.connect() as connection:
        report = verify(connection)
    assert "HEAD_MISMATCH" in [p.kind for p in report.problems]  # ledger_head's hash is stale
    signed = [p.detail for p in report.problems if p.kind == "SIGNED_HEAD"]
    assert len(signed) == 1 and signed[0].endswith("covers more than the 240 rows there are")


@STORES
def test_the_cli_signs_and_publishes_a_head_and_signs_no_second_for_the_same_size(
    store: sa.Engine,
    fresh_database_url: str,
    tmp_path: Path,
    kafka_bootstrap: str,
    unique_name: Callable[[str], str],
) -> None:
    HUB_KEY.save(tmp_path / "hub.pem")
    env = {
        **os.environ,
        "HUB_DATABASE_URL": fresh_database_url,
        "HUB_HUB_KEY_PATH": str(tmp_path / "hub.pem"),
        "HUB_KAFKA_BOOTSTRAP": kafka_bootstrap,
        "HUB_LISTS_TOPIC": unique_name("lists"),
    }
    command = [sys.executable, "-m", "hub", "ledger", "head"]
    done = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    assert done.returncode == 0, done.stderr
    printed = SignedTreeHead.from_json(json.loads(done.stdout))
    with store.connect() as connection:
        assert latest_head(connection) == printed and printed.tree_size == 250
    published = read_heads(kafka_bootstrap, printed.tree_size)
    assert printed in published  # other runs publish heads of 250 rows too, signed at other times

    again = subprocess.run(
        [*command, "--no-publish"], capture_output=True, text=True, env=env, check=False
    )
    assert again.returncode == 0, again.stderr
    assert SignedTreeHead.from_json(json.loads(again.stdout)) == printed


def read_heads(bootstrap: str, size: int) -> list[SignedTreeHead]:
    """The recent heads for `size` rows on the heads topic."""
    consumer = KafkaConsumer(
        bootstrap_servers=bootstrap, auto_offset_reset="earliest", enable_auto_commit=False
    )
    try:
        partition = TopicPartition(HEADS_TOPIC, 0)
        consumer.assign([partition])
        end = consumer.end_offsets([partition])[partition]
        consumer.seek(partition, max(0, end - 50))
        values: list[bytes] = []
        for _ in range(30):  # bounded: a broker that stops answering fails the test, not hangs it
            if consumer.position(partition) >= end:
                break
            for records in consumer.poll(timeout_ms=1000).values():
                values += [r.value for r in records if r.key == f"{size:020d}".encode()]
    finally:
        consumer.close()
    return [SignedTreeHead.from_json(json.loads(v)) for v in values]
