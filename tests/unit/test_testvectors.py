"""The language-neutral test vectors: committed as built, and answered by the SDK's receiver
exactly as each vector says (wire contract §6)."""

import base64
import json
import uuid
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from alliance_connector.edwards25519 import WeakPublicKey
from alliance_connector.envelope import open_verified
from alliance_connector.errors import MessageRejected
from alliance_connector.signing import VerifyKey, verify_strict
from tests.testvectors import ACCEPT, VECTOR_DIR, build_vectors

ENVELOPE_VECTORS = sorted(VECTOR_DIR.glob("envelope-*.json"))
KEY_VECTORS = json.loads((VECTOR_DIR / "public-keys.json").read_text())["keys"]


def test_committed_vectors_equal_what_the_generator_builds() -> None:
    built = build_vectors()
    committed = sorted(p.name for p in VECTOR_DIR.glob("*.json"))
    assert committed == sorted(built)
    for name in committed:
        assert json.loads((VECTOR_DIR / name).read_text()) == built[name], name


def _plain(value: Any) -> Any:
    """A decoded Avro value as the vectors write it: timestamps in ms, uuids as text."""
    if isinstance(value, dict):
        return {name: _plain(item) for name, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    if isinstance(value, datetime):
        return round(value.timestamp() * 1000)
    if isinstance(value, uuid.UUID):
        return str(value)
    return value


@pytest.mark.parametrize("path", ENVELOPE_VECTORS, ids=lambda p: p.stem)
def test_the_receiver_answers_each_envelope_vector_as_it_says(path: Path) -> None:
    vector = json.loads(path.read_text())
    key = VerifyKey.from_b64("pinned", vector["signer_public_key_b64"])
    data = base64.b64decode(vector["envelope_b64"])
    try:
        opened = open_verified(data, lambda signer, key_id: key, vector["signer"])
    except MessageRejected as rejected:
        assert str(rejected.reason) == vector["expected"]
        return
    assert vector["expected"] == ACCEPT
    envelope, decoded = opened.envelope, vector["decoded"]
    assert envelope.payload_type == decoded["payload_type"]
    assert envelope.schema_fingerprint.hex() == decoded["schema_fingerprint_hex"]
    assert (envelope.signer, envelope.key_id) == (decoded["signer"], decoded["key_id"])
    assert _plain(envelope.issued_at) == decoded["issued_at"]
    assert _plain(opened.record) == decoded["payload"]


def test_the_vectors_cover_every_kind_of_refusal() -> None:
    expected = {json.loads(p.read_text())["expected"] for p in ENVELOPE_VECTORS}
    assert expected == {ACCEPT, "BAD_SIGNATURE", "DECODE_ERROR"}
    assert len(KEY_VECTORS) >= 14 + 2


@pytest.mark.parametrize("vector", KEY_VECTORS, ids=lambda v: v["public_key_hex"][:12])
def test_a_key_is_pinned_exactly_when_acceptable(vector: dict[str, Any]) -> None:
    raw = bytes.fromhex(vector["public_key_hex"])
    if vector["acceptable"]:
        assert VerifyKey("k", raw).raw == raw
    else:
        with pytest.raises(WeakPublicKey):
            VerifyKey("k", raw)


def test_the_universal_forgery_of_the_identity_key_is_refused() -> None:
    # With the identity as public key, R = identity and S = 0 solve the equation for every
    # message; neither the key nor the signature may get through.
    identity = (1).to_bytes(32, "little")
    forged = identity + bytes(32)
    with pytest.raises(WeakPublicKey, match="small order"):
        VerifyKey("k", identity)
    assert not verify_strict(identity, b"any message", forged)
