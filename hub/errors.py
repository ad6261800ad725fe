"""The hub's errors: one root, each error carrying the data that explains it.

    HubError
    ├── ConfigError            a setting is missing or contradicts another
    ├── BrokerError            the Kafka side failed
    │   └── LocalBrokerError   deploy/kafka/broker could not start the local broker
    └── StoreError             the database failed
        ├── StoreUnavailable   cannot connect (transient: retry, never dead-letter)
        └── MigrationError     the schema could not be brought to the current revision

Third-party exceptions (KafkaError, SQLAlchemyError, alembic's) are translated into these at
the module that talks to the library, with `raise ... from exc`.
"""


class HubError(Exception):
    """Root of every error the hub raises on purpose."""


class ConfigError(HubError):
    """A setting is missing, malformed or inconsistent."""


class BrokerError(HubError):
    """The Kafka broker refused or failed a request."""


class LocalBrokerError(BrokerError):
    """The bundled local broker script failed; `detail` is its one-line explanation."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class StoreError(HubError):
    """The database failed."""


class StoreUnavailable(StoreError):
    """The database cannot be reached; callers retry with back-off."""

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(f"database {url} unavailable: {reason}")
        self.url = url
        self.reason = reason


class MigrationError(StoreError):
    """The schema could not be migrated to the current revision."""
