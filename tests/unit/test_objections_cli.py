"""`alliance-hub objections …` on an SQLite store: file, list, write the documents, dismiss,
and refusals as the hub's typed errors (which `main` prints in one line)."""

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hub.cli.main import app
from hub.errors import ObjectionRefused
from tests.unit.test_documents_cli import DEADLINE, store_with


@pytest.fixture
def runner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    store_with(tmp_path / "hub.db", DEADLINE)
    monkeypatch.setenv("HUB_DATABASE_URL", f"sqlite:///{tmp_path / 'hub.db'}")
    return CliRunner()


def test_an_objection_is_filed_documented_and_dismissed(runner: CliRunner, tmp_path: Path) -> None:
    digest = "ef" * 32
    filed = runner.invoke(
        app,
        ["objections", "file", "e-1", "--grounds", "店铺非本企业", "--kind", "WRONG_SUBJECT"]
        + ["--attachment", digest],
    )
    assert filed.exit_code == 0, filed.output
    found = re.match(r"(obj-[0-9a-f]{32}): OPEN on e-1", filed.output)
    assert found, filed.output
    oid = found.group(1)
    listed = runner.invoke(app, ["objections", "list", "--state", "OPEN"])
    assert listed.exit_code == 0 and oid in listed.output
    out = tmp_path / "docs"
    written = runner.invoke(app, ["objections", "document", oid, "--out", str(out)])
    assert written.exit_code == 0, written.output
    assert "异议受理通知书" in (out / f"{oid}-receipt.html").read_text("utf-8")
    assert not (out / f"{oid}-reply.html").exists()
    dismissed = runner.invoke(app, ["objections", "dismiss", oid, "--reason", "不成立"])
    assert dismissed.exit_code == 0 and "DISMISSED" in dismissed.output
    runner.invoke(app, ["objections", "document", oid, "--out", str(out)])
    assert "异议不成立" in (out / f"{oid}-reply.html").read_text("utf-8")


def test_refusals_are_typed_errors(runner: CliRunner) -> None:
    personal = runner.invoke(app, ["objections", "file", "e-1", "--grounds", "电话13812345678"])
    assert isinstance(personal.exception, ObjectionRefused)
    repair = runner.invoke(app, ["objections", "repair-apply", "e-1", "--evidence", "ef" * 32])
    assert isinstance(repair.exception, ObjectionRefused)  # LISTED: not committed, not served
    assert "COMMITTED" in str(repair.exception)
