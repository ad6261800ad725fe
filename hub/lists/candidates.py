"""An operator's decision on a listing candidate (hub.pipeline.candidates opens them):
confirmed, the subject becomes an alliance-sourced list entry; dismissed, nothing follows.

Notice 2018-716 §4, last paragraph: brushing and counterfeit information that platforms
supply is acted on through the alliance. That is the legal basis of an entry made here: its
authority is the alliance, its document number the review item, its listing's source and the
decision's ledger row cite the paragraph. The entry goes through the normal import path
(hub.lists.imports), so it gets the category's rectification deadline and the instructions
the policy calls for, exactly as an entry a department listed would; the decision and the
listing are one transaction, the caller's.
"""

from collections import Counter
from collections.abc import Mapping
from datetime import datetime

import sqlalchemy as sa

from alliance_connector.identifiers import Identifier, IdentifierScheme
from alliance_connector.messages import ListType, SignalCategory
from hub.domain.categories import CATEGORIES, categories_on
from hub.domain.links import anchor_of
from hub.domain.lists import ListEntry
from hub.errors import ImportRefused, ReviewDecided, WrongReviewKind
from hub.ledger.chain import LedgerEntry, append
from hub.lists.imports import apply_import
from hub.policy.rules import Policy
from hub.sanctions.index import IndexedEntry, ListIndex
from hub.sanctions.instructions import Decided, Trigger, issue_for_clusters
from hub.store.evidence_reads import evidence_of
from hub.store.matching import entry_keys, entry_now
from hub.store.reviews import Review, ReviewKind, ReviewState, decide

__all__ = [
    "sanction_reporters",
    "ALLIANCE_AUTHORITY",
    "LEGAL_PARAGRAPH",
    "SUBJECT_NAME",
    "candidate_entry_id",
    "confirm_candidate",
    "dismiss_candidate",
]

ALLIANCE_AUTHORITY = "反炒信联盟 / the alliance"
LEGAL_PARAGRAPH = "§4 last paragraph"  # of the policy's citation of notice 2018-716
# Signals name identifiers, never a name: the entry says whose reports made it.
SUBJECT_NAME = "联盟成员报告的主体 / subject reported by alliance members"
_FIT_RULE = (
    f"does not fit the list type: the {ListType.WATCHLIST} takes "
    f"{' and '.join(categories_on(ListType.WATCHLIST))}, the {ListType.BLACKLIST} the rest"
)


def candidate_entry_id(review_id: str) -> str:
    """The entry a confirmed candidate becomes: 'alliance-' and the review id's digest."""
    return "alliance-" + review_id.removeprefix("rev-")


def _check_open(review: Review) -> None:
    if review.kind is not ReviewKind.CANDIDATE:
        raise WrongReviewKind(review.review_id, str(review.kind), str(ReviewKind.CANDIDATE))
    if review.state is not ReviewState.OPEN:
        raise ReviewDecided(review.review_id, str(review.state))


def _refused(review: Review, field: str, rule: str) -> ImportRefused:
    return ImportRefused(f"review {review.review_id}", [(0, field, rule)])


def _most_reported(counts: Mapping[str, int], list_type: ListType) -> SignalCategory | None:
    """The category most reported among those `list_type` takes; ties go by name."""
    fitting = [
        (-n, name)
        for name, n in counts.items()
        if name in CATEGORIES and CATEGORIES[SignalCategory(name)].list_type is list_type
    ]
    return SignalCategory(min(fitting)[1]) if fitting else None


def _listing(
    review: Review, list_type: ListType | None, category: SignalCategory | None
) -> tuple[ListType, SignalCategory]:
    """The list and category the entry goes on: the operator's, else the defaults (the list
    the named category belongs on, or the blacklist; the most reported category)."""
    if category is not None and category not in CATEGORIES:
        raise _refused(review, "category", "is not a behaviour a subject is listed for")
    if list_type is None:
        list_type = CATEGORIES[category].list_type if category else ListType.BLACKLIST
    if category is None:
        counts = Counter({k: int(v) for k, v in review.detail.get("categories", {}).items()})
        if review.detail.get("correlations"):
            # A platform and a carrier saw the same empty parcels: that behaviour, counted
            # once per correlation, besides what the reports named.
            counts[str(SignalCategory.EMPTY_PARCEL)] += int(review.detail["correlations"])
        category = _most_reported(counts, list_type)
        if category is None:
            raise _refused(review, "category", "no reported category fits the list type: name one")
    if CATEGORIES[category].list_type is not list_type:
        raise _refused(review, "category", _FIT_RULE)
    return list_type, category


