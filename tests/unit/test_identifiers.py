"""Identifier normalisation: real published codes, every accepted spelling, every rule broken.

The check-character algorithms are pinned by real codes (USCCs of well-known companies, the
GB 11643-1999 example ID) rather than by codes made with the implementation under test.
"""

import dataclasses
import traceback
from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from alliance_connector.errors import ConnectorError, InvalidIdentifier
from alliance_connector.identifiers import (
    PERSONAL_SCHEMES,
    Identifier,
    IdentifierScheme,
    normalize,
    normalize_account,
    normalize_mobile,
    normalize_resident_id,
    normalize_store,
    normalize_uscc,
    normalize_waybill,
    resident_id_check_digit,
    uscc_check_character,
)

# Written out here, not imported, so a typo in the module's alphabet cannot hide.
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"

# Published USCCs (company registry, invoices); each checked against GB 32100 by hand-run code.
REAL_USCC = {
    "91330100799655058B": "阿里巴巴（中国）有限公司 Alibaba (China)",
    "9144030071526726XG": "腾讯科技（深圳）有限公司 Tencent Technology (Shenzhen)",
    "91440300708461136T": "深圳市腾讯计算机系统有限公司 Shenzhen Tencent Computer Systems",
    "914403001922038216": "华为技术有限公司 Huawei Technologies",
    "91110302562134916R": "北京京东世纪信息技术有限公司 Beijing Jingdong Century Information Tech.",
    "91110108551385082Q": "小米科技有限责任公司 Xiaomi",
    # Not a company: the sample code used by validator libraries (e.g. hutool's tests).
    "91350100M000100Y43": "sample code",
}

STANDARD_RESIDENT_ID = "11010519491231002X"  # the example in GB 11643-1999 itself
CHINA_TODAY = datetime.now(timezone(timedelta(hours=8))).date()


def uscc_sums_to_zero(code: str) -> bool:
    """GB 32100 restated: weights are 3**i mod 31, and the whole code sums to 0 mod 31."""
    values = [USCC_ALPHABET.index(char) for char in code]
    return (sum(v * pow(3, i, 31) for i, v in enumerate(values[:17])) + values[17]) % 31 == 0


def iso7064_mod11_2_valid(number: str) -> bool:
    """GB 11643 restated as ISO 7064 MOD 11-2: weight 2**i from the right, sum is 1 mod 11."""
    values = [10 if char == "X" else int(char) for char in reversed(number)]
    return sum(v * pow(2, i, 11) for i, v in enumerate(values)) % 11 == 1


def raised(normalizer: Callable[[str], str], raw: str) -> InvalidIdentifier:
    """The InvalidIdentifier that `normalizer(raw)` raises (fails the test if none)."""
    with pytest.raises(InvalidIdentifier) as info:
        normalizer(raw)
    return info.value


def everything_printed(error: BaseException) -> str:
    """All text a logger could print for `error`: message, repr, chained causes, traceback."""
    return repr(error) + "".join(traceback.format_exception(error))


def resident_id(birth: str, region: str = "110105", sequence: str = "002") -> str:
    first17 = region + birth + sequence
    return first17 + resident_id_check_digit(first17)


# --- USCC ----------------------------------------------------------------------------------


@pytest.mark.parametrize("code", REAL_USCC)
def test_real_uscc_codes_are_accepted_and_their_check_character_recomputed(code: str) -> None:
    assert uscc_sums_to_zero(code)
    assert normalize_uscc(code) == code
    assert uscc_check_character(code[:17]) == code[17]


@pytest.mark.parametrize("code", REAL_USCC)
def test_real_uscc_with_any_other_last_character_is_rejected(code: str) -> None:
    for wrong in USCC_ALPHABET.replace(code[17], ""):
        error = raised(normalize_uscc, code[:17] + wrong)
        assert error.field == "uscc"
        assert error.rule == "GB 32100 check character mismatch"  # quotes no character


@pytest.mark.parametrize(
    "raw",
    [
        "91330100799655058b",
        "  91330100799655058B\t",
        "９１３３０１００７９９６５５０５８Ｂ",  # full-width, as typed with a Chinese IME
        "９１３３０１００７９９６５５０５８ｂ",
        "\u300091330100799655058B\u3000",  # ideographic spaces around it
    ],
)
def test_uscc_spellings_normalise_to_ascii_upper_case(raw: str) -> None:
    assert normalize_uscc(raw) == "91330100799655058B"


