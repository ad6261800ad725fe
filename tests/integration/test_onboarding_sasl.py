"""Onboarding on the SASL broker, as a member's engineer lives it: a member added through the
API gets its topics, credential and ACLs; with nothing but that credential, its key and the
hub's public key it publishes and receives; it is refused on another member's topics;
suspended, its records are refused (MEMBER_SUSPENDED) and it cannot write; resumed, it works
again. Drift shows what the broker lacks, and mending puts it back."""

import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from kafka.admin import ACLFilter, KafkaAdminClient, ResourcePatternFilter
from kafka.errors import KafkaError, TopicAuthorizationFailedError

from alliance_connector import (
    BrokerConnection,
    Identifier,
    IdentifierScheme,
    InstructionListener,
    Publisher,
    SignalCategory,
)
from alliance_connector.errors import ConnectorError
from alliance_connector.messages import CreditSignal, ObservedWindow
from alliance_connector.signing import SigningKey
from alliance_connector.topics import member_id, signals_topic
from hub.api.app import create_app
from hub.api.tokens import issue_token
from hub.config import WorkerOptions
from hub.kafka.acls import member_acls
from hub.kafka.topics import ensure_topics, hub_topics
from hub.pipeline.worker.runner import Worker
from hub.policy.loading import default_policy
from hub.store.engine import open_engine
from hub.store.member_standing import open_suspension
from hub.store.migrate import upgrade
from hub.store.schema import accepted_signals, list_entries, list_entry_identifiers, rejects
from tests.integration.alliance import TOKEN_KEY, RunningWorker, wait_until
from tests.integration.conftest import SaslBroker
from tests.integration.test_member_acls import produce

USCC = Identifier(IdentifierScheme.USCC, "91330100799655058B")


@dataclass
class Hub:
    client: TestClient
    engine: sa.Engine
    headers: dict[str, str]
    hub_key: SigningKey
    worker: Worker
    prefix: str

    def add(self, name: str) -> tuple[str, str, SigningKey]:
        """Onboard through the API: the member, then its key; returns id, password, key."""
        member = f"{self.prefix}-{name}"
        body = {
            "member_id": member,
            "kind": "platform",
            "display_name": name,
            "categories": ["PRESENCE", "FAKE_TRANSACTION"],
        }
        added = self.client.post("/members", json=body, headers=self.headers)
        assert added.status_code == 201, added.text
        password = added.json()["broker_password"]
        assert password
        key = SigningKey.generate()
        registered = self.client.post(
            f"/members/{member}/keys",
            json={"public_key_b64": key.verify_key.b64},
            headers=self.headers,
        )
        assert registered.status_code == 201, registered.text
        return member, password, key

    def accepted(self, member: str) -> int:
        statement = sa.select(sa.func.count()).where(accepted_signals.c.reporter == member)
        with self.engine.connect() as connection:
            return int(connection.scalar(statement) or 0)

    def refused(self, member: str, reason: str) -> int:
        statement = sa.select(sa.func.count()).where(
            rejects.c.member_id == member, rejects.c.reason == reason
        )
        with self.engine.connect() as connection:
            return int(connection.scalar(statement) or 0)


@pytest.fixture
def hub(
    kafka_sasl: SaslBroker,
    sasl_admin: KafkaAdminClient,
    fresh_postgres_url: str,
    unique_name: Callable[[str], str],
) -> Iterator[Hub]:
    prefix = unique_name("ob")
    lists_topic = f"alliance.lists.{prefix}"
    ensure_topics(sasl_admin, hub_topics(lists_topic))
    engine = open_engine(fresh_postgres_url)
    upgrade(engine)
    with engine.begin() as connection:
        token = issue_token(connection, "operator", None, "op", datetime.now(UTC))
    app = create_app(
        engine,
        default_policy(),
        broker_options=kafka_sasl.admin_options(),
        kafka_confined=True,
    )
    hub_key = SigningKey.generate()
    worker = Worker(
        engine,
        dict[str, object](kafka_sasl.admin_options()),  # the hub is the broker's super-user
        hub_key,
        WorkerOptions(
            group_id=f"{prefix}-worker",
            subscription=rf"^alliance\.(signals|acks)\.{prefix}-.+",
            poll_timeout_ms=50,
            lists_topic=lists_topic,
        ),
    )
    with TestClient(app) as client:
        yield Hub(client, engine, {"Authorization": f"Bearer {token}"}, hub_key, worker, prefix)
    engine.dispose()


