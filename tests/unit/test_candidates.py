"""Listing candidates on a migrated SQLite store: enough independent reporters, or a parcel
correlation, open one CANDIDATE item (hub.pipeline.candidates); an operator's confirmation lists
the subject as an alliance-sourced entry through the normal import path and a dismissal lists
nothing, both in the ledger (hub.lists.candidates). tests/integration/test_candidates_store.py
runs the same cases on PostgreSQL through the `engine` fixture."""

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from alliance_connector.messages import ListType, SignalCategory
from hub.api.errors import status_of
from hub.domain.china_time import add_months
from hub.errors import ImportRefused, ReviewDecided, WrongReviewKind
from hub.lists.candidates import (
    ALLIANCE_AUTHORITY,
    candidate_entry_id,
    confirm_candidate,
    dismiss_candidate,
)
from hub.pipeline.candidates import candidate_id, new_candidates
from hub.pipeline.correlation import LOGISTICS, PLATFORM, Citation, correlate
from hub.policy.loading import default_policy
from hub.policy.rules import Safeguards
from hub.store.engine import open_engine
from hub.store.members import register_member
from hub.store.migrate import upgrade
from hub.store.reviews import (
    NewReview,
    Review,
    ReviewKind,
    ReviewState,
    open_reviews,
    review_id,
    review_of,
)
from hub.store.schema import (
    accepted_signals,
    identity_links,
    instructions,
    ledger,
    list_entries,
    list_entry_identifiers,
    parcel_correlations,
    presences,
    subject_identifiers,
)

NOW = datetime(2026, 11, 29, 8, 0, tzinfo=UTC)
SAFEGUARDS = Safeguards()  # candidate_members 3, candidate_window_days 90, review_days 2
FAKE, COUNTERFEIT = SignalCategory.FAKE_TRANSACTION, SignalCategory.COUNTERFEIT
CLUSTER = "c-1"
USCC = ("USCC", "91330100000000001X")
STORE = ("STORE", "mall:store:7")
MOBILE = ("MOBILE", "tk1:" + "ab" * 32)
WAYBILL = ("WAYBILL", "sf:123456")  # never identity: a confirmed entry must not carry it


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[sa.Engine]:
    engine = open_engine(f"sqlite:///{tmp_path / 'store.sqlite3'}")
    upgrade(engine)
    yield engine
    engine.dispose()


def report(
    engine: sa.Engine,
    reporter: str,
    signal: str,
    category: SignalCategory = FAKE,
    cluster: str = CLUSTER,
    at: datetime = NOW - timedelta(days=1),
) -> None:
    with engine.begin() as connection:
        connection.execute(
            accepted_signals.insert().values(
                reporter=reporter,
                signal_id=signal,
                cluster_id=cluster,
                category=str(category),
                ledger_seq=0,
                received_at=at,
                severity="HIGH",
                window_start=at - timedelta(days=7),
                window_end=at,
                order_count=5,
                amount_fen=9900,
                order_refs="[]",
                waybill_refs="[]",
                note=None,
                # Each names the company; the mall its own store too.
                subject=json.dumps(
                    [{"scheme": USCC[0], "value": USCC[1]}]
                    + ([{"scheme": STORE[0], "value": STORE[1]}] if reporter == "mall" else [])
                ),
                record_at=at,
                expires_at=at + timedelta(days=180),
            )
        )


def correlation(engine: sa.Engine, at: datetime, cluster: str = CLUSTER) -> None:
    with engine.begin() as connection:
        connection.execute(
            parcel_correlations.insert().values(
                platform_reporter="mall",
                platform_signal="p-1",
                logistics_reporter="express",
                logistics_signal="l-1",
                cluster_id=cluster,
                waybills=3,
                correlated_at=at,
            )
        )


def candidates(engine: sa.Engine, *clusters: str, now: datetime = NOW) -> list[NewReview]:
    with engine.begin() as connection:
        return new_candidates(connection, clusters or (CLUSTER,), SAFEGUARDS, now)