@pytest.mark.parametrize("letter", "IOZSV")
def test_uscc_letters_outside_the_alphabet_are_rejected_by_position(letter: str) -> None:
    error = raised(normalize_uscc, "9133" + letter + "100799655058B")
    assert "position 5" in error.rule and "alphabet" in error.rule
    assert letter not in error.rule.replace("I, O, Z, S, V", "")  # names no character


@pytest.mark.parametrize(
    ("raw", "rule_part"),
    [
        ("", "must not be empty"),
        ("   ", "must not be empty"),
        ("91330100799655058", "18 characters, got 17"),
        ("91330100799655058BB", "18 characters, got 19"),
        ("9" * 129, "longer than 128"),
        ("913301007996550５8京", "non-ASCII character at position 18"),
        ("9133ı100799655058B", "non-ASCII"),  # dotless i would upper-case to an ASCII 'I'
    ],
)
def test_uscc_malformed_input_is_rejected(raw: str, rule_part: str) -> None:
    assert rule_part in raised(normalize_uscc, raw).rule


def test_error_names_the_callers_field() -> None:
    error = raised(lambda raw: normalize_uscc(raw, field="subject.uscc"), "91330100799655058C")
    assert error.field == "subject.uscc"
    assert str(error) == "subject.uscc: GB 32100 check character mismatch"
    assert isinstance(error, ValueError) and isinstance(error, ConnectorError)


@pytest.mark.parametrize("prefix", ["9133010079965505", "913301007996550580", "9133010079965505O"])
def test_uscc_check_character_needs_17_alphabet_characters(prefix: str) -> None:
    with pytest.raises(InvalidIdentifier):
        uscc_check_character(prefix)


@given(st.text(alphabet=USCC_ALPHABET, min_size=17, max_size=17))
def test_uscc_property_only_the_computed_check_character_is_accepted(prefix: str) -> None:
    check = uscc_check_character(prefix)
    assert uscc_sums_to_zero(prefix + check)
    assert normalize_uscc(prefix + check) == prefix + check
    assert normalize_uscc((prefix + check).lower()) == prefix + check
    for wrong in USCC_ALPHABET.replace(check, ""):
        with pytest.raises(InvalidIdentifier, match="check character mismatch"):
            normalize_uscc(prefix + wrong)


# --- Resident ID ---------------------------------------------------------------------------


def test_standard_example_resident_id_is_accepted() -> None:
    assert iso7064_mod11_2_valid(STANDARD_RESIDENT_ID)
    assert resident_id_check_digit(STANDARD_RESIDENT_ID[:17]) == "X"
    assert normalize_resident_id(STANDARD_RESIDENT_ID) == STANDARD_RESIDENT_ID
    assert normalize_resident_id(" 11010519491231002x ") == STANDARD_RESIDENT_ID
    assert normalize_resident_id("１１０１０５１９４９１２３１００２ｘ") == STANDARD_RESIDENT_ID


def test_published_id_born_1880_has_a_correct_check_digit_but_is_out_of_range() -> None:
    # 440524188001010014 is a common textbook example; its birth year precedes 1900.
    assert resident_id_check_digit("44052418800101001") == "4"
    assert "between 1900-01-01" in raised(normalize_resident_id, "440524188001010014").rule


@pytest.mark.parametrize(
    "birth", ["19000101", "20000229", "19491231", CHINA_TODAY.strftime("%Y%m%d")]
)
def test_resident_id_birth_date_bounds_that_are_accepted(birth: str) -> None:
    assert normalize_resident_id(resident_id(birth)) == resident_id(birth)


# Two days on: a run may cross China's midnight (16:00 UTC) between collecting and running
# this test, and then "tomorrow" as of collection is today, a valid birth date (CI saw it).
TOMORROW = (CHINA_TODAY + timedelta(days=2)).strftime("%Y%m%d")
NEXT_YEAR = f"{CHINA_TODAY.year + 1}0101"

INVALID_RESIDENT_IDS = [
    ("110105194912310021", "GB 11643 check digit mismatch"),
    (resident_id("19490231"), "not a real calendar date"),
    (resident_id("19000229"), "not a real calendar date"),  # 1900 was not a leap year
    (resident_id("19491301"), "not a real calendar date"),
    (resident_id("18991231"), "between 1900-01-01"),
    (resident_id(TOMORROW), "between 1900-01-01"),
    (resident_id(NEXT_YEAR), "between 1900-01-01"),
    ("110105491231002", "15-digit IDs are not accepted; convert to 18 digits"),
    ("11010519491231002", "18 characters, got 17"),
    ("11010519491231002XX", "18 characters, got 19"),
    ("1101051949123100AX", "first 17 characters must be digits"),
    ("11010519491231002Y", "must be a digit or 'X'"),
    ("1101051949123١002X", "non-ASCII"),  # an Arabic-Indic digit one, which isdigit() accepts
]


