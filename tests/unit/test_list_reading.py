"""Reading sanction-list import files: encodings, both formats, every rule, privacy of problems.

Valid USCCs and resident IDs are built with the SDK's check-character functions (themselves
pinned by real codes in test_identifiers.py); the bad ones alter a valid code's last character.
"""

import csv
import io
import json
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from alliance_connector.identifiers import (
    Identifier,
    IdentifierScheme,
    normalize,
    resident_id_check_digit,
    uscc_check_character,
)
from alliance_connector.messages import ListType, SignalCategory
from alliance_connector.tokens import TokenKey, is_token, tokenize
from hub.lists.reading import COLUMNS, ReadResult, RowProblem, read_list_file

CHINA = timezone(timedelta(hours=8))
KEY = TokenKey(1, bytes(range(32)))
USCC_A = "91330100799655058" + uscc_check_character("91330100799655058")
USCC_B = "91440300708461136" + uscc_check_character("91440300708461136")
RESIDENT = "11010519491231002" + resident_id_check_digit("11010519491231002")
MOBILE = "13812345678"
ACCOUNT = "taobao:account:buyer42"


def good_row(**changes: str) -> dict[str, str]:
    row = {
        "entry_id": "ZJ-2025-0001",
        "list_type": "BLACKLIST",
        "category": "FAKE_TRANSACTION",
        "subject_name": "杭州某某电子商务有限公司",
        "uscc": USCC_A,
        "store": "taobao:store:1001",
        "authority": "浙江省市场监督管理局",
        "document_no": "浙市监信〔2025〕12号",
        "province": "浙江省",
        "city": "杭州市",
        "listed_at": "2025-03-01",
    }
    row.update(changes)
    return row


def csv_text(rows: list[dict[str, str]], header: list[str] | None = None) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    names = header or list(COLUMNS)
    writer.writerow(names)
    writer.writerows([row.get(name, "") for name in names] for row in rows)
    return out.getvalue()


def read_csv(tmp_path: Path, rows: list[dict[str, str]], **kwargs: Any) -> ReadResult:
    path = tmp_path / "list.csv"
    path.write_text(csv_text(rows), encoding="utf-8")
    return read_list_file(path, **kwargs)


def read_jsonl(tmp_path: Path, lines: list[str], **kwargs: Any) -> ReadResult:
    path = tmp_path / "list.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return read_list_file(path, **kwargs)


def problems_of(result: ReadResult) -> set[tuple[int, str]]:
    return {(p.line, p.field) for p in result.problems}


def test_good_csv_gives_entries_in_file_order(tmp_path: Path) -> None:
    second = good_row(
        entry_id="ZJ-2025-0002",
        list_type="watchlist",
        category="false_advertising",
        uscc="",
        store="",
        mobile="tk1:" + "a" * 64,
        listed_at="2025-03-02T09:30:00",
        rectification_deadline="2025-06-02",
    )
    result = read_csv(tmp_path, [good_row(), second])
    assert result.problems == []
    assert (result.rows, result.encoding, result.format) == (2, "utf-8", "csv")
    first, other = result.entries
    assert first.entry_id == "ZJ-2025-0001"
    assert first.list_type is ListType.BLACKLIST
    assert first.category is SignalCategory.FAKE_TRANSACTION
    assert first.subject_name == "杭州某某电子商务有限公司"
    assert first.identifiers == (
        Identifier(IdentifierScheme.STORE, "taobao:store:1001"),
        Identifier(IdentifierScheme.USCC, USCC_A),
    )
    assert (first.authority, first.province, first.city) == (
        "浙江省市场监督管理局",
        "浙江省",
        "杭州市",
    )
    assert first.listed_at == datetime(2025, 3, 1, tzinfo=CHINA)
    assert first.listed_at.utcoffset() == timedelta(hours=8)
    assert first.rectification_deadline is None
    assert other.list_type is ListType.WATCHLIST
    assert other.category is SignalCategory.FALSE_ADVERTISING
    assert other.identifiers == (Identifier(IdentifierScheme.MOBILE, "tk1:" + "a" * 64),)
    assert other.listed_at == datetime(2025, 3, 2, 9, 30, tzinfo=CHINA)
    assert other.rectification_deadline == datetime(2025, 6, 2, tzinfo=CHINA)