def three_reporters(engine: sa.Engine, second: SignalCategory = COUNTERFEIT) -> None:
    report(engine, "mall", "s-1")
    report(engine, "mall", "s-2")
    report(engine, "social", "s-3", second)
    report(engine, "express", "s-4")


def test_three_reporters_make_one_candidate(engine: sa.Engine) -> None:
    three_reporters(engine)
    assert candidates(engine) == [
        NewReview(
            review_id(ReviewKind.CANDIDATE, CLUSTER),
            ReviewKind.CANDIDATE,
            {
                "reporters": ["express", "mall", "social"],
                "signals": 4,
                "categories": {"COUNTERFEIT": 1, "FAKE_TRANSACTION": 3},
                "correlations": 0,
            },
            NOW + timedelta(days=2),
            cluster_id=CLUSTER,
        )
    ]


def test_two_reporters_make_none_however_often_they_report(engine: sa.Engine) -> None:
    for n in range(10):
        report(engine, "mall", f"m-{n}")
        report(engine, "social", f"s-{n}")
    assert candidates(engine) == []


def test_presence_and_reports_before_the_window_do_not_count(engine: sa.Engine) -> None:
    report(engine, "mall", "s-1")
    report(engine, "social", "s-2")
    report(engine, "express", "s-3", SignalCategory.PRESENCE)
    report(engine, "jd", "s-4", at=NOW - timedelta(days=90, microseconds=1))
    assert candidates(engine) == []
    report(engine, "jd", "s-5", at=NOW - timedelta(days=90))  # the window's first moment
    assert [c.detail["reporters"] for c in candidates(engine)] == [["jd", "mall", "social"]]


def test_a_parcel_correlation_in_the_window_makes_a_candidate(engine: sa.Engine) -> None:
    report(engine, "mall", "s-1")
    correlation(engine, NOW - timedelta(days=3))
    (item,) = candidates(engine)
    assert item.cluster_id == CLUSTER
    assert item.detail == {
        "reporters": ["mall"],
        "signals": 1,
        "categories": {"FAKE_TRANSACTION": 1},
        "correlations": 1,
    }


@pytest.mark.parametrize("carrier_first", [False, True])
def test_a_platform_and_a_carrier_on_the_same_waybills_make_a_candidate(
    engine: sa.Engine, carrier_first: bool
) -> None:
    shop = Citation("mall", "p-1", PLATFORM, FAKE, CLUSTER, ("sf:1", "sf:2"), NOW)
    parcels = Citation(
        "express", "l-1", LOGISTICS, SignalCategory.EMPTY_PARCEL, "c-9", ("sf:2",), NOW
    )
    report(engine, "mall", "p-1")
    made = []
    for citation in (parcels, shop) if carrier_first else (shop, parcels):
        with engine.begin() as connection:
            made += correlate(connection, [citation], timedelta(days=30), NOW)
    assert [(m.cluster_id, m.waybills) for m in made] == [(CLUSTER, 1)]
    (item,) = candidates(engine, CLUSTER, "c-9")
    assert (item.cluster_id, item.detail["correlations"]) == (CLUSTER, 1)


def test_a_correlation_before_the_window_makes_none(engine: sa.Engine) -> None:
    correlation(engine, NOW - timedelta(days=91))
    assert candidates(engine) == []


def test_only_the_clusters_named_are_looked_at(engine: sa.Engine) -> None:
    three_reporters(engine)
    for reporter in ("mall", "social", "express"):
        report(engine, reporter, f"o-{reporter}", cluster="c-2")
    assert [c.cluster_id for c in candidates(engine, "c-2", "c-9")] == ["c-2"]
    assert [c.cluster_id for c in candidates(engine, CLUSTER, "c-2")] == [CLUSTER, "c-2"]


