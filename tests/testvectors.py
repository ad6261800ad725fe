"""Builds the language-neutral test vectors in schemas/avro/testvectors/.

    python -m tests.testvectors     # rewrite the files

Everything is deterministic (fixed seeds, fixed records; Ed25519 signatures are deterministic),
so tests/unit/test_signing.py checks that the committed files equal what this builds. The
vectors are whole envelopes as a receiver gets them, each with what the receiver must answer
(docs/wire-contract.md §6), and one file of public keys a registry must accept or refuse.
The odd encodings and signatures are made here by hand, byte by byte, because no honest
encoder or signer makes them.
"""

import base64
import hashlib
import json
import uuid
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fastavro.schema import parse_schema, to_parsing_canonical_form

from alliance_connector.edwards25519 import GROUP_ORDER, SMALL_ORDER_ENCODINGS
from alliance_connector.envelope import ENVELOPE_SIGNING_TYPE, SignedEnvelope, seal
from alliance_connector.identifiers import Identifier, IdentifierScheme
from alliance_connector.messages import (
    AckStatus,
    CreditSignal,
    Evidence,
    InstructionAck,
    ObservedWindow,
    Severity,
    SignalCategory,
)
from alliance_connector.schemas import SCHEMA_DIR, catalog
from alliance_connector.signing import SigningKey, pae

VECTOR_DIR = SCHEMA_DIR / "testvectors"
SIGNER_SEED = bytes(range(32))  # 00 01 02 ... 1f
OTHER_SEED = bytes(range(32, 64))
AT = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)
AT_MS = 1793520000000

SIGNAL = CreditSignal(
    signal_id=uuid.UUID("6f1c2a7e-3b4d-4e5f-8a9b-0c1d2e3f4a5b"),
    reporter="shop-a",
    reported_at=AT,
    observed_window=ObservedWindow(datetime(2026, 10, 1, tzinfo=UTC), AT),
    category=SignalCategory.FAKE_TRANSACTION,
    subject=(
        Identifier(IdentifierScheme.USCC, "91330100799655058B"),
        Identifier(IdentifierScheme.STORE, "shop-a:store:88001"),
        Identifier(IdentifierScheme.MOBILE, "tk1:" + "ab" * 32),
    ),
    evidence=Evidence(order_count=120, amount_fen=359_900, waybill_refs=("sf:SF1234567890",)),
    severity=Severity.HIGH,
)
ACK = InstructionAck("ins-0001", "shop-a", AckStatus.EXECUTED, AT, "store 88001 closed")

# What a receiver answers for a vector: ACCEPT, or the reason code it refuses it with.
ACCEPT = "ACCEPT"


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _flip(data: bytes, index: int) -> bytes:
    return data[:index] + bytes([data[index] ^ 0x01]) + data[index + 1 :]


def _avro_long(number: int) -> bytes:
    """Avro's zig-zag varint, shortest form."""
    zigzag, out = (number << 1) ^ (number >> 63), bytearray()
    while zigzag > 0x7F:
        out.append(zigzag & 0x7F | 0x80)
        zigzag >>= 7
    out.append(zigzag)
    return bytes(out)


def _avro_string(text: str) -> bytes:
    data = text.encode("utf-8")
    return _avro_long(len(data)) + data


def _ack_payload(
    status: bytes = _avro_long(1), acked_at: bytes = _avro_long(AT_MS), note: bytes | None = None
) -> bytes:
    """ACK's payload with some of its fields encoded as given (InstructionAck v1 field order)."""
    note = _avro_long(1) + _avro_string(str(ACK.note)) if note is None else note
    return _avro_string(ACK.instruction_id) + _avro_string(ACK.member) + status + acked_at + note


def _signed_as(key: SigningKey, envelope: SignedEnvelope) -> SignedEnvelope:
    return replace(envelope, signature=key.sign(ENVELOPE_SIGNING_TYPE, envelope.signed))


def _with_payload(envelope: SignedEnvelope, payload: bytes, key: SigningKey) -> SignedEnvelope:
    """`envelope` carrying other payload bytes, signed honestly: only the bytes are odd."""
    fields = {name: value for name, value in vars(envelope).items() if name != "signed"}
    return _signed_as(key, SignedEnvelope.build(**(fields | {"payload": payload})))


