"""Sanctions rest on evidence (issue 15), end to end on the real broker and on both stores:
one member's word about another member's customer sanctions no one, waybills join nothing,
a withdrawn link lifts exactly what it supported, and a replay changes nothing."""

import dataclasses
import json

import sqlalchemy as sa

from alliance_connector import Identifier, IdentifierScheme, SanctionAction, SignalCategory
from alliance_connector.messages import CreditSignal, Evidence
from hub.domain.links import edge
from hub.policy.loading import default_policy
from hub.sanctions.withdrawal import withdraw_links
from hub.store.reviews import ReviewKind
from hub.store.schema import (
    accepted_signals,
    identity_links,
    instructions,
    ledger,
    parcel_correlations,
    reviews,
    subject_identifiers,
)
from tests.integration.alliance import (
    Alliance,
    RunningWorker,
    instructions_for,
    numbered_uscc,
    wait_until,
)

LISTED = numbered_uscc(715)
INNOCENT = numbered_uscc(716)
UNLISTED = numbered_uscc(717)


def _store(alliance: Alliance, name: str, n: int = 1) -> Identifier:
    return Identifier(IdentifierScheme.STORE, f"{alliance.members[name].id}:store:{n}")


def _send(alliance: Alliance, name: str, signal: CreditSignal) -> None:
    alliance.members[name].publisher.report(signal)


def _accepted(alliance: Alliance, n: int) -> None:
    wait_until(lambda: alliance.count(accepted_signals) == n, what=f"{n} signals accepted")


def _targets(alliance: Alliance) -> dict[str, set[str]]:
    with alliance.engine.connect() as connection:
        rows = connection.execute(sa.select(instructions.c.target_member, instructions.c.action))
        found: dict[str, set[str]] = {}
        for r in rows:
            found.setdefault(r.target_member, set()).add(r.action)
    return found


def test_the_bridge_attack_sanctions_no_innocent_member(alliance_on_each_store: Alliance) -> None:
    alliance = alliance_on_each_store
    alliance.join("mall")
    alliance.join("social")
    alliance.blacklist("entry-bridge", LISTED)
    social_store = _store(alliance, "social")
    with RunningWorker(alliance.worker()):
        # social's store belongs to an unlisted company, as social itself says ...
        _send(
            alliance,
            "social",
            alliance.signal("social", SignalCategory.PRESENCE, INNOCENT, social_store),
        )
        _accepted(alliance, 1)
        # ... and mall names the blacklisted company together with that store.
        attack = alliance.signal("mall", SignalCategory.FAKE_TRANSACTION, LISTED, social_store)
        _send(alliance, "mall", attack)
        _accepted(alliance, 2)
        wait_until(lambda: alliance.count(reviews) >= 1, what="a review item")

    social = alliance.members["social"].id
    assert alliance.count(instructions, instructions.c.target_member == social) == 0
    with alliance.engine.connect() as connection:
        items = connection.execute(sa.select(reviews)).all()
        clusters = dict(
            connection.execute(
                sa.select(subject_identifiers.c.value, subject_identifiers.c.cluster_id)
            ).all()
        )
        held = connection.execute(
            sa.select(identity_links).where(identity_links.c.held.is_(True))
        ).all()
    assert [(r.kind, r.state) for r in items] == [("BRIDGE", "OPEN")]
    link = json.loads(items[0].detail)["link"]
    assert {end["value"] for end in link} == {LISTED.value, social_store.value}
    # The store stays with the company social tied it to; the one held link is mall's.
    assert clusters[social_store.value] == clusters[INNOCENT.value] != clusters[LISTED.value]
    assert [(r.asserted_by, r.signal_id) for r in held] == [
        (alliance.members["mall"].id, str(attack.signal_id))
    ]


