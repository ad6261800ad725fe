"""Running the demo: the hub (worker, deadline scheduler, operator API and dashboard) and the
simulated members, in one process, until Ctrl-C or SIGTERM.

Every part is the real one: the broker (the local one unless HUB_KAFKA_BOOTSTRAP names
another), the store (SQLite by default), the worker, the relay, the SDK on the members' side.
"""

import logging
import os
import tempfile
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
import uvicorn
from pydantic import SecretStr

from alliance_connector import BrokerConnection
from alliance_connector.signing import SigningKey
from hub.api.app import create_app
from hub.config import Settings
from hub.demo.alliance import DemoMember, set_up
from hub.demo.simulators import acknowledge, report
from hub.errors import ConfigError, LocalBrokerError
from hub.kafka.connection import client_options
from hub.kafka.flows import FlowReader
from hub.kafka.local_broker import stop_local_broker
from hub.ledger.policy_versions import activate, policy_from
from hub.lists.scheduler import run_due
from hub.membership.lifecycle import Broker
from hub.pipeline.worker.runner import Worker
from hub.policy.rules import Policy
from hub.service import prepare_broker, publish_own_key, resolve_broker, stop_on_signals
from hub.store.engine import open_engine
from hub.store.migrate import upgrade

__all__ = ["run_demo"]

log = logging.getLogger(__name__)
SCHEDULE_EVERY_S = 10.0


def _hub_key(settings: Settings) -> SigningKey:
    if settings.hub_key_path.exists():
        return SigningKey.load(settings.hub_key_path)
    key = SigningKey.generate()
    key.save(settings.hub_key_path)
    return key


def _schedule(engine: sa.Engine, policy: Policy, stop: threading.Event) -> None:
    while not stop.wait(SCHEDULE_EVERY_S):
        try:
            run_due(engine, policy, datetime.now(UTC))
        except Exception:
            log.exception("scheduler round failed; the next one retries")


def run_demo(
    settings: Settings,
    host: str = "127.0.0.1",
    port: int = 8000,
    say: Callable[[str], None] = print,
    stop: threading.Event | None = None,
    member_prefix: str = "",
    confined: bool = True,
) -> None:
    """Run until `stop` is set; without one (the CLI, in the main thread), until SIGINT or
    SIGTERM. The web server runs in a thread of its own, so these signals reach the demo's
    handler, which stops every part in order, rather than uvicorn's, which would re-raise
    them and end the process before anything is closed.

    `confined`: on the local broker, its SASL profile (SCRAM, ACLs, nothing allowed that is
    not granted), the hub as its super-user and each member with its own credential, as a real
    alliance runs; otherwise its PLAINTEXT development profile. A broker HUB_KAFKA_BOOTSTRAP
    names is used as the HUB_KAFKA_* settings say.

    A local broker the demo started (it prints how far along that is) is stopped when the demo
    stops, however it stops; one that was running already, or HUB_KAFKA_BOOTSTRAP's, is left
    running."""
    stop = stop or stop_on_signals()
    broker = resolve_broker(settings, say=say, sasl=confined)
    if confined and not settings.kafka_bootstrap:
        settings = _as_local_super_user(settings)
    try:
        _run(settings, broker.bootstrap, host, port, say, stop, member_prefix)
    finally:
        if broker.started:
            try:
                stop_local_broker(settings.local_broker_script, sasl=broker.sasl, say=say)
            except LocalBrokerError as exc:  # say so, but never hide why the demo stopped
                say(f"the local broker was not stopped: {exc.detail}")
        say("demo stopped")


