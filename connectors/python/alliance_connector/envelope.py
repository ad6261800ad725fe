"""The signed envelope around every message: seal on the way out, open and verify on the way in.

Envelope version 2 signs every field: the signature is the envelope's last 64 bytes and covers
PAE(ENVELOPE_SIGNING_TYPE, every byte before them). So the receiver verifies the very bytes it
received, and nothing (issued_at, key id, fingerprint) can be changed without breaking it.

Opening follows the order that keeps untrusted bytes away from the Avro payload decoder:
size cap -> envelope decode -> (caller: signer owns topic, key lookup) -> signature over the
exact bytes -> payload decode by schema fingerprint. Each step is its own function so the hub
can put its registry checks between them; `open_verified` chains them for members.
"""

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from functools import cache
from typing import Any

from alliance_connector.codec import AvroCodec
from alliance_connector.errors import MalformedMessage, Oversize, SignerMismatch, UntrustedSigner
from alliance_connector.schemas import PayloadSchema, SchemaCatalog, catalog, envelope_schema
from alliance_connector.signing import SIGNATURE_SIZE, SigningKey, VerifyKey, pae

__all__ = [
    "ENVELOPE_SIGNING_TYPE",
    "ENVELOPE_VERSION",
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
ENVELOPE_VERSION = 2
# The type in the PAE of what an envelope signs; no payload type can be this, so a v2
# signature and a v1 one (over PAE(payload_type, payload)) can never stand for each other.
ENVELOPE_SIGNING_TYPE = "application/vnd.alliance.signed-envelope.v2+avro"


@cache
def _envelope_codec() -> AvroCodec:
    return AvroCodec(envelope_schema())  # parsed once, on first use


@cache
def _version_codec() -> AvroCodec:
    """Reads only the version, the first field: any version's envelope starts with it."""
    fields = [{"name": "envelope_version", "type": "int"}]
    return AvroCodec({"type": "record", "name": "EnvelopeVersion", "fields": fields})


@dataclass(frozen=True)
class SignedEnvelope:
    """The decoded envelope. `signed` is its bytes before the signature: all that is signed.
    Make one with `seal`, `build` or `decode_envelope`: `dataclasses.replace` of a field other
    than the signature leaves `signed`, and so the bytes, as they were."""

    payload_type: str
    payload: bytes
    schema_fingerprint: bytes
    signer: str
    key_id: str
    issued_at: datetime
    signed: bytes
    signature: bytes

    @classmethod
    def build(
        cls,
        *,
        payload_type: str,
        payload: bytes,
        schema_fingerprint: bytes,
        signer: str,
        key_id: str,
        issued_at: datetime,
        signature: bytes = bytes(SIGNATURE_SIZE),
    ) -> "SignedEnvelope":
        """The envelope of these fields, its signed bytes encoded from them."""
        fields = {
            "envelope_version": ENVELOPE_VERSION,
            "payload_type": payload_type,
            "payload": payload,
            "schema_fingerprint": schema_fingerprint,
            "signer": signer,
            "key_id": key_id,
            "issued_at": issued_at,
            "signature": signature,  # the last field: what precedes it is what is signed
        }
        signed = _envelope_codec().encode(fields)[:-SIGNATURE_SIZE]
        return cls(
            payload_type, payload, schema_fingerprint, signer, key_id, issued_at, signed, signature
        )

    def to_bytes(self) -> bytes:
        """Binary Avro of the envelope, as it goes on the wire."""
        return self.signed + self.signature

    @property
    def signing_input(self) -> bytes:
        """The exact bytes the signature is over: PAE(ENVELOPE_SIGNING_TYPE, signed)."""
        return pae(ENVELOPE_SIGNING_TYPE, self.signed)

    def verify(self, key: VerifyKey) -> None:
        """Raise SignatureRejected unless `key` signed exactly these envelope bytes."""
        key.verify(ENVELOPE_SIGNING_TYPE, self.signed, self.signature)


def seal(
    schema: PayloadSchema,
    record: dict[str, Any],
    signer: str,
    key: SigningKey,
    issued_at: datetime | None = None,
    schemas: SchemaCatalog | None = None,
) -> SignedEnvelope:
    """Encode `record` with `schema`, wrap it in an envelope and sign the envelope's bytes."""
    payload = (schemas or catalog()).codec(schema).encode(record)
    issued_at = issued_at or datetime.now(UTC)
    # The wire keeps milliseconds; truncate here so the sealed value equals the decoded one.
    issued_at = issued_at.replace(microsecond=issued_at.microsecond // 1000 * 1000)
    unsigned = SignedEnvelope.build(
        payload_type=schema.payload_type,
        payload=payload,
        schema_fingerprint=schema.fingerprint,
        signer=signer,
        key_id=key.key_id,
        issued_at=issued_at,
    )
    return replace(unsigned, signature=key.sign(ENVELOPE_SIGNING_TYPE, unsigned.signed))


def decode_envelope(data: bytes | None, max_bytes: int = MAX_ENVELOPE_BYTES) -> SignedEnvelope:
    """Check the size cap, then decode the envelope frame. The payload stays undecoded."""
    if data is None:  # a Kafka tombstone: a record with no value
        raise MalformedMessage("the record has no value")
    if len(data) > max_bytes:
        raise Oversize(f"{len(data)} bytes exceed the cap of {max_bytes}")
    if _version_codec().read_prefix(data).get("envelope_version") != ENVELOPE_VERSION:
        raise MalformedMessage(f"envelope_version: only version {ENVELOPE_VERSION} is accepted")
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
        signed=data[:-SIGNATURE_SIZE],
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
        raise SignerMismatch("signer: not the member that owns the topic")
    key = find_key(envelope.signer, envelope.key_id)
    if key is None:
        raise UntrustedSigner("key_id: names no key pinned for the signer")
    envelope.verify(key)
    schema, record = decode_payload(envelope, schemas)
    return OpenedMessage(envelope, schema, record)
