"""Builds the language-neutral signing test vectors in schemas/avro/testvectors/.

    python -m tests.testvectors     # rewrite the files

Everything is deterministic (fixed seeds, fixed record; Ed25519 signatures are deterministic),
so tests/unit/test_testvectors.py checks that the committed files equal what this builds.
"""

import base64
import json
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from alliance_connector.envelope import seal
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
from alliance_connector.signing import SigningKey

VECTOR_DIR = SCHEMA_DIR / "testvectors"
SIGNER_SEED = bytes(range(32))  # 00 01 02 ... 1f
OTHER_SEED = bytes(range(32, 64))
AT = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)

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


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _flip(data: bytes, index: int) -> bytes:
    return data[:index] + bytes([data[index] ^ 0x01]) + data[index + 1 :]


def _vector(
    payload_type: str, payload: bytes, public: bytes, signature: bytes, valid: bool
) -> dict[str, Any]:
    return {
        "payload_type": payload_type,
        "payload_b64": _b64(payload),
        "public_key_b64": _b64(public),
        "signature_b64": _b64(signature),
        "valid": valid,
    }


def build_vectors() -> dict[str, dict[str, Any]]:
    """File name -> vector object."""
    signer = SigningKey.from_seed(SIGNER_SEED)
    other = SigningKey.from_seed(OTHER_SEED)
    signal = seal(catalog().newest("CreditSignal"), SIGNAL.to_record(), "shop-a", signer, AT)
    ack = seal(catalog().newest("InstructionAck"), ACK.to_record(), "shop-a", signer, AT)
    public = signer.verify_key.raw
    kind, body, sig = signal.payload_type, signal.payload, signal.signature
    last = len(body) - 1
    return {
        "valid-credit-signal.json": _vector(kind, body, public, sig, True),
        "valid-instruction-ack.json": _vector(
            ack.payload_type, ack.payload, public, ack.signature, True
        ),
        "valid-empty-payload.json": _vector(kind, b"", public, signer.sign(kind, b""), True),
        "tampered-payload-bit.json": _vector(kind, _flip(body, last // 2), public, sig, False),
        "tampered-payload-last-byte.json": _vector(kind, _flip(body, last), public, sig, False),
        "tampered-payload-appended.json": _vector(kind, body + b"\x00", public, sig, False),
        "tampered-signature-bit.json": _vector(kind, body, public, _flip(sig, 0), False),
        "tampered-signature-s-half.json": _vector(kind, body, public, _flip(sig, 40), False),
        "tampered-payload-type.json": _vector(
            kind.replace("credit-signal", "credit-signaL"), body, public, sig, False
        ),
        "tampered-payload-type-swapped.json": _vector(ack.payload_type, body, public, sig, False),
        "wrong-key.json": _vector(kind, body, other.verify_key.raw, sig, False),
    }


def write_vectors(directory: Path = VECTOR_DIR) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    for name, vector in build_vectors().items():
        (directory / name).write_text(json.dumps(vector, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    write_vectors()