def test_a_stored_candidate_is_not_returned_again_in_any_state(engine: sa.Engine) -> None:
    three_reporters(engine)
    report(engine, "mall", "x-1", cluster="c-2")
    correlation(engine, NOW, cluster="c-2")
    items = candidates(engine, CLUSTER, "c-2")
    with engine.begin() as connection:
        open_reviews(connection, items, NOW)
        dismiss_candidate(connection, review(connection, "c-2"), "op", "carrier's error", NOW)
    report(engine, "jd", "s-9")
    report(engine, "jd", "x-9", cluster="c-2")
    assert candidates(engine, CLUSTER, "c-2", now=NOW + timedelta(days=1)) == []


def test_many_clusters_take_one_query_and_four_when_one_qualifies(engine: sa.Engine) -> None:
    three_reporters(engine)
    statements: list[str] = []

    def count(*args: object) -> None:
        statements.append(str(args[2]))

    others = [f"other-{n}" for n in range(400)]
    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        with engine.begin() as connection:
            # A worker's batch, no correlation in it: one grouped count, nothing qualifies.
            assert new_candidates(connection, others, SAFEGUARDS, NOW, correlated=()) == []
        assert len(statements) == 1
        # Correlations looked up for all, one qualifies: its details and its review state.
        found = candidates(engine, CLUSTER, *others)
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)
    assert len(found) == 1
    assert len(statements) == 1 + 4


# The operator's decisions.


def subject(engine: sa.Engine, cluster: str = CLUSTER) -> None:
    """Members, the cluster's identifiers, and mall's own store of the subject (its presence,
    tied by mall's own link)."""
    with engine.begin() as connection:
        for member, kind in (
            ("mall", "platform"),
            ("social", "platform"),
            ("express", "logistics"),
        ):
            register_member(connection, member, kind, member.title(), list(SignalCategory), NOW)
        connection.execute(
            subject_identifiers.insert(),
            [
                {"scheme": s, "value": v, "cluster_id": cluster}
                for s, v in (USCC, STORE, MOBILE, WAYBILL)
            ],
        )
        connection.execute(
            presences.insert().values(
                member_id="mall", scheme=STORE[0], value=STORE[1], first_seen=NOW
            )
        )
        connection.execute(
            identity_links.insert().values(
                a_scheme=STORE[0],
                a_value=STORE[1],
                b_scheme=USCC[0],
                b_value=USCC[1],
                asserted_by="mall",
                signal_id="s-1",
                kind="strong",
                asserted_at=NOW,
            )
        )


def review(connection: sa.Connection, cluster: str = CLUSTER) -> Review:
    found = review_of(connection, candidate_id(cluster), lock=True)
    assert found is not None
    return found


def opened(engine: sa.Engine, second: SignalCategory = COUNTERFEIT) -> None:
    subject(engine)
    three_reporters(engine, second)
    with engine.begin() as connection:
        open_reviews(connection, new_candidates(connection, [CLUSTER], SAFEGUARDS, NOW), NOW)


def confirm(
    engine: sa.Engine,
    list_type: ListType | None = None,
    category: SignalCategory | None = None,
    at: datetime = NOW + timedelta(hours=1),
) -> str:
    with engine.begin() as connection:
        return confirm_candidate(
            connection,
            review(connection),
            "op-li",
            "three members, same store",
            list_type,
            category,
            default_policy(),
            at,
        )


def entry_row(engine: sa.Engine, entry_id: str) -> dict[str, Any]:
    with engine.connect() as connection:
        row = connection.execute(
            sa.select(list_entries).where(list_entries.c.entry_id == entry_id)
        ).one()
        ids = connection.execute(
            sa.select(list_entry_identifiers.c.scheme, list_entry_identifiers.c.value)
            .where(list_entry_identifiers.c.entry_id == entry_id)
            .order_by(list_entry_identifiers.c.scheme)
        )
        return {**row._asdict(), "identifiers": [tuple(i) for i in ids]}


