"""The vocabulary of objections (异议) and credit repair (信用修复), without I/O.

A listed subject, or a member on its behalf, may object to a list entry or to one instruction
of it; an operator upholds the objection (the entry is corrected, or delisted) or dismisses it.
After rectification a subject may apply for credit repair, which an operator approves or
refuses. docs/objections.md says why each step exists and where its defaults come from; the
states here are what the store keeps and the ledger names.
"""

import re
from collections.abc import Sequence
from enum import StrEnum

from hub.errors import ObjectionRefused

__all__ = [
    "FILED_BY_SUBJECT",
    "GROUNDS_NAMES",
    "MAX_DIGESTS",
    "GroundsKind",
    "ObjectionState",
    "RepairState",
    "UpheldOutcome",
    "checked_digests",
]

# `filed_by` when the subject itself objects; otherwise the member id that filed for it.
FILED_BY_SUBJECT = "subject"
# Attachments and evidence are kept as digests only: the papers stay with whoever holds them,
# and a digest proves later which paper was meant without the hub keeping personal data.
MAX_DIGESTS = 50
_SHA256_HEX = re.compile(r"[0-9a-f]{64}")


class ObjectionState(StrEnum):
    OPEN = "OPEN"  # 已受理，待答复
    UPHELD = "UPHELD"  # 异议成立
    DISMISSED = "DISMISSED"  # 异议不成立


class UpheldOutcome(StrEnum):
    """What an upheld objection does to its entry."""

    CORRECTED = "CORRECTED"  # the entry stands, corrected (a note; its sanctions reconciled)
    DELISTED = "DELISTED"  # the entry was wrong: it leaves the list and every sanction lifts


class RepairState(StrEnum):
    APPLIED = "APPLIED"  # 已申请
    APPROVED = "APPROVED"  # 准予修复
    REFUSED = "REFUSED"  # 不予修复


class GroundsKind(StrEnum):
    """What the objection says is wrong."""

    WRONG_SUBJECT = "WRONG_SUBJECT"  # 主体错误：not the subject that did it
    WRONG_FACTS = "WRONG_FACTS"  # 事实错误：the conduct did not happen as recorded
    WRONG_BASIS = "WRONG_BASIS"  # 依据错误：no rule supports the listing or the sanction
    ALREADY_RECTIFIED = "ALREADY_RECTIFIED"  # 已整改：rectified, the record is out of date
    OTHER = "OTHER"  # 其他


GROUNDS_NAMES: dict[GroundsKind, str] = {
    GroundsKind.WRONG_SUBJECT: "主体认定错误",
    GroundsKind.WRONG_FACTS: "失信事实认定错误",
    GroundsKind.WRONG_BASIS: "列入或惩戒依据错误",
    GroundsKind.ALREADY_RECTIFIED: "已完成整改，信息未及时更新",
    GroundsKind.OTHER: "其他",
}


def checked_digests(values: Sequence[str], field: str, required: bool = False) -> tuple[str, ...]:
    """The SHA-256 digests (64 lowercase hex), distinct and in the order given; raises
    ObjectionRefused naming `field`, never the value (it may be anything a caller typed)."""
    if required and not values:
        raise ObjectionRefused(field, "at least one SHA-256 digest is required")
    if len(values) > MAX_DIGESTS:
        raise ObjectionRefused(field, f"at most {MAX_DIGESTS} digests")
    for index, value in enumerate(values):
        if not _SHA256_HEX.fullmatch(value):
            raise ObjectionRefused(f"{field}[{index}]", "expected 64 lowercase hex digits")
    return tuple(dict.fromkeys(values))
