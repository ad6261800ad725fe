"""`alliance-hub tokens create` refusing what it cannot issue: one line naming the option and
the rule, exit status 1, no traceback (it used to die in the store's foreign key)."""

import os
import subprocess
import sys

import pytest
import sqlalchemy as sa

from hub.store.engine import open_engine
from hub.store.migrate import upgrade
from hub.store.schema import api_tokens


def tokens_create(database_url: str, *options: str) -> subprocess.CompletedProcess[str]:
    env = os.environ | {"HUB_DATABASE_URL": database_url, "COLUMNS": "200"}
    command = [sys.executable, "-m", "hub", "tokens", "create", "--label", "x", *options]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)  # noqa: S603


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (
            ("--role", "member", "--member", "no-such"),
            "error: member: no registered member has this id (see GET /members)",
        ),
        (("--role", "root"), "error: role: must be one of operator, auditor, member"),
        (
            ("--role", "operator", "--member", "no-such"),
            "error: member: a member token names its member; other roles name none",
        ),
    ],
)
def test_a_token_that_cannot_be_issued_is_one_line(
    fresh_postgres_url: str, options: tuple[str, ...], message: str
) -> None:
    engine = open_engine(fresh_postgres_url)
    upgrade(engine)
    done = tokens_create(fresh_postgres_url, *options)
    assert done.returncode == 1
    assert done.stderr.strip() == message
    assert done.stdout == ""
    with engine.connect() as connection:
        assert connection.scalar(sa.select(sa.func.count()).select_from(api_tokens)) == 0
    engine.dispose()