def test_aware_time_is_kept_and_city_may_be_empty(tmp_path: Path) -> None:
    result = read_csv(tmp_path, [good_row(listed_at="2025-03-01T01:00:00+00:00", city="")])
    assert result.problems == []
    assert result.entries[0].listed_at.utcoffset() == timedelta(0)
    assert result.entries[0].listed_at == datetime(2025, 3, 1, 9, tzinfo=CHINA)
    assert result.entries[0].city == ""


@pytest.mark.parametrize("encoding", ["gbk", "gb18030"])
def test_gbk_and_gb18030_give_the_same_entries_as_utf8(tmp_path: Path, encoding: str) -> None:
    text = csv_text([good_row(), good_row(entry_id="ZJ-2", city="宁波市")])
    utf8 = tmp_path / "utf8.csv"
    utf8.write_text(text, encoding="utf-8")
    legacy = tmp_path / "legacy.csv"
    legacy.write_bytes(text.encode(encoding))
    assert legacy.read_bytes() != utf8.read_bytes()  # the test would prove nothing otherwise
    expected, result = read_list_file(utf8), read_list_file(legacy)
    assert result.problems == []
    assert result.encoding == "gb18030"
    assert result.entries == expected.entries
    assert result.entries[1].city == "宁波市"


def test_utf8_bom_is_dropped(tmp_path: Path) -> None:
    path = tmp_path / "bom.csv"
    path.write_bytes(b"\xef\xbb\xbf" + csv_text([good_row()]).encode())
    result = read_list_file(path)
    assert result.problems == []
    assert result.encoding == "utf-8"
    assert result.entries[0].entry_id == "ZJ-2025-0001"


@pytest.mark.parametrize("encoding", ["utf-8", "gbk"])
@pytest.mark.parametrize(
    ("tail", "offset"),
    [
        (b"ZJ-9,\xff\xfeE\x00\n", 5),  # UTF-16 text pasted in: 0xFF is in neither encoding
        (b"ZJ-9,caf\xe9 au lait\n", 8),  # Latin-1 e-acute followed by ASCII
    ],
)
def test_file_in_neither_encoding_names_the_line_of_the_bad_byte(
    tmp_path: Path, encoding: str, tail: bytes, offset: int
) -> None:
    # Chinese text in either encoding fails to decode in the other one on line 2; the problem
    # must still point at line 3, where the byte that breaks the file's own encoding is.
    head = csv_text([good_row()]).encode(encoding)  # header and one row: two lines
    path = tmp_path / "mixed.csv"
    path.write_bytes(head + tail + csv_text([good_row(entry_id="ZJ-4")]).encode(encoding))
    result = read_list_file(path)
    assert (result.entries, result.rows, result.encoding) == ([], 0, "")
    [problem] = result.problems
    assert (problem.line, problem.field) == (3, "-")
    assert f"byte offset {len(head) + offset} " in problem.rule
    assert "neither UTF-8 nor GBK/GB18030" in problem.rule


def test_missing_required_columns_refuse_the_file(tmp_path: Path) -> None:
    header = [name for name in COLUMNS if name not in {"authority", "listed_at"}]
    path = tmp_path / "list.csv"
    path.write_text(csv_text([good_row()], header), encoding="utf-8")
    result = read_list_file(path)
    assert result.problems == [
        RowProblem(1, "authority", "required column is missing"),
        RowProblem(1, "listed_at", "required column is missing"),
    ]
    assert (result.entries, result.rows) == ([], 0)


def test_optional_columns_may_be_left_out(tmp_path: Path) -> None:
    header = [name for name in COLUMNS if name not in {"resident_id", "rectification_deadline"}]
    path = tmp_path / "list.csv"
    path.write_text(csv_text([good_row()], header), encoding="utf-8")
    result = read_list_file(path)
    assert result.problems == []
    assert len(result.entries) == 1


