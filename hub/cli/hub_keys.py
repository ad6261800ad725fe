"""`alliance-hub keys publish-hub` and `keys revoke-hub`: announcing the hub's own keys, which
`GET /hub/keys` serves to members (hub.ledger.hub_keys holds the rules)."""

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated

import typer

from alliance_connector.signing import SigningKey
from hub.config import Settings
from hub.ledger.hub_keys import publish_hub_key, revoke_hub_key
from hub.service import load_hub_key
from hub.store.engine import open_engine
from hub.store.migrate import upgrade

__all__ = ["publish_hub", "revoke_hub"]

Actor = Annotated[str, typer.Option(help="Who does this, for the ledger.")]


def _moment(text: str | None, option: str) -> datetime:
    if text is None:
        return datetime.now(UTC)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as exc:
        raise typer.BadParameter("expected an ISO 8601 date-time", param_hint=option) from exc
    if moment.tzinfo is None:
        raise typer.BadParameter("give a time zone (e.g. ...T00:00:00+08:00)", param_hint=option)
    return moment


def publish_hub(
    key_file: Annotated[
        Path | None,
        typer.Option(help="The hub's PEM private key to announce; default HUB_HUB_KEY_PATH."),
    ] = None,
    valid_from: Annotated[
        str | None,
        typer.Option(help="ISO 8601 time, with zone, the key starts signing; default now."),
    ] = None,
    overlap_s: Annotated[
        int | None,
        typer.Option(
            min=0,
            help="A rotation: the other current hub keys end this many seconds after --valid-from.",
        ),
    ] = None,
    actor: Actor = "operator",
) -> None:
    """Announce a hub signing key on GET /hub/keys (recorded in the ledger). Announce a new key
    days before a worker signs with it, so every member has pinned it by then."""
    settings = Settings()
    key = SigningKey.load(key_file) if key_file else load_hub_key(settings)
    starts = _moment(valid_from, "--valid-from")
    overlap = None if overlap_s is None else timedelta(seconds=overlap_s)
    engine = open_engine(settings.database_url)
    upgrade(engine)
    with engine.begin() as connection:
        published = publish_hub_key(
            connection, key.verify_key.raw, starts, actor, datetime.now(UTC), overlap
        )
    print(f"published hub key {published.key_id}, valid from {published.valid_from.isoformat()}")


def revoke_hub(key_id: str, actor: Actor = "operator") -> None:
    """Revoke a published hub key: members must stop trusting it at once."""
    engine = open_engine(Settings().database_url)
    upgrade(engine)
    with engine.begin() as connection:
        revoke_hub_key(connection, key_id, actor, datetime.now(UTC))
    print(f"{key_id}: revoked")