def _identifiers(connection: sa.Connection, review: Review) -> tuple[Identifier, ...]:
    """What the reporters themselves said the subject is: the anchor of each misconduct
    report about the cluster (docs/linking.md), never the whole cluster, which may hold what
    one member linked to it alone (a weak link it corroborated itself) and would tie other
    members to the listing through identifiers they never tied."""
    reports = (
        evidence_of(connection, review.cluster_id, limit=500).evidence if review.cluster_id else []
    )
    anchors = {
        anchor_of(
            (Identifier(IdentifierScheme(i["scheme"]), i["value"]) for i in report.subject),
            report.reporter,
        )
        for report in reports
        if report.category != SignalCategory.PRESENCE
    }
    identifiers = tuple(
        sorted((a for a in anchors if a is not None), key=lambda i: (i.scheme, i.value))
    )
    if not identifiers:
        raise _refused(review, "cluster", "the candidate's subject has no identifier left")
    return identifiers


def confirm_candidate(
    connection: sa.Connection,
    review: Review,
    actor: str,
    reason: str,
    list_type: ListType | None,
    category: SignalCategory | None,
    policy: Policy,
    now: datetime,
) -> str:
    """List the candidate's subject as an alliance-sourced entry, record the decision and
    one ledger row CANDIDATE_CONFIRMED; return the entry's id.

    `list_type` None: the list `category` belongs on, or the blacklist; `category` None: the
    most reported category that list takes (ties by name). Raises WrongReviewKind for another
    kind of item, ReviewDecided for one no longer OPEN (also when another operator decided it
    meanwhile), ImportRefused for a category the list does not take; nothing is written then.
    """
    _check_open(review)
    chosen_list, chosen_category = _listing(review, list_type, category)
    identifiers = _identifiers(connection, review)
    if not decide(connection, review.review_id, ReviewState.CONFIRMED, actor, reason, now):
        raise ReviewDecided(review.review_id, "decided")
    entry_id = candidate_entry_id(review.review_id)
    entry = ListEntry(
        entry_id=entry_id,
        list_type=chosen_list,
        category=chosen_category,
        subject_name=SUBJECT_NAME,
        identifiers=identifiers,
        authority=ALLIANCE_AUTHORITY,
        document_no=review.review_id,
        province="",
        city="",
        listed_at=now,
    )
    body = {
        "review": review.review_id,
        "entry": entry_id,
        "reason": reason,
        "legal_basis": f"{policy.legal_basis} {LEGAL_PARAGRAPH}",
    }
    # The decision first, then what follows from it, as the chain should read.
    append(connection, [LedgerEntry("CANDIDATE_CONFIRMED", actor, body, review.review_id)], now)
    source = f"{review.review_id} ({LEGAL_PARAGRAPH})"
    apply_import(connection, [entry], actor, source, policy, now, complete=False)
    return entry_id


def dismiss_candidate(
    connection: sa.Connection, review: Review, actor: str, reason: str, now: datetime
) -> None:
    """Record the dismissal and one ledger row CANDIDATE_DISMISSED; nothing is listed.
    Raises WrongReviewKind and ReviewDecided as `confirm_candidate` does."""
    _check_open(review)
    if not decide(connection, review.review_id, ReviewState.DISMISSED, actor, reason, now):
        raise ReviewDecided(review.review_id, "decided")
    body = {"review": review.review_id, "reason": reason}
    append(connection, [LedgerEntry("CANDIDATE_DISMISSED", actor, body, review.review_id)], now)


def sanction_reporters(
    connection: sa.Connection, review: Review, entry_id: str, policy: Policy, now: datetime
) -> Decided:
    """What the policy calls for now that the candidate is listed, at each member whose
    reports made it one (the reporter rules: a lowered credit rating while it rectifies, by
    default), as if each had reported once more: the listing follows their evidence."""
    cluster = review.cluster_id
    if cluster is None:
        return Decided()
    reports = evidence_of(connection, cluster, limit=500).evidence
    triggers: dict[str, Trigger] = {}
    for report in sorted(reports, key=lambda r: r.record_at):
        if report.category != SignalCategory.PRESENCE and report.reporter not in triggers:
            subject = tuple(
                Identifier(IdentifierScheme(i["scheme"]), i["value"]) for i in report.subject
            )
            triggers[report.reporter] = Trigger(
                report.signal_id, report.record_at, report.reporter, True, subject
            )
    entry = entry_now(connection, entry_id)
    index = ListIndex()
    keys = entry_keys(connection, [entry_id]).get(entry_id, set())
    index.put(
        IndexedEntry(entry_id, 1, entry.list_type, entry.category, entry.status, frozenset(keys))
    )
    return issue_for_clusters(connection, {cluster: list(triggers.values())}, index, policy, now)
