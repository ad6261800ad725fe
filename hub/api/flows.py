"""Topic flows from the real broker: messages per topic, their rate since the previous read,
and the worker group's lag per partition."""

from typing import Annotated

from fastapi import APIRouter, Depends, Request

from hub.api.access import READERS, require
from hub.api.tokens import Principal
from hub.errors import BrokerError

router = APIRouter(tags=["flows"])


@router.get("/flows")
def flows(
    request: Request, _: Annotated[Principal, Depends(require(*READERS))]
) -> dict[str, object]:
    """Messages and rate per topic; lag per partition the workers read."""
    reader = request.app.state.flows
    if reader is None:
        raise BrokerError("the API was started without a broker (HUB_KAFKA_BOOTSTRAP)")
    now = reader.snapshot()
    before = request.app.state.last_flow
    request.app.state.last_flow = now
    messages = now.messages()
    earlier = before.messages() if before else {}
    elapsed = (now.at - before.at) if before else 0.0
    topics = [
        {
            "topic": topic,
            "messages": count,
            "rate_per_s": round((count - earlier.get(topic, count)) / elapsed, 2)
            if elapsed
            else None,
        }
        for topic, count in sorted(messages.items())
    ]
    lag = [
        {"topic": tp.topic, "partition": tp.partition, "lag": n}
        for tp, n in sorted(now.lag().items())
    ]
    return {"topics": topics, "lag": lag}
