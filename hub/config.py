"""Settings: one frozen object, read from `HUB_*` environment variables and passed in.

Nothing in the hub imports a settings global; the CLI builds a `Settings` once and hands it to
what it runs, so tests build their own.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from alliance_connector.envelope import MAX_ENVELOPE_BYTES
from alliance_connector.tokens import TokenKey
from alliance_connector.topics import LISTS_TOPIC

# What the hub's workers read: every member's signals and acks topics, including those of
# members registered after the worker started.
WORKER_SUBSCRIPTION = r"^alliance\.(signals|acks)\..+"


@dataclass(frozen=True)
class WorkerOptions:
    """How a worker runs: its defaults are the ones `Settings` starts from, and the worker's
    tuning that is not a setting (tests and the bench choose their own)."""

    group_id: str = "alliance-hub.worker"
    subscription: str = WORKER_SUBSCRIPTION
    max_records: int = 500
    poll_timeout_ms: int = 100
    max_skew: timedelta = timedelta(minutes=5)
    max_bytes: int = MAX_ENVELOPE_BYTES
    backoff_max_s: float = 5.0
    lists_topic: str = LISTS_TOPIC
    index_timeout_s: float = 60.0  # a starting worker gives up if its list index stalls
    # Child processes checking signatures beside the worker (0: in the worker's own thread).
    verify_processes: int = 1
    fetch_max_wait_ms: int = 20


# The repository checkout that holds deploy/kafka/broker, when the hub runs from one.
SOURCE_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    """Everything the hub can be told; defaults are the embedded single-machine setup."""

    model_config = SettingsConfigDict(env_prefix="HUB_", frozen=True, extra="forbid")

    # Kafka. No bootstrap means "start the local broker from deploy/kafka/".
    kafka_bootstrap: str | None = None
    kafka_security_protocol: Literal["PLAINTEXT", "SASL_PLAINTEXT", "SASL_SSL"] = "PLAINTEXT"
    kafka_sasl_username: str | None = None
    kafka_sasl_password: SecretStr | None = None
    local_broker_script: Path = SOURCE_ROOT / "deploy" / "kafka" / "broker"

    @property
    def kafka_confined(self) -> bool:
        """Whether the broker authenticates and authorises: members then get a SCRAM credential
        and ACLs; on a PLAINTEXT (development) broker only their topics."""
        return self.kafka_security_protocol != "PLAINTEXT"

    # The system of record. SQLite is the embedded default; PostgreSQL in production.
    database_url: str = "sqlite:///alliance-hub.sqlite3"

    # The hub's Ed25519 key (PEM, from `alliance-hub keys generate`): it signs instructions and
    # rejects, and members pin its public half.
    hub_key_path: Path = Path("hub-signing-key.pem")

    # The sanction policy (TOML, hub/policy/default.toml's format); None: the shipped default.
    policy_path: Path | None = None
    # The alliance's tokenisation key (hex) and its version: the list importer turns personal
    # identifiers that a government file gives in clear into the tokens members send.
    token_key: SecretStr | None = None
    token_key_version: int = 1

    def alliance_token_key(self) -> TokenKey | None:
        """The tokenisation key from `token_key` and its version, if one is set."""
        if self.token_key is None:
            return None
        return TokenKey.from_hex(self.token_key_version, self.token_key.get_secret_value())

    # Overrides of the State Council's schedule the monthly report's due date follows
    # (hub.reports.calendar, the chinese-calendar package): extra days off (ISO dates, e.g.
    # HUB_HOLIDAYS='["2026-10-01"]') and extra working days (HUB_WORKDAYS, likewise).
    holidays: list[date] = []
    workdays: list[date] = []

    # Signed tree heads (hub.ledger.tree_heads): the scheduler signs and publishes one this many
    # seconds after the last, if the ledger grew. An hour bounds how long a rewrite could go
    # unseen by members at a cost of 24 small records a day.
    tree_head_interval: float = Field(default=3600.0, gt=0)

    # Worker: how far a signal's issued_at may be from its Kafka record time.
    max_clock_skew_s: float = WorkerOptions.max_skew.total_seconds()
    worker_group: str = WorkerOptions.group_id
    # The compacted topic of list entries the workers match against.
    lists_topic: str = WorkerOptions.lists_topic
    # Topics the worker reads: every member's signals and acks, by default.
    worker_subscription: str = WorkerOptions.subscription
    # Child processes checking the worker's signatures (0: in the worker process itself).
    # One keeps up with a worker's other work; more help only where it has cores to spare.
    verify_processes: int = Field(default=WorkerOptions.verify_processes, ge=0, le=64)

    def worker_options(self) -> WorkerOptions:
        """The worker's options as these settings set them; the rest keep their defaults."""
        return WorkerOptions(
            group_id=self.worker_group,
            subscription=self.worker_subscription,
            max_skew=timedelta(seconds=self.max_clock_skew_s),
            lists_topic=self.lists_topic,
            verify_processes=self.verify_processes,
        )
