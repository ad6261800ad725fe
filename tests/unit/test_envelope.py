"""Opening an envelope: every check in order, each failure typed with its reason code."""

import uuid
from datetime import UTC, datetime

import pytest

from alliance_connector.envelope import (
    SignedEnvelope,
    decode_envelope,
    decode_payload,
    open_verified,
    seal,
)
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
    tampered = SignedEnvelope(
        envelope.payload_type,
        envelope.payload[:-1] + bytes([envelope.payload[-1] ^ 1]),
        envelope.schema_fingerprint,
        envelope.signer,
        envelope.key_id,
        envelope.issued_at,
        envelope.signature,
    )
    with pytest.raises(SignatureRejected) as raised:
        open_verified(tampered.to_bytes(), pinned, "shop-a")
    assert raised.value.reason is Reason.BAD_SIGNATURE


def test_unknown_fingerprint_and_mismatched_type_are_schema_errors() -> None:
    envelope = sealed()
    ack_type = catalog().newest("InstructionAck").payload_type
    unknown = SignedEnvelope(
        envelope.payload_type,
        envelope.payload,
        b"\x00" * 32,
        "shop-a",
        KEY.key_id,
        envelope.issued_at,
        envelope.signature,
    )
    with pytest.raises(UnknownSchema) as raised:
        decode_payload(unknown)
    assert raised.value.reason is Reason.SCHEMA_UNKNOWN
    relabelled = SignedEnvelope(
        ack_type,
        envelope.payload,
        envelope.schema_fingerprint,
        "shop-a",
        KEY.key_id,
        envelope.issued_at,
        KEY.sign(ack_type, envelope.payload),
    )
    with pytest.raises(UnknownSchema, match="does not match"):
        open_verified(relabelled.to_bytes(), pinned, "shop-a")


def test_signed_garbage_payload_is_a_decode_error() -> None:
    schema = catalog().newest("CreditSignal")
    payload = b"\x48" + uuid.uuid4().bytes
    envelope = SignedEnvelope(
        schema.payload_type,
        payload,
        schema.fingerprint,
        "shop-a",
        KEY.key_id,
        datetime.now(UTC),
        KEY.sign(schema.payload_type, payload),
    )
    with pytest.raises(MalformedMessage):
        open_verified(envelope.to_bytes(), pinned, "shop-a")
