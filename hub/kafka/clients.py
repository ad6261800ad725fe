"""The hub's kafka-python clients: one factory per client kind, and the one KafkaError translation.

Every consumer, producer and admin client the hub opens is built here, so kafka-python stays
inside hub.kafka. Each call site keeps its own tuning (acks, poll sizes, timeouts) and passes it
as keyword arguments: the sites differ on purpose, and the factories only add the connection.
The kafka-python types callers need for annotations and offsets are named here too.
"""

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import KafkaAdminClient
from kafka.consumer.fetcher import ConsumerRecord
from kafka.errors import CommitFailedError, KafkaError
from kafka.producer.future import FutureRecordMetadata
from kafka.structs import OffsetAndMetadata

from hub.errors import BrokerError

__all__ = [
    "CommitFailedError",
    "ConsumerRecord",
    "FutureRecordMetadata",
    "KafkaAdminClient",
    "KafkaConsumer",
    "KafkaError",
    "KafkaProducer",
    "OffsetAndMetadata",
    "RECONNECT",
    "TopicPartition",
    "broker_error",
    "broker_errors",
    "open_admin",
    "open_consumer",
    "open_producer",
    "quiet_client_logs",
]


# How every hub client waits for a broker that went away, for all of them in one place
# (docs/worker.md, "Broker outages"). kafka-python backs off exponentially up to 30 s by
# default, so a worker resumed 3 to 28 s after a broker restart; a hub has a few brokers and
# a handful of clients each, so trying again every second at most costs nothing and resumes
# within about a second of the broker answering. A request the broker does not answer within
# 20 s is failed and retried (kafka-python's consumer default is 305 s), still well above a
# healthy broker's slowest answer and above the worker's 10 s session timeout, as the group
# protocol needs.
RECONNECT = {
    "reconnect_backoff_ms": 100,
    "reconnect_backoff_max_ms": 1_000,
    "request_timeout_ms": 20_000,
}


def open_consumer(options: dict[str, Any], **tuning: Any) -> KafkaConsumer:
    """A consumer on the connection `options` (hub.kafka.connection), with the site's tuning."""
    return KafkaConsumer(**(RECONNECT | tuning | options))


def open_producer(options: dict[str, Any], **tuning: Any) -> KafkaProducer:
    """A producer on the connection `options`, with the site's tuning (acks, linger, ...)."""
    return KafkaProducer(**(RECONNECT | tuning | options))


def open_admin(options: dict[str, Any], **tuning: Any) -> KafkaAdminClient:
    """An admin client on the connection `options`."""
    return KafkaAdminClient(**(RECONNECT | tuning | options))


def quiet_client_logs(level: int = logging.WARNING) -> None:
    """Log kafka-python's messages from `level` up only: at INFO it logs every connection."""
    logging.getLogger("kafka").setLevel(level)


def broker_error(exc: KafkaError, what: str) -> BrokerError:
    """The hub's error for a kafka-python failure while doing `what`; raise it `from exc`."""
    return BrokerError(f"{what}: {exc}")


@contextmanager
def broker_errors(what: str) -> Iterator[None]:
    """Raise kafka-python's failures inside the block as BrokerError (see `broker_error`)."""
    try:
        yield
    except KafkaError as exc:
        raise broker_error(exc, what) from exc
