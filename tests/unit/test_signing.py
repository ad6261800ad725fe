"""Signing: the exact PAE bytes, round trips, and the language-neutral test vectors."""

import base64
import json
import stat
from pathlib import Path

import pytest

from alliance_connector.errors import KeyFileError, SignatureRejected
from alliance_connector.signing import SigningKey, VerifyKey, key_id_for, pae
from tests.testvectors import VECTOR_DIR, build_vectors

VECTORS = sorted(VECTOR_DIR.glob("*.json"))


def test_pae_is_byte_exact_dsse_v1() -> None:
    assert pae("t", b"") == b"DSSEv1 1 t 0 "
    assert pae("application/x", b"hello") == b"DSSEv1 13 application/x 5 hello"
    # Lengths count bytes, not characters.
    assert pae("类型", b"\x00\xff") == b"DSSEv1 6 " + "类型".encode() + b" 2 \x00\xff"


def test_sign_and_verify_round_trip() -> None:
    key = SigningKey.generate()
    signature = key.sign("application/x", b"payload")
    key.verify_key.verify("application/x", b"payload", signature)
    with pytest.raises(SignatureRejected):
        key.verify_key.verify("application/x", b"payloaD", signature)
    with pytest.raises(SignatureRejected):
        key.verify_key.verify("application/y", b"payload", signature)
    with pytest.raises(SignatureRejected, match="64"):
        key.verify_key.verify("application/x", b"payload", signature[:-1])


def test_seeded_keys_are_deterministic_and_ids_derive_from_the_public_key() -> None:
    a, b = SigningKey.from_seed(bytes(32)), SigningKey.from_seed(bytes(32))
    assert a.verify_key == b.verify_key
    assert a.key_id == key_id_for(a.verify_key.raw) and a.key_id.startswith("ed25519:")
    assert "PRIVATE" not in repr(a) and a.key_id in repr(a)


def test_public_keys_must_be_32_bytes() -> None:
    with pytest.raises(ValueError, match="32 bytes"):
        VerifyKey("k", b"\x00" * 31)
    key = SigningKey.generate().verify_key
    assert VerifyKey.from_b64(key.key_id, key.b64) == key


def test_saved_key_is_owner_only_and_loads_back(tmp_path: Path) -> None:
    key = SigningKey.generate()
    path = tmp_path / "member.pem"
    key.save(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert SigningKey.load(path).verify_key == key.verify_key
    with pytest.raises(KeyFileError, match="refusing to overwrite"):
        key.save(path)


def test_loading_a_non_key_is_a_typed_error(tmp_path: Path) -> None:
    path = tmp_path / "junk.pem"
    path.write_text("not a key")
    with pytest.raises(KeyFileError, match=str(path)):
        SigningKey.load(path)


def test_committed_vectors_equal_what_the_generator_builds() -> None:
    built = build_vectors()
    assert sorted(p.name for p in VECTORS) == sorted(built)
    for path in VECTORS:
        assert json.loads(path.read_text()) == built[path.name], path.name


def test_vector_set_covers_valid_and_each_kind_of_tampering() -> None:
    names = {p.stem for p in VECTORS}
    assert any(n.startswith("valid-") for n in names)
    for kind in ("payload-bit", "signature-bit", "payload-type", "wrong-key"):
        assert any(kind in n for n in names), kind


@pytest.mark.parametrize("path", VECTORS, ids=lambda p: p.stem)
def test_vector_verifies_exactly_when_valid(path: Path) -> None:
    vector = json.loads(path.read_text())
    assert set(vector) == {
        "payload_type",
        "payload_b64",
        "public_key_b64",
        "signature_b64",
        "valid",
    }
    key = VerifyKey.from_b64("vector", vector["public_key_b64"])
    signature = base64.b64decode(vector["signature_b64"])
    assert len(key.raw) == 32 and len(signature) == 64
    payload = base64.b64decode(vector["payload_b64"])
    if vector["valid"]:
        key.verify(vector["payload_type"], payload, signature)
    else:
        with pytest.raises(SignatureRejected):
            key.verify(vector["payload_type"], payload, signature)
