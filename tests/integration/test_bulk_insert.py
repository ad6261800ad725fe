"""bulk_insert and insert_ignore write rows the driver's way on each backend (executemany on
SQLite, COPY or one unnested INSERT on PostgreSQL); what reads back must not depend on it."""

from datetime import UTC, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from hub.store.engine import open_engine
from hub.store.migrate import upgrade
from hub.store.schema import members, presences, subject_identifiers
from hub.store.timestamps import as_utc
from hub.store.upsert import insert_ignore

STORES = pytest.mark.parametrize("fresh_database_url", ["sqlite", "postgresql"], indirect=True)
# A time in another zone: both backends store the same instant.
SEEN = datetime(2026, 11, 29, 17, 0, 0, 123456, tzinfo=timezone(timedelta(hours=8)))


@STORES
def test_insert_ignore_skips_only_the_rows_that_collide(fresh_database_url: str) -> None:
    engine = open_engine(fresh_database_url)
    upgrade(engine)
    with engine.begin() as connection:
        insert_ignore(
            connection,
            subject_identifiers,
            [
                {"scheme": "USCC", "value": "a", "cluster_id": "c-1"},
                {"scheme": "USCC", "value": "b", "cluster_id": "c-1"},
            ],
        )
        insert_ignore(
            connection,
            subject_identifiers,
            [
                {"scheme": "USCC", "value": "b", "cluster_id": "c-2"},  # taken: kept as it was
                {"scheme": "STORE", "value": "mall:store:1", "cluster_id": "c-2"},
            ],
        )
    with engine.connect() as connection:
        rows = connection.execute(
            sa.select(subject_identifiers).order_by(subject_identifiers.c.value)
        ).all()
    assert [tuple(r) for r in rows] == [
        ("USCC", "a", "c-1"),
        ("USCC", "b", "c-1"),
        ("STORE", "mall:store:1", "c-2"),
    ]


@STORES
def test_insert_ignore_keeps_times_as_instants(fresh_database_url: str) -> None:
    engine = open_engine(fresh_database_url)
    upgrade(engine)
    with engine.begin() as connection:
        connection.execute(
            members.insert().values(
                member_id="mall", kind="platform", display_name="Mall", created_at=SEEN
            )
        )
        row = {"member_id": "mall", "scheme": "USCC", "value": "a", "first_seen": SEEN}
        insert_ignore(connection, presences, [row, row | {"value": "b"}])
    with engine.connect() as connection:
        seen = connection.execute(sa.select(presences.c.first_seen)).scalars().all()
    assert [as_utc(s) for s in seen] == [SEEN.astimezone(UTC)] * 2


def test_rows_naming_different_columns_are_refused() -> None:
    engine = open_engine("sqlite://")
    upgrade(engine)
    with pytest.raises(ValueError, match="different columns"), engine.begin() as connection:
        insert_ignore(
            connection,
            subject_identifiers,
            [{"scheme": "USCC", "value": "a", "cluster_id": "c-1"}, {"scheme": "USCC"}],
        )