def ledger_rows(engine: sa.Engine, kind: str) -> list[tuple[str, str | None, dict[str, Any]]]:
    with engine.connect() as connection:
        rows = connection.execute(
            sa.select(ledger.c.actor, ledger.c.ref, ledger.c.body)
            .where(ledger.c.kind == kind)
            .order_by(ledger.c.seq)
        )
        return [(r.actor, r.ref, json.loads(r.body)) for r in rows]


def sent(engine: sa.Engine) -> list[tuple[str, str, str]]:
    with engine.connect() as connection:
        rows = connection.execute(
            sa.select(
                instructions.c.target_member, instructions.c.action, instructions.c.entry_id
            ).order_by(instructions.c.target_member, instructions.c.action)
        )
        return [tuple(r) for r in rows]


def state(engine: sa.Engine) -> ReviewState:
    with engine.connect() as connection:
        return review(connection).state


def test_confirming_lists_the_subject_as_an_alliance_entry(engine: sa.Engine) -> None:
    opened(engine)
    at = NOW + timedelta(hours=1)
    entry_id = confirm(engine)
    rid = candidate_id(CLUSTER)
    assert entry_id == candidate_entry_id(rid) == "alliance-" + rid.removeprefix("rev-")
    row = entry_row(engine, entry_id)
    assert (row["list_type"], row["category"], row["status"]) == ("BLACKLIST", str(FAKE), "LISTED")
    assert (row["authority"], row["document_no"]) == (ALLIANCE_AUTHORITY, rid)
    deadline = row["rectification_deadline"].replace(tzinfo=UTC)
    assert deadline == add_months(at, 3).astimezone(UTC)  # the category's default period
    # What the reporters said the subject is (each report's anchor), not the whole cluster:
    # its store, mobile and waybill were linked by members, not reported as the subject.
    assert row["identifiers"] == [USCC]
    body = {
        "review": rid,
        "entry": entry_id,
        "reason": "three members, same store",
        "legal_basis": "发改财金〔2018〕716号 §4 last paragraph",
    }
    assert ledger_rows(engine, "CANDIDATE_CONFIRMED") == [("op-li", rid, body)]
    assert len(ledger_rows(engine, "LIST_ENTRIES_LISTED")) == 1
    with engine.connect() as connection:
        decided = review(connection)
    assert (decided.state, decided.decided_by, decided.decided_at) == (
        ReviewState.CONFIRMED,
        "op-li",
        at,
    )
    # A listed blacklist entry in its rectification period: the default policy's sanctions
    # follow signals (reporter rules), none at presence yet.
    assert sent(engine) == []


def test_the_default_category_is_the_most_reported_ties_by_name(engine: sa.Engine) -> None:
    opened(engine)
    report(engine, "social", "s-5", COUNTERFEIT)
    report(engine, "social", "s-6", COUNTERFEIT)  # 3 each, after the item opened
    # The counts are the item's (3 FAKE_TRANSACTION, 1 COUNTERFEIT when it opened).
    assert entry_row(engine, confirm(engine))["category"] == str(FAKE)


def test_a_tie_goes_to_the_first_name(engine: sa.Engine) -> None:
    subject(engine)
    report(engine, "mall", "s-1", FAKE)
    report(engine, "social", "s-2", COUNTERFEIT)
    report(engine, "express", "s-3", SignalCategory.EMPTY_PARCEL)
    with engine.begin() as connection:
        open_reviews(connection, new_candidates(connection, [CLUSTER], SAFEGUARDS, NOW), NOW)
    assert entry_row(engine, confirm(engine))["category"] == str(COUNTERFEIT)


def test_a_watch_list_confirmation_issues_the_policys_instructions(engine: sa.Engine) -> None:
    opened(engine, SignalCategory.FALSE_ADVERTISING)
    entry_id = confirm(engine, ListType.WATCHLIST)
    row = entry_row(engine, entry_id)
    assert (row["list_type"], row["category"]) == ("WATCHLIST", "FALSE_ADVERTISING")
    # watchlist-presence: a lowered credit rating where the subject is present (mall only).
    assert sent(engine) == [("mall", "LOWER_CREDIT_RATING", entry_id)]


