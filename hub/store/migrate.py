"""Alembic migrations run from code: `upgrade(engine)` brings any database to the head revision.

The Alembic environment lives inside the package (`hub/store/migrations`), so an installed hub
can migrate without an alembic.ini on disk.
"""

from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.exc import SQLAlchemyError

from hub.errors import MigrationError, StoreUnavailable

MIGRATIONS = Path(__file__).with_name("migrations")


def _config(connection: sa.Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    """The newest revision the code knows."""
    head = ScriptDirectory.from_config(_config()).get_current_head()
    assert head is not None, "the migrations folder has no revisions"  # noqa: S101
    return head


def current_revision(engine: sa.Engine) -> str | None:
    """The revision the database is at, or None for an empty database."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade(engine: sa.Engine) -> str:
    """Migrate to the head revision (a no-op when already there); return that revision."""
    url = engine.url.render_as_string(hide_password=True)
    try:
        with engine.begin() as connection:
            command.upgrade(_config(connection), "head")
    except sa.exc.OperationalError as exc:
        raise StoreUnavailable(url, type(exc.orig).__name__) from exc
    except SQLAlchemyError as exc:
        raise MigrationError(f"migrating {url} failed: {exc}") from exc
    return head_revision()
