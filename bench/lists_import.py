"""List import speed: reading and validating a generated file, then writing it to the store,
as `alliance-hub lists import` does (same functions, collector off the same way).

    python bench/lists_import.py [--rows 1000000] [--database-url URL] [--bootstrap HOST:PORT]
                                 [--json]

Rows look like a market regulator's blacklist: one USCC and one store per entry, Chinese
names, a listing date. A second import of the same file measures the no-change path. With
--bootstrap, the entries are then published to a fresh compacted lists topic on that broker
(as a worker's relay does) and a worker's index is rebuilt from it (as a starting worker does).
Figures, not assertions; the issue's target is one million rows in under a minute.
"""

import argparse
import gc
import json
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from kafka import KafkaProducer
from kafka.admin import KafkaAdminClient

from alliance_connector.identifiers import uscc_check_character
from alliance_connector.signing import SigningKey
from hub.kafka.topics import ensure_topics, hub_topics
from hub.lists.imports import apply_import
from hub.lists.publishing import publish_list_changes
from hub.lists.reading import read_list_file
from hub.policy.loading import default_policy
from hub.sanctions.index import ListFollower, ListIndex
from hub.store.engine import open_engine
from hub.store.migrate import upgrade

HEADER = (
    "entry_id,list_type,category,subject_name,uscc,store,"
    "authority,document_no,province,city,listed_at\n"
)
CATEGORIES = ("FAKE_TRANSACTION", "EMPTY_PARCEL", "COUNTERFEIT", "IP_INFRINGEMENT")


def write_file(path: Path, rows: int) -> None:
    with path.open("w", encoding="utf-8") as out:
        out.write(HEADER)
        for n in range(rows):
            first17 = f"91330100{n:09d}"
            uscc = first17 + uscc_check_character(first17)
            out.write(
                f"bl-{n},BLACKLIST,{CATEGORIES[n % 4]},杭州某某电子商务有限公司{n},{uscc},"
                f"mall:store:{n},杭州市市场监督管理局,杭市监〔2026〕{n}号,浙江省,杭州市,"
                f"2026-10-{1 + n % 28:02d}\n"
            )


def timed_import(path: Path, engine: sa.Engine) -> tuple[float, float, int]:
    """(read seconds, write seconds, entries changed or new) for one import of `path`."""
    policy = default_policy()
    gc.disable()
    try:
        started = time.perf_counter()
        read = read_list_file(path)
        assert not read.problems, read.problems[:5]  # noqa: S101 - generated rows are valid
        reading = time.perf_counter() - started
        with engine.begin() as connection:
            summary = apply_import(
                connection, read.entries, "bench", path.name, policy, datetime.now(UTC)
            )
        writing = time.perf_counter() - started - reading
    finally:
        gc.enable()
    return reading, writing, summary.new + summary.changed


def publish_and_rebuild(engine: sa.Engine, bootstrap: str) -> tuple[float, float, int]:
    """(publish seconds, rebuild seconds, entries in the rebuilt index)."""
    topic = f"alliance.lists.bench-{uuid.uuid4().hex[:8]}"
    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    ensure_topics(admin, hub_topics(topic))
    admin.close()
    key = SigningKey.generate()
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=5)
    started = time.perf_counter()
    while publish_list_changes(engine, producer, key, topic, batch=5000):
        pass
    publishing = time.perf_counter() - started
    producer.close()
    index = ListIndex()
    follower = ListFollower({"bootstrap_servers": bootstrap}, key.verify_key, index, topic)
    started = time.perf_counter()
    follower.start()
    follower.caught_up.wait()
    rebuilding = time.perf_counter() - started
    follower.stop()
    return publishing, rebuilding, len(index)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--database-url", default=None, help="default: a fresh SQLite file")
    parser.add_argument("--bootstrap", default=None, help="also publish and rebuild an index")
    parser.add_argument("--json", action="store_true", help="end with one JSON line")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="alliance-lists-bench-"))
    path = workdir / "blacklist.csv"
    write_file(path, args.rows)
    url = args.database_url or f"sqlite:///{workdir / 'lists.sqlite3'}"
    engine = open_engine(url)
    upgrade(engine)
    size_mb = path.stat().st_size / 2**20
    read_s, write_s, written = timed_import(path, engine)
    again_read_s, again_write_s, rewritten = timed_import(path, engine)
    topic = publish_and_rebuild(engine, args.bootstrap) if args.bootstrap else None
    engine.dispose()
    total = read_s + write_s
    print(f"{args.rows:,} rows ({size_mb:.0f} MiB CSV, {engine.dialect.name})")
    print(f"  first import: read+validate {read_s:.1f}s, write {write_s:.1f}s, total {total:.1f}s")
    print(f"  = {args.rows / total:,.0f} rows/s; {written:,} entries written")
    print(
        f"  same file again: read {again_read_s:.1f}s, compare {again_write_s:.1f}s, "
        f"{rewritten} entries written"
    )
    if topic:
        publish_s, rebuild_s, indexed = topic
        print(f"  publish to alliance.lists: {publish_s:.1f}s = {args.rows / publish_s:,.0f}/s")
        print(
            f"  rebuild an index: {rebuild_s:.1f}s = {args.rows / rebuild_s:,.0f}/s ({indexed:,})"
        )
    if args.json:
        figures = {
            "rows": args.rows,
            "database": engine.dialect.name,
            "read_s": round(read_s, 2),
            "write_s": round(write_s, 2),
            "total_s": round(total, 2),
            "reimport_s": round(again_read_s + again_write_s, 2),
            "reimport_written": rewritten,
        }
        if topic:
            figures |= {"publish_s": round(topic[0], 2), "rebuild_s": round(topic[1], 2)}
        print(json.dumps(figures))


if __name__ == "__main__":
    main()
