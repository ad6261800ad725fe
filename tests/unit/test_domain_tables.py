"""The category and scheme tables cover the SDK: a category or scheme added to the SDK and not
to its hub table fails here, before any document, import or policy meets it."""

from alliance_connector.identifiers import IdentifierScheme
from alliance_connector.messages import ListType, SignalCategory
from hub.domain.categories import (
    CATEGORIES,
    CATEGORY_NAMES,
    LISTABLE_CATEGORIES,
    NOT_LISTABLE,
    categories_on,
)
from hub.domain.schemes import IMPORT_COLUMNS, SCHEMES, column_of


def test_every_sdk_category_is_in_the_table_or_named_not_listable() -> None:
    assert CATEGORIES.keys() | NOT_LISTABLE == set(SignalCategory)
    assert CATEGORIES.keys() & NOT_LISTABLE == set()
    assert NOT_LISTABLE == {SignalCategory.PRESENCE}


def test_every_listable_category_has_a_name_and_one_list() -> None:
    assert all(facts.name.strip() for facts in CATEGORIES.values())
    assert CATEGORY_NAMES == {c: facts.name for c, facts in CATEGORIES.items()}
    assert set(LISTABLE_CATEGORIES) == CATEGORIES.keys()
    on_lists = [c for list_type in ListType for c in categories_on(list_type)]
    assert sorted(on_lists) == sorted(LISTABLE_CATEGORIES)


def test_the_table_keeps_the_notices_assignments() -> None:
    # §3 puts these two on the watch list; §4(一) sends these three through the courts.
    assert categories_on(ListType.WATCHLIST) == (
        SignalCategory.FALSE_ADVERTISING,
        SignalCategory.CONTRACT_BREACH,
    )
    court = {c for c, facts in CATEGORIES.items() if facts.court}
    assert court == {
        SignalCategory.JUDGMENT_DEFAULTER,
        SignalCategory.IP_INFRINGEMENT,
        SignalCategory.CONTRACT_DISPUTE,
    }


def test_every_sdk_scheme_is_in_the_table() -> None:
    assert SCHEMES.keys() == set(IdentifierScheme)
    assert all(facts.name.strip() for facts in SCHEMES.values())


def test_import_columns_are_the_lowercased_schemes_with_a_column() -> None:
    assert IMPORT_COLUMNS == tuple(
        (scheme.value.lower(), scheme) for scheme, facts in SCHEMES.items() if facts.import_column
    )
    assert [column for column, _ in IMPORT_COLUMNS] == [
        "uscc",
        "resident_id",
        "mobile",
        "store",
        "account",
    ]
    assert column_of(IdentifierScheme.RESIDENT_ID) == "resident_id"