def test_a_waybill_shared_by_two_subjects_joins_nothing(alliance_on_each_store: Alliance) -> None:
    alliance = alliance_on_each_store
    alliance.join("mall")
    alliance.join("express", kind="logistics")
    waybill = Identifier(IdentifierScheme.WAYBILL, "sf:SF0000715716")
    with RunningWorker(alliance.worker()):
        _send(
            alliance,
            "mall",
            alliance.signal("mall", SignalCategory.FAKE_TRANSACTION, LISTED, waybill),
        )
        _send(
            alliance,
            "express",
            alliance.signal("express", SignalCategory.EMPTY_PARCEL, INNOCENT, waybill),
        )
        _accepted(alliance, 2)

    with alliance.engine.connect() as connection:
        clusters = dict(
            connection.execute(
                sa.select(subject_identifiers.c.value, subject_identifiers.c.cluster_id)
            ).all()
        )
        kept = sa.select(accepted_signals.c.cluster_id).where(
            accepted_signals.c.expires_at.is_not(None)
        )
        evidence_clusters = set(connection.scalars(kept))
    assert set(clusters) == {LISTED.value, INNOCENT.value}  # no waybill is an identity
    assert clusters[LISTED.value] != clusters[INNOCENT.value]
    assert evidence_clusters == {clusters[LISTED.value], clusters[INNOCENT.value]}


def test_withdrawing_a_link_lifts_exactly_what_it_supported(
    alliance_on_each_store: Alliance,
) -> None:
    alliance = alliance_on_each_store
    alliance.join("mall")
    alliance.join("social")
    alliance.blacklist("entry-split", LISTED)
    social, mall = alliance.members["social"].id, alliance.members["mall"].id
    presence = alliance.signal(
        "social", SignalCategory.PRESENCE, LISTED, _store(alliance, "social")
    )
    with RunningWorker(alliance.worker()):
        _send(alliance, "social", presence)
        _send(
            alliance,
            "mall",
            alliance.signal("mall", SignalCategory.PRESENCE, LISTED, _store(alliance, "mall")),
        )
        _accepted(alliance, 2)
        wait_until(lambda: alliance.count(instructions) == 4, what="4 instructions")
        before = _targets(alliance)
        # social itself tied its store to the listed company; public exposure waits.
        assert before[social] == before[mall] == {"RESTRICT_MEMBERSHIP", "BLOCK_STORE"}
        with alliance.engine.begin() as connection:
            done = withdraw_links(
                connection,
                social,
                "operator:test",
                "the store was sold before the listing",
                default_policy(),
                presence.reported_at,
                signal_id=str(presence.signal_id),
                link=edge(("STORE", _store(alliance, "social").value), ("USCC", LISTED.value)),
            )
        sent = instructions_for(alliance, social, 3)

    assert done.assertions == 1 and len(done.splits) == 1
    # Only the store block at social lost its basis; its membership restriction rests on the
    # company's own presence there, and mall is untouched.
    assert [(i.action, i.target_member) for i in done.lifted] == [(SanctionAction.LIFT, social)]
    lifted = {i.supersedes for i in done.lifted}
    with alliance.engine.connect() as connection:
        actions = dict(
            connection.execute(
                sa.select(instructions.c.instruction_id, instructions.c.action).where(
                    instructions.c.instruction_id.in_(lifted)
                )
            ).all()
        )
        lift_trigger = connection.scalar(
            sa.select(instructions.c.trigger_ref).where(instructions.c.supersedes.in_(lifted))
        )
        kinds = list(
            connection.scalars(sa.select(ledger.c.kind).where(ledger.c.ref == done.withdrawal_id))
        )
    assert set(actions.values()) == {"BLOCK_STORE"}
    assert lift_trigger == done.withdrawal_id  # the LIFT names the withdrawal
    assert sorted(kinds) == ["CLUSTER_SPLIT", "LINKS_WITHDRAWN"]
    assert [i.action for i in sent][-1] is SanctionAction.LIFT
    assert _targets(alliance)[mall] == before[mall]


