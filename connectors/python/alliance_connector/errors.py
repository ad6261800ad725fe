"""The connector's errors: one root, each error carrying the data that explains it.

    ConnectorError
    ├── MessageRejected           must not be trusted or used; `reason` is its wire code
    │   ├── Oversize              OVERSIZE: too many bytes, refused before decoding
    │   ├── MalformedMessage      DECODE_ERROR: envelope or payload bytes do not decode
    │   ├── UnknownSchema         SCHEMA_UNKNOWN: payload type or fingerprint not known
    │   ├── SignerMismatch        SIGNER_TOPIC_MISMATCH: signer does not own the topic
    │   ├── UntrustedSigner       UNKNOWN_KEY: key id not pinned for the signer
    │   ├── SignatureRejected     BAD_SIGNATURE: does not verify over the exact bytes
    │   └── InvalidField          INVALID_FIELD: a field breaks a rule
    │       └── InvalidIdentifier INVALID_IDENTIFIER: an identifier breaks its scheme's rule
    ├── InvalidMemberId           a member id cannot name a member's topics
    ├── InstructionRejected       the listener refused a record (wraps the above, with origin)
    ├── KeyFileError              a key file cannot be read or written
    └── DeliveryFailed            the broker did not confirm a produce

Third-party exceptions (cryptography's InvalidSignature, fastavro's decode errors, KafkaError)
are translated into these where the library is called, with `raise ... from exc`.

No message quotes an input value, not even part of one: the hub writes rejection details into
its ledger, which cannot be cleaned, and any string a sender chose (a key id, a signer, an
unknown symbol) may hold a resident ID or a mobile number. A message names the field and the
rule, at most a length or a position.
"""

from pathlib import Path
from typing import ClassVar

from alliance_connector.reasons import Reason

__all__ = [
    "ConnectorError",
    "DeliveryFailed",
    "InstructionRejected",
    "InvalidField",
    "InvalidIdentifier",
    "InvalidMemberId",
    "KeyFileError",
    "MalformedMessage",
    "MessageRejected",
    "Oversize",
    "SignatureRejected",
    "SignerMismatch",
    "UnknownSchema",
    "UntrustedSigner",
]


class ConnectorError(Exception):
    """Root of every error the connector raises on purpose."""


class MessageRejected(ConnectorError):
    """A message that must not be trusted or used; `reason` is the wire reason code."""

    reason: ClassVar[Reason]

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class Oversize(MessageRejected):
    """More bytes than the cap; refused before any decoding."""

    reason = Reason.OVERSIZE


class MalformedMessage(MessageRejected):
    """Envelope or payload bytes that do not decode as exactly one record."""

    reason = Reason.DECODE_ERROR


class UnknownSchema(MessageRejected):
    """A payload type or schema fingerprint this side does not know, or that disagree."""

    reason = Reason.SCHEMA_UNKNOWN


class SignerMismatch(MessageRejected):
    """A signer other than the one the topic belongs to (or, on instructions, the hub)."""

    reason = Reason.SIGNER_TOPIC_MISMATCH


class UntrustedSigner(MessageRejected):
    """A key id that is not pinned for the signer."""

    reason = Reason.UNKNOWN_KEY


class SignatureRejected(MessageRejected):
    """A signature that does not verify over the exact signed bytes."""

    reason = Reason.BAD_SIGNATURE


class InvalidField(MessageRejected, ValueError):
    """A field breaks a rule; `field` names the input and `rule` the rule it breaks."""

    reason = Reason.INVALID_FIELD

    def __init__(self, field: str, rule: str) -> None:
        super().__init__(f"{field}: {rule}")
        self.field = field
        self.rule = rule


class InvalidIdentifier(InvalidField):
    """An identifier breaks its scheme's rule (check character, format, token required)."""

    reason = Reason.INVALID_IDENTIFIER


class InvalidMemberId(ConnectorError, ValueError):
    """A member id that cannot name a member's topics."""

    def __init__(self, value: str) -> None:
        # The value is kept for the caller but never shown: it may be anything a sender wrote,
        # a mobile number included.
        super().__init__(
            f"member id of {len(value)} characters is invalid: use 1-63 lower-case letters, "
            "digits and inner hyphens, other than the hub's own name 'hub'"
        )
        self.value = value


class InstructionRejected(ConnectorError):
    """The listener refused the record at `topic`/`partition`/`offset` and moved past it."""

    def __init__(self, cause: MessageRejected, topic: str, partition: int, offset: int) -> None:
        super().__init__(f"{topic}[{partition}]@{offset} refused ({cause.reason}): {cause.detail}")
        self.reason = cause.reason
        self.topic = topic
        self.partition = partition
        self.offset = offset


class KeyFileError(ConnectorError):
    """A key file cannot be read or written."""

    def __init__(self, path: Path, problem: str) -> None:
        super().__init__(f"{path}: {problem}")
        self.path = path


class DeliveryFailed(ConnectorError):
    """The broker did not confirm that a record was written."""

    def __init__(self, topic: str, problem: str) -> None:
        super().__init__(f"delivery to {topic} not confirmed: {problem}")
        self.topic = topic