def test_unknown_and_repeated_columns_refuse_the_file(tmp_path: Path) -> None:
    path = tmp_path / "list.csv"
    path.write_text(csv_text([good_row()], [*COLUMNS, "remarks", "city"]), encoding="utf-8")
    result = read_list_file(path)
    assert result.problems == [
        RowProblem(1, "remarks", "unknown column"),
        RowProblem(1, "city", "column appears more than once"),
    ]
    assert result.entries == []


def test_a_file_without_header_does_not_echo_its_first_row(tmp_path: Path) -> None:
    path = tmp_path / "list.csv"
    path.write_text(f"E1,BLACKLIST,{MOBILE}\n", encoding="utf-8")
    result = read_list_file(path)
    assert RowProblem(1, "column 3", "unknown column") in result.problems
    assert all(MOBILE not in p.field + p.rule for p in result.problems)


def test_empty_file_and_unknown_suffix(tmp_path: Path) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    assert read_list_file(empty).problems == [
        RowProblem(0, "-", "file is empty: a header row is required")
    ]
    result = read_list_file(tmp_path / "list.xlsx")  # refused before the file is opened
    assert [(p.line, p.field) for p in result.problems] == [(0, "-")]
    assert "unknown format '.xlsx'" in result.problems[0].rule
    assert (result.format, result.rows) == ("", 0)


def test_bad_uscc_check_character(tmp_path: Path) -> None:
    wrong = "0" if USCC_A[-1] != "0" else "1"
    result = read_csv(tmp_path, [good_row(uscc=USCC_A[:-1] + wrong)])
    [problem] = result.problems
    assert (problem.line, problem.field) == (2, "uscc")
    assert "check character" in problem.rule
    assert result.entries == []


def test_bad_resident_id_check_digit(tmp_path: Path) -> None:
    wrong = RESIDENT[:-1] + ("0" if RESIDENT[-1] != "0" else "1")
    result = read_csv(tmp_path, [good_row(resident_id=wrong)], token_key=KEY)
    assert result.problems == [RowProblem(2, "resident_id", "GB 11643 check digit mismatch")]
    assert result.entries == []


@pytest.mark.parametrize(
    ("entry_id", "rule"),
    [
        ("E" * 65, "longer than 64 characters"),
        ("ZJ 1", "may hold only A-Z a-z 0-9 . _ : - and starts with a letter or digit"),
        ("浙-1", "may hold only A-Z a-z 0-9 . _ : - and starts with a letter or digit"),
        ("..", "may hold only A-Z a-z 0-9 . _ : - and starts with a letter or digit"),
        ("-1", "may hold only A-Z a-z 0-9 . _ : - and starts with a letter or digit"),
    ],
)
def test_entry_id_rules(tmp_path: Path, entry_id: str, rule: str) -> None:
    assert read_csv(tmp_path, [good_row(entry_id="E" * 64)]).problems == []
    result = read_csv(tmp_path, [good_row(entry_id=entry_id)])
    assert result.problems == [RowProblem(2, "entry_id", rule)]


def test_duplicate_entry_id_is_a_problem_on_the_later_line(tmp_path: Path) -> None:
    rows = [good_row(), good_row(entry_id="ZJ-2"), good_row(subject_name="另一家公司")]
    result = read_csv(tmp_path, rows)
    assert result.problems == [RowProblem(4, "entry_id", "duplicate of line 2")]
    assert [e.entry_id for e in result.entries] == ["ZJ-2025-0001", "ZJ-2"]
    assert result.entries[0].subject_name == "杭州某某电子商务有限公司"


