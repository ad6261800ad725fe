"""Ed25519 signatures over the DSSE v1 pre-authentication encoding (PAE).

    PAE(type, body) = "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body

with LEN the byte length in ASCII decimal and SP one space (0x20), as the DSSE protocol
defines it. Binding the type stops a signature over one kind of message being passed off as
another; signing the exact bytes means nobody ever re-encodes Avro to verify.
Keys are pinned: a key is an Ed25519 public key, raw 32 bytes, and nothing else verifies.
Verification is RFC 8032's, made strict for the edge cases where libraries disagree
(alliance_connector.edwards25519): weak public keys are refused when a key is built, and
signatures with a small-order R or a non-canonical S before the equation is computed.
"""

import base64
import hashlib
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from alliance_connector.edwards25519 import check_public_key, signature_is_strict
from alliance_connector.errors import KeyFileError, SignatureRejected

__all__ = [
    "key_id_for",
    "PUBLIC_KEY_SIZE",
    "SIGNATURE_SIZE",
    "SigningKey",
    "VerifyKey",
    "pae",
    "verify_strict",
]

PUBLIC_KEY_SIZE = 32
SIGNATURE_SIZE = 64


def pae(payload_type: str, payload: bytes) -> bytes:
    """The DSSE v1 pre-authentication encoding of (payload_type, payload): the signed bytes."""
    type_bytes = payload_type.encode("utf-8")
    return b"DSSEv1 %d %b %d %b" % (len(type_bytes), type_bytes, len(payload), payload)


@lru_cache(maxsize=4096)
def _public_key(raw: bytes) -> Ed25519PublicKey:
    return Ed25519PublicKey.from_public_bytes(raw)  # parsed once per key, not per signature


def verify_strict(public_key: bytes, signed: bytes, signature: bytes) -> bool:
    """Whether `signature` is a strict Ed25519 signature of `signed` under `public_key`
    (a key VerifyKey accepted): the contract's one verification rule (wire contract §5)."""
    if not signature_is_strict(signature):
        return False
    try:
        _public_key(public_key).verify(signature, signed)
    except (InvalidSignature, ValueError):
        return False
    return True


@dataclass(frozen=True)
class VerifyKey:
    """A pinned Ed25519 public key and the id it is registered under. Building one refuses
    every key that is not a canonical point of prime order (WeakPublicKey, a ValueError)."""

    key_id: str
    raw: bytes

    def __post_init__(self) -> None:
        check_public_key(bytes(self.raw))

    @classmethod
    def from_b64(cls, key_id: str, raw_b64: str) -> "VerifyKey":
        """Build from the base64 text `alliance-hub keys generate` prints."""
        return cls(key_id, base64.b64decode(raw_b64, validate=True))

    @property
    def b64(self) -> str:
        """The raw key in standard base64, as registered with the hub."""
        return base64.b64encode(self.raw).decode("ascii")

    def verify(self, payload_type: str, payload: bytes, signature: bytes) -> None:
        """Raise SignatureRejected unless `signature` signs PAE(payload_type, payload)."""
        if len(signature) != SIGNATURE_SIZE:
            raise SignatureRejected(f"signature has {len(signature)} bytes, not {SIGNATURE_SIZE}")
        if not verify_strict(self.raw, pae(payload_type, payload), signature):
            raise SignatureRejected("signature does not verify under the signer's key")


def key_id_for(raw_public_key: bytes) -> str:
    """A stable default key id: 'ed25519:' and the first 16 hex digits of SHA-256(raw key)."""
    return "ed25519:" + hashlib.sha256(raw_public_key).hexdigest()[:16]


class SigningKey:
    """An Ed25519 private key with the id its public half is registered under."""

    def __init__(self, private_key: Ed25519PrivateKey, key_id: str | None = None) -> None:
        self._private_key = private_key
        raw = private_key.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )
        self.verify_key = VerifyKey(key_id or key_id_for(raw), raw)

    @property
    def key_id(self) -> str:
        return self.verify_key.key_id

    def __repr__(self) -> str:  # never show key material
        return f"SigningKey(key_id={self.key_id!r})"

    @classmethod
    def generate(cls, key_id: str | None = None) -> "SigningKey":
        """A fresh random key."""
        return cls(Ed25519PrivateKey.generate(), key_id)

    @classmethod
    def from_seed(cls, seed: bytes, key_id: str | None = None) -> "SigningKey":
        """The key for a 32-byte RFC 8032 seed (deterministic: test vectors, fixtures)."""
        return cls(Ed25519PrivateKey.from_private_bytes(seed), key_id)

    @classmethod
    def load(cls, path: Path, key_id: str | None = None) -> "SigningKey":
        """Read a PKCS#8 PEM private key file, as `alliance-hub keys generate` writes it."""
        try:
            key = serialization.load_pem_private_key(path.read_bytes(), password=None)
        except (OSError, ValueError, TypeError) as exc:
            raise KeyFileError(path, f"cannot read an Ed25519 PEM private key: {exc}") from exc
        if not isinstance(key, Ed25519PrivateKey):
            raise KeyFileError(path, f"holds a {type(key).__name__}, not an Ed25519 key")
        return cls(key, key_id)

    def seed(self) -> bytes:
        """The 32-byte RFC 8032 seed (`from_seed` takes it back): for handing the key to
        another process of the same service. Never log or store it."""
        return self._private_key.private_bytes(
            serialization.Encoding.Raw,
            serialization.PrivateFormat.Raw,
            serialization.NoEncryption(),
        )

    def save(self, path: Path) -> None:
        """Write the private key as PKCS#8 PEM, readable by the owner only (0600), never over
        an existing file."""
        pem = self._private_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError as exc:
            raise KeyFileError(path, "already exists; refusing to overwrite a key") from exc
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(pem)

    def sign(self, payload_type: str, payload: bytes) -> bytes:
        """The Ed25519 signature over PAE(payload_type, payload)."""
        return self._private_key.sign(pae(payload_type, payload))
