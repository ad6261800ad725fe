"""Printable Chinese documents for a list entry: 整改通知书 and 信用承诺书 (notice 2018-716 §4),
and for an objection to it, 异议受理通知书 and 异议答复书 (docs/objections.md).

The notice requires that a listed subject receive a rectification notice as soon as it is
listed and sign a credit commitment; the operators print both and send them on paper or as
PDF, so they are self-contained A4 HTML with no external resources. Names, authorities and
issuers come from import files and operators, so templates autoescape everything. Personal
identifiers are keyed tokens: a token on paper helps no one and links the person to the
alliance's data, so the documents name the kind of identifier and never its value.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from alliance_connector.identifiers import PERSONAL_SCHEMES
from alliance_connector.messages import ListType, SanctionAction
from hub.domain.categories import CATEGORIES
from hub.domain.china_time import CHINA
from hub.domain.lists import ListEntry
from hub.domain.objections import FILED_BY_SUBJECT, GROUNDS_NAMES, GroundsKind, ObjectionState
from hub.domain.schemes import SCHEMES
from hub.store.objections import ObjectionRecord
from hub.store.timestamps import as_utc
from hub.templates import templates

__all__ = [
    "ACTION_NAMES",
    "DEFAULT_ISSUER",
    "LIST_TYPE_NAMES",
    "chinese_date",
    "render_credit_commitment",
    "render_objection_receipt",
    "render_objection_reply",
    "render_rectification_notice",
]

DEFAULT_ISSUER = "电子商务领域反炒信联盟"

LIST_TYPE_NAMES: dict[ListType, str] = {
    ListType.BLACKLIST: "黑名单",
    ListType.WATCHLIST: "重点关注名单",
}


# The §5(三) measures by the notice's own words.
ACTION_NAMES: dict[SanctionAction, str] = {
    SanctionAction.RESTRICT_MEMBERSHIP: "限制入驻会员",
    SanctionAction.LOWER_CREDIT_RATING: "降低信用等级",
    SanctionAction.BLOCK_STORE: "屏蔽店铺",
    SanctionAction.CLOSE_STORE: "关闭店铺",
    SanctionAction.FREEZE_ACCOUNT: "“封号封账”",
    SanctionAction.PUBLIC_EXPOSURE: "公开曝光",
    SanctionAction.LIFT: "解除惩戒",
}


@dataclass(frozen=True)
class _Shown:
    label: str
    value: str | None  # None: personal, shown only as withheld


def chinese_date(value: date | datetime) -> str:
    """'2026年11月28日'; a datetime (which must be timezone-aware) is taken in China time."""
    if isinstance(value, datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError("document datetimes must be timezone-aware")
        value = value.astimezone(CHINA).date()
    return f"{value.year}年{value.month}月{value.day}日"


def _context(entry: ListEntry, deadline: datetime) -> dict[str, object]:
    category = CATEGORIES.get(entry.category)
    if category is None:  # PRESENCE: not a behaviour anyone is listed for
        raise ValueError(f"category {entry.category} is not a behaviour a subject is listed for")
    return {
        "entry": entry,
        "list_name": LIST_TYPE_NAMES[entry.list_type],
        "blacklisted": entry.list_type is ListType.BLACKLIST,
        "category_name": category.name,
        "court_obligation": category.court,  # §4(一): the documents say how such a one rectifies
        "listed_on": chinese_date(entry.listed_at),
        # The deadline is the moment the subject becomes overdue; the last day it may still
        # rectify is the day before a deadline at midnight, and that is the day printed.
        "deadline": chinese_date(deadline - timedelta(microseconds=1)),
        # The value is dropped here, not in the template, so no template can print a token.
        "identifiers": _context_identifiers(entry),
    }


def render_rectification_notice(
    entry: ListEntry, deadline: datetime, issued_on: date, issuer: str = DEFAULT_ISSUER
) -> str:
    """The 整改通知书 for `entry` as a printable HTML page.

    `deadline` is the end of the rectification period (the caller resolves the category
    default when `entry.rectification_deadline` is None); it is printed as its date in China.
    Raises ValueError for a naive datetime or a category no one is listed for (PRESENCE).
    """
    context = _context(entry, deadline)
    context.update(issuer=issuer, issued_on=chinese_date(issued_on))
    return templates("hub.lists").get_template("rectification_notice.html").render(context)


def render_credit_commitment(entry: ListEntry, deadline: datetime) -> str:
    """The 信用承诺书 the subject of `entry` signs, as a printable HTML page with blanks."""
    context = _context(entry, deadline)
    context.update(issuer=DEFAULT_ISSUER)
    return templates("hub.lists").get_template("credit_commitment.html").render(context)


def _objection_context(
    entry: ListEntry, objection: ObjectionRecord, issuer: str
) -> dict[str, object]:
    category = CATEGORIES.get(entry.category)
    return {
        "entry": entry,
        "objection": objection,
        "issuer": issuer,
        "list_name": LIST_TYPE_NAMES[entry.list_type],
        "category_name": category.name if category else "",
        "by_subject": objection.filed_by == FILED_BY_SUBJECT,
        "grounds_name": GROUNDS_NAMES[GroundsKind(objection.grounds_kind)],
        "paused": [ACTION_NAMES[SanctionAction(a)] for a in objection.paused],
        "filed_on": chinese_date(as_utc(objection.filed_at)),
        # Like a rectification deadline: the last day of the period is printed.
        "due_on": chinese_date(as_utc(objection.due_at) - timedelta(microseconds=1)),
        "identifiers": _context_identifiers(entry),
    }


def _context_identifiers(entry: ListEntry) -> list[_Shown]:
    return [
        _Shown(SCHEMES[i.scheme].name, None if i.scheme in PERSONAL_SCHEMES else i.value)
        for i in entry.identifiers
    ]


def render_objection_receipt(
    entry: ListEntry, objection: ObjectionRecord, issuer: str = DEFAULT_ISSUER
) -> str:
    """The 异议受理通知书 for an objection to `entry`: received, what pauses, when it is
    answered. Datetimes must be timezone-aware (ValueError otherwise)."""
    context = _objection_context(entry, objection, issuer)
    return templates("hub.lists").get_template("objection_receipt.html").render(context)


def render_objection_reply(
    entry: ListEntry, objection: ObjectionRecord, issuer: str = DEFAULT_ISSUER
) -> str:
    """The 异议答复书: the decision and its reason. ValueError for an objection still open."""
    if objection.state is ObjectionState.OPEN or objection.decided_at is None:
        raise ValueError("an open objection has no reply yet")
    context = _objection_context(entry, objection, issuer)
    context.update(decided_on=chinese_date(as_utc(objection.decided_at)))
    return templates("hub.lists").get_template("objection_reply.html").render(context)
