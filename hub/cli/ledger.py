"""`alliance-hub ledger`: check the hash chain and the Merkle tree against signed tree heads,
and sign a head now (docs/ledger.md)."""

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from hub.config import Settings
from hub.kafka.connection import client_options
from hub.ledger.tree_heads import SignedTreeHead, heads_from_text, publish_head, sign_head
from hub.ledger.verify import verify
from hub.lists.scheduler import sign_head_if_due
from hub.service import load_hub_key, prepare_broker, resolve_bootstrap, stop_on_signals
from hub.store.engine import check_reachable, open_engine

__all__ = ["head_sender", "ledger_app"]

ledger_app = typer.Typer(help="The hash-chained ledger and its signed tree heads.")
console = Console(stderr=True)


def head_sender(settings: Settings, publish: bool) -> Callable[[SignedTreeHead], None]:
    """What to do with a head just signed: print it, and with `publish` send it to the heads
    topic (alliance.ledger.heads) on the configured broker."""
    options: dict[str, object] | None = None
    if publish:
        bootstrap = resolve_bootstrap(settings)
        prepare_broker(settings, bootstrap)
        options = client_options(settings, bootstrap)

    def send(head: SignedTreeHead) -> None:
        if options is not None:
            publish_head(dict(options), head)
        print(json.dumps(head.as_json()), flush=True)

    return send


@ledger_app.command("verify")
def ledger_verify(
    heads: Annotated[
        Path | None,
        typer.Option(
            "--heads",
            help="Signed tree heads you kept (GET /ledger/heads's answer, a JSON list, or one "
            "head per line from the heads topic): the rows must still produce their roots.",
        ),
    ] = None,
) -> None:
    """Recompute the ledger's hash chain and Merkle tree and check them against every signed
    tree head, the hub's and those in --heads; exit 1 and name each problem if tampered with."""
    settings = Settings()
    kept: list[SignedTreeHead] = []
    if heads is not None:
        try:
            kept = heads_from_text(heads.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise typer.BadParameter(f"{heads}: {exc}", param_hint="--heads") from exc
    engine = open_engine(settings.database_url)
    try:
        check_reachable(engine)  # an unreachable store is an error (one line), not a verdict
        with engine.connect() as connection, connection.begin():
            report = verify(connection, kept_heads=kept)
    finally:
        engine.dispose()
    if report.ok:
        checked = f", {report.heads_checked} signed heads checked" if report.heads_checked else ""
        print(f"ledger OK: {report.rows} rows, head seq {report.head_seq}{checked}")
        return
    for problem in report.problems:
        print(f"seq {problem.seq}: {problem.kind}: {problem.detail}")
    if report.problem_count > len(report.problems):
        print(f"... and {report.problem_count - len(report.problems)} more problems")
    raise typer.Exit(1)


@ledger_app.command("head")
def ledger_head(
    publish: Annotated[
        bool, typer.Option(help="Send the head to the heads topic (alliance.ledger.heads).")
    ] = True,
    every: Annotated[
        float | None,
        typer.Option(
            help="Keep running: sign one whenever HUB_TREE_HEAD_INTERVAL has passed and the "
            "ledger grew, checking this often (seconds)."
        ),
    ] = None,
) -> None:
    """Sign a tree head over the ledger now with the hub key (HUB_HUB_KEY_PATH) and publish it;
    when the ledger has not grown since the last head, that head is published again."""
    settings = Settings()
    key = load_hub_key(settings)
    engine = open_engine(settings.database_url)
    send = head_sender(settings, publish)

    try:
        if every is None:
            with engine.begin() as connection:
                head = sign_head(connection, key, datetime.now(UTC))
            if head is None:
                console.print("the ledger is empty: no head to sign")
                return
            send(head)
            return
        stop = stop_on_signals()
        while True:
            sign_head_if_due(engine, key, settings.tree_head_interval, send)
            if stop.wait(every):
                return
    finally:
        engine.dispose()
