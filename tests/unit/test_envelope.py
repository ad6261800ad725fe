"""Opening an envelope: every check in order, each failure typed with its reason code."""

import uuid
from datetime import UTC, datetime

import pytest

from alliance_connector.envelope import SignedEnvelope, decode_envelope, open_verified, seal
from alliance_connector.errors import (
    MalformedMessage,
    Oversize,
    SignatureRejected,
    SignerMismatch,
    UnknownSchema,
    UntrustedSigner,
)
from alliance_connector.messages import CreditSignal
from alliance_connector.reasons import Reason
from alliance_connector.schemas import catalog
from alliance_connector.signing import SigningKey, VerifyKey
from tests.envelopes import rebuilt, resigned
from tests.testvectors import SIGNAL

KEY = SigningKey.from_seed(bytes(range(32)))


def sealed() -> SignedEnvelope:
    return seal(catalog().newest("CreditSignal"), SIGNAL.to_record(), "shop-a", KEY)


def pinned(signer: str, key_id: str) -> VerifyKey | None:
    return KEY.verify_key if (signer, key_id) == ("shop-a", KEY.key_id) else None


def test_round_trip_through_bytes() -> None:
    envelope = sealed()
    opened = open_verified(envelope.to_bytes(), pinned, "shop-a")
    assert opened.envelope == envelope
    assert CreditSignal.from_record(opened.record) == SIGNAL
    assert opened.schema.payload_type == "application/vnd.alliance.credit-signal.v1+avro"


def test_size_cap_is_checked_before_decoding() -> None:
    garbage = b"\xff" * 101  # would not decode either: Oversize must win
    with pytest.raises(Oversize) as raised:
        decode_envelope(garbage, max_bytes=100)
    assert raised.value.reason is Reason.OVERSIZE


@pytest.mark.parametrize("data", [b"", b"\x00", b"\xff\xff\xff\xff", b"\x02ab"])
def test_garbage_is_a_decode_error(data: bytes) -> None:
    with pytest.raises(MalformedMessage) as raised:
        decode_envelope(data)
    assert raised.value.reason is Reason.DECODE_ERROR


def test_a_tombstone_is_a_decode_error() -> None:
    with pytest.raises(MalformedMessage, match="no value"):
        decode_envelope(None)


def test_a_timestamp_beyond_datetime_is_a_decode_error_not_a_crash() -> None:
    envelope = sealed()
    codec_bytes = envelope.to_bytes()
    # issued_at sits right before the 64-byte signature; 2**62 ms is far beyond year 9999.
    far_future = bytes([0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01])
    original = 6  # zig-zag varint of 1793520000000-ish timestamps takes 6 bytes
    forged = codec_bytes[: -64 - original] + far_future + codec_bytes[-64:]
    with pytest.raises(MalformedMessage):
        decode_envelope(forged)


def test_trailing_bytes_are_refused() -> None:
    with pytest.raises(MalformedMessage, match="trailing"):
        decode_envelope(sealed().to_bytes() + b"\x00")


def test_wrong_signer_and_unpinned_key_are_refused_before_verifying() -> None:
    data = sealed().to_bytes()
    with pytest.raises(SignerMismatch) as mismatch:
        open_verified(data, pinned, "shop-b")
    assert mismatch.value.reason is Reason.SIGNER_TOPIC_MISMATCH
    with pytest.raises(UntrustedSigner) as raised:
        open_verified(data, lambda signer, key_id: None, "shop-a")
    assert raised.value.reason is Reason.UNKNOWN_KEY


def test_tampered_payload_fails_the_signature_not_the_decoder() -> None:
    envelope = sealed()
    tampered = rebuilt(envelope, payload=envelope.payload[:-1] + bytes([envelope.payload[-1] ^ 1]))
    with pytest.raises(SignatureRejected) as raised:
        open_verified(tampered.to_bytes(), pinned, "shop-a")
    assert raised.value.reason is Reason.BAD_SIGNATURE


@pytest.mark.parametrize(
    "field, value",
    [
        ("issued_at", datetime(2026, 11, 1, 8, 0, 1, tzinfo=UTC)),
        ("key_id", "ed25519:0000000000000000"),
        ("signer", "shop-b"),
        ("schema_fingerprint", bytes(32)),
        ("payload_type", "application/vnd.alliance.instruction-ack.v1+avro"),
    ],
)
def test_every_envelope_field_is_signed(field: str, value: object) -> None:
    envelope = seal(catalog().newest("CreditSignal"), SIGNAL.to_record(), "shop-a", KEY)
    with pytest.raises(SignatureRejected):
        rebuilt(envelope, **{field: value}).verify(KEY.verify_key)


def test_a_version_1_envelope_is_a_decode_error() -> None:
    # Version 1 had no envelope_version: it began with payload_type's length (46: zig-zag 0x5c).
    version_1 = sealed().to_bytes()[1:]
    with pytest.raises(MalformedMessage, match="envelope_version"):
        decode_envelope(version_1)


def test_unknown_fingerprint_and_mismatched_type_are_schema_errors() -> None:
    envelope = sealed()
    ack_type = catalog().newest("InstructionAck").payload_type
    unknown = resigned(envelope, KEY, schema_fingerprint=b"\x00" * 32)
    with pytest.raises(UnknownSchema) as raised:
        open_verified(unknown.to_bytes(), pinned, "shop-a")
    assert raised.value.reason is Reason.SCHEMA_UNKNOWN
    relabelled = resigned(envelope, KEY, payload_type=ack_type)
    with pytest.raises(UnknownSchema, match="does not match"):
        open_verified(relabelled.to_bytes(), pinned, "shop-a")


def test_signed_garbage_payload_is_a_decode_error() -> None:
    payload = b"\x48" + uuid.uuid4().bytes
    envelope = resigned(sealed(), KEY, payload=payload)
    with pytest.raises(MalformedMessage):
        open_verified(envelope.to_bytes(), pinned, "shop-a")
