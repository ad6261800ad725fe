"""The store opens and migrates on SQLite and on PostgreSQL, and its schema matches the code."""

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from hub.errors import StoreUnavailable
from hub.store.engine import check_reachable, open_engine
from hub.store.migrate import current_revision, head_revision, upgrade
from hub.store.schema import metadata

BACKENDS = pytest.mark.parametrize("fresh_database_url", ["sqlite", "postgresql"], indirect=True)


@BACKENDS
def test_empty_database_migrates_to_head(fresh_database_url: str) -> None:
    engine = open_engine(fresh_database_url)
    check_reachable(engine)
    assert current_revision(engine) is None

    assert upgrade(engine) == head_revision()

    assert current_revision(engine) == head_revision()
    assert {"members", "member_keys"} <= set(sa.inspect(engine).get_table_names())
    engine.dispose()


@BACKENDS
def test_upgrade_again_is_a_no_op(fresh_database_url: str) -> None:
    engine = open_engine(fresh_database_url)
    upgrade(engine)
    with engine.begin() as connection:
        connection.execute(
            sa.text(
                "INSERT INTO members (member_id, kind, display_name, created_at) "
                "VALUES ('shop-a', 'platform', 'Shop A', CURRENT_TIMESTAMP)"
            )
        )

    upgrade(engine)

    with engine.connect() as connection:
        count = connection.execute(sa.text("SELECT count(*) FROM members")).scalar_one()
    assert count == 1
    engine.dispose()


@BACKENDS
def test_migrated_schema_matches_table_definitions(fresh_database_url: str) -> None:
    engine = open_engine(fresh_database_url)
    upgrade(engine)
    with engine.connect() as connection:
        drift = compare_metadata(MigrationContext.configure(connection), metadata)
    assert drift == []
    engine.dispose()


@BACKENDS
def test_store_enforces_member_kind_and_foreign_keys(fresh_database_url: str) -> None:
    engine = open_engine(fresh_database_url)
    upgrade(engine)
    with pytest.raises(sa.exc.IntegrityError), engine.begin() as connection:
        connection.execute(
            sa.text(
                "INSERT INTO members (member_id, kind, display_name, created_at) "
                "VALUES ('x', 'bank', 'X', CURRENT_TIMESTAMP)"
            )
        )
    with pytest.raises(sa.exc.IntegrityError), engine.begin() as connection:
        connection.execute(
            sa.text(
                "INSERT INTO member_keys (key_id, member_id, public_key, valid_from) "
                "VALUES ('k1', 'nobody', :key, CURRENT_TIMESTAMP)"
            ),
            {"key": b"\0" * 32},
        )
    engine.dispose()


def test_unreachable_database_is_a_typed_error() -> None:
    engine = open_engine("postgresql+psycopg://hub:hub@127.0.0.1:1/none?connect_timeout=2")
    with pytest.raises(StoreUnavailable) as raised:
        check_reachable(engine)
    assert "127.0.0.1:1" in str(raised.value)
    assert "hub:hub" not in str(raised.value)  # the password never reaches an error message


@BACKENDS
def test_list_entries_from_before_the_lifecycle_get_a_deadline(fresh_database_url: str) -> None:
    from datetime import UTC, datetime

    from alembic import command

    from hub.store.migrate import _config

    engine = open_engine(fresh_database_url)
    with engine.begin() as connection:
        command.upgrade(_config(connection), "0002")
        connection.execute(
            sa.text(
                "INSERT INTO list_entries (entry_id, list_type, category, status, listed_at) "
                "VALUES ('old-1', 'BLACKLIST', 'FAKE_TRANSACTION', 'LISTED', :at)"
            ),
            {"at": datetime(2026, 5, 31, 4, 0, tzinfo=UTC)},
        )
    upgrade(engine)
    with engine.connect() as connection:
        deadline = connection.scalar(sa.text("SELECT rectification_deadline FROM list_entries"))
    engine.dispose()
    # 31 May 12:00 in China plus three months: 31 August, same time.
    assert str(deadline).startswith("2026-08-31 04:00:00")
