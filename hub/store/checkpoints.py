"""SQLite's WAL checkpoints, taken off the worker's batches.

By default SQLite checkpoints inside the commit that pushes the write-ahead log past 1000
pages: that batch then also copies the log into the database file and syncs it, tens of
milliseconds, every second or two at 1,000 signals/s. The store process turns that off for its
own connections and checkpoints from a thread of its own instead, PASSIVE (never waiting for
a writer or a reader), once a second. Other processes keep SQLite's default, and PostgreSQL
needs none of this.
"""

import logging
import threading
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import SQLAlchemyError

__all__ = ["BackgroundCheckpoints"]

log = logging.getLogger(__name__)


def _no_autocheckpoint(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA wal_autocheckpoint=0")
    cursor.close()


class BackgroundCheckpoints:
    """For an SQLite engine: no checkpoints in its commits, one a second from a thread."""

    def __init__(self, engine: sa.Engine, every_s: float = 1.0) -> None:
        self._engine = engine
        self._every_s = every_s
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        if engine.dialect.name == "sqlite":
            sa.event.listen(engine, "connect", _no_autocheckpoint)
            self._thread = threading.Thread(target=self._run, name="wal-checkpoints", daemon=True)

    def start(self) -> None:
        if self._thread is not None:
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None and self._thread.is_alive():
            self._thread.join(timeout=10)

    def _run(self) -> None:
        while not self._stop.wait(self._every_s):
            try:
                with self._engine.connect() as connection:
                    connection.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)")
            except SQLAlchemyError as exc:  # the next round tries again
                log.warning("WAL checkpoint failed (%s)", type(exc).__name__)
