"""Empty-parcel correlation (hub.pipeline.correlation) on a migrated SQLite store: a platform's
signal and a carrier's EMPTY_PARCEL signal on the same waybills make one correlation about the
platform's subject, in either arrival order, within the window, never from one member alone,
and never twice. tests/integration/test_candidates_store.py runs the same cases on PostgreSQL
through the `engine` fixture."""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from alliance_connector.messages import SignalCategory
from hub.pipeline.correlation import LOGISTICS, PLATFORM, Citation, Correlation, correlate
from hub.store.engine import open_engine
from hub.store.migrate import upgrade
from hub.store.schema import parcel_correlations, waybill_citations

NOW = datetime(2026, 11, 29, 8, 0, tzinfo=UTC)
WINDOW = timedelta(days=30)
SHOP = "c-shop"  # the cluster of the store that shipped


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[sa.Engine]:
    engine = open_engine(f"sqlite:///{tmp_path / 'store.sqlite3'}")
    upgrade(engine)
    yield engine
    engine.dispose()


def platform(
    signal: str,
    *waybills: str,
    at: datetime = NOW,
    reporter: str = "mall",
    category: SignalCategory = SignalCategory.FAKE_TRANSACTION,
    cluster: str = SHOP,
) -> Citation:
    return Citation(reporter, signal, PLATFORM, category, cluster, waybills, at)


def carrier(
    signal: str,
    *waybills: str,
    at: datetime = NOW,
    reporter: str = "express",
    category: SignalCategory = SignalCategory.EMPTY_PARCEL,
) -> Citation:
    return Citation(reporter, signal, LOGISTICS, category, "c-sender", waybills, at)


def run(engine: sa.Engine, *citations: Citation, now: datetime = NOW) -> list[Correlation]:
    with engine.begin() as connection:
        return correlate(connection, citations, WINDOW, now)


def stored(engine: sa.Engine) -> list[tuple[object, ...]]:
    with engine.connect() as connection:
        rows = connection.execute(
            sa.select(
                parcel_correlations.c.platform_reporter,
                parcel_correlations.c.platform_signal,
                parcel_correlations.c.logistics_reporter,
                parcel_correlations.c.logistics_signal,
                parcel_correlations.c.cluster_id,
                parcel_correlations.c.waybills,
            ).order_by(
                parcel_correlations.c.platform_signal, parcel_correlations.c.logistics_signal
            )
        )
        return [tuple(r) for r in rows]


def citation_count(engine: sa.Engine) -> int:
    with engine.connect() as connection:
        return int(
            connection.scalar(sa.select(sa.func.count()).select_from(waybill_citations)) or 0
        )


EXPECTED = [("mall", "p-1", "express", "l-1", SHOP, 2)]


def test_platform_first_then_carrier_makes_one_correlation(engine: sa.Engine) -> None:
    assert run(engine, platform("p-1", "sf:1", "sf:2", "sf:3")) == []
    made = run(engine, carrier("l-1", "sf:2", "sf:3", "sf:9"), now=NOW + timedelta(hours=1))
    assert made == [Correlation("mall", "p-1", "express", "l-1", SHOP, 2, NOW + timedelta(hours=1))]
    assert stored(engine) == EXPECTED


def test_carrier_first_then_platform_makes_the_same_row(engine: sa.Engine) -> None:
    assert run(engine, carrier("l-1", "sf:2", "sf:3", "sf:9")) == []
    made = run(engine, platform("p-1", "sf:1", "sf:2", "sf:3"))
    assert [(m.platform_signal, m.logistics_signal, m.cluster_id, m.waybills) for m in made] == [
        ("p-1", "l-1", SHOP, 2)
    ]
    assert stored(engine) == EXPECTED


def test_citations_of_one_batch_correlate_with_each_other(engine: sa.Engine) -> None:
    made = run(engine, carrier("l-1", "sf:2", "sf:3"), platform("p-1", "sf:1", "sf:2", "sf:3"))
    assert len(made) == 1
    assert stored(engine) == EXPECTED


