"""Keyed tokens: the exact wire format, determinism, separation by key and scheme, privacy."""

import dataclasses
import hashlib
import hmac

import pytest
from hypothesis import given
from hypothesis import strategies as st

from alliance_connector import tokens
from alliance_connector.errors import InvalidIdentifier
from alliance_connector.identifiers import Identifier, IdentifierScheme, normalize
from alliance_connector.tokens import (
    TOKEN_PREFIX_RE,
    TokenKey,
    is_token,
    order_ref,
    protect,
    token_version,
    tokenize,
)

SECRET = bytes(range(32))
KEY = TokenKey(1, SECRET)
MOBILE = Identifier(IdentifierScheme.MOBILE, "+8613812345678")
RESIDENT = Identifier(IdentifierScheme.RESIDENT_ID, "11010519491231002X")
ACCOUNT = Identifier(IdentifierScheme.ACCOUNT, "taobao:account:alice01")


def test_known_answer_pins_the_exact_format() -> None:
    mac = hmac.new(SECRET, b"MOBILE\x1f+8613812345678", hashlib.sha256).hexdigest()
    # The same value from `openssl dgst -sha256 -mac HMAC -macopt hexkey:000102...1f`.
    assert mac == "61474023e447a098bc43233cd0e76e2736e5eeea03c5f00b01b75f929a3b546a"
    assert tokenize(MOBILE, KEY) == Identifier(IdentifierScheme.MOBILE, "tk1:" + mac)


@pytest.mark.parametrize(
    "raw", ["13812345678", "138 1234 5678", "+86 138-1234-5678", "0086 13812345678"]
)
def test_every_spelling_of_a_number_gives_the_same_token(raw: str) -> None:
    assert tokenize(Identifier(IdentifierScheme.MOBILE, raw), KEY) == tokenize(MOBILE, KEY)


def test_tokens_are_deterministic_and_well_formed() -> None:
    for identifier in (MOBILE, RESIDENT, ACCOUNT):
        token = tokenize(identifier, KEY)
        assert token == tokenize(identifier, KEY)
        assert token.scheme == identifier.scheme
        assert TOKEN_PREFIX_RE.fullmatch(token.value) and is_token(token.value)
        assert identifier.value not in token.value


def test_tokens_differ_by_secret_and_carry_the_key_version() -> None:
    other_secret = TokenKey(1, bytes(range(1, 33)))
    assert tokenize(MOBILE, other_secret) != tokenize(MOBILE, KEY)
    rotated = tokenize(MOBILE, TokenKey(2, SECRET)).value
    assert rotated != tokenize(MOBILE, KEY).value and rotated.startswith("tk2:")
    # The version labels the secret; it is not mixed into the MAC.
    assert rotated[4:] == tokenize(MOBILE, KEY).value[4:]


def test_the_scheme_is_inside_the_mac(monkeypatch: pytest.MonkeyPatch) -> None:
    # Normalised values of different personal schemes never look alike, so normalisation
    # is bypassed to give two schemes the same string.
    def same_value(scheme: IdentifierScheme, raw: str, field: str | None = None) -> Identifier:
        return Identifier(IdentifierScheme(scheme), raw)

    monkeypatch.setattr(tokens, "normalize", same_value)
    values = {
        tokenize(Identifier(scheme, "13812345678"), KEY).value
        for scheme in (IdentifierScheme.MOBILE, IdentifierScheme.RESIDENT_ID)
    }
    assert len(values) == 2


@pytest.mark.parametrize(
    "identifier",
    [
        Identifier(IdentifierScheme.USCC, "91330100799655058B"),
        Identifier(IdentifierScheme.STORE, "jd:store:1"),
        Identifier(IdentifierScheme.WAYBILL, "sf:SF1234567890"),
    ],
)
def test_public_identifiers_are_not_tokenised_and_protect_leaves_them(
    identifier: Identifier,
) -> None:
    with pytest.raises(InvalidIdentifier, match="travels in clear") as info:
        tokenize(identifier, KEY)
    assert info.value.field == identifier.scheme.lower()
    assert protect(identifier, KEY) is identifier


@pytest.mark.parametrize("identifier", [MOBILE, RESIDENT, ACCOUNT])
def test_protect_tokenises_personal_identifiers_once(identifier: Identifier) -> None:
    protected = protect(identifier, KEY)
    assert protected == tokenize(identifier, KEY)
    assert protect(protected, KEY) is protected
    assert protect(protected, TokenKey(2, bytes(32))) is protected


