"""Normalisation and validation of the identifiers that signals and list entries carry.

Matching works on exact strings: a store listed as "ＪＤ:store:42" and a signal naming
"jd:store:42" must meet, so every identifier goes through one normaliser before it is
compared, tokenised or sent. Each normaliser returns the single canonical spelling or raises
`InvalidIdentifier` naming the field and the rule broken.

Privacy: no error message quotes the input or any part of it, whatever the scheme (a value
given as a USCC or a waybill may well be a resident ID or a mobile number): messages name the
field and the rule, at most a length or a position. The repr of an `Identifier` hides a
personal value that is not yet a token. `personal_pattern` finds resident IDs and mobile
numbers written into free text, where they must not be.
"""

import enum
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

from alliance_connector.errors import InvalidIdentifier, InvalidMemberId
from alliance_connector.topics import member_id

__all__ = [
    "PERSONAL_SCHEMES",
    "Identifier",
    "IdentifierScheme",
    "normalize",
    "normalize_account",
    "normalize_mobile",
    "normalize_order",
    "normalize_resident_id",
    "normalize_store",
    "normalize_uscc",
    "normalize_waybill",
    "personal_pattern",
    "resident_id_check_digit",
    "uscc_check_character",
]


class IdentifierScheme(enum.StrEnum):
    """The kinds of identifier the alliance exchanges; the value is the wire spelling."""

    USCC = "USCC"  # 统一社会信用代码, GB 32100-2015, public: travels in clear
    RESIDENT_ID = "RESIDENT_ID"  # 居民身份证, GB 11643-1999, personal: tokenised
    MOBILE = "MOBILE"  # mainland mobile as E.164 "+861XXXXXXXXXX", personal: tokenised
    STORE = "STORE"  # "platform:store:id", business: clear
    ACCOUNT = "ACCOUNT"  # "platform:account:id", personal: tokenised
    WAYBILL = "WAYBILL"  # "carrier:number", clear: joins orders to logistics records


PERSONAL_SCHEMES: frozenset[IdentifierScheme] = frozenset(
    {IdentifierScheme.RESIDENT_ID, IdentifierScheme.MOBILE, IdentifierScheme.ACCOUNT}
)

# Kept here rather than imported from tokens (which imports this module) so that the repr
# below can tell a token, which may be shown, from a raw personal value, which may not.
_TOKEN_VALUE = re.compile(r"tk([1-9]\d{0,5}):[0-9a-f]{64}", re.ASCII)


@dataclass(frozen=True, slots=True, repr=False)
class Identifier:
    """A scheme and a value; build it with `normalize()` so the value is canonical."""

    scheme: IdentifierScheme
    value: str

    def __repr__(self) -> str:
        # Identifiers end up in log lines through the records that hold them.
        shown = self.value
        if self.scheme in PERSONAL_SCHEMES and not _TOKEN_VALUE.fullmatch(self.value):
            shown = "<redacted>"
        return f"Identifier(scheme={self.scheme.value}, value={shown!r})"

    def __reduce__(self) -> tuple[type["Identifier"], tuple[IdentifierScheme, str]]:
        # Pickled by its two fields: a slotted dataclass's default pickling looks its fields
        # up on every object, a fifth of what the hub's worker spends handing a batch over.
        return (Identifier, (self.scheme, self.value))


# Long enough for any valid identifier; refusing early bounds the work done on hostile input.
_MAX_RAW_LENGTH = 128

_USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_VALUE = {char: value for value, char in enumerate(_USCC_ALPHABET)}
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_RESIDENT_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_RESIDENT_CHECK = "10X98765432"
# Birth dates are judged on the calendar where the IDs are issued (UTC+8, no DST).
_CHINA = timezone(timedelta(hours=8))

