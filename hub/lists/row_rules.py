"""The rules one row of a sanction-list import file must keep, and the checker applying them.

Whoever fixes a rejected file needs the whole picture at once, so a row's check records every
rule it breaks (line, field, rule) and never stops at the first.

Privacy: resident IDs, mobiles and personal accounts leave here only as keyed tokens, and no
problem quotes a cell or any part of one (the SDK's identifier errors, reused as rules, quote
nothing either), since problem lists are shown to operators and end up in logs: a problem is
line, field and rule, at most a length or a position.
"""

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from operator import attrgetter

from alliance_connector.errors import InvalidIdentifier
from alliance_connector.identifiers import PERSONAL_SCHEMES, Identifier, normalize
from alliance_connector.messages import ListType
from alliance_connector.tokens import TokenKey, is_token, tokenize
from hub.domain.categories import CATEGORIES, LISTABLE_CATEGORIES, categories_on
from hub.domain.china_time import CHINA
from hub.domain.lists import ListEntry
from hub.domain.schemes import IMPORT_COLUMNS

__all__ = ["COLUMNS", "REQUIRED_COLUMNS", "Row", "RowChecker", "RowProblem", "shown_name"]

# The identifier columns (hub.domain.schemes) stand between the subject and its authority.
COLUMNS = (
    "entry_id", "list_type", "category", "subject_name",
    *(column for column, _ in IMPORT_COLUMNS),
    "authority", "document_no", "province", "city", "listed_at", "rectification_deadline",
)  # fmt: skip
REQUIRED_COLUMNS = frozenset(
    {"entry_id", "list_type", "category", "subject_name", "authority", "document_no"}
    | {"province", "city", "listed_at"}
)
_IDENTIFIER_COLUMNS = tuple(
    (column, scheme, scheme in PERSONAL_SCHEMES) for column, scheme in IMPORT_COLUMNS
)
# Notice 2018-716 §3: each category goes on one list (hub.domain.categories); the rule is
# spelled out as the watch list's few and "the rest" for the blacklist.
_FIT_RULE = (
    f"the {ListType.WATCHLIST} takes {' and '.join(categories_on(ListType.WATCHLIST))}, "
    f"the {ListType.BLACKLIST} the rest"
)
_LIST_TYPES = {member.value: member for member in ListType}
_CATEGORIES = {m.value: m for m in LISTABLE_CATEGORIES}  # PRESENCE is not a behaviour
# The length is checked with the other cells. A first letter or digit keeps out "." and "..",
# which a browser resolves away in the console's /console/lists/<id> links.
_ENTRY_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]*")
_ENTRY_ID_RULE = "may hold only A-Z a-z 0-9 . _ : - and starts with a letter or digit"
# A header or JSON key is echoed only if it looks like a column name, and holds no digit: a
# file without a header would otherwise put its first row, perhaps a mobile number, into the
# problem list, and a digit-free name cannot carry an ID or phone number.
_NAME_LIKE = re.compile(r"[A-Za-z_][A-Za-z_ ]{0,39}")
# Control and invisible format characters (bidi overrides, zero-width joiners) can make a
# name display as another on the dashboard and in rectification notices.
_REFUSED_CATEGORIES = frozenset({"Cc", "Cf"})
# Enough for any business or person; bounds the entry's record on alliance.lists.
MAX_IDENTIFIERS = 100
_CLEAR_PERSONAL = "personal identifier in clear: import with the alliance token key"
_DATE_RULE = "must be an ISO 8601 date (2026-11-01) or date-time"
_id_order = attrgetter("scheme", "value")
Row = Mapping[str, object]


@dataclass(frozen=True)
class RowProblem:
    """One broken rule: `line` 1-based (0 is the whole file), `field` a column or "-"."""

    line: int
    field: str
    rule: str  # plain English; never a personal identifier's value


def shown_name(name: str, index: int) -> str:
    return name if _NAME_LIKE.fullmatch(name) else f"column {index}"