@pytest.mark.parametrize(
    ("list_type", "category", "rule_part"),
    [
        ("BLACKLIST", "FALSE_ADVERTISING", "does not fit the BLACKLIST"),
        ("BLACKLIST", "CONTRACT_BREACH", "does not fit the BLACKLIST"),
        ("WATCHLIST", "COUNTERFEIT", "does not fit the WATCHLIST"),
        ("WATCHLIST", "JUDGMENT_DEFAULTER", "does not fit the WATCHLIST"),
        ("BLACKLIST", "PRESENCE", "must be one of"),
        ("BLACKLIST", "SPAM", "must be one of"),
    ],
)
def test_category_must_exist_and_fit_the_list(
    tmp_path: Path, list_type: str, category: str, rule_part: str
) -> None:
    result = read_csv(tmp_path, [good_row(list_type=list_type, category=category)])
    [problem] = result.problems
    assert (problem.line, problem.field) == (2, "category")
    assert rule_part in problem.rule
    assert result.entries == []


def test_unknown_list_type(tmp_path: Path) -> None:
    result = read_csv(tmp_path, [good_row(list_type="GREYLIST")])
    assert result.problems == [RowProblem(2, "list_type", "must be BLACKLIST or WATCHLIST")]


@pytest.mark.parametrize("bad", ["2025-13-01", "01/03/2025", "yesterday", "2025-02-30"])
def test_listed_at_must_be_an_iso_date(tmp_path: Path, bad: str) -> None:
    result = read_csv(tmp_path, [good_row(listed_at=bad)])
    [problem] = result.problems
    assert (problem.line, problem.field) == (2, "listed_at")
    assert "ISO 8601" in problem.rule


def test_listed_at_more_than_a_day_ahead_is_in_the_future(tmp_path: Path) -> None:
    now = datetime.now(UTC)
    rows = [
        good_row(entry_id="soon", listed_at=(now + timedelta(hours=20)).isoformat()),
        good_row(entry_id="later", listed_at=(now + timedelta(days=2)).isoformat()),
    ]
    result = read_csv(tmp_path, rows)
    assert result.problems == [RowProblem(3, "listed_at", "in the future")]
    assert [e.entry_id for e in result.entries] == ["soon"]


@pytest.mark.parametrize("deadline", ["2025-02-28", "2025-03-01", "2025-03-01T00:00:00+08:00"])
def test_deadline_must_be_after_listing(tmp_path: Path, deadline: str) -> None:
    result = read_csv(tmp_path, [good_row(rectification_deadline=deadline)])
    assert result.problems == [RowProblem(2, "rectification_deadline", "must be after listed_at")]


def test_unparsable_deadline(tmp_path: Path) -> None:
    result = read_csv(tmp_path, [good_row(rectification_deadline="soon")])
    assert problems_of(result) == {(2, "rectification_deadline")}


@pytest.mark.parametrize(
    ("column", "value"),
    [("resident_id", RESIDENT), ("mobile", MOBILE), ("account", ACCOUNT)],
)
def test_clear_personal_identifier_without_key_is_refused_unquoted(
    tmp_path: Path, column: str, value: str
) -> None:
    result = read_csv(tmp_path, [good_row(**{column: value})])
    assert result.problems == [
        RowProblem(2, column, "personal identifier in clear: import with the alliance token key")
    ]
    assert result.entries == []
    assert all(value not in p.rule and value not in p.field for p in result.problems)


@pytest.mark.parametrize(
    ("column", "value"),
    [("resident_id", RESIDENT.lower()), ("mobile", "+86 138-1234-5678"), ("account", ACCOUNT)],
)
def test_clear_personal_identifier_with_key_is_tokenised(
    tmp_path: Path, column: str, value: str
) -> None:
    result = read_csv(tmp_path, [good_row(**{column: value})], token_key=KEY)
    assert result.problems == []
    scheme = IdentifierScheme(column.upper())
    [personal] = [i for i in result.entries[0].identifiers if i.scheme is scheme]
    assert is_token(personal.value)
    assert personal == tokenize(normalize(scheme, value), KEY)


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("resident_id", "11010519491231"),  # too short
        ("resident_id", "110105194913310021"),  # month 13
        ("resident_id", "11010519491231002Q"),
        ("mobile", "1381234567"),
        ("mobile", "+44 7700 900123"),
        ("mobile", "23812345678"),
        ("account", "taobao:store:buyer42"),
        ("account", "Taobao Shop:account:buyer42"),
        ("account", "taobao:account:buyer 42"),
    ],
)
def test_invalid_personal_values_are_never_quoted(tmp_path: Path, column: str, value: str) -> None:
    for key in (None, KEY):
        result = read_csv(tmp_path, [good_row(**{column: value})], token_key=key)
        assert problems_of(result) == {(2, column)}
        for problem in result.problems:
            assert value not in problem.rule
            assert value.replace(" ", "")[-6:] not in problem.rule  # nor a telling part of it


