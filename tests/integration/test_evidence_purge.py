"""Retention on both stores, PostgreSQL above all (timestamptz, its DELETE … WHERE EXISTS):
the unit tests' cases (tests/unit/test_evidence_purge.py) on a migrated database of each kind."""

from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from hub.store.engine import open_engine
from hub.store.migrate import upgrade
from tests.integration.test_api_entries import STORES
from tests.unit import test_evidence_purge as cases


@pytest.fixture
def engine(fresh_database_url: str) -> Iterator[sa.Engine]:
    built = open_engine(fresh_database_url)
    upgrade(built)
    cases.seed_retention(built)
    yield built
    built.dispose()


@STORES
def test_purge_deletes_exactly_the_expired_rows_and_their_citations(engine: sa.Engine) -> None:
    cases.test_purge_deletes_exactly_the_expired_rows_and_their_citations(engine)


@STORES
def test_the_scheduler_purges_on_its_tick_and_records_it_once(engine: sa.Engine) -> None:
    cases.test_the_scheduler_purges_on_its_tick_and_records_it_once(engine)


@STORES
def test_the_scheduler_purges_by_the_real_clock_not_a_moved_as_of(engine: sa.Engine) -> None:
    cases.test_the_scheduler_purges_by_the_real_clock_not_a_moved_as_of(engine)