def _small_order_r_signature(seed: bytes, message: bytes) -> bytes:
    """A signature with R = the identity, which satisfies the cofactorless equation (S = k*a,
    as r = 0): lax verifiers accept it; the contract refuses small-order R."""
    digest = hashlib.sha512(seed).digest()
    scalar = int.from_bytes(digest[:32], "little") & ((1 << 254) - 8) | (1 << 254)
    public = SigningKey.from_seed(seed).verify_key.raw
    identity = (1).to_bytes(32, "little")
    k = int.from_bytes(hashlib.sha512(identity + public + message).digest(), "little")
    return identity + (k * scalar % GROUP_ORDER).to_bytes(32, "little")


def _decoded_signal() -> dict[str, Any]:
    return {
        "signal_id": str(SIGNAL.signal_id),
        "reporter": SIGNAL.reporter,
        "reported_at": AT_MS,
        "observed_window": {"start": 1790812800000, "end": AT_MS},
        "category": str(SIGNAL.category),
        "subject": [{"scheme": str(i.scheme), "value": i.value} for i in SIGNAL.subject],
        "evidence": {
            "order_count": 120,
            "amount_fen": 359_900,
            "order_refs": [],
            "waybill_refs": ["sf:SF1234567890"],
            "note": None,
        },
        "severity": str(SIGNAL.severity),
    }


def _decoded_ack() -> dict[str, Any]:
    return {
        "instruction_id": ACK.instruction_id,
        "member": ACK.member,
        "status": str(ACK.status),
        "acked_at": AT_MS,
        "note": ACK.note,
    }


def _envelope_vector(
    what: str, envelope: SignedEnvelope | bytes, key: SigningKey, expected: str
) -> dict[str, Any]:
    data = envelope if isinstance(envelope, bytes) else envelope.to_bytes()
    return {
        "what": what,
        "envelope_b64": _b64(data),
        "signer": "shop-a",
        "signer_public_key_b64": _b64(key.verify_key.raw),
        "expected": expected,
    }


def _accepted(
    what: str, envelope: SignedEnvelope, key: SigningKey, decoded: dict[str, Any]
) -> dict[str, Any]:
    vector = _envelope_vector(what, envelope, key, ACCEPT)
    vector["decoded"] = {
        "envelope_version": 2,
        "payload_type": envelope.payload_type,
        "schema_fingerprint_hex": envelope.schema_fingerprint.hex(),
        "signer": envelope.signer,
        "key_id": envelope.key_id,
        "issued_at": AT_MS,
        "payload": decoded,
    }
    return vector


