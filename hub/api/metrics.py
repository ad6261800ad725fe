"""Prometheus /metrics, read from the store and the broker when scraped.

The counts come from the store, so every worker process is covered and a restart loses
nothing; lag comes from the broker. Scraping needs an operator or auditor token (Prometheus
sends it as a bearer token): the figures name members.
"""

from collections.abc import Iterable
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import PlainTextResponse

from hub.api.access import READERS, require
from hub.api.tokens import Principal
from hub.errors import BrokerError
from hub.store.counts import (
    LATENCY_BUCKETS_S,
    ack_counts,
    instruction_counts,
    latency_buckets,
    list_status_counts,
    reject_counts,
    signal_counts,
)
from hub.store.errors import reading

router = APIRouter(tags=["metrics"])


def _labels(**labels: object) -> str:
    inner = ",".join(
        f'{k}="{str(v).replace(chr(92), chr(92) * 2).replace(chr(34), chr(92) + chr(34))}"'
        for k, v in labels.items()
    )
    return "{" + inner + "}" if inner else ""


def _bool(value: bool) -> str:
    return "true" if value else "false"


def _family(name: str, kind: str, text: str, samples: Iterable[str]) -> list[str]:
    return [f"# HELP {name} {text}", f"# TYPE {name} {kind}", *samples]


@router.get("/metrics", response_class=PlainTextResponse)
def metrics(request: Request, _: Annotated[Principal, Depends(require(*READERS))]) -> str:
    """The hub's figures in the Prometheus text format."""
    with reading(request.app.state.engine) as connection:
        signals = signal_counts(connection)
        refused = reject_counts(connection)
        issued = instruction_counts(connection)
        acks = ack_counts(connection)
        entries = list_status_counts(connection)
        buckets, count, total = latency_buckets(connection)
    lines = _family(
        "alliance_signals_accepted_total",
        "counter",
        "Signals accepted, by reporting member and category.",
        (
            f"alliance_signals_accepted_total{_labels(member=m, category=c)} {n}"
            for (m, c), n in sorted(signals.items())
        ),
    )
    lines += _family(
        "alliance_rejects_total",
        "counter",
        "Records rejected, by topic owner and reason code.",
        (
            f"alliance_rejects_total{_labels(member=m, reason=r)} {n}"
            for (m, r), n in sorted(refused.items())
        ),
    )
    lines += _family(
        "alliance_instructions_total",
        "counter",
        "Instructions issued, by target member, action and whether delivered.",
        (
            f"alliance_instructions_total{_labels(member=m, action=a, delivered=_bool(d))} {n}"
            for (m, a, d), n in sorted(issued.items())
        ),
    )
    lines += _family(
        "alliance_acks_total",
        "counter",
        "Instructions acknowledged, by member and status.",
        (
            f"alliance_acks_total{_labels(member=m, status=s)} {n}"
            for (m, s), n in sorted(acks.items())
        ),
    )
    lines += _family(
        "alliance_list_entries",
        "gauge",
        "List entries, by list and status.",
        (
            f"alliance_list_entries{_labels(list=lt, status=s)} {n}"
            for (lt, s), n in sorted(entries.items())
        ),
    )
    name = "alliance_signal_to_instruction_seconds"
    histogram = [
        f"{name}_bucket{_labels(le=bound)} {n}"
        for bound, n in zip(LATENCY_BUCKETS_S, buckets, strict=True)
    ]
    histogram += [
        f'{name}_bucket{{le="+Inf"}} {count}',
        f"{name}_count {count}",
        f"{name}_sum {total:.3f}",
    ]
    lines += _family(
        name, "histogram", "From a signal's broker time to its instruction's delivery.", histogram
    )
    lines += _lag(request)
    return "\n".join(lines) + "\n"


def _lag(request: Request) -> list[str]:
    reader = request.app.state.flows
    name = "alliance_consumer_lag"
    if reader is None:
        return []
    try:
        lag = reader.snapshot().lag()
    except BrokerError:
        return _family(
            "alliance_broker_up",
            "gauge",
            "1 if the broker answered this scrape.",
            ["alliance_broker_up 0"],
        )
    return _family(
        name,
        "gauge",
        "Records the worker group has not committed, per partition.",
        (
            f"{name}{_labels(topic=tp.topic, partition=tp.partition)} {n}"
            for tp, n in sorted(lag.items())
        ),
    ) + _family(
        "alliance_broker_up",
        "gauge",
        "1 if the broker answered this scrape.",
        ["alliance_broker_up 1"],
    )