@pytest.mark.parametrize(("raw", "rule_part"), INVALID_RESIDENT_IDS)
def test_invalid_resident_ids_are_rejected_without_quoting_them(raw: str, rule_part: str) -> None:
    error = raised(normalize_resident_id, raw)
    assert error.field == "resident_id"
    assert rule_part in error.rule
    printed = everything_printed(error)
    assert raw not in printed and raw[:14] not in printed and raw[6:14] not in printed


@given(
    st.dates(min_value=date(1900, 1, 1), max_value=CHINA_TODAY),
    st.text(alphabet="0123456789", min_size=6, max_size=6),
    st.text(alphabet="0123456789", min_size=3, max_size=3),
)
def test_resident_id_property_only_the_computed_check_digit_is_accepted(
    birth: date, region: str, sequence: str
) -> None:
    first17 = region + birth.strftime("%Y%m%d") + sequence
    check = resident_id_check_digit(first17)
    assert iso7064_mod11_2_valid(first17 + check)
    assert normalize_resident_id(first17 + check.lower()) == first17 + check
    for wrong in "0123456789X".replace(check, ""):
        with pytest.raises(InvalidIdentifier, match="check digit mismatch") as info:
            normalize_resident_id(first17 + wrong)
        assert first17 not in everything_printed(info.value)


# --- Mobile --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        "13812345678",
        "138 1234 5678",
        "138-1234-5678",
        "+86 138 1234 5678",
        "+86-138-1234-5678",
        "+8613812345678",
        "0086 13812345678",
        "86-13812345678",
        "8613812345678",
        "１３８１２３４５６７８",
        "＋８６ １３８ １２３４ ５６７８",
    ],
)
def test_every_accepted_mobile_spelling_gives_one_e164(raw: str) -> None:
    assert normalize_mobile(raw) == "+8613812345678"


@pytest.mark.parametrize(
    ("raw", "rule_part"),
    [
        ("010-12345678", "11-digit mainland mobile"),  # Beijing landline
        ("0755-86013388", "11-digit mainland mobile"),  # Shenzhen landline
        ("+86 10 1234 5678", "11-digit mainland mobile"),
        ("12345", "11-digit mainland mobile"),
        ("1381234567", "11-digit mainland mobile"),
        ("138123456789", "11-digit mainland mobile"),
        ("12812345678", "11-digit mainland mobile"),  # no 12x mobile ranges
        ("1381234567a", "11-digit mainland mobile"),
        ("+1 415 555 0123", "only +86"),
        ("001 415 555 0123", "only +86"),
        ("+852 9123 4567", "only +86"),
    ],
)
def test_non_mobile_numbers_are_rejected_without_quoting_them(raw: str, rule_part: str) -> None:
    error = raised(normalize_mobile, raw)
    assert rule_part in error.rule
    digits = raw.replace(" ", "").replace("-", "")
    printed = everything_printed(error)
    assert raw not in printed and digits.lstrip("+") not in printed


# --- Store, account, waybill ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("jd:store:1000001", "jd:store:1000001"),
        (" JD:Store:Shop-42 ", "jd:store:Shop-42"),  # id keeps its case
        ("ｔａｏｂａｏ：ｓｔｏｒｅ：ＡＢＣ", "taobao:store:ABC"),
        ("pdd : store : x", "pdd:store:x"),
        ("jd:store:" + "x" * 64, "jd:store:" + "x" * 64),
    ],
)
def test_store_normalisation(raw: str, expected: str) -> None:
    assert normalize_store(raw) == expected


@pytest.mark.parametrize(
    ("raw", "rule_part"),
    [
        ("jd:store", "'platform:store:id'"),
        ("jd:store:a:b", "'platform:store:id'"),
        ("jd:shop:1", "middle part must be 'store'"),
        ("jd:account:1", "middle part must be 'store'"),
        ("jd.com:store:1", "member id"),
        ("jd_com:store:1", "member id"),
        ("-jd:store:1", "member id"),
        ("jd:store:", "1-64 printable ASCII"),
        ("jd:store:" + "x" * 65, "1-64 printable ASCII"),
        ("jd:store:a b", "1-64 printable ASCII"),
        ("jd:store:a\x07b", "1-64 printable ASCII"),
    ],
)
def test_store_rejections(raw: str, rule_part: str) -> None:
    assert rule_part in raised(normalize_store, raw).rule