def _envelope_vectors() -> dict[str, dict[str, Any]]:
    signer = SigningKey.from_seed(SIGNER_SEED)
    other = SigningKey.from_seed(OTHER_SEED)
    signal = seal(catalog().newest("CreditSignal"), SIGNAL.to_record(), "shop-a", signer, AT)
    ack = seal(catalog().newest("InstructionAck"), ACK.to_record(), "shop-a", signer, AT)
    data = signal.to_bytes()
    at_field = len(signal.signed) - 6  # issued_at's 6 varint bytes end the signed part
    category = _signal_category_offset(signal.payload)
    negative_category = signal.payload[:category] + _avro_long(-1) + signal.payload[category + 1 :]
    small_r = replace(signal, signature=_small_order_r_signature(SIGNER_SEED, signal.signing_input))
    s_plus_l = int.from_bytes(signal.signature[32:], "little") + GROUP_ORDER
    high_s = replace(signal, signature=signal.signature[:32] + s_plus_l.to_bytes(32, "little"))
    overlong_version = b"\x84\x00" + signal.signed[1:]
    version_1 = data[1:]  # what a version 1 envelope looked like: no envelope_version field
    return {
        "envelope-valid-credit-signal.json": _accepted(
            "a real CreditSignal v1 (SIGNAL in tests/testvectors.py)",
            signal,
            signer,
            _decoded_signal(),
        ),
        "envelope-valid-instruction-ack.json": _accepted(
            "a real InstructionAck v1 (ACK in tests/testvectors.py)", ack, signer, _decoded_ack()
        ),
        "envelope-tampered-payload-bit.json": _envelope_vector(
            "one bit flipped in the middle of the payload",
            _flip(data, len(data) // 2),
            signer,
            "BAD_SIGNATURE",
        ),
        "envelope-tampered-issued-at.json": _envelope_vector(
            "one bit flipped in issued_at (a shift of 1 ms... up to minutes)",
            _flip(data, at_field + 1),
            signer,
            "BAD_SIGNATURE",
        ),
        "envelope-tampered-key-id.json": _envelope_vector(
            "key_id in upper case (the length is kept)",
            data.replace(signer.key_id.encode(), signer.key_id.upper().encode()),
            signer,
            "BAD_SIGNATURE",
        ),
        "envelope-tampered-signature-r.json": _envelope_vector(
            "one bit flipped in signature byte 0 (R half)",
            _flip(data, len(data) - 64),
            signer,
            "BAD_SIGNATURE",
        ),
        "envelope-tampered-signature-s.json": _envelope_vector(
            "one bit flipped in signature byte 40 (S half)",
            _flip(data, len(data) - 24),
            signer,
            "BAD_SIGNATURE",
        ),
        "envelope-wrong-key.json": _envelope_vector(
            "signed by the seed 20 21 ... 3f key, verified under the signer's",
            _signed_as(other, signal),
            signer,
            "BAD_SIGNATURE",
        ),
        "envelope-small-order-r.json": _envelope_vector(
            "R is the identity and S = k*a: lax verifiers accept it, strict ones do not",
            small_r,
            signer,
            "BAD_SIGNATURE",
        ),
        "envelope-non-canonical-s.json": _envelope_vector(
            "S + L in place of S: verifiers that reduce S accept it",
            high_s,
            signer,
            "BAD_SIGNATURE",
        ),
        "envelope-version-1.json": _envelope_vector(
            "a version 1 envelope (no envelope_version field; it signed payload only)",
            version_1,
            signer,
            "DECODE_ERROR",
        ),
        "envelope-trailing-byte.json": _envelope_vector(
            "one byte 0x00 after the signature", data + b"\x00", signer, "DECODE_ERROR"
        ),
        "envelope-overlong-varint.json": _envelope_vector(
            "envelope_version 2 written as the overlong varint 84 00, signed",
            _signed_as(signer, replace(signal, signed=overlong_version)),
            signer,
            "DECODE_ERROR",
        ),
        "envelope-payload-negative-enum-index.json": _envelope_vector(
            "category written as index -1 (zig-zag 01), signed: Python-style readers take the "
            "last symbol (PRESENCE)",
            _with_payload(signal, negative_category, signer),
            signer,
            "DECODE_ERROR",
        ),
        "envelope-payload-negative-union-index.json": _envelope_vector(
            "the ack's note written with union index -1, signed",
            _with_payload(ack, _ack_payload(note=_avro_long(-1) + _avro_string("x")), signer),
            signer,
            "DECODE_ERROR",
        ),
        "envelope-payload-overlong-varint.json": _envelope_vector(
            "the ack's status EXECUTED written as the overlong varint 82 00, signed",
            _with_payload(ack, _ack_payload(status=b"\x82\x00"), signer),
            signer,
            "DECODE_ERROR",
        ),
        "envelope-payload-trailing-byte.json": _envelope_vector(
            "one byte 0x00 after the ack's payload record, signed",
            _with_payload(ack, _ack_payload() + b"\x00", signer),
            signer,
            "DECODE_ERROR",
        ),
    }


def _signal_category_offset(payload: bytes) -> int:
    """Where SIGNAL's category index sits: after its id, reporter and three timestamps."""
    prefix = (
        _avro_string(str(SIGNAL.signal_id))
        + _avro_string(SIGNAL.reporter)
        + _avro_long(AT_MS)
        + _avro_long(1790812800000)
        + _avro_long(AT_MS)
    )
    assert payload.startswith(prefix)  # noqa: S101 - the generator checks its own layout
    return len(prefix)


def _mixed_order(public: bytes) -> bytes:
    """`public` plus a point of order 8: on the curve, canonical, but not of prime order."""
    from alliance_connector import edwards25519 as curve  # the generator may use internals

    point = curve._decode(public)
    torsion = curve._small_order_points()[1]
    return curve._encode(curve._add(point, torsion))


def _non_canonical_prime_order() -> list[bytes]:
    """Encodings y + p (< 2**255) of the points with y < 19 that are not of small order."""
    from alliance_connector import edwards25519 as curve

    found = []
    for y in range(2, 19):
        x = curve._recover_x(y, 0)
        if x is not None and not curve._is_identity(curve._multiply(8, (x, y, 1, x * y % curve.P))):
            found.append((y + curve.P).to_bytes(32, "little"))
    return found


def _key_vectors() -> dict[str, Any]:
    good = SigningKey.from_seed(SIGNER_SEED).verify_key.raw
    other = SigningKey.from_seed(OTHER_SEED).verify_key.raw
    not_on_curve = (2).to_bytes(32, "little")  # y = 2 has no x on Ed25519
    keys: list[dict[str, Any]] = [
        {"public_key_hex": good.hex(), "acceptable": True, "what": "the seed 00 01 ... 1f key"},
        {"public_key_hex": other.hex(), "acceptable": True, "what": "the seed 20 21 ... 3f key"},
        {
            "public_key_hex": _mixed_order(good).hex(),
            "acceptable": False,
            "what": "the seed key plus a point of order 8 (mixed order)",
        },
        {"public_key_hex": not_on_curve.hex(), "acceptable": False, "what": "not on the curve"},
        {
            "public_key_hex": (good[:31] + bytes([good[31] ^ 0x80])).hex(),
            "acceptable": True,
            "what": "the seed key's negation (sign bit flipped): a valid key of its own",
        },
    ]
    keys.extend(
        {
            "public_key_hex": encoding.hex(),
            "acceptable": False,
            "what": "a point of prime order in a non-canonical encoding (y + p for y < 19)",
        }
        for encoding in _non_canonical_prime_order()
    )
    for encoding in sorted(SMALL_ORDER_ENCODINGS):
        number = int.from_bytes(encoding, "little")
        canonical = (number & ((1 << 255) - 1)) < 2**255 - 19
        keys.append(
            {
                "public_key_hex": encoding.hex(),
                "acceptable": False,
                "what": "a point of small order"
                + ("" if canonical else ", in a non-canonical encoding (y >= p)"),
            }
        )
    return {"what": "public keys a registry must accept or refuse (wire contract §5)", "keys": keys}


def _canonical_forms() -> dict[str, Any]:
    forms = {}
    for path in sorted(SCHEMA_DIR.glob("*.avsc")):
        form = to_parsing_canonical_form(parse_schema(json.loads(path.read_text("utf-8"))))
        forms[path.name] = {
            "parsing_canonical_form": form,
            "fingerprint_sha256_hex": hashlib.sha256(form.encode("utf-8")).hexdigest(),
        }
    return {"what": "each schema's Parsing Canonical Form and fingerprint (§4)", "schemas": forms}


def build_vectors() -> dict[str, dict[str, Any]]:
    """File name -> vector object."""
    return _envelope_vectors() | {
        "public-keys.json": _key_vectors(),
        "canonical-forms.json": _canonical_forms(),
    }


def signing_example() -> dict[str, str]:
    """The worked example of wire contract §5: the seed key signing PAE(envelope type, hello)."""
    key = SigningKey.from_seed(SIGNER_SEED)
    return {
        "pae": pae(ENVELOPE_SIGNING_TYPE, b"hello").decode("ascii"),
        "public_key_hex": key.verify_key.raw.hex(),
        "key_id": key.key_id,
        "signature_hex": key.sign(ENVELOPE_SIGNING_TYPE, b"hello").hex(),
    }


def write_vectors(directory: Path = VECTOR_DIR) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    for stale in directory.glob("*.json"):
        stale.unlink()
    for name, vector in build_vectors().items():
        (directory / name).write_text(json.dumps(vector, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    write_vectors()