_DIGITS17 = re.compile(r"[0-9]{17}")
_MOBILE = re.compile(r"1[3-9][0-9]{9}")
_PLATFORM_ID = re.compile(r"[\x21-\x39\x3b-\x7e]{1,64}")  # printable ASCII minus ':' and space
_CARRIER = re.compile(r"[a-z0-9][a-z0-9-]{0,30}[a-z0-9]")
_WAYBILL_NUMBER = re.compile(r"[0-9A-Z]{6,32}")


def _prepare(raw: str, field: str) -> str:
    """Common first steps: bounded length, NFKC (full-width to ASCII), trimmed, ASCII only."""
    if not isinstance(raw, str):
        raise InvalidIdentifier(field, f"must be a string, got {type(raw).__name__}")
    if len(raw) > _MAX_RAW_LENGTH:
        raise InvalidIdentifier(field, f"longer than {_MAX_RAW_LENGTH} characters")
    text = unicodedata.normalize("NFKC", raw).strip()
    if not text:
        raise InvalidIdentifier(field, "must not be empty")
    # NFKC can expand a character (a ligature into several), so the bound is checked again.
    if len(text) > _MAX_RAW_LENGTH:
        raise InvalidIdentifier(field, f"longer than {_MAX_RAW_LENGTH} characters")
    # Every valid identifier is ASCII after NFKC; checking here also stops str.upper() from
    # turning look-alikes such as 'ı' (dotless i) into valid ASCII letters.
    if not text.isascii():
        position = next(i for i, char in enumerate(text, start=1) if not char.isascii())
        raise InvalidIdentifier(field, f"non-ASCII character at position {position}")
    return text


def uscc_check_character(first17: str) -> str:
    """Return the GB 32100-2015 check character for the first 17 characters of a USCC.

    `first17` must be 17 characters of the upper-case USCC alphabet.
    """
    if len(first17) != 17 or not set(first17) <= _USCC_VALUE.keys():
        raise InvalidIdentifier(
            "uscc", f"check character needs 17 characters of {_USCC_ALPHABET!r}"
        )
    total = sum(_USCC_VALUE[char] * w for char, w in zip(first17, _USCC_WEIGHTS, strict=True))
    return _USCC_ALPHABET[(31 - total % 31) % 31]


def normalize_uscc(raw: str, field: str = "uscc") -> str:
    """Return the canonical (upper-case, ASCII) USCC, checking alphabet and check character."""
    code = _prepare(raw, field).upper()
    if len(code) != 18:
        raise InvalidIdentifier(field, f"GB 32100 code must be 18 characters, got {len(code)}")
    for position, char in enumerate(code, start=1):
        if char not in _USCC_VALUE:
            raise InvalidIdentifier(
                field,
                f"the character at position {position} is not in the GB 32100 alphabet"
                " (digits and upper-case letters except I, O, Z, S, V)",
            )
    if code[17] != uscc_check_character(code[:17]):
        raise InvalidIdentifier(field, "GB 32100 check character mismatch")
    return code


def resident_id_check_digit(first17: str) -> str:
    """Return the GB 11643-1999 check character ('0'-'9' or 'X') for 17 leading digits."""
    if not _DIGITS17.fullmatch(first17):
        raise InvalidIdentifier("resident_id", "check digit needs exactly 17 ASCII digits")
    total = sum(int(digit) * w for digit, w in zip(first17, _RESIDENT_WEIGHTS, strict=True))
    return _RESIDENT_CHECK[total % 11]


