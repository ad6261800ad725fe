"""A member's client written from docs/wire-contract.md and schemas/avro/ alone.

It uses Apache's `avro`, PyNaCl (libsodium) and the standard library, and none of the hub's or
the SDK's code (tests/unit/test_outsider_vectors.py checks its imports), so the tests built on
it check the contract, not our reading of it. Section numbers are the contract's.
"""

import base64
import hashlib
import io
import json
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

import avro.io
import avro.schema
import nacl.bindings
import nacl.exceptions
import nacl.signing

SCHEMAS = Path(__file__).resolve().parents[2] / "schemas" / "avro"
ENVELOPE_TYPE = "application/vnd.alliance.signed-envelope.v2+avro"  # §5
MAX_BYTES = 65_536  # §3


class Refused(Exception):
    """The receiver refuses a record with a reason code (§9)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def pae(kind: str, body: bytes) -> bytes:  # §5
    encoded = kind.encode("utf-8")
    return b"DSSEv1 %d %b %d %b" % (len(encoded), encoded, len(body), body)


@cache
def schema(file: str) -> avro.schema.Schema:
    return avro.schema.parse((SCHEMAS / file).read_text(encoding="utf-8"))


@cache
def writers() -> dict[bytes, tuple[str, str]]:
    """Fingerprint -> (schema file, payload type), from the published canonical forms (§4:
    Apache avro's own canonicaliser keeps {"type":"long"} for logical types)."""
    forms = json.loads((SCHEMAS / "testvectors" / "canonical-forms.json").read_text())
    found = {}
    for file, form in forms["schemas"].items():
        if ".v" not in file:
            continue  # the envelope has no payload type
        record, version = file.removesuffix(".avsc").split(".v")
        kebab = "".join("-" + c.lower() if c.isupper() else c for c in record).lstrip("-")
        payload_type = f"application/vnd.alliance.{kebab}.v{version}+avro"
        found[bytes.fromhex(form["fingerprint_sha256_hex"])] = (file, payload_type)
    return found


def encode(file: str, value: dict[str, Any]) -> bytes:
    buffer = io.BytesIO()
    avro.io.DatumWriter(schema(file)).write(value, avro.io.BinaryEncoder(buffer))
    return buffer.getvalue()


def decode(file: str, data: bytes) -> dict[str, Any]:
    """The one canonical encoding only (§3): decode, encode again, compare."""
    buffer = io.BytesIO(data)
    try:
        value = avro.io.DatumReader(schema(file)).read(avro.io.BinaryDecoder(buffer))
        if not isinstance(value, dict):
            raise Refused("DECODE_ERROR")
        again = encode(file, value)
    except Exception as exc:  # noqa: BLE001 - any failure of the decoder is a refusal
        raise Refused("DECODE_ERROR") from exc
    if buffer.tell() != len(data) or again != data:
        raise Refused("DECODE_ERROR")
    return value


def leading_int(data: bytes) -> int | None:
    """The zig-zag varint at the start of `data` (the envelope version, §3)."""
    number = shift = 0
    for index, byte in enumerate(data[:5]):
        number |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return None if index and not byte else (number >> 1) ^ -(number & 1)
        shift += 7
    return None


def key_acceptable(public_key: bytes) -> bool:  # §5 rule 1
    return len(public_key) == 32 and nacl.bindings.crypto_core_ed25519_is_valid_point(public_key)


def open_envelope(
    data: bytes, owner: str, public_key: bytes
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The §9 order for a record on `owner`'s topic, with `public_key` pinned for it:
    (envelope fields, decoded payload), or Refused."""
    if len(data) > MAX_BYTES:
        raise Refused("OVERSIZE")
    if leading_int(data) != 2:
        raise Refused("DECODE_ERROR")
    envelope = decode("SignedEnvelope.avsc", data)
    if envelope["signer"] != owner:
        raise Refused("SIGNER_TOPIC_MISMATCH")
    try:
        nacl.bindings.crypto_sign_open(data[-64:] + pae(ENVELOPE_TYPE, data[:-64]), public_key)
    except nacl.exceptions.BadSignatureError as exc:
        raise Refused("BAD_SIGNATURE") from exc
    writer = writers().get(envelope["schema_fingerprint"])
    if writer is None or writer[1] != envelope["payload_type"]:
        raise Refused("SCHEMA_UNKNOWN")
    return envelope, decode(writer[0], envelope["payload"])


def seal(
    file: str,
    record: dict[str, Any],
    signer: str,
    key: nacl.signing.SigningKey,
    key_id: str,
    issued_at: datetime | None = None,
) -> bytes:
    """A version 2 envelope around `record` (§3, §5)."""
    fingerprint, payload_type = next((f, t) for f, (name, t) in writers().items() if name == file)
    unsigned = encode(
        "SignedEnvelope.avsc",
        {
            "envelope_version": 2,
            "payload_type": payload_type,
            "payload": encode(file, record),
            "schema_fingerprint": fingerprint,
            "signer": signer,
            "key_id": key_id,
            "issued_at": issued_at or datetime.now(UTC),
            "signature": bytes(64),
        },
    )
    signed = unsigned[:-64]
    return signed + key.sign(pae(ENVELOPE_TYPE, signed)).signature


def default_key_id(public_key: bytes) -> str:  # §5
    return "ed25519:" + hashlib.sha256(public_key).hexdigest()[:16]


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")
