"""What crosses the pipe from the worker's reader to its store process: a checked record and
the verdict the checks gave it (hub.pipeline.worker.store_process draws the pipe).

The checks (hub.pipeline.checks) make these; the effects (hub.pipeline.effects) consume them.
They are pickled for every batch, so they hold only what the writer needs: the envelope
stays behind, and the raw value travels only where a reject may keep its head.
"""

from dataclasses import dataclass
from datetime import datetime

from alliance_connector.messages import CreditSignal, InstructionAck
from alliance_connector.reasons import Reason

__all__ = ["AcceptedAck", "AcceptedSignal", "CheckedRecord", "Outcome", "Rejection"]


@dataclass(frozen=True)
class Rejection:
    reason: Reason
    detail: str
    clean: bool = False  # known to hold no personal identifier in clear: its bytes may be kept


# What the checks found in a record that passed them: all the writer needs (the envelope stays
# behind; the batch crosses to the store process, and the smaller the better).
@dataclass(frozen=True)
class AcceptedSignal:
    signal: CreditSignal


@dataclass(frozen=True)
class AcceptedAck:
    ack: InstructionAck
    issued_at: datetime  # the envelope's, on the member's clock like acked_at (hub.pipeline.acks)


Outcome = AcceptedSignal | AcceptedAck | Rejection


@dataclass(frozen=True)
class CheckedRecord:
    """A Kafka record with the verdict the checks gave it (`checks.read_batch`)."""

    topic: str
    partition: int
    offset: int
    record_time: datetime
    # The raw value, carried only where a reject may keep its head: a clean rejection, and an
    # accepted record the store may still refuse (replay, acks); None otherwise.
    value: bytes | None
    outcome: Outcome

    @property
    def source(self) -> tuple[str, int, int]:
        return (self.topic, self.partition, self.offset)