def test_a_repeated_call_returns_nothing_and_stores_nothing_twice(engine: sa.Engine) -> None:
    both = (platform("p-1", "sf:1", "sf:2", "sf:3"), carrier("l-1", "sf:2", "sf:3"))
    assert len(run(engine, *both)) == 1
    before = citation_count(engine)
    assert run(engine, *both) == []
    assert run(engine, both[1]) == []
    assert citation_count(engine) == before == 5
    assert stored(engine) == EXPECTED


@pytest.mark.parametrize("sign", [1, -1])
def test_the_window_is_inclusive_at_its_edge(engine: sa.Engine, sign: int) -> None:
    run(engine, platform("p-1", "sf:1"))
    assert len(run(engine, carrier("l-edge", "sf:1", at=NOW + sign * WINDOW))) == 1
    late = NOW + sign * (WINDOW + timedelta(microseconds=1))
    assert run(engine, carrier("l-out", "sf:1", at=late)) == []
    assert [row[3] for row in stored(engine)] == ["l-edge"]


def test_a_member_on_both_sides_corroborates_nothing(engine: sa.Engine) -> None:
    run(engine, platform("p-1", "sf:1", reporter="jd"))
    assert run(engine, carrier("l-1", "sf:1", reporter="jd")) == []
    assert stored(engine) == []


def test_a_platform_citing_waybills_alone_makes_nothing(engine: sa.Engine) -> None:
    assert run(engine, platform("p-1", "sf:1", "sf:2")) == []
    # Two platforms on one waybill are not a platform and a carrier.
    assert run(engine, platform("p-2", "sf:1", reporter="social")) == []
    assert stored(engine) == []
    assert citation_count(engine) == 3


def test_a_carriers_other_categories_are_not_citations(engine: sa.Engine) -> None:
    dispute = carrier("l-1", "sf:1", category=SignalCategory.CONTRACT_DISPUTE)
    assert run(engine, dispute) == []
    assert citation_count(engine) == 0
    assert run(engine, platform("p-1", "sf:1")) == []
    assert stored(engine) == []


def test_a_platforms_citation_of_any_category_correlates(engine: sa.Engine) -> None:
    run(engine, platform("p-1", "sf:1", category=SignalCategory.PRESENCE))
    assert len(run(engine, carrier("l-1", "sf:1"))) == 1


def test_each_pair_of_signals_is_one_row_about_the_platform_signals_cluster(
    engine: sa.Engine,
) -> None:
    run(engine, platform("p-1", "sf:1"), platform("p-2", "sf:1", "sf:2", cluster="c-other"))
    made = run(engine, carrier("l-1", "sf:1", "sf:2"))
    assert [(m.platform_signal, m.cluster_id, m.waybills) for m in made] == [
        ("p-1", SHOP, 1),
        ("p-2", "c-other", 2),
    ]


def test_a_batch_of_many_waybills_takes_a_few_statements(engine: sa.Engine) -> None:
    statements: list[str] = []

    def count(*args: object) -> None:
        statements.append(str(args[2]))

    waybills = [f"sf:{n}" for n in range(1200)]
    run(engine, platform("p-1", *waybills))
    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        made = run(engine, carrier("l-1", *waybills))
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)
    assert made[0].waybills == 1200
    reads = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    writes = [s for s in statements if s.lstrip().upper().startswith("INSERT")]
    assert (len(reads), len(writes)) == (3, 2)  # 1200 waybills: three chunks of at most 500


def test_a_batch_rolled_back_and_replayed_makes_the_same_rows(engine: sa.Engine) -> None:
    run(engine, platform("p-1", "sf:1", "sf:2", "sf:3"))
    batch = (carrier("l-1", "sf:2", "sf:3"), carrier("l-2", "sf:1", reporter="ems"))
    with pytest.raises(RuntimeError), engine.begin() as connection:
        first = correlate(connection, batch, WINDOW, NOW)
        raise RuntimeError("the worker crashed before its commit")
    assert stored(engine) == []
    assert run(engine, *batch) == first
    assert stored(engine) == EXPECTED + [("mall", "p-1", "ems", "l-2", SHOP, 1)]