def test_multi_valued_identifier_cells_are_split_deduplicated_and_ordered(
    tmp_path: Path,
) -> None:
    row = good_row(
        uscc=f"{USCC_B}; {USCC_A.lower()};{USCC_A};",
        store="JD:store:7;taobao:store:1001",
        mobile=f"{MOBILE};+86{MOBILE}",
    )
    result = read_csv(tmp_path, [row], token_key=KEY)
    assert result.problems == []
    mobile_token = tokenize(normalize(IdentifierScheme.MOBILE, MOBILE), KEY)
    assert result.entries[0].identifiers == (
        mobile_token,
        Identifier(IdentifierScheme.STORE, "jd:store:7"),
        Identifier(IdentifierScheme.STORE, "taobao:store:1001"),
        Identifier(IdentifierScheme.USCC, USCC_A),
        Identifier(IdentifierScheme.USCC, USCC_B),
    )


def test_one_bad_value_in_a_multi_valued_cell_fails_the_row(tmp_path: Path) -> None:
    result = read_csv(tmp_path, [good_row(uscc=f"{USCC_A};{USCC_B[:-1]}")])
    assert problems_of(result) == {(2, "uscc")}
    assert result.entries == []


def test_row_without_identifier(tmp_path: Path) -> None:
    result = read_csv(tmp_path, [good_row(uscc=" ; ", store="")])
    assert result.problems == [RowProblem(2, "-", "no identifier")]


def test_every_problem_of_a_multi_fault_row_is_reported(tmp_path: Path) -> None:
    row = good_row(
        entry_id="bad id!",
        list_type="GREYLIST",
        subject_name="  ",
        uscc=USCC_A[:-1],
        authority="x" * 201,
        document_no="第\x0712号",
        province="",
        listed_at="2025-03-32",
        rectification_deadline="never",
    )
    result = read_csv(tmp_path, [good_row(entry_id="fine"), row])
    assert problems_of(result) == {
        (3, "entry_id"),
        (3, "list_type"),
        (3, "subject_name"),
        (3, "uscc"),
        (3, "authority"),
        (3, "document_no"),
        (3, "province"),
        (3, "listed_at"),
        (3, "rectification_deadline"),
    }
    assert [e.entry_id for e in result.entries] == ["fine"]


@pytest.mark.parametrize("name", ["某某\u202e公司", "某某\u200b公司", "某某\t公司", "某某\x00公司"])
def test_control_and_format_characters_in_names_are_refused(tmp_path: Path, name: str) -> None:
    result = read_csv(tmp_path, [good_row(subject_name=name)])
    assert result.problems == [
        RowProblem(2, "subject_name", "control or format character at position 3")
    ]


def test_ideographic_space_in_a_name_is_fine(tmp_path: Path) -> None:
    result = read_csv(tmp_path, [good_row(subject_name="某某\u3000公司")])
    assert result.problems == []
    assert result.entries[0].subject_name == "某某\u3000公司"


def test_lines_count_physical_lines_across_quoted_newlines(tmp_path: Path) -> None:
    rows = [
        good_row(subject_name="第一行\n第二行"),  # starts on line 2, ends on line 3
        good_row(entry_id="ZJ-2"),
        good_row(entry_id="ZJ-3", category="NOPE"),  # line 5
    ]
    result = read_csv(tmp_path, rows)
    assert problems_of(result) == {(2, "subject_name"), (5, "category")}
    assert [e.entry_id for e in result.entries] == ["ZJ-2"]