def test_account_normalisation_and_rejections() -> None:
    assert normalize_account("Taobao:ACCOUNT:Alice_01") == "taobao:account:Alice_01"
    assert "middle part must be 'account'" in raised(normalize_account, "jd:store:1").rule
    assert "'platform:account:id'" in raised(normalize_account, "alice-wang-1985").rule


@pytest.mark.parametrize(
    "raw", ["taobao:account:wang xiaoming", "wang.xiaoming:account:1", "taobao:wangxm:1985"]
)
def test_account_errors_do_not_quote_the_account(raw: str) -> None:
    error = raised(normalize_account, raw)
    assert error.__cause__ is None
    printed = everything_printed(error)
    assert all(part.strip() not in printed for part in raw.split(":") if len(part) > 7)
    assert "wangxm" not in printed


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("sf:SF1234567890", "sf:SF1234567890"),
        ("SF:sf1234567890", "sf:SF1234567890"),
        ("zto:7312-3456-7890", "zto:731234567890"),
        ("yto : YT 1234 5678 90", "yto:YT1234567890"),
        ("ems:ea123456789cn", "ems:EA123456789CN"),
        ("jd-logistics:JDVA01234567890", "jd-logistics:JDVA01234567890"),
    ],
)
def test_waybill_normalisation(raw: str, expected: str) -> None:
    assert normalize_waybill(raw) == expected


@pytest.mark.parametrize(
    ("raw", "rule_part"),
    [
        ("SF1234567890", "'carrier:number'"),
        ("sf:12:34567890", "'carrier:number'"),
        ("s:123456", "carrier must be 2-32"),
        ("sf_express:123456", "carrier must be 2-32"),
        ("-sf:123456", "carrier must be 2-32"),
        ("sf:12345", "number must be 6-32"),
        ("sf:" + "1" * 33, "6-32 letters and digits"),
        ("sf:1234#5678", "6-32 letters and digits"),
    ],
)
def test_waybill_rejections(raw: str, rule_part: str) -> None:
    assert rule_part in raised(normalize_waybill, raw).rule


# --- Dispatch and the Identifier type -------------------------------------------------------


@pytest.mark.parametrize(
    ("scheme", "raw", "value"),
    [
        (IdentifierScheme.USCC, "91330100799655058b", "91330100799655058B"),
        (IdentifierScheme.RESIDENT_ID, "11010519491231002x", STANDARD_RESIDENT_ID),
        (IdentifierScheme.MOBILE, "138 1234 5678", "+8613812345678"),
        (IdentifierScheme.STORE, "JD:store:1", "jd:store:1"),
        (IdentifierScheme.ACCOUNT, "JD:account:u1", "jd:account:u1"),
        (IdentifierScheme.WAYBILL, "SF:sf123456", "sf:SF123456"),
    ],
)
def test_normalize_dispatches_by_scheme(scheme: IdentifierScheme, raw: str, value: str) -> None:
    assert normalize(scheme, raw) == Identifier(scheme, value)
    assert normalize(scheme, value) == Identifier(scheme, value)  # idempotent
    assert raised(lambda r: normalize(scheme, r).value, "").field == scheme.lower()
    assert raised(lambda r: normalize(scheme, r, field="x.y").value, "").field == "x.y"


def test_normalize_rejects_an_unknown_scheme() -> None:
    with pytest.raises(InvalidIdentifier, match="unknown identifier scheme: use one of USCC") as e:
        normalize("IBAN", "x")  # type: ignore[arg-type]
    assert "IBAN" not in str(e.value)


def test_personal_schemes_and_redacted_repr() -> None:
    assert PERSONAL_SCHEMES == {"RESIDENT_ID", "MOBILE", "ACCOUNT"}
    mobile = normalize(IdentifierScheme.MOBILE, "13812345678")
    assert "13812345678" not in repr(mobile) and "13812345678" not in str(mobile)
    token = Identifier(IdentifierScheme.MOBILE, "tk1:" + "ab" * 32)
    assert token.value in repr(token)
    assert "91330100799655058B" in repr(normalize(IdentifierScheme.USCC, "91330100799655058B"))
    with pytest.raises(dataclasses.FrozenInstanceError):
        mobile.value = "x"  # type: ignore[misc]


@pytest.mark.parametrize(
    "normalizer",
    [
        normalize_uscc,
        normalize_resident_id,
        normalize_mobile,
        normalize_store,
        normalize_account,
        normalize_waybill,
    ],
)
@given(raw=st.text(max_size=140))
def test_any_text_is_normalised_idempotently_or_rejected_cleanly(
    normalizer: Callable[[str], str], raw: str
) -> None:
    try:
        value = normalizer(raw)
    except InvalidIdentifier:
        return
    assert normalizer(value) == value
