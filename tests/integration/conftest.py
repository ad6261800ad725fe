"""Real services for integration tests: Apache Kafka and PostgreSQL.

Each service is found in this order, once per test session:
1. an environment variable: HUB_TEST_KAFKA_BOOTSTRAP, HUB_TEST_KAFKA_SASL_BOOTSTRAP,
   HUB_TEST_DATABASE_URL;
2. testcontainers (KafkaContainer, PostgresContainer) when a Docker engine answers;
3. the local services from deploy/: deploy/kafka/broker and deploy/postgres/local.
The SASL broker has no container path: it is the local broker's --sasl profile unless given.
"""

import os
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
import sqlalchemy as sa
from kafka import KafkaConsumer
from kafka.admin import KafkaAdminClient, ScramMechanism, UserScramCredentialUpsertion
from kafka.errors import KafkaError

from alliance_connector.topics import MemberId, member_id, signals_topic
from hub.config import SOURCE_ROOT
from hub.kafka.acls import grant_member_acls
from hub.kafka.local_broker import start_local_broker
from hub.kafka.topics import ensure_topics, member_topics

if TYPE_CHECKING:
    from tests.integration.alliance import Alliance

BROKER_SCRIPT = SOURCE_ROOT / "deploy" / "kafka" / "broker"
POSTGRES_SCRIPT = SOURCE_ROOT / "deploy" / "postgres" / "local"


def docker_answers() -> bool:
    try:
        import docker  # type: ignore[import-untyped]  # comes with testcontainers

        return bool(docker.from_env(timeout=3).ping())
    except Exception:  # noqa: BLE001 - any failure means "no engine here"
        return False


@pytest.fixture(scope="session")
def containers() -> Iterator[ExitStack]:
    with ExitStack() as stack:
        yield stack


@pytest.fixture(scope="session")
def kafka_bootstrap(containers: ExitStack) -> str:
    if bootstrap := os.environ.get("HUB_TEST_KAFKA_BOOTSTRAP"):
        return bootstrap
    if docker_answers():
        from testcontainers.kafka import KafkaContainer

        kafka = containers.enter_context(KafkaContainer().with_kraft())
        return str(kafka.get_bootstrap_server())
    return start_local_broker(BROKER_SCRIPT).bootstrap


@dataclass(frozen=True)
class SaslBroker:
    bootstrap: str
    admin_user: str
    admin_password: str

    def client_options(self, user: str, password: str) -> dict[str, str]:
        return {
            "bootstrap_servers": self.bootstrap,
            "security_protocol": "SASL_PLAINTEXT",
            "sasl_mechanism": "SCRAM-SHA-256",
            "sasl_plain_username": user,
            "sasl_plain_password": password,
        }

    def admin_options(self) -> dict[str, str]:
        return self.client_options(self.admin_user, self.admin_password)


@pytest.fixture(scope="session")
def kafka_sasl() -> SaslBroker:
    password = os.environ.get("HUB_TEST_KAFKA_SASL_ADMIN_PASSWORD", "admin-secret")
    bootstrap = (
        os.environ.get("HUB_TEST_KAFKA_SASL_BOOTSTRAP")
        or start_local_broker(BROKER_SCRIPT, sasl=True).bootstrap
    )
    return SaslBroker(bootstrap, "admin", password)


@pytest.fixture(scope="session")
def kafka_admin(kafka_bootstrap: str) -> Iterator[KafkaAdminClient]:
    admin = KafkaAdminClient(bootstrap_servers=kafka_bootstrap, client_id="hub-tests")
    yield admin
    admin.close()


@pytest.fixture(scope="session")
def postgres_url(containers: ExitStack) -> str:
    """A PostgreSQL server the tests may create databases in."""
    if url := os.environ.get("HUB_TEST_DATABASE_URL"):
        return url
    if docker_answers():
        from testcontainers.postgres import PostgresContainer

        postgres = containers.enter_context(PostgresContainer("postgres:16", driver="psycopg"))
        return str(postgres.get_connection_url())
    done = subprocess.run(
        [str(POSTGRES_SCRIPT), "start"], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        pytest.fail(done.stderr.strip().splitlines()[-1], pytrace=False)
    return done.stdout.strip().splitlines()[-1]


@pytest.fixture
def fresh_postgres_url(postgres_url: str, unique_name: Callable[[str], str]) -> Iterator[str]:
    """An empty PostgreSQL database of the test's own, dropped afterwards."""
    server = sa.make_url(postgres_url)
    name = unique_name("hubtest").replace("-", "_")
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def fresh_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database of the kind the test is parametrized with ("sqlite" or "postgresql")."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store.sqlite3'}"
    return str(request.getfixturevalue("fresh_postgres_url"))


MEMBER_PASSWORD = "member-secret"


@pytest.fixture
def sasl_admin(kafka_sasl: SaslBroker) -> Iterator[KafkaAdminClient]:
    admin = KafkaAdminClient(client_id="hub-tests-admin", **kafka_sasl.admin_options())
    yield admin
    admin.close()


def wait_for_acls(broker: SaslBroker, member: MemberId, timeout_s: float = 20) -> None:
    """ACLs and SCRAM users reach the broker's authorizer through the metadata log, a moment
    after the admin call returns: wait until the member can see its own signals topic."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        consumer = KafkaConsumer(**broker.client_options(member, MEMBER_PASSWORD))
        try:
            if consumer.partitions_for_topic(signals_topic(member)):
                return
        except KafkaError:
            pass
        finally:
            consumer.close()
        time.sleep(0.2)
    raise AssertionError(f"ACLs for {member} did not take effect within {timeout_s}s")


@pytest.fixture
def onboard(
    kafka_sasl: SaslBroker, sasl_admin: KafkaAdminClient, unique_name: Callable[[str], str]
) -> Callable[[], MemberId]:
    """Register a new member on the broker: SCRAM user, its three topics, its ACLs."""

    def make() -> MemberId:
        member = member_id(unique_name("m"))
        sasl_admin.alter_user_scram_credentials(
            [UserScramCredentialUpsertion(member, ScramMechanism.SCRAM_SHA_256, MEMBER_PASSWORD)]
        )
        ensure_topics(sasl_admin, member_topics(member))
        grant_member_acls(sasl_admin, member)
        wait_for_acls(kafka_sasl, member)
        return member

    return make


@pytest.fixture
def alliance(
    kafka_bootstrap: str,
    kafka_admin: KafkaAdminClient,
    fresh_postgres_url: str,
    unique_name: Callable[[str], str],
) -> Iterator["Alliance"]:
    """A small alliance of its own on the real broker and a fresh PostgreSQL database."""
    from tests.integration.alliance import Alliance

    built = Alliance(kafka_bootstrap, fresh_postgres_url, kafka_admin, unique_name("a"))
    yield built
    built.close()


@pytest.fixture(params=["postgresql", "sqlite"])
def alliance_on_each_store(
    request: pytest.FixtureRequest,
    kafka_bootstrap: str,
    kafka_admin: KafkaAdminClient,
    unique_name: Callable[[str], str],
    tmp_path: Path,
) -> Iterator["Alliance"]:
    """`alliance`, once on PostgreSQL and once on SQLite (whose locking differs most)."""
    from tests.integration.alliance import Alliance

    if request.param == "postgresql":
        url = str(request.getfixturevalue("fresh_postgres_url"))
    else:
        url = f"sqlite:///{tmp_path / 'store.sqlite3'}"
    built = Alliance(kafka_bootstrap, url, kafka_admin, unique_name("a"))
    yield built
    built.close()