def normalize_resident_id(raw: str, field: str = "resident_id") -> str:
    """Return the canonical 18-character resident ID (check 'x' upper-cased).

    Checks the GB 11643-1999 check digit and that positions 7-14 are a real birth date from
    1900 to today. Error messages never contain the ID or any part of it.
    """
    text = _prepare(raw, field).upper()
    if len(text) == 15 and text.isdigit():
        raise InvalidIdentifier(field, "15-digit IDs are not accepted; convert to 18 digits")
    if len(text) != 18:
        raise InvalidIdentifier(field, f"GB 11643 ID must be 18 characters, got {len(text)}")
    if not _DIGITS17.fullmatch(text[:17]):
        raise InvalidIdentifier(field, "the first 17 characters must be digits")
    if text[17] not in _RESIDENT_CHECK:
        raise InvalidIdentifier(field, "the 18th character must be a digit or 'X'")
    try:
        born = date(int(text[6:10]), int(text[10:12]), int(text[12:14]))
    except ValueError:
        raise InvalidIdentifier(
            field, "birth date (positions 7-14) is not a real calendar date"
        ) from None  # the cause would quote the date
    today = datetime.now(_CHINA).date()
    if not 1900 <= born.year <= today.year or born > today:
        raise InvalidIdentifier(
            field, f"birth date (positions 7-14) must fall between 1900-01-01 and {today}"
        )
    if text[17] != resident_id_check_digit(text[:17]):
        raise InvalidIdentifier(field, "GB 11643 check digit mismatch")
    return text


def normalize_mobile(raw: str, field: str = "mobile") -> str:
    """Return a mainland China mobile number as E.164 ("+8613812345678").

    Accepts spaces and hyphens and the prefixes "+86", "0086" and "86". Error messages never
    contain the number.
    """
    digits = _prepare(raw, field).replace(" ", "").replace("-", "")
    if digits.startswith("+86"):
        national = digits[3:]
    elif digits.startswith("0086"):
        national = digits[4:]
    elif digits.startswith(("+", "00")):
        raise InvalidIdentifier(field, "only +86 (mainland China) mobiles are accepted")
    elif len(digits) == 13 and digits.startswith("86"):
        national = digits[2:]
    else:
        national = digits
    if not _MOBILE.fullmatch(national):
        raise InvalidIdentifier(
            field, "must be an 11-digit mainland mobile number starting 13-19 (after +86)"
        )
    return "+86" + national


def _platform_scoped(raw: str, field: str, kind: str) -> str:
    """Shared rule of stores and accounts: "platform:kind:id"; quotes nothing of the input."""
    parts = [part.strip() for part in _prepare(raw, field).split(":")]
    if len(parts) != 3:
        raise InvalidIdentifier(field, f"must have the form 'platform:{kind}:id'")
    platform, given_kind, local_id = parts[0].lower(), parts[1].lower(), parts[2]
    try:
        member_id(platform)
    except InvalidMemberId:
        # No `from exc`: its message quotes the input, which may hold a personal account.
        raise InvalidIdentifier(
            field, "platform must be a member id: 1-63 lower-case letters, digits, inner hyphens"
        ) from None
    if given_kind != kind:
        raise InvalidIdentifier(field, f"the middle part must be {kind!r}")
    if not _PLATFORM_ID.fullmatch(local_id):
        raise InvalidIdentifier(
            field, "id must be 1-64 printable ASCII characters without ':' or whitespace"
        )
    return f"{platform}:{kind}:{local_id}"


def normalize_store(raw: str, field: str = "store") -> str:
    """Return a store as "platform:store:id" (platform and kind lower-case, id as given)."""
    return _platform_scoped(raw, field, "store")


def normalize_account(raw: str, field: str = "account") -> str:
    """Return a personal account as "platform:account:id"; errors never quote the input."""
    return _platform_scoped(raw, field, "account")


def normalize_order(raw: str, field: str = "order") -> str:
    """Return an order as "platform:order:id"; orders travel only as tokens (`order_ref`)."""
    return _platform_scoped(raw, field, "order")


