"""The linking vocabulary without a store (docs/linking.md): what a signal asserts, which
assertions join, when a join would bridge two legal persons, and which identifiers a member
tied itself."""

import uuid
from datetime import UTC, datetime

from alliance_connector.identifiers import Identifier, IdentifierScheme
from alliance_connector.messages import CreditSignal, ObservedWindow, SignalCategory
from hub.domain.links import LinkKind, LinkRow, conflict, joining_edges, joins
from hub.pipeline.linking import plan, present_identifiers
from hub.sanctions.ties import tie_graph

S = IdentifierScheme
A = ("USCC", "91330100000000001X")
B = ("USCC", "91330100000000002X")
MOBILE = ("MOBILE", "tk1:" + "ab" * 32)
NOW = datetime(2026, 12, 3, tzinfo=UTC)


def _signal(category: SignalCategory, *subject: tuple[str, str]) -> CreditSignal:
    identifiers = tuple(Identifier(S(scheme), value) for scheme, value in subject)
    return CreditSignal(uuid.uuid4(), "mall", NOW, ObservedWindow(NOW, NOW), category, identifiers)


def test_the_anchor_is_the_strongest_own_identifier_and_others_stores_are_mentions() -> None:
    signal = _signal(
        SignalCategory.FAKE_TRANSACTION,
        ("STORE", "social:store:7"),
        MOBILE,
        ("STORE", "mall:store:1"),
        A,
        ("WAYBILL", "sf:SF1234567890"),
    )
    planned = plan(signal, "s-1")
    assert planned is not None
    assert planned.anchor == A
    assert dict(planned.assertions) == {
        ("STORE", "social:store:7"): LinkKind.MENTION,
        MOBILE: LinkKind.WEAK,
        ("STORE", "mall:store:1"): LinkKind.STRONG,
    }  # and the waybill asserts nothing


def test_a_signal_naming_only_waybills_asserts_nothing_and_only_others_stores_joins_nothing() -> (
    None
):
    assert plan(_signal(SignalCategory.EMPTY_PARCEL, ("WAYBILL", "sf:SF1234567890")), "s") is None
    only_foreign = plan(
        _signal(
            SignalCategory.FAKE_TRANSACTION,
            ("STORE", "social:store:7"),
            ("STORE", "video:store:8"),
        ),
        "s",
    )
    assert only_foreign is not None
    assert {kind for _, kind in only_foreign.assertions} == {LinkKind.MENTION}


def test_presence_is_own_stores_and_accounts_and_own_identifiers_of_presence_signals() -> None:
    named = (
        A,
        ("STORE", "mall:store:1"),
        ("STORE", "social:store:7"),
        ("WAYBILL", "sf:SF12345678"),
    )
    report = present_identifiers(_signal(SignalCategory.FAKE_TRANSACTION, *named))
    presence = present_identifiers(_signal(SignalCategory.PRESENCE, *named))
    assert [i.value for i in report] == ["mall:store:1"]
    assert [i.value for i in presence] == [A[1], "mall:store:1"]


def test_weak_links_join_once_corroborated_and_mentions_or_held_links_never() -> None:
    assert joins("strong", False, 0, 2) and joins("confirmed", True, 0, 2)
    assert not joins("weak", False, 1, 2) and joins("weak", False, 2, 2)
    assert not joins("mention", False, 9, 2) and not joins("strong", True, 0, 2)


def test_two_credit_codes_conflict_and_one_shared_code_does_not() -> None:
    assert conflict({A}, {B})
    assert not conflict({A}, {A}) and not conflict({A}, set())
    assert not conflict({A}, {("RESIDENT_ID", "tk1:" + "cd" * 32)})


def _row(a: tuple[str, str], b: tuple[str, str], by: str, kind: str, signal: str = "s") -> LinkRow:
    return LinkRow(min(a, b), max(a, b), by, signal, kind, False, False)


def test_a_member_is_tied_only_through_its_own_or_confirmed_links() -> None:
    store = ("STORE", "social:store:7")
    rows = [
        _row(A, MOBILE, "mall", "weak", "s-1"),
        _row(A, MOBILE, "mall", "weak", "s-2"),  # corroborated: joins
        _row(MOBILE, store, "social", "strong"),
    ]
    graph = tie_graph(rows, corroboration=2)
    # social reaches its store from the listed company only over mall's link: not tied.
    assert graph.tied({A}, "social", {store}) == set()
    assert graph.tied({A}, "mall", {MOBILE}) == {MOBILE}
    confirmed = tie_graph([*rows, _row(A, MOBILE, "operator", "confirmed")], 2)
    assert confirmed.tied({A}, "social", {store}) == {store}
    withdrawn = [LinkRow(r.a, r.b, r.asserted_by, r.signal_id, r.kind, r.held, True) for r in rows]
    assert joining_edges(withdrawn, 2) == {}
