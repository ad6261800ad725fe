"""Every change to the member registry moves registry_version, in the changing transaction,
whichever way it is made: the worker re-reads the registry only when that number moved."""

from collections.abc import Callable
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from alliance_connector.messages import SignalCategory
from alliance_connector.signing import SigningKey
from hub.pipeline.worker.registry import RegistryView
from hub.store.engine import open_engine
from hub.store.members import add_key, register_member, revoke_key
from hub.store.migrate import upgrade
from hub.store.schema import member_categories, members, registry_version

STORES = pytest.mark.parametrize("fresh_database_url", ["sqlite", "postgresql"], indirect=True)
NOW = datetime(2026, 11, 29, 9, 0, tzinfo=UTC)
KEY = SigningKey.generate().verify_key

Change = Callable[[sa.Connection], object]
CHANGES: dict[str, Change] = {
    "register a member": lambda c: register_member(
        c, "shop", "platform", "Shop", [SignalCategory.PRESENCE], NOW
    ),
    "add a key": lambda c: add_key(c, "mall", KEY, NOW),
    "revoke a key": lambda c: revoke_key(c, "mall-key", NOW),
    "hand-edit a member's kind": lambda c: c.execute(
        members.update().where(members.c.member_id == "mall").values(kind="other")
    ),
    "hand-delete a category": lambda c: c.execute(
        member_categories.delete().where(member_categories.c.member_id == "mall")
    ),
}


def version(engine: sa.Engine) -> int:
    with engine.connect() as connection:
        return int(connection.scalar(sa.select(registry_version.c.version)) or 0)


def registry_with_mall(url: str) -> sa.Engine:
    engine = open_engine(url)
    upgrade(engine)
    with engine.begin() as connection:
        register_member(connection, "mall", "platform", "Mall", list(SignalCategory), NOW)
        add_key(connection, "mall", SigningKey.generate().verify_key, NOW)
        connection.execute(sa.text("UPDATE member_keys SET key_id = 'mall-key'"))
    return engine


@STORES
@pytest.mark.parametrize("change", sorted(CHANGES))
def test_every_registry_change_moves_the_version(fresh_database_url: str, change: str) -> None:
    engine = registry_with_mall(fresh_database_url)
    before = version(engine)
    with engine.begin() as connection:
        CHANGES[change](connection)
    assert version(engine) > before


@STORES
def test_a_change_rolled_back_leaves_the_version(fresh_database_url: str) -> None:
    engine = registry_with_mall(fresh_database_url)
    before = version(engine)
    with engine.connect() as connection:
        revoke_key(connection, "mall-key", NOW)
        connection.rollback()
    assert version(engine) == before


@STORES
def test_the_view_reads_the_registry_once_and_a_revocation_at_once(
    fresh_database_url: str,
) -> None:
    engine = registry_with_mall(fresh_database_url)
    statements: list[str] = []
    sa.event.listen(engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    view = RegistryView(engine)
    keys, categories, suspensions = view.read({"mall"})
    assert suspensions == {}
    assert keys[("mall", "mall-key")].revoked_at is None
    assert categories["mall"] == frozenset(str(c) for c in SignalCategory)
    first = len(statements)
    view.read({"mall"})
    assert len(statements) == first + 1  # the version alone
    with engine.begin() as connection:
        revoke_key(connection, "mall-key", NOW)
    keys, _, _ = view.read({"mall"})
    assert keys[("mall", "mall-key")].revoked_at == NOW
