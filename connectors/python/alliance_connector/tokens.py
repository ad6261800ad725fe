"""Keyed tokens for personal identifiers, so members can match people without sharing them.

Resident IDs, mobile numbers and personal accounts never leave a member in clear. Each is
replaced by "tk<version>:<hex HMAC-SHA256>", keyed with an alliance-wide secret that the hub
distributes to members: two members who hold the same mobile number compute the same token and
the hub matches them, yet the hub's store, logs and topics only ever see tokens.

Why an HMAC and not a plain hash: the space of mobile numbers (and of resident IDs, whose
birth dates and check digits shrink it further) is small enough to enumerate, so an unkeyed
hash would be reversed by brute force within hours. Without the secret that is not possible.

The scheme is part of the MAC input, so an equal string under two schemes never collides, and
the key version is part of the token, so keys can be rotated while old tokens remain
recognisable (re-tokenising under the new key is a list-maintenance job, not done here).
"""

import hashlib
import hmac
import re
from dataclasses import dataclass, field

from alliance_connector.errors import InvalidIdentifier
from alliance_connector.identifiers import (
    PERSONAL_SCHEMES,
    Identifier,
    normalize,
    normalize_order,
)

__all__ = [
    "TOKEN_PREFIX_RE",
    "TokenKey",
    "is_token",
    "order_ref",
    "protect",
    "token_version",
    "tokenize",
]

# re.ASCII: without it \d would also accept other scripts' digits, e.g. "tk٣:…".
# The version has no leading zeros and starts at 1, as TokenKey requires: one spelling per token;
# six digits at most keep a token within every store's column width.
TOKEN_PREFIX_RE: re.Pattern[str] = re.compile(r"tk([1-9]\d{0,5}):[0-9a-f]{64}", re.ASCII)

# A 256-bit secret matches the strength of SHA-256; shorter keys would be the weak link.
_MIN_SECRET_BYTES = 32
# Separates scheme from value in the MAC input; it cannot occur in a normalised value.
_UNIT_SEPARATOR = "\x1f"


@dataclass(frozen=True)
class TokenKey:
    """A versioned tokenisation secret; its repr shows the version, never the secret."""

    version: int
    secret: bytes = field(repr=False)

    def __post_init__(self) -> None:
        # bool is an int subclass; True must not pass for version 1.
        if isinstance(self.version, bool) or not isinstance(self.version, int):
            raise InvalidIdentifier("token_key.version", "must be an integer")
        if self.version < 1:
            raise InvalidIdentifier("token_key.version", f"must be >= 1, got {self.version}")
        if not isinstance(self.secret, bytes):
            raise InvalidIdentifier("token_key.secret", "must be bytes")
        if len(self.secret) < _MIN_SECRET_BYTES:
            raise InvalidIdentifier(
                "token_key.secret",
                f"must be at least {_MIN_SECRET_BYTES} bytes, got {len(self.secret)}",
            )

    @classmethod
    def from_hex(cls, version: int, hex_secret: str) -> "TokenKey":
        """Build a key from its secret written in hex (as kept in settings or a vault)."""
        try:
            secret = bytes.fromhex(hex_secret)
        except (TypeError, ValueError):
            # No `from exc`: a secret has no business in a traceback, even partly.
            raise InvalidIdentifier("token_key.secret", "must be a hex string") from None
        return cls(version, secret)


def tokenize(identifier: Identifier, key: TokenKey) -> Identifier:
    """Replace a personal identifier's value by its keyed token under `key`.

    The value is normalised first, so every spelling of one number gives one token. Raises
    `InvalidIdentifier` for a public scheme (those travel in clear) or an invalid value.
    """
    if identifier.scheme not in PERSONAL_SCHEMES:
        personal = ", ".join(sorted(PERSONAL_SCHEMES))
        raise InvalidIdentifier(
            str(identifier.scheme).lower(),
            f"{identifier.scheme} is public and travels in clear; only {personal} are tokenised",
        )
    canonical = normalize(identifier.scheme, identifier.value)
    return Identifier(canonical.scheme, _token(str(canonical.scheme), canonical.value, key))


def _token(label: str, value: str, key: TokenKey) -> str:
    message = f"{label}{_UNIT_SEPARATOR}{value}".encode()
    return f"tk{key.version}:{hmac.new(key.secret, message, hashlib.sha256).hexdigest()}"


def order_ref(platform: str, order_id: str, key: TokenKey) -> str:
    """The token for an order number, as `evidence.order_refs` carries it.

    Orders are platform-scoped like stores ("platform:order:id"), and an order number leads to
    a person, so it travels only as a token, labelled ORDER inside the MAC.
    """
    return _token("ORDER", normalize_order(f"{platform}:order:{order_id}", "order_ref"), key)


def is_token(value: str) -> bool:
    """True if `value` has the form of a token ("tk<version>:<64 lower-case hex>")."""
    return isinstance(value, str) and TOKEN_PREFIX_RE.fullmatch(value) is not None


def token_version(value: str) -> int:
    """Return the key version a token was made with; `InvalidIdentifier` for a non-token."""
    match = TOKEN_PREFIX_RE.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        # The value is not quoted: a non-token here is likely a raw personal value.
        raise InvalidIdentifier("token", "not a token: expected 'tk<version>:<64 hex digits>'")
    return int(match.group(1))


def protect(identifier: Identifier, key: TokenKey) -> Identifier:
    """Make an identifier safe to send: tokenise a personal one unless it already is a token.

    Public identifiers (USCC, store, waybill) are returned unchanged, as they travel in clear.
    """
    if identifier.scheme in PERSONAL_SCHEMES and not is_token(identifier.value):
        return tokenize(identifier, key)
    return identifier