def test_row_with_wrong_number_of_cells(tmp_path: Path) -> None:
    path = tmp_path / "list.csv"
    path.write_text(csv_text([good_row()]) + "ZJ-9,BLACKLIST\n\n", encoding="utf-8")
    result = read_list_file(path)
    assert result.problems == [RowProblem(3, "-", "has 2 cells, the header has 15")]
    assert result.rows == 2  # the blank line is not a row


def test_unreadable_csv_row_is_reported_and_reading_goes_on(tmp_path: Path) -> None:
    path = tmp_path / "list.csv"
    huge = good_row(entry_id="ZJ-9", subject_name="x" * 200_000)
    path.write_text(csv_text([huge, good_row()]), encoding="utf-8")
    result = read_list_file(path)
    [problem] = result.problems
    assert (problem.line, problem.field) == (2, "-")
    assert "unreadable CSV row" in problem.rule
    assert [e.entry_id for e in result.entries] == ["ZJ-2025-0001"]


def test_jsonl_good_and_bad_lines(tmp_path: Path) -> None:
    good = good_row()
    listed = {**good_row(entry_id="J-2"), "store": ["jd:store:a;b", "jd:store:c"], "uscc": None}
    lines = [
        json.dumps(good, ensure_ascii=False),  # 1
        "",  # 2: blank, not a row
        "{not json",  # 3
        "[1, 2]",  # 4
        json.dumps({**good_row(entry_id="J-5"), "remarks": "x"}),  # 5
        json.dumps({k: v for k, v in good_row(entry_id="J-6").items() if k != "city"}),  # 6
        json.dumps(listed),  # 7
        json.dumps({**good_row(entry_id="J-8"), "subject_name": 42, "store": [1]}),  # 8
    ]
    result = read_jsonl(tmp_path, lines)
    assert (result.format, result.rows) == ("jsonl", 7)
    assert result.problems == [
        RowProblem(3, "-", "not a JSON object"),
        RowProblem(4, "-", "not a JSON object"),
        RowProblem(5, "remarks", "unknown key"),
        RowProblem(6, "city", "required key is missing"),
        RowProblem(8, "subject_name", "must be a string"),
        RowProblem(8, "store", "must be a string or a list of strings"),
    ]
    assert [e.entry_id for e in result.entries] == ["ZJ-2025-0001", "J-2"]
    assert result.entries[1].identifiers == (
        Identifier(IdentifierScheme.STORE, "jd:store:a;b"),  # a list keeps ';' in a value
        Identifier(IdentifierScheme.STORE, "jd:store:c"),
    )


def test_ndjson_suffix_and_personal_list_values(tmp_path: Path) -> None:
    path = tmp_path / "list.ndjson"
    path.write_text(json.dumps({**good_row(), "mobile": [MOBILE]}) + "\n", encoding="utf-8")
    result = read_list_file(path, token_key=KEY)
    assert result.problems == []
    assert tokenize(normalize(IdentifierScheme.MOBILE, MOBILE), KEY) in (
        result.entries[0].identifiers
    )


def test_progress_is_called_every_ten_thousand_rows_and_at_the_end(tmp_path: Path) -> None:
    rows = [good_row(entry_id=f"E{i}") for i in range(20_000)]
    calls: list[int] = []
    result = read_csv(tmp_path, rows, progress=calls.append)
    assert calls == [10_000, 20_000]  # the end is the last round ten thousand: no repeat
    assert (result.rows, len(result.entries)) == (20_000, 20_000)


def test_progress_is_called_once_at_the_end_of_a_small_or_refused_file(tmp_path: Path) -> None:
    calls: list[int] = []
    read_csv(tmp_path, [good_row()], progress=calls.append)
    read_list_file(tmp_path / "list.txt", progress=calls.append)
    assert calls == [1, 0]