def normalize_waybill(raw: str, field: str = "waybill") -> str:
    """Return a waybill as "carrier:NUMBER" (carrier lower-case, number upper-case, compact)."""
    parts = _prepare(raw, field).split(":")
    if len(parts) != 2:
        raise InvalidIdentifier(field, "must have the form 'carrier:number'")
    carrier = parts[0].strip().lower()
    number = parts[1].replace(" ", "").replace("-", "").upper()
    if not _CARRIER.fullmatch(carrier):
        raise InvalidIdentifier(
            field, "carrier must be 2-32 lower-case letters, digits and inner hyphens"
        )
    if not _WAYBILL_NUMBER.fullmatch(number):
        raise InvalidIdentifier(
            field, "number must be 6-32 letters and digits (spaces, hyphens removed)"
        )
    return f"{carrier}:{number}"


_SCHEME_NAMES = ", ".join(IdentifierScheme)
_NORMALIZERS: dict[IdentifierScheme, Callable[[str, str], str]] = {
    IdentifierScheme.USCC: normalize_uscc,
    IdentifierScheme.RESIDENT_ID: normalize_resident_id,
    IdentifierScheme.MOBILE: normalize_mobile,
    IdentifierScheme.STORE: normalize_store,
    IdentifierScheme.ACCOUNT: normalize_account,
    IdentifierScheme.WAYBILL: normalize_waybill,
}


def normalize(scheme: IdentifierScheme, raw: str, field: str | None = None) -> Identifier:
    """Normalise `raw` under `scheme` and return the canonical `Identifier`.

    `field` names the input in errors; it defaults to the scheme name in lower case.
    """
    try:
        known = IdentifierScheme(scheme)
    except ValueError:
        raise InvalidIdentifier(
            field or "scheme", f"unknown identifier scheme: use one of {_SCHEME_NAMES}"
        ) from None
    return Identifier(known, _NORMALIZERS[known](raw, field or known.value.lower()))


# Resident IDs and mobile numbers as people write them into free text: full-width digits
# (NFKC), invisible format characters (zero-width spaces) dropped, up to two separators
# (whitespace . - _ / ( ) or a dash) between the digit groups, a +86 prefix; words around them
# do not hide them, Latin ones ("phone13812345678") no more than CJK ones. Tokens, digests
# and ids are full of 11-digit runs: a run of 16 or more hex digits with a letter among them
# is taken for one of those and left out before looking. An 18-digit run shaped like a
# resident ID (a birth date in positions 7-14) is practically never one by chance.
_SEP = r"[\s._/()\u2010-\u2015-]"
_HEX_RUN = re.compile(r"(?<![0-9A-Fa-f])(?=[0-9A-Fa-f]*[A-Fa-f])[0-9A-Fa-f]{16,}(?![0-9A-Fa-f])")
_MOBILE_IN_TEXT = re.compile(
    rf"(?<!\d)(?:(?:\+|00)?86{_SEP}{{0,2}})?1[3-9](?:{_SEP}{{0,2}}\d){{9}}(?!{_SEP}?\d)"
)
_RESIDENT_ID_IN_TEXT = re.compile(
    rf"(?<!\d)\d{{6}}{_SEP}{{0,2}}(?:19|20)\d{{2}}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])"
    rf"{_SEP}{{0,2}}\d{{3}}[\dXx](?!{_SEP}?\d)"
)


def _plain(text: str) -> str:
    """`text` as the detector reads it: NFKC, format characters (Cf) dropped, hex runs blanked."""
    folded = unicodedata.normalize("NFKC", text)
    visible = "".join(char for char in folded if unicodedata.category(char) != "Cf")
    return _HEX_RUN.sub(" ", visible)


def personal_pattern(text: str) -> IdentifierScheme | None:
    """The scheme of the first resident ID or mainland mobile number written in `text`, or
    None. One detector for every place that must hold no such number in clear (notes, ids);
    a birth date that is not a calendar date or a wrong check digit still counts, since a
    mistyped ID still names a person."""
    folded = _plain(text)
    if _RESIDENT_ID_IN_TEXT.search(folded):
        return IdentifierScheme.RESIDENT_ID
    if _MOBILE_IN_TEXT.search(folded):
        return IdentifierScheme.MOBILE
    return None
