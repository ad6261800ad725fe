"""The ledger's hash chain on a SQLite file: appends link up, and every kind of tampering shows."""

import hashlib
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from hub.ledger.chain import GENESIS_HASH, LedgerEntry, append, canonical_json, row_hash
from hub.ledger.verify import verify
from hub.store.engine import open_engine
from hub.store.migrate import upgrade
from hub.store.schema import ledger, ledger_head

T0 = datetime(2026, 11, 28, 11, 14, 47, 189_000, tzinfo=UTC)


def entry(n: int) -> LedgerEntry:
    return LedgerEntry(
        kind="SIGNAL_ACCEPTED",
        actor="shop-a",
        body={"n": n, "category": "FAKE_REVIEW"},
        ref=f"sig-{n}",
        reason=None,
        source=("alliance.signals.shop-a", 0, n),
    )


@pytest.fixture
def url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'store.sqlite3'}"


@pytest.fixture
def engine(url: str) -> Iterator[sa.Engine]:
    engine = open_engine(url)
    upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def five(engine: sa.Engine) -> sa.Engine:
    """A ledger of five rows, appended in two batches."""
    with engine.begin() as connection:
        append(connection, [entry(1), entry(2)], T0)
    with engine.begin() as connection:
        append(connection, [entry(3), entry(4), entry(5)], T0 + timedelta(seconds=1))
    return engine


def found(engine: sa.Engine) -> list[tuple[int, str]]:
    with engine.connect() as connection:
        report = verify(connection, batch=2)  # small batches also exercise the pagination
    return [(problem.seq, problem.kind) for problem in report.problems]


def tamper(engine: sa.Engine, seq: int, **values: Any) -> None:
    with engine.begin() as connection:
        connection.execute(ledger.update().where(ledger.c.seq == seq).values(**values))


def stored(engine: sa.Engine, seq: int) -> sa.Row[Any]:
    with engine.connect() as connection:
        return connection.execute(sa.select(ledger).where(ledger.c.seq == seq)).one()


def test_canonical_json_is_sorted_compact_utf8_and_refuses_datetimes() -> None:
    assert canonical_json({"b": 1, "a": ["é", None]}) == '{"a":["é",null],"b":1}'
    with pytest.raises(TypeError):
        canonical_json({"at": T0})


def test_row_hash_is_sha256_of_the_documented_json() -> None:
    # Pinned so that an auditor's own implementation of the format agrees with ours.
    text = (
        f'["{GENESIS_HASH}",1,"2026-11-28T11:14:47.189Z","SIGNAL_ACCEPTED","shop-a","sig-1",'
        'null,"alliance.signals.shop-a",0,1,{"category":"FAKE_REVIEW","n":1}]'
    )
    assert row_hash(GENESIS_HASH, 1, T0, entry(1)) == hashlib.sha256(text.encode()).hexdigest()
    # Same instant in another zone, with microseconds, or naive UTC as SQLite returns it.
    plus_one = T0.astimezone(timezone(timedelta(hours=1))).replace(microsecond=189_999)
    for same in (plus_one, T0.replace(tzinfo=None)):
        assert row_hash(GENESIS_HASH, 1, same, entry(1)) == row_hash(GENESIS_HASH, 1, T0, entry(1))


