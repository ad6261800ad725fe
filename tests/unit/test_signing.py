"""Signing: the exact PAE bytes, round trips, key files (vectors: test_testvectors.py)."""

import stat
from pathlib import Path

import pytest

from alliance_connector.errors import KeyFileError, SignatureRejected
from alliance_connector.signing import SigningKey, VerifyKey, key_id_for, pae


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