def test_a_named_category_picks_its_list(engine: sa.Engine) -> None:
    opened(engine)
    entry_id = confirm(engine, category=SignalCategory.CONTRACT_BREACH)
    row = entry_row(engine, entry_id)
    assert (row["list_type"], row["category"]) == ("WATCHLIST", "CONTRACT_BREACH")


@pytest.mark.parametrize(
    ("list_type", "category"),
    [
        (ListType.BLACKLIST, SignalCategory.FALSE_ADVERTISING),  # a watch-list behaviour
        (None, SignalCategory.PRESENCE),  # not a behaviour
        (ListType.WATCHLIST, None),  # nothing reported fits the watch list
    ],
)
def test_a_category_the_list_does_not_take_is_refused_before_anything_is_written(
    engine: sa.Engine, list_type: ListType | None, category: SignalCategory | None
) -> None:
    opened(engine)
    with pytest.raises(ImportRefused) as refused:
        confirm(engine, list_type, category)
    assert [field for _, field, _ in refused.value.problems] == ["category"]
    assert state(engine) is ReviewState.OPEN
    assert ledger_rows(engine, "CANDIDATE_CONFIRMED") == []
    with engine.connect() as connection:
        assert connection.scalar(sa.select(sa.func.count()).select_from(list_entries)) == 0


def test_dismissing_records_the_decision_and_lists_nothing(engine: sa.Engine) -> None:
    opened(engine)
    with engine.begin() as connection:
        dismiss_candidate(connection, review(connection), "op-li", "one seller, three shops", NOW)
    assert state(engine) is ReviewState.DISMISSED
    rid = candidate_id(CLUSTER)
    assert ledger_rows(engine, "CANDIDATE_DISMISSED") == [
        ("op-li", rid, {"review": rid, "reason": "one seller, three shops"})
    ]
    with engine.connect() as connection:
        assert connection.scalar(sa.select(sa.func.count()).select_from(list_entries)) == 0
    assert sent(engine) == []


def test_a_decided_item_cannot_be_decided_again(engine: sa.Engine) -> None:
    opened(engine)
    with engine.begin() as connection:
        stale = review(connection)
    confirm(engine)
    with engine.begin() as connection, pytest.raises(ReviewDecided):
        dismiss_candidate(connection, review(connection), "op-wang", "no", NOW)
    with engine.begin() as connection, pytest.raises(ReviewDecided):
        # Read before the other operator decided: the store still refuses it.
        confirm_candidate(connection, stale, "op-wang", "yes", None, None, default_policy(), NOW)
    with engine.begin() as connection, pytest.raises(ReviewDecided):
        dismiss_candidate(connection, stale, "op-wang", "no", NOW)
    assert len(ledger_rows(engine, "CANDIDATE_CONFIRMED")) == 1
    assert ledger_rows(engine, "CANDIDATE_DISMISSED") == []


def test_review_errors_answer_409() -> None:
    assert status_of(ReviewDecided("rev-1", "DISMISSED")) == (409, "conflict")
    assert status_of(WrongReviewKind("rev-1", "BRIDGE", "CANDIDATE")) == (409, "conflict")


def test_an_item_of_another_kind_is_refused(engine: sa.Engine) -> None:
    subject(engine)
    bridge = NewReview(
        review_id(ReviewKind.BRIDGE, "edge"), ReviewKind.BRIDGE, {}, NOW, cluster_id=CLUSTER
    )
    with engine.begin() as connection:
        open_reviews(connection, [bridge], NOW)
        item = review_of(connection, bridge.review_id)
        assert item is not None
        with pytest.raises(WrongReviewKind):
            confirm_candidate(connection, item, "op", "x", None, FAKE, default_policy(), NOW)
        with pytest.raises(WrongReviewKind):
            dismiss_candidate(connection, item, "op", "x", NOW)
        assert review_of(connection, bridge.review_id) == item
