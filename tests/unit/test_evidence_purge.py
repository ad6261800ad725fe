"""Retention on SQLite: purge_expired deletes exactly the evidence whose time is up and the
waybill citations of those signals, nothing else; the scheduler's run does it on its tick
with one EVIDENCE_PURGED ledger row when something went (none when nothing did), the chain
still verifying, and judges by the real clock, not by an `as_of` moved ahead of it."""

from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from hub.domain.china_time import CHINA
from hub.ledger.verify import verify
from hub.lists.scheduler import SCHEDULER_ACTOR, run_due
from hub.policy.loading import default_policy
from hub.store.engine import open_engine
from hub.store.evidence_purge import purge_expired
from hub.store.ledger import rows_in_order
from hub.store.migrate import upgrade
from hub.store.schema import accepted_signals, parcel_correlations, waybill_citations
from tests.unit.test_evidence_reads import T0, evidence_row

KEPT_UNTIL = {"old-1": T0, "old-2": T0 + timedelta(hours=1), "new": T0 + timedelta(days=30)}


def citation(reporter: str, signal: str, waybill: str) -> dict[str, object]:
    return {
        "waybill": waybill,
        "reporter": reporter,
        "signal_id": signal,
        "side": "platform",
        "cluster_id": "c-1",
        "record_at": T0 - timedelta(days=200),
    }


def seed_retention(engine: sa.Engine) -> None:
    """Evidence of mall's old-1, old-2 and new (KEPT_UNTIL), social's old-1 (kept), their
    waybill citations, and a correlation on mall's old-1."""
    with engine.begin() as connection:
        connection.execute(
            accepted_signals.insert(),
            [evidence_row("mall", s, expires_at=at) for s, at in KEPT_UNTIL.items()]
            # Same signal id from another reporter: its own row, kept.
            + [evidence_row("social", "old-1", expires_at=T0 + timedelta(days=30))],
        )
        connection.execute(
            waybill_citations.insert(),
            [
                citation("mall", "old-1", "sf:SF0000000001"),
                citation("mall", "old-1", "sf:SF0000000002"),
                citation("mall", "old-2", "sf:SF0000000001"),
                citation("mall", "new", "sf:SF0000000001"),
                citation("social", "old-1", "sf:SF0000000001"),
            ],
        )
        connection.execute(
            parcel_correlations.insert().values(
                platform_reporter="mall",
                platform_signal="old-1",
                logistics_reporter="express",
                logistics_signal="x-1",
                cluster_id="c-1",
                waybills=1,
                correlated_at=T0 - timedelta(days=200),
            )
        )


@pytest.fixture
def engine(tmp_path: Path) -> sa.Engine:
    built = open_engine(f"sqlite:///{tmp_path / 'store.sqlite3'}")
    upgrade(built)
    seed_retention(built)
    return built


def left(engine: sa.Engine) -> tuple[set[tuple[str, str]], set[tuple[str, str, str]]]:
    with engine.connect() as connection:
        a = accepted_signals.c
        e = connection.execute(sa.select(a.reporter, a.signal_id).where(a.expires_at.is_not(None)))
        w = connection.execute(
            sa.select(waybill_citations.c.reporter, waybill_citations.c.signal_id).add_columns(
                waybill_citations.c.waybill
            )
        )
        return {(r.reporter, r.signal_id) for r in e}, {tuple(r) for r in w}


def purged_rows(engine: sa.Engine) -> list[tuple[str, str, str]]:
    with engine.connect() as connection:
        rows = list(rows_in_order(connection, 100))
        assert verify(connection).ok
    return [(r.kind, r.actor, r.body) for r in rows if r.kind == "EVIDENCE_PURGED"]


def test_purge_deletes_exactly_the_expired_rows_and_their_citations(engine: sa.Engine) -> None:
    with engine.begin() as connection:
        assert purge_expired(connection, T0 - timedelta(seconds=1)) == 0
    assert len(left(engine)[0]) == 4
    with engine.begin() as connection:
        # China time: the same moment as T0 + 30 minutes, compared as UTC all the same.
        china = (T0 + timedelta(minutes=30)).astimezone(CHINA)
        assert purge_expired(connection, china) == 1  # old-1, expiring at T0 exactly
    evidence, citations = left(engine)
    assert evidence == {("mall", "old-2"), ("mall", "new"), ("social", "old-1")}
    assert ("mall", "old-1", "sf:SF0000000001") not in citations
    assert ("mall", "old-1", "sf:SF0000000002") not in citations
    assert ("social", "old-1", "sf:SF0000000001") in citations  # another reporter's signal
    with engine.begin() as connection:
        assert purge_expired(connection, T0 + timedelta(days=1)) == 1
        assert connection.scalar(sa.select(sa.func.count()).select_from(parcel_correlations)) == 1
    evidence, citations = left(engine)
    assert evidence == {("mall", "new"), ("social", "old-1")}
    assert {(r, s) for r, s, _ in citations} == {("mall", "new"), ("social", "old-1")}


def test_the_scheduler_purges_on_its_tick_and_records_it_once(engine: sa.Engine) -> None:
    policy = default_policy()
    later = T0 + timedelta(days=2)
    run = run_due(engine, policy, later, clock=lambda: later)
    assert run.purged == 2 and run.overdue == [] and run.failed == []
    assert purged_rows(engine) == [("EVIDENCE_PURGED", SCHEDULER_ACTOR, '{"count":2}')]
    again = run_due(engine, policy, later, clock=lambda: later)
    assert again.purged == 0
    assert len(purged_rows(engine)) == 1  # nothing purged, nothing recorded
    assert left(engine)[0] == {("mall", "new"), ("social", "old-1")}


def test_the_scheduler_purges_by_the_real_clock_not_a_moved_as_of(engine: sa.Engine) -> None:
    now = T0 - timedelta(days=1)  # before anything expires
    run = run_due(engine, default_policy(), T0 + timedelta(days=365), clock=lambda: now)
    assert run.purged == 0 and len(left(engine)[0]) == 4
    assert purged_rows(engine) == []
