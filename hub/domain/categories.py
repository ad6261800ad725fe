"""The one table of signal categories a subject can be listed for, and what follows from it.

Every fact the hub keeps about a category lives in `CATEGORIES`: its Chinese name (on
documents and in the monthly report), the list that takes it (notice 2018-716 §3), and whether
it rectifies through a court (§4(一)). A new `SignalCategory` in the SDK is added here, and
documents, import checks, policy loading and reports follow. Identifier schemes have their own
table in `hub.domain.schemes`: the two change for different reasons.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from alliance_connector.messages import ListType, SignalCategory

__all__ = [
    "CATEGORIES",
    "CATEGORY_NAMES",
    "LISTABLE_CATEGORIES",
    "NOT_LISTABLE",
    "Category",
    "categories_on",
]


@dataclass(frozen=True)
class Category:
    """What the hub knows about one listable category."""

    name: str  # its Chinese name, as printed on documents and reports
    list_type: ListType  # the one list an entry of this category may be on (§3)
    # §4(一): the subject rectifies by meeting its legal obligations (or settling with the
    # applicant for enforcement), after which the court is asked to delist it.
    court: bool = False


_BLACK, _WATCH = ListType.BLACKLIST, ListType.WATCHLIST

# §3: false advertising and breach of contract put a subject on the watch list; every other
# behaviour is for the blacklist. Kept in the SDK's order: the import rules list the
# categories in this order in their problem texts.
CATEGORIES: Mapping[SignalCategory, Category] = MappingProxyType(
    {
        SignalCategory.FAKE_TRANSACTION: Category("刷单炒信", _BLACK),
        SignalCategory.EMPTY_PARCEL: Category("空包裹代发邮寄", _BLACK),
        SignalCategory.COUNTERFEIT: Category("制假售假", _BLACK),
        SignalCategory.IP_INFRINGEMENT: Category("侵犯知识产权", _BLACK, court=True),
        SignalCategory.CONTRACT_DISPUTE: Category("网络购物合同纠纷", _BLACK, court=True),
        SignalCategory.PERSONAL_DATA_ABUSE: Category("个人信息违法收集、滥用、泄露、买卖", _BLACK),
        SignalCategory.FALSE_ADVERTISING: Category("虚假宣传", _WATCH),
        SignalCategory.CONTRACT_BREACH: Category("合同违约", _WATCH),
        SignalCategory.JUDGMENT_DEFAULTER: Category("失信被执行人", _BLACK, court=True),
    }
)

# PRESENCE says the subject is active with the reporter: not a behaviour anyone is listed for,
# so it has no row above. Named so that a test can tell an SDK category the table forgot.
NOT_LISTABLE = frozenset({SignalCategory.PRESENCE})

# The categories a list entry, a policy rule or a rectification period may name.
LISTABLE_CATEGORIES: tuple[SignalCategory, ...] = tuple(CATEGORIES)

CATEGORY_NAMES: Mapping[SignalCategory, str] = MappingProxyType(
    {category: facts.name for category, facts in CATEGORIES.items()}
)


def categories_on(list_type: ListType) -> tuple[SignalCategory, ...]:
    """The categories whose entries go on `list_type`, in the table's order."""
    return tuple(c for c, facts in CATEGORIES.items() if facts.list_type is list_type)
