"""Listing candidates and empty-parcel correlation end to end (issue 15 items 5 and 6), on the
real broker and both stores: reports about an unlisted company from three members, or a
platform's and a carrier's citations of the same waybills, make one candidate; confirming it
lists the company and issues the policy's instructions, dismissing it issues nothing."""

import dataclasses
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from alliance_connector import Identifier, IdentifierScheme, SignalCategory
from alliance_connector.messages import CreditSignal, Evidence
from hub.lists.reviews import decide_review
from hub.policy.loading import default_policy
from hub.store.reviews import ReviewKind
from hub.store.schema import (
    accepted_signals,
    instructions,
    list_entries,
    parcel_correlations,
    reviews,
)
from tests.integration.alliance import Alliance, RunningWorker, numbered_uscc, wait_until

UNLISTED = numbered_uscc(8_001)


def _citing(
    alliance: Alliance, name: str, category: SignalCategory, *waybills: str
) -> CreditSignal:
    subject: tuple[Identifier, ...] = (UNLISTED,)
    if category is SignalCategory.EMPTY_PARCEL:  # a carrier knows the parcel, not the shop
        subject = tuple(Identifier(IdentifierScheme.WAYBILL, w) for w in waybills[:1])
    signal = alliance.signal(name, category, *subject)
    return dataclasses.replace(
        signal, evidence=Evidence(order_count=len(waybills), waybill_refs=waybills)
    )


def _candidates(alliance: Alliance) -> list[tuple[str, str, str | None]]:
    """(review id, state, cluster) of each CANDIDATE item."""
    with alliance.engine.connect() as connection:
        rows = connection.execute(
            sa.select(reviews.c.review_id, reviews.c.state, reviews.c.cluster_id).where(
                reviews.c.kind == str(ReviewKind.CANDIDATE)
            )
        )
        return [(r.review_id, r.state, r.cluster_id) for r in rows]


def _accepted(alliance: Alliance, n: int) -> None:
    wait_until(lambda: alliance.count(accepted_signals) == n, what=f"{n} signals accepted")


@pytest.mark.parametrize("platform_first", [True, False], ids=["platform-first", "carrier-first"])
def test_a_platform_and_a_carrier_citing_one_parcel_make_one_correlation_and_a_candidate(
    alliance_on_each_store: Alliance, platform_first: bool
) -> None:
    alliance = alliance_on_each_store
    alliance.join("mall")
    alliance.join("express", kind="logistics")
    waybills = ("sf:SF0000008001", "sf:SF0000008002")
    sent = [
        ("mall", _citing(alliance, "mall", SignalCategory.FAKE_TRANSACTION, *waybills)),
        ("express", _citing(alliance, "express", SignalCategory.EMPTY_PARCEL, *waybills)),
    ]
    if not platform_first:
        sent.reverse()
    with RunningWorker(alliance.worker()):
        for n, (name, signal) in enumerate(sent, 1):
            alliance.members[name].publisher.report(signal)
            _accepted(alliance, n)
        wait_until(lambda: bool(_candidates(alliance)), what="a candidate")

    with alliance.engine.connect() as connection:
        correlations = connection.execute(sa.select(parcel_correlations)).all()
    assert len(correlations) == 1
    (correlation,) = correlations
    assert correlation.platform_reporter == alliance.members["mall"].id
    assert correlation.logistics_reporter == alliance.members["express"].id
    assert correlation.waybills == 2
    # The correlation is about the platform side's subject, and makes it a candidate.
    [(_, state, cluster)] = _candidates(alliance)
    assert state == "OPEN" and cluster == correlation.cluster_id


@pytest.mark.parametrize("confirm", [True, False], ids=["confirmed", "dismissed"])
def test_three_members_reports_make_one_candidate_and_the_decision_is_kept(
    alliance_on_each_store: Alliance, confirm: bool
) -> None:
    alliance = alliance_on_each_store
    names = ["mall", "social", "video"]
    for name in names:
        alliance.join(name)
    with RunningWorker(alliance.worker()):
        for n, name in enumerate(names, 1):
            for _ in range(2):  # two reports each: still three independent members
                signal = alliance.signal(name, SignalCategory.FAKE_TRANSACTION, UNLISTED)
                alliance.members[name].publisher.report(signal)
            _accepted(alliance, 2 * n)
            assert len(_candidates(alliance)) == (1 if n == 3 else 0)
        review_id = _candidates(alliance)[0][0]
        with alliance.engine.begin() as connection:
            decision = decide_review(
                connection,
                review_id,
                confirm,
                "operator:test",
                "three platforms' order records agree" if confirm else "one seller's dispute",
                default_policy(),
                datetime.now(UTC),
            )
        if confirm:
            wait_until(
                lambda: alliance.count(instructions, instructions.c.sent_at.is_not(None)) == 3,
                what="3 instructions sent",
            )

    with alliance.engine.connect() as connection:
        entries = connection.execute(sa.select(list_entries)).all()
        issued = connection.execute(
            sa.select(instructions.c.target_member, instructions.c.action)
        ).all()
    if not confirm:
        assert decision.state == "DISMISSED"
        assert entries == [] and issued == []
        return
    assert decision.entry_id is not None
    assert [(e.entry_id, e.list_type, e.status, e.category) for e in entries] == [
        (decision.entry_id, "BLACKLIST", "LISTED", "FAKE_TRANSACTION")
    ]
    assert "联盟" in entries[0].authority
    # The default policy while it rectifies: each reporter lowers its credit rating.
    assert sorted(issued) == sorted(
        (alliance.members[name].id, "LOWER_CREDIT_RATING") for name in names
    )
