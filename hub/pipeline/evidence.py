"""What the hub keeps of a signal's evidence (issue 15 item 4): the window, counts, amounts,
order and waybill references, severity and note, and the subject as the signal named it —
bounded in size (`evidence_max_refs` references of each kind) and in time (the category's
rectification period plus the time to appeal, the policy's `evidence_appeal_days`).

Nothing here is in clear that the signal did not already carry in clear: the checks refused
any personal identifier that was not a token, and any note holding what looks like one.
"""

import json
from datetime import datetime, timedelta

from alliance_connector.messages import CreditSignal
from hub.policy.rules import Policy
from hub.store.signals import EVIDENCE_COLUMNS

__all__ = ["EVIDENCE_COLUMNS", "evidence_row", "kept_until"]


_MONTH = timedelta(days=31)  # a month, rounded up: evidence is never dropped early


def _json_list(items: tuple[str, ...]) -> str:
    # Most signals cite no reference: the empty list costs nothing to spell.
    return json.dumps(list(items)) if items else "[]"


def kept_until(policy: Policy, signal: CreditSignal, record_at: datetime) -> datetime:
    """When the evidence may be purged: after the rectification period its listing would get
    and the time to appeal a sanction built on it."""
    months = policy.rectification_months(signal.category)
    return record_at + months * _MONTH + timedelta(days=policy.safeguards.evidence_appeal_days)


def evidence_row(signal: CreditSignal, record_at: datetime, policy: Policy) -> tuple[object, ...]:
    """The signal's evidence, in `EVIDENCE_COLUMNS` order (hub.store.signals)."""
    cap = policy.safeguards.evidence_max_refs
    evidence = signal.evidence
    subject = [{"scheme": str(i.scheme), "value": i.value} for i in signal.subject]
    return (
        str(signal.severity),
        signal.observed_window.start,
        signal.observed_window.end,
        evidence.order_count,
        evidence.amount_fen,
        _json_list(evidence.order_refs[:cap]),
        _json_list(evidence.waybill_refs[:cap]),
        evidence.note,
        json.dumps(subject),  # ASCII: identifiers are normalised to it (wire contract §7)
        record_at,
        kept_until(policy, signal, record_at),
    )