def test_tokenize_rejects_an_invalid_personal_value_without_quoting_it() -> None:
    with pytest.raises(InvalidIdentifier) as info:
        tokenize(Identifier(IdentifierScheme.MOBILE, "+1 415 555 0123"), KEY)
    assert "415" not in str(info.value)
    with pytest.raises(InvalidIdentifier):  # a token is not a mobile number
        tokenize(tokenize(MOBILE, KEY), KEY)


def test_token_version() -> None:
    assert token_version(tokenize(MOBILE, KEY).value) == 1
    assert token_version(tokenize(MOBILE, TokenKey(17, SECRET)).value) == 17


@pytest.mark.parametrize(
    "value",
    [
        "+8613812345678",
        "tk1:" + "a" * 63,
        "tk1:" + "a" * 65,
        "tk1:" + "A" * 64,
        "tk:" + "a" * 64,
        "tk\u0663:" + "a" * 64,  # ARABIC-INDIC DIGIT THREE matches a Unicode \d
        "tk1:" + "a" * 64 + "\n",
        " tk1:" + "a" * 64,
        "tk0:" + "a" * 64,  # versions start at 1
        "tk01:" + "a" * 64,  # one spelling per version: no leading zeros
        "tk1234567:" + "a" * 64,  # at most six digits: a token fits every store's column
    ],
)
def test_non_tokens_are_recognised_and_not_quoted(value: str) -> None:
    assert not is_token(value)
    with pytest.raises(InvalidIdentifier) as info:
        token_version(value)
    assert value.strip() not in str(info.value) and info.value.field == "token"


def test_token_key_never_shows_its_secret() -> None:
    key = TokenKey.from_hex(3, SECRET.hex())
    assert key == TokenKey(3, SECRET)
    for text in (repr(key), str(key)):
        assert SECRET.hex() not in text and repr(SECRET) not in text and "3" in text
    with pytest.raises(dataclasses.FrozenInstanceError):
        key.secret = b""  # type: ignore[misc]


@pytest.mark.parametrize(
    ("version", "secret", "field"),
    [
        (1, bytes(31), "token_key.secret"),
        (1, b"", "token_key.secret"),
        (0, bytes(32), "token_key.version"),
        (-1, bytes(32), "token_key.version"),
        (True, bytes(32), "token_key.version"),
    ],
)
def test_weak_or_malformed_keys_are_rejected(version: int, secret: bytes, field: str) -> None:
    with pytest.raises(InvalidIdentifier) as info:
        TokenKey(version, secret)
    assert info.value.field == field


def test_from_hex_rejects_non_hex_without_quoting_it() -> None:
    bad = "zz" + SECRET.hex()[2:]
    with pytest.raises(InvalidIdentifier) as info:
        TokenKey.from_hex(1, bad)
    assert bad not in str(info.value) and info.value.__cause__ is None
    with pytest.raises(InvalidIdentifier, match="at least 32 bytes, got 31"):
        TokenKey.from_hex(1, "00" * 31)


@given(st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True))
def test_property_spellings_agree_and_numbers_do_not_collide(national: str) -> None:
    spaced = f"+86 {national[:3]} {national[3:7]} {national[7:]}"
    token = tokenize(Identifier(IdentifierScheme.MOBILE, spaced), KEY)
    assert token == tokenize(normalize(IdentifierScheme.MOBILE, national), KEY)
    assert token_version(token.value) == 1
    neighbour = national[:-1] + str((int(national[-1]) + 1) % 10)
    assert tokenize(Identifier(IdentifierScheme.MOBILE, neighbour), KEY) != token


def test_order_refs_are_platform_scoped_tokens_labelled_order() -> None:
    expected = hmac.new(SECRET, b"ORDER\x1fshop-a:order:2026110100042", hashlib.sha256)
    assert order_ref("shop-a", "2026110100042", KEY) == f"tk1:{expected.hexdigest()}"
    assert order_ref("SHOP-A", " 2026110100042", KEY) == order_ref("shop-a", "2026110100042", KEY)
    assert order_ref("shop-b", "2026110100042", KEY) != order_ref("shop-a", "2026110100042", KEY)
    with pytest.raises(InvalidIdentifier) as raised:
        order_ref("shop-a", "has space", KEY)
    assert raised.value.field == "order_ref"
