"""MEMBER_SUSPENDED: what a member's topics received inside one of its suspension periods is
refused, before its key is looked up; what they received outside one is checked as usual."""

import dataclasses
from datetime import timedelta

import pytest

from alliance_connector.reasons import Reason
from hub.pipeline.messages import AcceptedSignal, Rejection
from hub.store.member_standing import SuspendedPeriod
from tests.testvectors import AT
from tests.unit.one_record import check_record
from tests.unit.test_checks import CONTEXT, TOPIC, envelope

HOUR = timedelta(hours=1)


@pytest.mark.parametrize(
    ("period", "refused"),
    [
        (SuspendedPeriod(AT - HOUR, None), True),  # suspended before, still suspended
        (SuspendedPeriod(AT, AT + HOUR), True),  # the period's first instant is inside
        (SuspendedPeriod(AT - HOUR, AT), False),  # resumed at the record's time: outside
        (SuspendedPeriod(AT + HOUR, None), False),  # suspended after the broker took it
    ],
)
def test_a_record_inside_a_suspension_is_refused(period: SuspendedPeriod, refused: bool) -> None:
    context = dataclasses.replace(CONTEXT, suspensions={"shop-a": (period,)})
    outcome = check_record(envelope().to_bytes(), TOPIC, AT, context)
    if refused:
        assert isinstance(outcome, Rejection)
        assert outcome.reason is Reason.MEMBER_SUSPENDED
        assert outcome.clean is False  # refused before the signature: its bytes are not kept
    else:
        assert isinstance(outcome, AcceptedSignal)


def test_suspension_is_decided_before_the_key() -> None:
    # A removed member's keys are revoked too; the reason given is its standing.
    context = dataclasses.replace(CONTEXT, suspensions={"shop-a": (SuspendedPeriod(AT, None),)})
    outcome = check_record(envelope(key_id="ed25519:unknown").to_bytes(), TOPIC, AT, context)
    assert isinstance(outcome, Rejection) and outcome.reason is Reason.MEMBER_SUSPENDED


def test_another_members_suspension_does_not_touch_this_one() -> None:
    context = dataclasses.replace(CONTEXT, suspensions={"shop-b": (SuspendedPeriod(AT, None),)})
    assert isinstance(check_record(envelope().to_bytes(), TOPIC, AT, context), AcceptedSignal)
