"""Open the database named by a URL, with the settings each backend needs."""

from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import SQLAlchemyError

from hub.errors import StoreUnavailable


def _enable_sqlite_foreign_keys(dbapi_connection: Any, _record: Any) -> None:
    # SQLite ignores foreign keys unless asked on every connection; WAL lets the API read
    # while the worker writes.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


# The worker's bounds on PostgreSQL (issue 18). A worker's batch holds the ledger head's row
# lock until it commits; a worker that stops inside it (SIGSTOP, a swapped-out VM, a debugger)
# would hold it, and stall every other worker, for as long as it stays stopped. The server ends
# a session idle inside a transaction for 10 s (a batch's statements come milliseconds apart;
# its longest pause, shaping a 500-record batch, is well under a second): the transaction rolls
# back, the lock goes, and the stopped worker, once resumed, sees its connection gone
# (StoreUnavailable), retries the batch and finds it stored by the worker that took over.
# A lock wait or a statement over 30 s fails the same retriable way, so no batch waits
# unbounded behind another transaction (a large list import holds the ledger lock that long).
WORKER_SESSION_LIMITS = (
    "-c idle_in_transaction_session_timeout=10000 -c lock_timeout=30000 -c statement_timeout=30000"
)


def open_engine(url: str, worker: bool = False) -> sa.Engine:
    """An engine for `url` (sqlite:///… or postgresql+psycopg://…); connects lazily. A
    `worker` engine's PostgreSQL sessions carry WORKER_SESSION_LIMITS. (SQLite has no server
    to end a stopped process's transaction: there, a stopped worker holding the write lock
    stalls the others until it resumes; docs/worker.md.)"""
    parsed = sa.make_url(url)
    sqlite = parsed.get_backend_name() == "sqlite"
    connect_args: dict[str, object] = {}
    if sqlite:
        # SQLite has one writer at a time: a list import holds it for tens of seconds, which
        # a worker's batch should wait out rather than fail after the driver's default 5 s.
        connect_args["timeout"] = 120
    elif parsed.get_driver_name() == "psycopg":
        # psycopg prepares a statement on its fifth run, and PostgreSQL then soon settles on
        # a generic plan, blind to the values: for the worker's per-batch IN lists that plan
        # scanned the whole table (58 ms a batch where the planned query took 4 ms).
        connect_args["prepare_threshold"] = None
        if worker:
            connect_args["options"] = WORKER_SESSION_LIMITS
    # A server may drop a pooled connection; a file cannot. The ping is a statement per
    # transaction, which the worker runs several of per batch.
    engine = sa.create_engine(url, pool_pre_ping=not sqlite, connect_args=connect_args)
    if sqlite:
        sa.event.listen(engine, "connect", _enable_sqlite_foreign_keys)
    return engine


def check_reachable(engine: sa.Engine) -> None:
    """Raise StoreUnavailable unless a trivial query succeeds."""
    try:
        with engine.connect() as connection:
            connection.execute(sa.text("SELECT 1"))
    except SQLAlchemyError as exc:
        raise StoreUnavailable(
            engine.url.render_as_string(hide_password=True), type(exc).__name__
        ) from exc
