"""Simulated members: platforms report presences and brushing, the carrier reports empty
parcels, and every member executes and acknowledges the instructions it receives."""

import logging
import random
import threading
import uuid
from datetime import UTC, datetime, timedelta

from alliance_connector import (
    AckStatus,
    BrokerConnection,
    CreditSignal,
    Identifier,
    IdentifierScheme,
    InstructionListener,
    ObservedWindow,
    Publisher,
    SignalCategory,
    TokenKey,
)
from alliance_connector.signing import VerifyKey
from hub.demo.alliance import LISTED, DemoMember, listed_uscc

__all__ = ["acknowledge", "report"]

log = logging.getLogger(__name__)
SUBJECTS = 40  # subjects 0..39: the first LISTED are on the lists


def _signal(member: DemoMember, rng: random.Random) -> CreditSignal:
    now = datetime.now(UTC)
    subject = rng.randrange(SUBJECTS)
    company = listed_uscc(subject)
    if member.kind == "logistics":
        waybill = Identifier(IdentifierScheme.WAYBILL, f"sf:SF{rng.randrange(10**12):012d}")
        category, identifiers = SignalCategory.EMPTY_PARCEL, (company, waybill)
    else:
        store = Identifier(IdentifierScheme.STORE, f"{member.member_id}:store:{subject}")
        category = rng.choice(
            [SignalCategory.PRESENCE, SignalCategory.PRESENCE, SignalCategory.FAKE_TRANSACTION]
        )
        identifiers = (company, store)
    window = ObservedWindow(now - timedelta(hours=rng.randrange(1, 48)), now)
    return CreditSignal(uuid.uuid4(), member.member_id, now, window, category, identifiers)


def report(
    member: DemoMember,
    token_key: TokenKey,
    broker: BrokerConnection,
    stop: threading.Event,
    per_second: float = 2.0,
) -> None:
    """Publish realistic signals until `stop`, about `per_second` of them, connected as the
    member itself (`broker` carries its own credential when the broker is confined)."""
    rng = random.Random(member.member_id)  # noqa: S311 - simulated traffic, not secrets
    publisher = Publisher(member.member_id, member.key, token_key, broker)
    try:
        while not stop.wait(rng.expovariate(per_second)):
            publisher.report(_signal(member, rng))
    except Exception:
        log.exception("simulated member %s stopped reporting", member.member_id)
    finally:
        publisher.close()


def acknowledge(
    member: DemoMember, hub_key: VerifyKey, broker: BrokerConnection, stop: threading.Event
) -> None:
    """Execute and acknowledge every instruction until `stop`, after a human-like delay."""
    listener = InstructionListener(member.member_id, [hub_key], member.key, broker)
    rng = random.Random(member.member_id + "-acks")  # noqa: S311 - simulated delays
    try:
        while not stop.is_set():
            instruction = listener.receive(timeout_s=0.5)
            if instruction is not None and not stop.wait(rng.uniform(0.5, 3.0)):
                listener.ack(instruction, AckStatus.EXECUTED, "demo: done")
    except Exception:
        log.exception("simulated member %s stopped acknowledging", member.member_id)
    finally:
        listener.close()


assert LISTED < SUBJECTS  # noqa: S101 - some subjects are on no list
