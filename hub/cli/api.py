"""`alliance-hub api` and `alliance-hub tokens …`: thin edges over hub.api."""

from datetime import UTC, datetime
from typing import Annotated

import typer
import uvicorn
from rich.console import Console

from hub.api.app import create_app
from hub.api.tokens import issue_token, revoke_token
from hub.config import Settings
from hub.kafka.connection import client_options
from hub.kafka.flows import FlowReader
from hub.ledger.policy_versions import activate, policy_from
from hub.store.engine import open_engine
from hub.store.migrate import upgrade

tokens_app = typer.Typer(help="API tokens: operator, auditor, or one member's.")
console = Console(stderr=True)


def api(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
) -> None:
    """Serve the operator API (OpenAPI at /docs) until Ctrl-C or SIGTERM."""
    settings = Settings()
    engine = open_engine(settings.database_url)
    upgrade(engine)
    policy, text = policy_from(settings.policy_path)
    with engine.begin() as connection:
        activate(connection, policy, text, "api", datetime.now(UTC))
    bootstrap = settings.kafka_bootstrap
    options = client_options(settings, bootstrap) if bootstrap else None
    flows = FlowReader(options, settings.worker_group) if options else None
    app = create_app(
        engine,
        policy,
        bootstrap,
        flow_reader=flows,
        holidays=settings.holidays,
        workdays=settings.workdays,
        token_key=settings.alliance_token_key(),
        broker_options=options,
        kafka_confined=settings.kafka_confined,
    )
    console.print(f"operator API on http://{host}:{port} (OpenAPI: /docs)")
    uvicorn.run(app, host=host, port=port, log_level="warning")


@tokens_app.command("create")
def tokens_create(
    role: Annotated[str, typer.Option(help="operator, auditor or member.")],
    label: Annotated[str, typer.Option(help="Who holds it, for the record.")],
    member: Annotated[str | None, typer.Option(help="The member, for a member token.")] = None,
) -> None:
    """Issue a token and print it once; only its digest is stored. A refusal (TokenRefused,
    a HubError) is one line and exit status 1, from `hub.cli.main`."""
    engine = open_engine(Settings().database_url)
    upgrade(engine)
    with engine.begin() as connection:
        token = issue_token(connection, role, member, label, datetime.now(UTC))
    console.print("store it now: it cannot be shown again")
    print(token)


@tokens_app.command("revoke")
def tokens_revoke(token_id: str) -> None:
    """Revoke a token by its id (the part after 'ah_', before the next '_')."""
    engine = open_engine(Settings().database_url)
    with engine.begin() as connection:
        if not revoke_token(connection, token_id, datetime.now(UTC)):
            raise typer.BadParameter(f"no active token {token_id!r}")
    print(f"{token_id}: revoked")
