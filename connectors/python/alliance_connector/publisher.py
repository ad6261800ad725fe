"""The member's publisher: validate, tokenise, encode, sign, produce, confirm.

Nothing leaves the member before its personal identifiers are normalised and replaced by
keyed tokens, and nothing is reported delivered before the broker confirmed the write.
"""

import dataclasses
from collections.abc import Iterable
from datetime import UTC, datetime
from types import TracebackType
from typing import NamedTuple, Self

from kafka import KafkaProducer
from kafka.errors import KafkaError

from alliance_connector.envelope import seal
from alliance_connector.errors import DeliveryFailed
from alliance_connector.identifiers import PERSONAL_SCHEMES, Identifier, normalize
from alliance_connector.kafka_options import BrokerConnection
from alliance_connector.messages import CreditSignal
from alliance_connector.schemas import catalog
from alliance_connector.signing import SigningKey
from alliance_connector.tokens import TokenKey, is_token, protect
from alliance_connector.topics import member_id, signals_topic
from alliance_connector.validation import validate_signal

__all__ = ["Delivery", "Publisher", "outgoing_identifier", "prepare_signal"]


class Delivery(NamedTuple):
    """Where the broker stored a signal."""

    topic: str
    partition: int
    offset: int


class Publisher:
    """Reports a member's credit signals to `alliance.signals.<member>`."""

    def __init__(
        self,
        member: str,
        signing_key: SigningKey,
        token_key: TokenKey,
        connection: BrokerConnection,
        *,
        delivery_timeout_s: float = 30.0,
    ) -> None:
        self.member = member_id(member)
        self.topic = signals_topic(self.member)
        self._signing_key = signing_key
        self._token_key = token_key
        self._timeout_s = delivery_timeout_s
        self._producer = KafkaProducer(
            acks="all",
            enable_idempotence=True,
            linger_ms=5,
            client_id=f"{self.member}.publisher",
            **connection.options(),
        )

    def connect(self) -> None:
        """Connect and learn the topic's partitions now, so the first report does not wait
        for them; raises DeliveryFailed if the broker does not answer in time."""
        try:
            self._producer.partitions_for(self.topic)
        except KafkaError as exc:
            raise DeliveryFailed(self.topic, type(exc).__name__) from exc

    def prepare(self, signal: CreditSignal) -> tuple[bytes, bytes]:
        """(partition key, signed envelope bytes) for `signal`: see `prepare_signal`."""
        return prepare_signal(signal, self.member, self._signing_key, self._token_key)

    def report(self, signal: CreditSignal) -> Delivery:
        """Send one signal and wait until the broker confirms it."""
        [delivery] = self.report_many([signal])
        return delivery

    def report_many(self, signals: Iterable[CreditSignal]) -> list[Delivery]:
        """Send signals pipelined, then wait for every confirmation; raises DeliveryFailed for
        the first one the broker did not confirm (the others may have been written)."""
        futures = []
        for signal in signals:
            key, value = self.prepare(signal)
            futures.append(self._producer.send(self.topic, key=key, value=value))
        self._producer.flush(timeout=self._timeout_s)
        deliveries = []
        for future in futures:
            try:
                metadata = future.get(timeout=self._timeout_s)
            except KafkaError as exc:
                raise DeliveryFailed(self.topic, type(exc).__name__) from exc
            deliveries.append(Delivery(metadata.topic, metadata.partition, metadata.offset))
        return deliveries

    def close(self) -> None:
        """Flush and close the producer."""
        self._producer.close(timeout=self._timeout_s)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def outgoing_identifier(identifier: Identifier, token_key: TokenKey) -> Identifier:
    """Normalised, and tokenised when personal; a token the caller already made stays."""
    if identifier.scheme in PERSONAL_SCHEMES and is_token(identifier.value):
        return identifier
    return protect(normalize(identifier.scheme, identifier.value), token_key)


def prepare_signal(
    signal: CreditSignal, member: str, signing_key: SigningKey, token_key: TokenKey
) -> tuple[bytes, bytes]:
    """(partition key, signed envelope bytes) for `signal`, tokenised and validated.

    The key is the subject's first identifier, so one subject's signals stay in order.
    """
    protected = dataclasses.replace(
        signal, subject=tuple(outgoing_identifier(i, token_key) for i in signal.subject)
    )
    validate_signal(protected, signer=member)
    schema = catalog().newest("CreditSignal")
    envelope = seal(schema, protected.to_record(), member, signing_key, datetime.now(UTC))
    first = protected.subject[0]
    return f"{first.scheme}:{first.value}".encode(), envelope.to_bytes()
