"""Revision 0010 moves kept evidence from signal_evidence into the signals' own rows, and back
on downgrade, on both stores: nothing kept is lost either way."""

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from alembic import command

from hub.store.migrate import _config

STORES = pytest.mark.parametrize("fresh_database_url", ["sqlite", "postgresql"], indirect=True)
AT = datetime(2026, 11, 3, 8, 0, tzinfo=UTC)


def _migrate(engine: sa.Engine, revision: str, down: bool = False) -> None:
    with engine.begin() as connection:
        (command.downgrade if down else command.upgrade)(_config(connection), revision)


def _signal(connection: sa.Connection, signal_id: str) -> None:
    connection.execute(
        sa.text(
            "INSERT INTO accepted_signals (reporter, signal_id, category, cluster_id, ledger_seq,"
            " received_at) VALUES ('mall', :s, 'FAKE_TRANSACTION', 'c-1', 1, :at)"
        ),
        {"s": signal_id, "at": AT},
    )


@STORES
def test_kept_evidence_moves_into_the_signal_rows_and_back(fresh_database_url: str) -> None:
    engine = sa.create_engine(fresh_database_url)
    _migrate(engine, "0009")
    with engine.begin() as connection:
        _signal(connection, "kept")
        _signal(connection, "older")  # accepted before evidence was kept: none to move
        connection.execute(
            sa.text(
                "INSERT INTO signal_evidence (reporter, signal_id, cluster_id, category, severity,"
                " window_start, window_end, order_count, amount_fen, order_refs, waybill_refs,"
                " note, subject, record_at, expires_at) VALUES ('mall', 'kept', 'c-1',"
                " 'FAKE_TRANSACTION', 'HIGH', :start, :at, 7, 990, '[]', '[\"sf:SF1234567\"]',"
                " '刷单', '[]', :at, :until)"
            ),
            {"start": AT - timedelta(days=7), "at": AT, "until": AT + timedelta(days=150)},
        )

    _migrate(engine, "0010")
    with engine.connect() as connection:
        rows = connection.execute(
            sa.text(
                "SELECT signal_id, severity, order_count, waybill_refs, note, expires_at"
                " FROM accepted_signals ORDER BY signal_id"
            )
        ).all()
        tables = sa.inspect(connection).get_table_names()
    assert "signal_evidence" not in tables
    kept, older = rows
    assert kept[:5] == ("kept", "HIGH", 7, '["sf:SF1234567"]', "刷单")
    assert kept.expires_at is not None
    assert older[1:] == (None, None, None, None, None)

    _migrate(engine, "0009", down=True)
    with engine.connect() as connection:
        back = connection.execute(
            sa.text("SELECT signal_id, severity, order_count, note FROM signal_evidence")
        ).all()
        columns = {c["name"] for c in sa.inspect(connection).get_columns("accepted_signals")}
    assert [tuple(r) for r in back] == [("kept", "HIGH", 7, "刷单")]
    assert "expires_at" not in columns
    engine.dispose()
