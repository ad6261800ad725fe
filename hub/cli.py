"""The `alliance-hub` command: thin edges that build the settings and delegate."""

from pathlib import Path
from typing import Annotated

import typer
from kafka.admin import KafkaAdminClient
from kafka.errors import KafkaError
from rich.console import Console

from alliance_connector.errors import ConnectorError
from alliance_connector.signing import SigningKey
from hub.config import Settings
from hub.errors import BrokerError, HubError
from hub.kafka.connection import client_options
from hub.kafka.local_broker import start_local_broker
from hub.kafka.topics import ensure_topics, hub_topics
from hub.store.engine import open_engine
from hub.store.migrate import upgrade

app = typer.Typer(help="Alliance Hub: credit signals in, sanction instructions out.")
db_app = typer.Typer(help="The hub's database.")
app.add_typer(db_app, name="db")
keys_app = typer.Typer(help="Ed25519 signing keys for members and the hub.")
app.add_typer(keys_app, name="keys")
console = Console(stderr=True)


def resolve_bootstrap(settings: Settings) -> str:
    """The configured broker, or the local one started on demand."""
    if settings.kafka_bootstrap:
        return settings.kafka_bootstrap
    console.print("No HUB_KAFKA_BOOTSTRAP set: starting the local broker (deploy/kafka/broker)…")
    return start_local_broker(settings.local_broker_script)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Create or migrate the database named by HUB_DATABASE_URL to the current schema."""
    settings = Settings()
    revision = upgrade(open_engine(settings.database_url))
    console.print(f"database at revision {revision}")


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
    host: Annotated[str, typer.Option(help="Address the dashboard will serve on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port the dashboard will serve on.")] = 8000,
) -> None:
    """Run the hub on the embedded defaults: local broker, SQLite store, alliance topics."""
    settings = Settings()
    bootstrap = resolve_bootstrap(settings)
    revision = upgrade(open_engine(settings.database_url))
    admin = KafkaAdminClient(**client_options(settings, bootstrap))
    try:
        ensure_topics(admin, hub_topics())
    except KafkaError as exc:
        raise BrokerError(f"could not create the hub's topics on {bootstrap}: {exc}") from exc
    finally:
        admin.close()
    console.print(f"store: {settings.database_url} (revision {revision})")
    console.print(f"topics: {', '.join(spec.name for spec in hub_topics())}")
    console.print("the worker, simulators and dashboard arrive with the next issues")
    print(f"Kafka bootstrap: {bootstrap}")  # stdout: the one line a script reads


def main() -> None:
    """Entry point: run the CLI, turning the hub's own errors into one line and exit code 1."""
    try:
        app()
    except (HubError, ConnectorError) as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise SystemExit(1) from exc
