r"""A sanction-list entry and the states it moves through (NDRC notice 2018-716 §3-§5).

    LISTED -> NOTIFIED -> COMMITTED -> RECTIFIED -> DELISTED
       \          \           \
        +----------+-----------+--> OVERDUE -> ESCALATED

A listed subject gets a rectification notice (NOTIFIED), signs a credit commitment
(COMMITTED) and, once it has put things right, is RECTIFIED and then DELISTED. If the
rectification deadline passes first, it is OVERDUE and the alliance's joint sanctions apply;
ESCALATED records that the operators took it further (interview, regulator, credit website).
An OVERDUE or ESCALATED subject that rectifies late may still be RECTIFIED; the issuing
authority may delist an entry from any state (a court lifts a defaulter, an entry was wrong).
"""

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from alliance_connector.identifiers import Identifier
from alliance_connector.messages import ListType, SignalCategory

__all__ = [
    "ACTIVE_STATUSES",
    "ALLOWED_TRANSITIONS",
    "RECTIFYING_STATUSES",
    "ListEntry",
    "ListStatus",
]


class ListStatus(StrEnum):
    LISTED = "LISTED"  # 列入
    NOTIFIED = "NOTIFIED"  # 已发整改通知书
    COMMITTED = "COMMITTED"  # 已签信用承诺书
    RECTIFIED = "RECTIFIED"  # 整改完成
    DELISTED = "DELISTED"  # 移出名单
    OVERDUE = "OVERDUE"  # 逾期未整改
    ESCALATED = "ESCALATED"  # 已升级处置


# Inside the rectification period: sanctions wait, signals are flagged.
RECTIFYING_STATUSES = frozenset({ListStatus.LISTED, ListStatus.NOTIFIED, ListStatus.COMMITTED})
# Still on the list: matching a signal against these can lead to instructions.
ACTIVE_STATUSES = RECTIFYING_STATUSES | {ListStatus.OVERDUE, ListStatus.ESCALATED}

ALLOWED_TRANSITIONS: dict[ListStatus, frozenset[ListStatus]] = {
    ListStatus.LISTED: frozenset(
        {ListStatus.NOTIFIED, ListStatus.OVERDUE, ListStatus.RECTIFIED, ListStatus.DELISTED}
    ),
    ListStatus.NOTIFIED: frozenset(
        {ListStatus.COMMITTED, ListStatus.OVERDUE, ListStatus.RECTIFIED, ListStatus.DELISTED}
    ),
    ListStatus.COMMITTED: frozenset(
        {ListStatus.RECTIFIED, ListStatus.OVERDUE, ListStatus.DELISTED}
    ),
    ListStatus.RECTIFIED: frozenset({ListStatus.DELISTED}),
    ListStatus.OVERDUE: frozenset(
        {ListStatus.ESCALATED, ListStatus.RECTIFIED, ListStatus.DELISTED}
    ),
    ListStatus.ESCALATED: frozenset({ListStatus.RECTIFIED, ListStatus.DELISTED}),
    ListStatus.DELISTED: frozenset(),
}


@dataclass(frozen=True)
class ListEntry:
    """One entry as an import file or an operator states it (status lives in the store).

    Identifiers are canonical (`alliance_connector.identifiers.normalize`); personal ones are
    keyed tokens, never clear values. `rectification_deadline` None means "the category's
    default period after listed_at".
    """

    entry_id: str
    list_type: ListType
    category: SignalCategory
    subject_name: str  # the listed business or person as the authority names it
    identifiers: tuple[Identifier, ...]
    authority: str  # 列入部门
    document_no: str  # 文号
    province: str
    city: str
    listed_at: datetime  # timezone-aware
    rectification_deadline: datetime | None = None
