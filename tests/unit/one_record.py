"""Checking one record at a time, as the unit tests do: the worker checks whole batches
(open_batch, then read_batch once the signatures are verified in other processes)."""

from datetime import datetime

from hub.pipeline.checks import CheckContext, open_batch, read_batch
from hub.pipeline.messages import Outcome
from hub.pipeline.signatures import verify_all


def check_record(
    value: bytes | None, topic: str, record_time: datetime, context: CheckContext
) -> Outcome:
    """Check one record from a signals or acks topic, its signature in this thread."""
    batch = open_batch([(value, topic, record_time)], context)
    return read_batch(batch, verify_all(batch.signature_checks))[0]