class RowChecker:
    """Applies the per-row rules; holds what spans rows (seen entry ids, the clock, results)."""

    def __init__(self, token_key: TokenKey | None) -> None:
        self.token_key = token_key
        self.latest_listing = datetime.now(UTC) + timedelta(days=1)  # one clock per file
        self.first_line: dict[str, int] = {}
        # A list is published on a handful of dates, so parsing each spelling once pays.
        self.dates: dict[str, datetime | None] = {}
        self.entries: list[ListEntry] = []
        self.problems: list[RowProblem] = []

    def add(self, line: int, field: str, rule: str) -> None:
        self.problems.append(RowProblem(line, field, rule))

    def check(self, line: int, row: Row, keys_known: bool) -> None:
        """Check one row; append its entry if it breaks no rule, else its problems."""
        before = len(self.problems)
        if not keys_known:  # a CSV header was checked once; each JSON object brings its keys
            for index, key in enumerate(row, start=1):
                if key not in COLUMNS:
                    self.add(line, shown_name(key, index), "unknown key")
        entry_id = self._text(line, row, "entry_id", 64)
        if entry_id and not _ENTRY_ID.fullmatch(entry_id):
            self.add(line, "entry_id", _ENTRY_ID_RULE)
        elif entry_id:
            first = self.first_line.setdefault(entry_id, line)
            if first != line:
                self.add(line, "entry_id", f"duplicate of line {first}")
        given = self._text(line, row, "list_type", 64)
        list_type = _LIST_TYPES.get(given.upper())
        if given and list_type is None:
            self.add(line, "list_type", "must be BLACKLIST or WATCHLIST")
        given = self._text(line, row, "category", 64)
        category = _CATEGORIES.get(given.upper())
        if given and category is None:
            self.add(line, "category", f"must be one of {', '.join(_CATEGORIES)}")
        elif category and list_type and CATEGORIES[category].list_type is not list_type:
            self.add(line, "category", f"{category} does not fit the {list_type}: {_FIT_RULE}")
        subject_name = self._text(line, row, "subject_name", 200)
        identifiers = self._identifiers(line, row)
        authority = self._text(line, row, "authority", 200)
        document_no = self._text(line, row, "document_no", 200)
        province = self._text(line, row, "province", 64)
        city = self._text(line, row, "city", 64, required=False)
        listed_at = self._when(line, row, "listed_at")
        if listed_at is not None and listed_at > self.latest_listing:
            self.add(line, "listed_at", "in the future")
        deadline = self._when(line, row, "rectification_deadline", required=False)
        if deadline is not None and listed_at is not None and deadline <= listed_at:
            self.add(line, "rectification_deadline", "must be after listed_at")
        # The None tests repeat what a recorded problem already says, for the type checker.
        if len(self.problems) > before or not (list_type and category and listed_at):
            return
        self.entries.append(
            ListEntry(
                entry_id=entry_id,
                list_type=list_type,
                category=category,
                subject_name=subject_name,
                identifiers=identifiers,
                authority=authority,
                document_no=document_no,
                province=province,
                city=city,
                listed_at=listed_at,
                rectification_deadline=deadline,
            )
        )

    def _text(self, line: int, row: Row, name: str, limit: int, required: bool = True) -> str:
        """The stripped cell, recording each rule it breaks; "" if absent or not a string."""
        raw = row.get(name)
        if raw is None:  # JSON null, or a key or optional column that is absent
            if name not in row and name in REQUIRED_COLUMNS:
                self.add(line, name, "required key is missing")
                return ""
            raw = ""
        if not isinstance(raw, str):
            self.add(line, name, "must be a string")
            return ""
        text = raw.strip()
        if not text:
            if required:
                self.add(line, name, "must not be empty")
            return ""
        if len(text) > limit:
            self.add(line, name, f"longer than {limit} characters")
        if not text.isprintable():  # a C-speed pass clears nearly every cell
            for position, char in enumerate(text, start=1):  # U+3000 and like spaces pass
                if unicodedata.category(char) in _REFUSED_CATEGORIES:
                    self.add(line, name, f"control or format character at position {position}")
                    break
        return text

    def _when(self, line: int, row: Row, name: str, required: bool = True) -> datetime | None:
        """A date means midnight and a naive time is local, both on the Chinese calendar."""
        text = self._text(line, row, name, 64, required)
        if not text:
            return None
        if text not in self.dates:
            if len(self.dates) > 10_000:
                self.dates.clear()  # a file of all-distinct times must not grow without end
            try:
                parsed = datetime.fromisoformat(text)
                self.dates[text] = parsed if parsed.tzinfo else parsed.replace(tzinfo=CHINA)
            except ValueError:
                self.dates[text] = None
        when = self.dates[text]
        if when is None:
            self.add(line, name, _DATE_RULE)
        return when

    def _identifiers(self, line: int, row: Row) -> tuple[Identifier, ...]:
        found: list[Identifier] = []
        given = False
        for column, scheme, personal in _IDENTIFIER_COLUMNS:
            raw = row.get(column)
            if raw is None or raw == "":  # absent, null or empty
                continue
            # A list keeps its values whole (a store id may contain ';'); a string is split.
            if isinstance(raw, str):
                values: Sequence[object] = raw.split(";")
            else:
                values = raw if isinstance(raw, list) else [raw]
            for value in values:
                if not isinstance(value, str):
                    given = True
                    self.add(line, column, "must be a string or a list of strings")
                    continue
                value = value.strip()
                if not value:
                    continue
                given = True
                if personal and is_token(value):
                    found.append(Identifier(scheme, value))
                    continue
                try:
                    identifier = normalize(scheme, value, column)
                    if personal and self.token_key is not None:
                        identifier = tokenize(identifier, self.token_key)
                except InvalidIdentifier as exc:
                    self.add(line, column, exc.rule)  # SDK rules never quote a personal value
                    continue
                if personal and self.token_key is None:
                    self.add(line, column, _CLEAR_PERSONAL)
                    continue
                found.append(identifier)
        if not given:
            self.add(line, "-", "no identifier")
        elif len(found) > MAX_IDENTIFIERS:
            self.add(line, "-", f"more than {MAX_IDENTIFIERS} identifiers")
        return tuple(sorted(set(found), key=_id_order) if len(found) > 1 else found)
