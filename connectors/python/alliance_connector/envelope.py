"""The signed envelope around every message: seal on the way out, open and verify on the way in.

Opening follows the order that keeps untrusted bytes away from the Avro payload decoder:
size cap -> envelope decode -> (caller: signer owns topic, key lookup) -> signature over the
exact payload bytes -> payload decode by schema fingerprint. Each step is its own function so
the hub can put its registry checks between them; `open_verified` chains them for members.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from typing import Any

from alliance_connector.codec import AvroCodec
from alliance_connector.errors import MalformedMessage, Oversize, SignerMismatch, UntrustedSigner
from alliance_connector.schemas import PayloadSchema, SchemaCatalog, catalog, envelope_schema
from alliance_connector.signing import SigningKey, VerifyKey

__all__ = [
    "MAX_ENVELOPE_BYTES",
    "OpenedMessage",
    "SignedEnvelope",
    "decode_envelope",
    "decode_payload",
    "open_verified",
    "seal",
]

# Far above any real signal (a few hundred bytes) and far below Kafka's 1 MiB default.
MAX_ENVELOPE_BYTES = 64 * 1024


@cache
def _envelope_codec() -> AvroCodec:
    return AvroCodec(envelope_schema())  # parsed once, on first use


@dataclass(frozen=True)
class SignedEnvelope:
    """The decoded envelope. Only payload_type and payload are covered by the signature."""

    payload_type: str
    payload: bytes
    schema_fingerprint: bytes
    signer: str
    key_id: str
    issued_at: datetime
    signature: bytes

    def to_bytes(self) -> bytes:
        """Binary Avro of the envelope, as it goes on the wire."""
        return _envelope_codec().encode(
            {
                "payload_type": self.payload_type,
                "payload": self.payload,
                "schema_fingerprint": self.schema_fingerprint,
                "signer": self.signer,
                "key_id": self.key_id,
                "issued_at": self.issued_at,
                "signature": self.signature,
            }
        )

    def verify(self, key: VerifyKey) -> None:
        """Raise SignatureRejected unless `key` signed exactly this payload type and payload."""
        key.verify(self.payload_type, self.payload, self.signature)


def seal(
    schema: PayloadSchema,
    record: dict[str, Any],
    signer: str,
    key: SigningKey,
    issued_at: datetime | None = None,
    schemas: SchemaCatalog | None = None,
) -> SignedEnvelope:
    """Encode `record` with `schema`, sign the exact bytes and wrap them in an envelope."""
    payload = (schemas or catalog()).codec(schema).encode(record)
    issued_at = issued_at or datetime.now(UTC)
    # The wire keeps milliseconds; truncate here so the sealed value equals the decoded one.
    issued_at = issued_at.replace(microsecond=issued_at.microsecond // 1000 * 1000)
    return SignedEnvelope(
        payload_type=schema.payload_type,
        payload=payload,
        schema_fingerprint=schema.fingerprint,
        signer=signer,
        key_id=key.key_id,
        issued_at=issued_at,
        signature=key.sign(schema.payload_type, payload),
    )


def decode_envelope(data: bytes | None, max_bytes: int = MAX_ENVELOPE_BYTES) -> SignedEnvelope:
    """Check the size cap, then decode the envelope frame. The payload stays undecoded."""
    if data is None:  # a Kafka tombstone: a record with no value
        raise MalformedMessage("the record has no value")
    if len(data) > max_bytes:
        raise Oversize(f"{len(data)} bytes exceed the cap of {max_bytes}")
    fields = _envelope_codec().decode(data)
    issued_at = fields["issued_at"]
    if not isinstance(issued_at, datetime):  # fastavro maps timestamp-millis to datetime
        raise MalformedMessage("issued_at is not a timestamp")
    return SignedEnvelope(
        payload_type=fields["payload_type"],
        payload=fields["payload"],
        schema_fingerprint=fields["schema_fingerprint"],
        signer=fields["signer"],
        key_id=fields["key_id"],
        issued_at=issued_at,
        signature=fields["signature"],
    )


def decode_payload(
    envelope: SignedEnvelope, schemas: SchemaCatalog | None = None
) -> tuple[PayloadSchema, dict[str, Any]]:
    """Decode a verified envelope's payload with the writer schema its fingerprint names,
    resolved to the newest version of that record. Call only after verifying."""
    schemas = schemas or catalog()
    writer = schemas.writer(envelope.payload_type, envelope.schema_fingerprint)
    return writer, schemas.codec(writer).decode(envelope.payload)


@dataclass(frozen=True)
class OpenedMessage:
    """A verified and decoded message."""

    envelope: SignedEnvelope
    schema: PayloadSchema
    record: dict[str, Any]


def open_verified(
    data: bytes | None,
    find_key: Callable[[str, str], VerifyKey | None],
    expected_signer: str,
    max_bytes: int = MAX_ENVELOPE_BYTES,
    schemas: SchemaCatalog | None = None,
) -> OpenedMessage:
    """Size cap, envelope, signer, pinned key, signature, then payload: in that order.

    `find_key(signer, key_id)` returns the pinned key or None; the key id only selects.
    """
    envelope = decode_envelope(data, max_bytes)
    if envelope.signer != expected_signer:
        raise SignerMismatch(f"signed by {envelope.signer!r}, expected {expected_signer!r}")
    key = find_key(envelope.signer, envelope.key_id)
    if key is None:
        raise UntrustedSigner(f"key {envelope.key_id!r} is not pinned for {envelope.signer!r}")
    envelope.verify(key)
    schema, record = decode_payload(envelope, schemas)
    return OpenedMessage(envelope, schema, record)
