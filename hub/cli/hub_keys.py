"""`alliance-hub keys publish-hub` and `keys revoke-hub`: announcing the hub's own keys, which
`GET /hub/keys` serves to members (hub.api.hub_keys holds the rules)."""

import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated

import typer

from alliance_connector.signing import SigningKey
from hub.api.hub_keys import HubKeyRefused, publish_hub_key, published_hub_keys, revoke_hub_key
from hub.config import Settings
from hub.service import load_hub_key
from hub.store.engine import open_engine
from hub.store.migrate import upgrade

__all__ = ["publish_hub", "publish_own_key", "revoke_hub"]

log = logging.getLogger(__name__)
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


def publish_own_key(settings: Settings) -> None:
    """Publish the key a starting worker signs with, from now, unless it is published already
    (announced ahead by an operator, or by another worker)."""
    key = load_hub_key(settings)
    engine = open_engine(settings.database_url)
    try:
        upgrade(engine)
        with engine.begin() as connection:
            if any(k.key_id == key.key_id for k in published_hub_keys(connection)):
                return
            publish_hub_key(
                connection, key.verify_key.raw, datetime.now(UTC), "hub", datetime.now(UTC)
            )
        log.info("hub key %s published on GET /hub/keys, valid from now", key.key_id)
    except HubKeyRefused:
        return  # another worker, starting at the same moment, published it first
    finally:
        engine.dispose()