def test_append_chains_rows_and_moves_the_head(engine: sa.Engine) -> None:
    statements: list[str] = []
    sa.event.listen(engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    with engine.begin() as connection:
        assert append(connection, [], T0) == []
    assert statements == []  # an empty append takes no lock and writes nothing
    with engine.begin() as connection:
        assert append(connection, [entry(1), entry(2)], T0 + timedelta(microseconds=999)) == [1, 2]
    with engine.begin() as connection:
        assert append(connection, [entry(3)], T0) == [3]
        assert append(connection, [], T0) == []

    with engine.connect() as connection:
        rows = connection.execute(sa.select(ledger).order_by(ledger.c.seq)).all()
        head = connection.execute(sa.select(ledger_head)).one()
        report = verify(connection)
    assert [row.seq for row in rows] == [1, 2, 3]
    assert [row.prev_hash for row in rows] == [GENESIS_HASH, rows[0].row_hash, rows[1].row_hash]
    assert rows[0].row_hash == row_hash(GENESIS_HASH, 1, T0, entry(1))
    assert rows[0].recorded_at == T0.replace(tzinfo=None)  # stored at millisecond precision
    assert (head.id, head.seq, head.row_hash) == (1, 3, rows[2].row_hash)
    assert (report.ok, report.rows, report.head_seq, report.problems) == (True, 3, 3, ())


def test_append_refuses_a_naive_time(engine: sa.Engine) -> None:
    with pytest.raises(ValueError, match="timezone-aware"), engine.begin() as connection:
        append(connection, [entry(1)], datetime(2026, 11, 28))  # naive on purpose


def test_an_empty_ledger_verifies(engine: sa.Engine) -> None:
    assert found(engine) == []


EDITS: dict[str, Any] = {
    "body": '{"category":"FAKE_REVIEW","n":99}',
    "kind": "SIGNAL_REJECTED",
    "actor": "shop-b",
    "ref": "sig-99",
    "reason": "BAD_SIGNATURE",
    "source_topic": "alliance.signals.shop-b",
    "source_partition": 7,
    "source_offset": 99,
    "recorded_at": T0 - timedelta(days=1),
}


@pytest.mark.parametrize("column", EDITS)
def test_editing_any_column_shows_at_that_row(five: sa.Engine, column: str) -> None:
    tamper(five, 3, **{column: EDITS[column]})
    assert found(five) == [(3, "EDITED")]


@pytest.mark.parametrize(
    "values",
    [
        {"body": '{"n": 3, "category": "FAKE_REVIEW"}'},  # same value, other spelling
        {"recorded_at": T0 + timedelta(microseconds=1)},  # below the hashed precision
        {"source_topic": None},  # a source the appender could not have written
    ],
)
def test_edits_the_hash_cannot_see_still_show(five: sa.Engine, values: dict[str, Any]) -> None:
    tamper(five, 3, **values)
    assert found(five) == [(3, "EDITED")]


def test_deleting_a_middle_row_is_a_gap_and_a_broken_link(five: sa.Engine) -> None:
    with five.begin() as connection:
        connection.execute(sa.text("DELETE FROM ledger WHERE seq = 3"))
    assert found(five) == [(3, "GAP"), (4, "BROKEN_LINK")]


def test_cutting_the_tail_disagrees_with_the_head(five: sa.Engine) -> None:
    with five.begin() as connection:
        connection.execute(sa.text("DELETE FROM ledger WHERE seq >= 4"))
    assert found(five) == [(5, "HEAD_MISMATCH")]


def test_a_forged_head_alone_shows(five: sa.Engine) -> None:
    with five.begin() as connection:
        connection.execute(sa.text("UPDATE ledger_head SET row_hash = :h"), {"h": "f" * 64})
    assert found(five) == [(5, "HEAD_MISMATCH")]
    with five.begin() as connection:  # rolled back to row 4, hash and all: row 5 sticks out
        row_4 = connection.execute(sa.select(ledger.c.row_hash).where(ledger.c.seq == 4))
        connection.execute(ledger_head.update().values(seq=4, row_hash=row_4.scalar_one()))
    assert found(five) == [(5, "HEAD_MISMATCH")]


def test_swapping_two_rows_shows(five: sa.Engine) -> None:
    with five.begin() as connection:  # rows 2 and 4 trade places, every column kept
        for old, new in ((2, 0), (4, 2), (0, 4)):
            connection.execute(ledger.update().where(ledger.c.seq == old).values(seq=new))
    problems = found(five)
    assert {(2, "EDITED"), (4, "EDITED"), (2, "BROKEN_LINK")} <= set(problems)


def test_inserting_a_forged_row_shows_even_with_a_plausible_hash(five: sa.Engine) -> None:
    prev = stored(five, 2).row_hash
    forged = LedgerEntry("INSTRUCTION_ISSUED", "hub", {})
    columns = {"kind": forged.kind, "actor": forged.actor, "body": "{}", "recorded_at": T0}
    with five.begin() as connection:
        for seq in (5, 4, 3):  # make room at seq 3, top down so seq stays unique
            connection.execute(ledger.update().where(ledger.c.seq == seq).values(seq=seq + 1))
        digest = row_hash(prev, 3, T0, forged)  # correct for its place: row 3 itself passes
        connection.execute(
            ledger.insert().values(seq=3, prev_hash=prev, row_hash=digest, **columns)
        )
        last = connection.execute(sa.select(ledger.c.row_hash).where(ledger.c.seq == 6))
        connection.execute(ledger_head.update().values(seq=6, row_hash=last.scalar_one()))
    problems = found(five)
    assert problems[:2] == [(4, "BROKEN_LINK"), (4, "EDITED")]  # the row moved off its seq
    assert (3, "EDITED") not in problems


def test_a_rehashed_edit_is_caught_at_the_next_link(five: sa.Engine) -> None:
    # The attacker edits row 3 and recomputes its hash correctly; row 4 still names the old one.
    row = stored(five, 3)
    edited = LedgerEntry(row.kind, "mallory", {"n": 3}, row.ref, source=("t", 0, 3))
    digest = row_hash(row.prev_hash, 3, row.recorded_at, edited)
    tamper(five, 3, actor="mallory", body='{"n":3}', source_topic="t", row_hash=digest)
    assert found(five) == [(4, "BROKEN_LINK")]


def test_only_the_published_head_catches_a_rewritten_tail_and_head(five: sa.Engine) -> None:
    # The documented limit: rewrite rows 4..5 and the head consistently and the chain is valid.
    with five.connect() as connection:
        published = connection.execute(sa.select(ledger_head.c.row_hash)).scalar_one()
    with five.begin() as connection:
        connection.execute(sa.text("DELETE FROM ledger WHERE seq >= 4"))
        connection.execute(ledger_head.update().values(seq=3, row_hash=stored(five, 3).row_hash))
        append(connection, [entry(4), LedgerEntry("ACK_APPLIED", "shop-b", {})], T0)
    assert found(five) == []
    with five.connect() as connection:
        assert connection.execute(sa.select(ledger_head.c.row_hash)).scalar_one() != published


def test_problems_are_capped_but_counted(five: sa.Engine) -> None:
    with five.begin() as connection:
        append(connection, [entry(n) for n in range(6, 206)], T0)
        connection.execute(sa.text("UPDATE ledger SET actor = 'mallory'"))
        report = verify(connection)
    assert (len(report.problems), report.problem_count, report.ok) == (100, 205, False)


def run_verify_cli(url: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "hub", "ledger", "verify"]
    env = {**os.environ, "HUB_DATABASE_URL": url}
    return subprocess.run(command, capture_output=True, text=True, env=env, check=False)


def test_cli_verify_exits_0_when_intact_and_1_naming_the_seq_when_not(
    five: sa.Engine, url: str
) -> None:
    done = run_verify_cli(url)
    assert (done.returncode, done.stdout) == (0, "ledger OK: 5 rows, head seq 5\n"), done.stderr
    tamper(five, 2, actor="mallory")
    done = run_verify_cli(url)
    assert done.returncode == 1, done.stderr
    assert done.stdout.splitlines() == [
        "seq 2: EDITED: stored hash does not match the row's contents: edited after it was written"
    ]
