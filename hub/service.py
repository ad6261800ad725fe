"""Wiring the worker from settings: broker, store, hub key, topics, signals to stop on.

The CLI calls `run_worker`; tests and the demo build `Worker` themselves with what they need.
"""

import logging
import signal
import threading
from datetime import UTC, datetime

from alliance_connector.signing import SigningKey
from hub.config import Settings
from hub.errors import ConfigError, HubKeyRefused
from hub.kafka.clients import KafkaError, broker_error, open_admin
from hub.kafka.connection import client_options
from hub.kafka.local_broker import LocalBroker, Say, start_local_broker, to_stderr
from hub.kafka.topics import ensure_topics, hub_topics
from hub.ledger.hub_keys import publish_hub_key, published_hub_keys
from hub.ledger.policy_versions import activate, policy_from
from hub.pipeline.worker.runner import Worker
from hub.store.engine import open_engine
from hub.store.migrate import upgrade

__all__ = [
    "load_hub_key",
    "publish_own_key",
    "prepare_broker",
    "resolve_bootstrap",
    "resolve_broker",
    "run_worker",
    "stop_on_signals",
]

log = logging.getLogger(__name__)


def resolve_broker(settings: Settings, *, say: Say = to_stderr, sasl: bool = False) -> LocalBroker:
    """The broker HUB_KAFKA_BOOTSTRAP names (never the hub's to stop: `started` is False), or
    the local one of that profile, started on demand with its progress passed to `say`;
    `started` says whether this call started it, and only then is it the caller's to stop."""
    if settings.kafka_bootstrap:
        return LocalBroker(settings.kafka_bootstrap, started=False, sasl=sasl)
    log.info("no HUB_KAFKA_BOOTSTRAP: starting the local broker (deploy/kafka/broker)")
    return start_local_broker(settings.local_broker_script, sasl=sasl, say=say)


def resolve_bootstrap(settings: Settings, say: Say = to_stderr) -> str:
    """The configured broker, or the local one started on demand. The worker leaves a broker
    it started running when it stops: other workers and tools may be using it by then."""
    return resolve_broker(settings, say=say).bootstrap


def prepare_broker(settings: Settings, bootstrap: str) -> None:
    """Create the hub's own topics if they are missing."""
    admin = open_admin(client_options(settings, bootstrap))
    try:
        ensure_topics(admin, hub_topics(settings.lists_topic))
    except KafkaError as exc:
        raise broker_error(exc, f"could not create the hub's topics on {bootstrap}") from exc
    finally:
        admin.close()


def load_hub_key(settings: Settings) -> SigningKey:
    """The hub's signing key; a clear error if it was never generated."""
    if not settings.hub_key_path.is_file():
        raise ConfigError(
            f"no hub key at {settings.hub_key_path}: run 'alliance-hub keys generate --out "
            f"{settings.hub_key_path}' and give members its public key, or set HUB_HUB_KEY_PATH"
        )
    return SigningKey.load(settings.hub_key_path)


def stop_on_signals() -> threading.Event:
    """An event set by SIGTERM or SIGINT, so the worker finishes its batch and leaves."""
    stop = threading.Event()
    for number in (signal.SIGTERM, signal.SIGINT):
        signal.signal(number, lambda *_: stop.set())
    return stop


def run_worker(settings: Settings) -> None:
    """Run one worker until SIGTERM or SIGINT."""
    bootstrap = resolve_bootstrap(settings)
    engine = open_engine(settings.database_url)
    upgrade(engine)
    prepare_broker(settings, bootstrap)
    policy, text = policy_from(settings.policy_path)
    with engine.begin() as connection:
        if activate(connection, policy, text, "hub", datetime.now(UTC)):
            log.info("policy %s (%s) recorded in the ledger", policy.version, policy.digest[:12])
    worker = Worker(
        engine,
        client_options(settings, bootstrap),
        load_hub_key(settings),
        settings.worker_options(),
        policy=policy,
    )
    stop = stop_on_signals()
    log.info("worker running against %s; stop with Ctrl-C", bootstrap)
    try:
        worker.run(stop)
    finally:
        worker.close()
        engine.dispose()


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