def _as_local_super_user(settings: Settings) -> Settings:
    """The settings with the local SASL broker's super-user (deploy/kafka/broker: "admin",
    its password from KAFKA_ADMIN_PASSWORD as the script reads it), unless they name one."""
    if settings.kafka_sasl_username:
        return settings.model_copy(update={"kafka_security_protocol": "SASL_PLAINTEXT"})
    password = os.environ.get("KAFKA_ADMIN_PASSWORD", "admin-secret")
    return settings.model_copy(
        update={
            "kafka_security_protocol": "SASL_PLAINTEXT",
            "kafka_sasl_username": "admin",
            "kafka_sasl_password": SecretStr(password),
        }
    )


def _member_connection(settings: Settings, bootstrap: str, member: DemoMember) -> BrokerConnection:
    """How a simulated member connects: as itself, with its own credential when confined."""
    if member.password is None:
        return BrokerConnection(bootstrap, security_protocol=settings.kafka_security_protocol)
    return BrokerConnection(
        bootstrap, member.member_id, member.password, settings.kafka_security_protocol
    )


def _run(
    settings: Settings,
    bootstrap: str,
    host: str,
    port: int,
    say: Callable[[str], None],
    stop: threading.Event,
    member_prefix: str,
) -> None:
    options = client_options(settings, bootstrap)
    engine = open_engine(settings.database_url)
    upgrade(engine)
    prepare_broker(settings, bootstrap)
    hub_key = _hub_key(settings)
    publish_own_key(settings)  # so GET /hub/keys serves what the demo's members pin
    policy, text = policy_from(settings.policy_path)
    with engine.begin() as connection:
        activate(connection, policy, text, "demo", datetime.now(UTC))
    workdir = Path(tempfile.mkdtemp(prefix="alliance-demo-"))
    broker = Broker(options, settings.kafka_confined)
    members, token_key, token = set_up(engine, broker, policy, workdir, member_prefix)
    run_due(engine, policy, datetime.now(UTC))  # the sample's old entries are overdue
    worker = Worker(
        engine,
        options,
        hub_key,
        settings.worker_options(),
        policy=policy,
    )
    threads = [
        threading.Thread(target=worker.run, args=(stop,), name="demo-worker", daemon=True),
        threading.Thread(target=_schedule, args=(engine, policy, stop), daemon=True),
    ]
    for member in members:
        member_broker = _member_connection(settings, bootstrap, member)
        threads.append(
            threading.Thread(
                target=report, args=(member, token_key, member_broker, stop), daemon=True
            )
        )
        threads.append(
            threading.Thread(
                target=acknowledge,
                args=(member, hub_key.verify_key, member_broker, stop),
                daemon=True,
            )
        )
    flows = FlowReader(options, settings.worker_group)
    app = create_app(
        engine,
        policy,
        bootstrap,
        flow_reader=flows,
        holidays=settings.holidays,
        broker_options=options,
        kafka_confined=settings.kafka_confined,
    )
    server = uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_level="warning"))
    serving = threading.Thread(target=server.run, name="demo-web", daemon=True)
    for thread in threads:
        thread.start()
    serving.start()
    while not server.started and serving.is_alive():  # print where to look once it answers
        stop.wait(0.05)
    say(f"Kafka bootstrap: {bootstrap}; store: {settings.database_url}")
    say(f"members: {', '.join(m.member_id for m in members)} (simulated, publishing now)")
    if settings.kafka_confined:
        say(
            f"broker: {settings.kafka_security_protocol}; each member connects with its own "
            "SCRAM-SHA-256 credential and its ACLs confine it to its own topics"
        )
    else:
        say("broker: PLAINTEXT, no authentication (development): any local client may write")
    say(f"dashboard: http://{host}:{port}/  (sign in with the token below)")
    say(f"operator token: {token}")
    say("API: /docs; stop with Ctrl-C")
    try:
        while not stop.wait(0.5):
            if not serving.is_alive():
                raise ConfigError(f"the dashboard could not serve on {host}:{port}")
    finally:
        server.should_exit = True
        serving.join(timeout=15)
        stop.set()
        for thread in threads:
            thread.join(timeout=15)
        worker.close()
        flows.close()
        engine.dispose()