def _snapshot(alliance: Alliance) -> dict[str, list[tuple[object, ...]]]:
    """The links, clusters, reviews and instructions a store holds, times left out."""
    with alliance.engine.connect() as connection:
        links = connection.execute(
            sa.select(
                identity_links.c.a_value,
                identity_links.c.b_value,
                identity_links.c.signal_id,
                identity_links.c.kind,
                identity_links.c.held,
            ).order_by(
                identity_links.c.a_value, identity_links.c.b_value, identity_links.c.signal_id
            )
        ).all()
        clusters = connection.execute(
            sa.select(subject_identifiers.c.value, subject_identifiers.c.cluster_id).order_by(
                subject_identifiers.c.value
            )
        ).all()
        items = connection.execute(
            sa.select(reviews.c.review_id, reviews.c.kind).order_by(reviews.c.review_id)
        ).all()
        issued = connection.execute(
            sa.select(instructions.c.instruction_id, instructions.c.action).order_by(
                instructions.c.instruction_id
            )
        ).all()
        correlations = connection.execute(
            sa.select(parcel_correlations.c.platform_signal, parcel_correlations.c.cluster_id)
        ).all()
    return {
        "links": [tuple(r) for r in links],
        "clusters": [tuple(r) for r in clusters],
        "reviews": [tuple(r) for r in items],
        "instructions": [tuple(r) for r in issued],
        "correlations": [tuple(r) for r in correlations],
    }


def test_replaying_the_whole_input_changes_nothing(alliance_on_each_store: Alliance) -> None:
    alliance = alliance_on_each_store
    alliance.join("mall")
    alliance.join("social")
    alliance.join("express", kind="logistics")
    alliance.blacklist("entry-replay", LISTED)
    mall_store, social_store = _store(alliance, "mall"), _store(alliance, "social")
    waybill = Identifier(IdentifierScheme.WAYBILL, "sf:SF0000000715")
    signals = [
        ("social", alliance.signal("social", SignalCategory.PRESENCE, INNOCENT, social_store)),
        ("mall", alliance.signal("mall", SignalCategory.PRESENCE, LISTED, mall_store)),
        (
            "mall",
            dataclasses.replace(
                alliance.signal("mall", SignalCategory.FAKE_TRANSACTION, LISTED, social_store),
                evidence=Evidence(order_count=1, waybill_refs=(waybill.value,)),
            ),
        ),
        # Three members report an unlisted company: a listing candidate.
        *(
            (name, alliance.signal(name, SignalCategory.FAKE_TRANSACTION, UNLISTED))
            for name in ("mall", "social", "express")
        ),
        (
            "express",
            dataclasses.replace(
                alliance.signal("express", SignalCategory.EMPTY_PARCEL, LISTED),
                evidence=Evidence(order_count=1, waybill_refs=(waybill.value,)),
            ),
        ),
    ]
    with RunningWorker(alliance.worker()):
        for name, signal in signals[:1]:
            _send(alliance, name, signal)
        _accepted(alliance, 1)
        for name, signal in signals[1:]:
            _send(alliance, name, signal)
        _accepted(alliance, len(signals))
        wait_until(lambda: alliance.count(instructions) == 2, what="mall's 2 instructions")
    first = _snapshot(alliance)
    ledger_rows = alliance.count(ledger)

    # A new consumer group reads every record again, as after a crash that lost every offset.
    alliance.group = f"{alliance.group}-again"
    with RunningWorker(alliance.worker()) as worker:
        stats = worker.stats
        assert stats is not None
        wait_until(lambda: stats.records >= len(signals), what="every record read again")
    assert _snapshot(alliance) == first
    assert alliance.count(ledger) == ledger_rows
    # mall's public exposure waits for an operator; its fake-order report names social's
    # store, which sits with another company: a bridge to review; three members reported the
    # unlisted company: a candidate. mall's report and the carrier's cite one waybill.
    assert sorted(str(kind) for _, kind in first["reviews"]) == [
        str(ReviewKind.BRIDGE),
        str(ReviewKind.CANDIDATE),
        str(ReviewKind.SANCTION),
    ]
    assert len(first["correlations"]) == 1
