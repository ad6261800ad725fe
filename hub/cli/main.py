"""The `alliance-hub` command: thin edges that build the settings and delegate."""

import dataclasses
import json
import logging
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from alliance_connector.errors import ConnectorError
from alliance_connector.signing import SigningKey
from hub.benchmark import run_bench
from hub.cli.api import api, tokens_app
from hub.cli.hub_keys import publish_hub, revoke_hub
from hub.cli.ledger import ledger_app
from hub.cli.lists import lists_app, policy_app
from hub.cli.members import members_app
from hub.cli.objections import objections_app
from hub.cli.report import report_app
from hub.config import Settings
from hub.demo.run import run_demo
from hub.errors import HubError
from hub.kafka.clients import quiet_client_logs
from hub.service import (
    publish_own_key,
    resolve_bootstrap,
    run_worker,
)
from hub.store.engine import open_engine
from hub.store.migrate import upgrade

app = typer.Typer(help="Alliance Hub: credit signals in, sanction instructions out.")
db_app = typer.Typer(help="The hub's database.")
app.add_typer(db_app, name="db")
keys_app = typer.Typer(help="Ed25519 signing keys for members and the hub.")
app.add_typer(keys_app, name="keys")
keys_app.command("publish-hub")(publish_hub)
keys_app.command("revoke-hub")(revoke_hub)
app.add_typer(ledger_app, name="ledger")
app.add_typer(lists_app, name="lists")
app.add_typer(members_app, name="members")
app.add_typer(objections_app, name="objections")
app.add_typer(policy_app, name="policy")
app.add_typer(tokens_app, name="tokens")
app.add_typer(report_app, name="report")
app.command()(api)
console = Console(stderr=True)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Create or migrate the database named by HUB_DATABASE_URL to the current schema."""
    settings = Settings()
    revision = upgrade(open_engine(settings.database_url))
    console.print(f"database at revision {revision}")


@app.command()
def worker() -> None:
    """Run a hub worker: verify signals and acks, write effects, publish instructions. Its
    signing key is published on GET /hub/keys from now, unless it is published already."""
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    quiet_client_logs()
    settings = Settings()
    publish_own_key(settings)
    run_worker(settings)


@app.command()
def bench(
    count: Annotated[int, typer.Option(help="Signals for the throughput run.")] = 20_000,
    rate: Annotated[int, typer.Option(help="Signals per second in the latency run.")] = 1_000,
    seconds: Annotated[float, typer.Option(help="Length of the latency run.")] = 10.0,
    every: Annotated[
        int, typer.Option(help="In the latency run, every N-th signal causes instructions.")
    ] = 10,
    database_url: Annotated[
        str | None, typer.Option(help="Store to use; default a fresh SQLite file.")
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="End with one JSON line of the figures.")
    ] = False,
) -> None:
    """Measure the worker end to end on the real broker: throughput and latency."""
    logging.basicConfig(level=logging.WARNING)
    bootstrap = resolve_bootstrap(Settings())
    result = run_bench(bootstrap, count, rate, seconds, database_url, every, say=console.print)
    console.print(
        f"signals/s {result.signals_per_s:,.0f} = {result.ratio:.2f} x verify limit "
        f"{result.verify_limit_per_s:,.0f}/s ({result.database}); "
        f"at {result.latency_rate_per_s}/s: p50 {result.p50_ms} ms, p99 {result.p99_ms} ms "
        f"over {result.instructions} instructions after {result.warmup_s:g} s of warm-up "
        f"(p99 {result.p99_with_warmup_ms} ms with it)"
    )
    if as_json:
        print(json.dumps(dataclasses.asdict(result)))


@keys_app.command("generate")
def keys_generate(
    out: Annotated[Path, typer.Option(help="Private key file to write (PEM, mode 0600).")],
    key_id: Annotated[
        str | None, typer.Option(help="Key id to register under; default derives from the key.")
    ] = None,
) -> None:
    """Write a new private key and print the public key and key id to register with the hub."""
    key = SigningKey.generate(key_id)
    key.save(out)
    console.print(f"private key written to {out} (mode 0600); keep it on the signing host")
    print(f"key_id: {key.key_id}")
    print(f"public_key_b64: {key.verify_key.b64}")


@app.command()
def demo(
    host: Annotated[str, typer.Option(help="Address the dashboard serves on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port the dashboard serves on.")] = 8000,
    plaintext: Annotated[
        bool,
        typer.Option(
            "--plaintext",
            help="Use the local broker's PLAINTEXT development profile (no SCRAM, no ACLs) "
            "instead of its SASL profile.",
        ),
    ] = False,
) -> None:
    """Run a small alliance on the embedded defaults (local broker with SASL/SCRAM and ACLs,
    SQLite): the hub, three simulated members each connected with its own credential, and the
    console, until Ctrl-C."""
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(message)s")
    quiet_client_logs(logging.ERROR)
    say = lambda line: print(line, flush=True)  # noqa: E731
    run_demo(Settings(), host, port, say=say, confined=not plaintext)


def main() -> None:
    """Entry point: run the CLI, turning the hub's own errors into one line and exit code 1."""
    try:
        app()
    except (HubError, ConnectorError) as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise SystemExit(1) from exc
