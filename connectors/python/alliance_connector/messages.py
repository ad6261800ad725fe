"""The payload records as Python values: what members build and what they receive.

Each class converts to and from the plain dict fastavro writes and reads (`to_record`,
`from_record`); conversion checks shape only. The rules a message must keep (tokens for
personal identifiers, window order, ...) live in `validation`.
"""

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Self, TypeVar

from alliance_connector.errors import InvalidField, InvalidIdentifier
from alliance_connector.identifiers import Identifier, IdentifierScheme

__all__ = [
    "AckStatus",
    "Cause",
    "CreditSignal",
    "Evidence",
    "InstructionAck",
    "ListType",
    "ObservedWindow",
    "SanctionAction",
    "SanctionInstruction",
    "Severity",
    "SignalCategory",
]


class SignalCategory(StrEnum):
    """NDRC notice 2018-716 §3 behaviours, plus PRESENCE (the subject is active here)."""

    FAKE_TRANSACTION = "FAKE_TRANSACTION"  # 刷单炒信
    EMPTY_PARCEL = "EMPTY_PARCEL"  # 空包裹代发邮寄
    COUNTERFEIT = "COUNTERFEIT"  # 制假售假
    IP_INFRINGEMENT = "IP_INFRINGEMENT"  # 侵犯知识产权
    CONTRACT_DISPUTE = "CONTRACT_DISPUTE"  # 网络购物合同纠纷
    PERSONAL_DATA_ABUSE = "PERSONAL_DATA_ABUSE"  # 个人信息违法收集、滥用、泄露、买卖
    FALSE_ADVERTISING = "FALSE_ADVERTISING"  # 虚假宣传 (watch list)
    CONTRACT_BREACH = "CONTRACT_BREACH"  # 合同违约 (watch list)
    JUDGMENT_DEFAULTER = "JUDGMENT_DEFAULTER"  # 失信被执行人
    PRESENCE = "PRESENCE"  # holds this store or account with the reporter


class Severity(StrEnum):
    """How grave the reporter judges the behaviour."""

    LOW = "LOW"
    MEDIUM = "MEDIUM"
    HIGH = "HIGH"
    CRITICAL = "CRITICAL"


class SanctionAction(StrEnum):
    """Notice §5 sanctions, and LIFT to undo one."""

    RESTRICT_MEMBERSHIP = "RESTRICT_MEMBERSHIP"  # 限制入驻会员
    LOWER_CREDIT_RATING = "LOWER_CREDIT_RATING"  # 降低信用等级
    BLOCK_STORE = "BLOCK_STORE"  # 屏蔽店铺
    CLOSE_STORE = "CLOSE_STORE"  # 关闭店铺
    FREEZE_ACCOUNT = "FREEZE_ACCOUNT"  # 封号封账
    PUBLIC_EXPOSURE = "PUBLIC_EXPOSURE"  # 公开曝光
    LIFT = "LIFT"


class ListType(StrEnum):
    """The two sanction lists of the notice."""

    BLACKLIST = "BLACKLIST"  # 黑名单
    WATCHLIST = "WATCHLIST"  # 重点关注名单


class AckStatus(StrEnum):
    """What a member did with an instruction."""

    EXECUTED = "EXECUTED"
    REJECTED = "REJECTED"
    NOT_FOUND = "NOT_FOUND"


_E = TypeVar("_E", bound=StrEnum)


def _enum(kind: type[_E], value: Any, field_name: str) -> _E:
    # A newer writer's symbol reaches an older reader as the schema default UNKNOWN.
    try:
        return kind(value)
    except ValueError:
        raise InvalidField(field_name, f"not a known {kind.__name__} symbol") from None


def _identifiers(records: list[dict[str, Any]], field_name: str) -> tuple[Identifier, ...]:
    identifiers = []
    for index, item in enumerate(records):
        try:
            scheme = IdentifierScheme(item["scheme"])
        except ValueError:
            raise InvalidIdentifier(
                f"{field_name}[{index}].scheme", "not a known identifier scheme"
            ) from None
        identifiers.append(Identifier(scheme, item["value"]))
    return tuple(identifiers)


def _identifier_records(identifiers: tuple[Identifier, ...]) -> list[dict[str, str]]:
    return [{"scheme": str(i.scheme), "value": i.value} for i in identifiers]


@dataclass(frozen=True)
class ObservedWindow:
    """When the behaviour was observed: [start, end)."""

    start: datetime
    end: datetime


