"""Each policy the hub runs with is recorded once, in the store and in the ledger."""

from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from hub.errors import PolicyError
from hub.ledger.policy_versions import activate, policy_from
from hub.ledger.verify import verify
from hub.store.engine import open_engine
from hub.store.migrate import upgrade
from hub.store.schema import ledger, policy_versions


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_a_policy_is_recorded_once_and_a_changed_one_again(tmp_path: Path) -> None:
    engine = open_engine(f"sqlite:///{tmp_path / 'store.sqlite3'}")
    upgrade(engine)
    shipped, text = policy_from(None)
    edited = tmp_path / "policy.toml"
    edited.write_text(text.replace('version = "', 'version = "edited-', 1), encoding="utf-8")
    changed, changed_text = policy_from(edited)
    now = datetime.now(UTC)
    with engine.begin() as connection:
        assert activate(connection, shipped, text, "op", now) is True
        assert activate(connection, shipped, text, "op", now) is False
        assert activate(connection, changed, changed_text, "op", now) is True
        assert activate(connection, shipped, text, "op", now) is True  # back to the first
        reused = policy_from(_write(tmp_path / "reused.toml", text.replace("3", "4", 1)))
        with pytest.raises(PolicyError, match="already names other rules"):
            activate(connection, reused[0], reused[1], "op", now)
    with engine.connect() as connection:
        rows = connection.execute(
            sa.select(ledger.c.kind, ledger.c.ref).order_by(ledger.c.seq)
        ).all()
        stored = dict(
            connection.execute(sa.select(policy_versions.c.digest, policy_versions.c.text)).all()
        )
        assert verify(connection).ok
    engine.dispose()
    assert [r.kind for r in rows] == ["POLICY_ACTIVATED"] * 3
    assert [r.ref for r in rows] == [shipped.version, changed.version, shipped.version]
    assert changed.version.startswith("edited-") and shipped.digest != changed.digest
    assert stored == {shipped.digest: text, changed.digest: changed_text}