def signal(member: str, category: SignalCategory, *subject: Identifier) -> CreditSignal:
    now = datetime.now(UTC)
    return CreditSignal(
        signal_id=uuid.uuid4(),
        reporter=member,
        reported_at=now,
        observed_window=ObservedWindow(now - timedelta(days=1), now),
        category=category,
        subject=subject,
    )


def connection_for(broker: SaslBroker, member: str, password: str) -> BrokerConnection:
    return BrokerConnection(broker.bootstrap, member, password, "SASL_PLAINTEXT")


def publish_when_allowed(publisher: Publisher, sent: CreditSignal, timeout_s: float = 30) -> None:
    """ACLs reach the broker's authoriser a moment after the admin call returns: retry a
    refused write until it lands (measured: well under a second)."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            publisher.report(sent)
            return
        except (ConnectorError, KafkaError):
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def list_subject(hub: Hub, entry_id: str) -> None:
    with hub.engine.begin() as connection:
        connection.execute(
            list_entries.insert().values(
                entry_id=entry_id,
                list_type="BLACKLIST",
                subject_name="某某商贸有限公司",
                category="FAKE_TRANSACTION",
                status="OVERDUE",
                listed_at=datetime.now(UTC),
            )
        )
        connection.execute(
            list_entry_identifiers.insert().values(
                entry_id=entry_id, scheme=str(USCC.scheme), value=USCC.value
            )
        )


def test_a_member_added_through_the_api_publishes_and_receives(
    hub: Hub, kafka_sasl: SaslBroker
) -> None:
    started = time.monotonic()
    member, password, key = hub.add("mall")
    list_subject(hub, f"{hub.prefix}-e1")
    store = Identifier(IdentifierScheme.STORE, f"{member}:store:1")
    broker = connection_for(kafka_sasl, member, password)
    with (
        RunningWorker(hub.worker),
        Publisher(member, key, TOKEN_KEY, broker) as publisher,
        InstructionListener(member, [hub.hub_key.verify_key], key, broker) as listener,
    ):
        publish_when_allowed(publisher, signal(member, SignalCategory.PRESENCE, store, USCC))
        received = None
        deadline = time.monotonic() + 60
        while received is None and time.monotonic() < deadline:
            received = listener.receive(timeout_s=1.0)
        assert received is not None, "no instruction reached the member"
        assert received.target_member == member
    elapsed = time.monotonic() - started
    print(f"onboarded to first instruction in {elapsed:.1f} s")
    assert hub.accepted(member) == 1


def test_a_member_is_confined_suspended_and_resumed(hub: Hub, kafka_sasl: SaslBroker) -> None:
    member, password, key = hub.add("social")
    other, _, _ = hub.add("express")
    as_member = kafka_sasl.client_options(member, password)
    with (
        RunningWorker(hub.worker),
        Publisher(
            member, key, TOKEN_KEY, connection_for(kafka_sasl, member, password)
        ) as publisher,
    ):
        publish_when_allowed(publisher, signal(member, SignalCategory.PRESENCE, USCC))
        wait_until(lambda: hub.accepted(member) == 1, what="the first signal accepted")
        with pytest.raises(TopicAuthorizationFailedError):
            produce(as_member, signals_topic(member_id(other)), b"forged")

        suspended = hub.client.post(
            f"/members/{member}/suspend", json={"reason": "audit"}, headers=hub.headers
        )
        assert suspended.status_code == 200, suspended.text
        outcomes = [s["outcome"] for s in suspended.json()["steps"]]
        assert any(o.startswith("removed WRITE") for o in outcomes), outcomes
        shown = hub.client.get(f"/members/{member}", headers=hub.headers).json()
        assert shown["standing"] == "suspended" and shown["drift"] == []
        # Refused by the broker once the ACL change is through; what still got in is refused
        # by the worker: either way nothing more is accepted.
        refused_by_broker = False
        deadline = time.monotonic() + 30
        while not refused_by_broker and time.monotonic() < deadline:
            try:
                publisher.report(signal(member, SignalCategory.PRESENCE, USCC))
            except (ConnectorError, KafkaError):
                refused_by_broker = True
        assert refused_by_broker
        time.sleep(2)  # the worker has read whatever landed before the ACLs went
        assert hub.accepted(member) == 1
        landed = hub.refused(member, "MEMBER_SUSPENDED")

        resumed = hub.client.post(f"/members/{member}/resume", headers=hub.headers)
        assert resumed.status_code == 200, resumed.text
        # kafka-python's idempotent producer stays failed after an authorisation error: the
        # member's client starts a new publisher, as it would after any fatal delivery error.
        with Publisher(
            member, key, TOKEN_KEY, connection_for(kafka_sasl, member, password)
        ) as again:
            publish_when_allowed(again, signal(member, SignalCategory.PRESENCE, USCC))
        wait_until(lambda: hub.accepted(member) == 2, what="a signal accepted after resuming")
        assert hub.refused(member, "MEMBER_SUSPENDED") == landed
    print(f"records that reached the topic while suspended, refused: {landed}")


def test_drift_is_shown_with_its_mend_and_mending_restores(
    hub: Hub, sasl_admin: KafkaAdminClient
) -> None:
    member, _, _ = hub.add("drift")
    write = next(acl for acl in member_acls(member_id(member)) if acl.operation.name == "WRITE")
    pattern = write.resource_pattern
    sasl_admin.delete_acls(
        [
            ACLFilter(
                write.principal,
                write.host,
                write.operation,
                write.permission_type,
                ResourcePatternFilter(
                    pattern.resource_type, pattern.resource_name, pattern.pattern_type
                ),
            )
        ]
    )
    shown = hub.client.get(f"/members/{member}", headers=hub.headers).json()
    assert shown["drift"] == [f"ACL missing: WRITE on topic {pattern.resource_name}"]
    assert shown["mend"] == f"alliance-hub members mend {member}"
    mended = hub.client.post(f"/members/{member}/mend", json={}, headers=hub.headers)
    assert mended.status_code == 200, mended.text
    assert mended.json()["broker_password"] is None  # the credential was there: left alone
    assert hub.client.get(f"/members/{member}", headers=hub.headers).json()["drift"] == []
    again = hub.client.post(
        "/members",
        json={"member_id": member, "kind": "platform", "display_name": "x", "categories": []},
        headers=hub.headers,
    )
    assert again.status_code == 409


def test_removal_keeps_the_record_and_ends_the_credential(hub: Hub) -> None:
    member, _, _ = hub.add("gone")
    removed = hub.client.post(
        f"/members/{member}/remove", json={"reason": "left"}, headers=hub.headers
    )
    assert removed.status_code == 200, removed.text
    outcomes = {s["what"]: s["outcome"] for s in removed.json()["steps"]}
    assert outcomes["SCRAM-SHA-256 credential"] == "deleted"
    shown = hub.client.get(f"/members/{member}", headers=hub.headers).json()
    assert shown["standing"] == "removed" and shown["drift"] == []
    assert all(k["revoked_at"] for k in shown["keys"])
    refused = hub.client.post(f"/members/{member}/resume", headers=hub.headers)
    assert refused.status_code == 409


def test_the_worker_refuses_a_suspended_members_records_the_broker_still_took(
    hub: Hub, kafka_sasl: SaslBroker
) -> None:
    # The suspension is recorded while the broker is out of reach, so the member still holds
    # its write ACLs: the worker alone has to refuse what it sends.
    member, password, key = hub.add("late")
    with hub.engine.begin() as connection:
        assert open_suspension(connection, member, "audit", "test", datetime.now(UTC))
    with (
        RunningWorker(hub.worker),
        Publisher(member, key, TOKEN_KEY, connection_for(kafka_sasl, member, password)) as pub,
    ):
        publish_when_allowed(pub, signal(member, SignalCategory.PRESENCE, USCC))
        wait_until(lambda: hub.refused(member, "MEMBER_SUSPENDED") == 1, what="the refusal")
    assert hub.accepted(member) == 0
    shown = hub.client.get(f"/members/{member}", headers=hub.headers).json()
    assert shown["standing"] == "suspended"
    assert sorted(shown["drift"]) == [
        f"ACL extra: WRITE on topic alliance.acks.{member}",
        f"ACL extra: WRITE on topic alliance.signals.{member}",
    ]