@dataclass(frozen=True)
class Evidence:
    """What supports a report; references are tokens or normalised waybills."""

    order_count: int = 0
    amount_fen: int = 0
    order_refs: tuple[str, ...] = ()  # keyed tokens of order numbers
    waybill_refs: tuple[str, ...] = ()  # normalised 'carrier:number'
    note: str | None = None


@dataclass(frozen=True)
class CreditSignal:
    """A member's report about a subject. `subject` may hold clear personal identifiers when
    built; the publisher normalises and tokenises them before anything leaves the member."""

    signal_id: uuid.UUID
    reporter: str
    reported_at: datetime
    observed_window: ObservedWindow
    category: SignalCategory
    subject: tuple[Identifier, ...]
    evidence: Evidence = field(default_factory=Evidence)
    severity: Severity = Severity.LOW

    def to_record(self) -> dict[str, Any]:
        """The dict fastavro writes."""
        return {
            "signal_id": self.signal_id,
            "reporter": self.reporter,
            "reported_at": self.reported_at,
            "observed_window": {
                "start": self.observed_window.start,
                "end": self.observed_window.end,
            },
            "category": str(self.category),
            "subject": _identifier_records(self.subject),
            "evidence": {
                "order_count": self.evidence.order_count,
                "amount_fen": self.evidence.amount_fen,
                "order_refs": list(self.evidence.order_refs),
                "waybill_refs": list(self.evidence.waybill_refs),
                "note": self.evidence.note,
            },
            "severity": str(self.severity),
        }

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> Self:
        """The signal in a decoded record; unknown enum symbols raise InvalidField."""
        evidence = record["evidence"]
        return cls(
            signal_id=uuid.UUID(str(record["signal_id"])),
            reporter=record["reporter"],
            reported_at=record["reported_at"],
            observed_window=ObservedWindow(
                record["observed_window"]["start"], record["observed_window"]["end"]
            ),
            category=_enum(SignalCategory, record["category"], "category"),
            subject=_identifiers(record["subject"], "subject"),
            evidence=Evidence(
                order_count=evidence["order_count"],
                amount_fen=evidence["amount_fen"],
                order_refs=tuple(evidence["order_refs"]),
                waybill_refs=tuple(evidence["waybill_refs"]),
                note=evidence["note"],
            ),
            severity=_enum(Severity, record["severity"], "severity"),
        )


@dataclass(frozen=True)
class Cause:
    """The sanction-list entry behind an instruction."""

    list_entry_id: str
    list_type: ListType
    category: SignalCategory


@dataclass(frozen=True)
class SanctionInstruction:
    """What the hub tells a member to do about a subject."""

    instruction_id: str
    target_member: str
    subject: tuple[Identifier, ...]
    action: SanctionAction
    cause: Cause
    legal_basis: str
    issued_at: datetime
    review_at: datetime | None = None
    supersedes: str | None = None

    def to_record(self) -> dict[str, Any]:
        """The dict fastavro writes."""
        return {
            "instruction_id": self.instruction_id,
            "target_member": self.target_member,
            "subject": _identifier_records(self.subject),
            "action": str(self.action),
            "cause": {
                "list_entry_id": self.cause.list_entry_id,
                "list_type": str(self.cause.list_type),
                "category": str(self.cause.category),
            },
            "legal_basis": self.legal_basis,
            "issued_at": self.issued_at,
            "review_at": self.review_at,
            "supersedes": self.supersedes,
        }

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> Self:
        """The instruction in a decoded record; unknown enum symbols raise InvalidField."""
        cause = record["cause"]
        return cls(
            instruction_id=record["instruction_id"],
            target_member=record["target_member"],
            subject=_identifiers(record["subject"], "subject"),
            action=_enum(SanctionAction, record["action"], "action"),
            cause=Cause(
                cause["list_entry_id"],
                _enum(ListType, cause["list_type"], "cause.list_type"),
                _enum(SignalCategory, cause["category"], "cause.category"),
            ),
            legal_basis=record["legal_basis"],
            issued_at=record["issued_at"],
            review_at=record["review_at"],
            supersedes=record["supersedes"],
        )


@dataclass(frozen=True)
class InstructionAck:
    """What a member did with an instruction."""

    instruction_id: str
    member: str
    status: AckStatus
    acked_at: datetime
    note: str | None = None

    def to_record(self) -> dict[str, Any]:
        """The dict fastavro writes."""
        return {
            "instruction_id": self.instruction_id,
            "member": self.member,
            "status": str(self.status),
            "acked_at": self.acked_at,
            "note": self.note,
        }

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> Self:
        """The acknowledgement in a decoded record."""
        return cls(
            record["instruction_id"],
            record["member"],
            _enum(AckStatus, record["status"], "status"),
            record["acked_at"],
            record["note"],
        )
