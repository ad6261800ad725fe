"""The one map of database errors: what SQLAlchemy raises, as the hub's errors.

The worker decides on the hub's errors only: StoreUnavailable is waited out with back-off,
StoreRefused isolates the record that caused it (hub.pipeline.worker.writer); the API answers
StoreConflict as 409 where a route expects one, and any other StoreRefused as 422. A unit of work
opens its connection here (`transaction`, `reading`) so the map applies to all of it;
anything else SQLAlchemy raises (a ProgrammingError: a bug) passes through unchanged.
Messages carry the driver's error class only: its text may quote the values.
"""

from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa
from sqlalchemy.exc import DataError, IntegrityError, InterfaceError, OperationalError

from hub.errors import StoreConflict, StoreRefused, StoreUnavailable

__all__ = ["reading", "store_errors", "transaction"]


@contextmanager
def store_errors(engine: sa.Engine) -> Iterator[None]:
    """Translate the database's errors raised inside the block."""
    try:
        yield
    except IntegrityError as exc:
        raise StoreConflict(type(exc).__name__) from exc
    except DataError as exc:
        raise StoreRefused(type(exc).__name__) from exc
    except (OperationalError, InterfaceError) as exc:
        raise StoreUnavailable(
            engine.url.render_as_string(hide_password=True), type(exc).__name__
        ) from exc


@contextmanager
def transaction(engine: sa.Engine) -> Iterator[sa.Connection]:
    """`engine.begin()`: one transaction, committed when the block ends, errors translated."""
    with store_errors(engine), engine.begin() as connection:
        yield connection


@contextmanager
def reading(engine: sa.Engine) -> Iterator[sa.Connection]:
    """`engine.connect()` for reads, errors translated."""
    with store_errors(engine), engine.connect() as connection:
        yield connection
