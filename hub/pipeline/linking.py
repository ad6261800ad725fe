"""Identity linking: identifiers reported together belong to one subject cluster.

A signal naming a USCC, a store and a tokenised mobile joins all three; when it names
identifiers already in different clusters, those clusters merge. Merging keeps the smallest
cluster id, so two workers merging the same clusters choose the same survivor.
"""

import uuid
from collections.abc import Iterable
from datetime import datetime

import sqlalchemy as sa

from alliance_connector.identifiers import Identifier, IdentifierScheme
from alliance_connector.messages import CreditSignal, SignalCategory
from hub.store.schema import accepted_signals, presences, subject_identifiers
from hub.store.upsert import insert_ignore

__all__ = ["link", "present_identifiers", "record_presence"]


def link(connection: sa.Connection, identifiers: Iterable[Identifier]) -> str:
    """Put the identifiers into one cluster (merging as needed) and return its id."""
    keys = {(str(i.scheme), i.value) for i in identifiers}
    pairs = sa.tuple_(subject_identifiers.c.scheme, subject_identifiers.c.value)
    found = connection.execute(
        sa.select(
            subject_identifiers.c.scheme,
            subject_identifiers.c.value,
            subject_identifiers.c.cluster_id,
        ).where(pairs.in_(list(keys)))
    ).all()
    clusters = sorted({row.cluster_id for row in found})
    cluster = clusters[0] if clusters else str(uuid.uuid4())
    if len(clusters) > 1:
        absorbed = clusters[1:]
        for table in (subject_identifiers, accepted_signals):
            connection.execute(
                table.update().where(table.c.cluster_id.in_(absorbed)).values(cluster_id=cluster)
            )
    known = {(row.scheme, row.value) for row in found}
    insert_ignore(
        connection,
        subject_identifiers,
        [{"scheme": s, "value": v, "cluster_id": cluster} for s, v in sorted(keys - known)],
    )
    return cluster


def present_identifiers(signal: CreditSignal) -> list[Identifier]:
    """Identifiers the reporter itself vouches are active with it: all of a PRESENCE signal,
    and in any signal the reporter's own stores."""
    if signal.category is SignalCategory.PRESENCE:
        return list(signal.subject)
    own = f"{signal.reporter}:store:"
    return [
        i for i in signal.subject if i.scheme is IdentifierScheme.STORE and i.value.startswith(own)
    ]


def record_presence(
    connection: sa.Connection, member: str, identifiers: Iterable[Identifier], now: datetime
) -> None:
    """Remember that these identifiers are active at `member` (first sighting kept)."""
    insert_ignore(
        connection,
        presences,
        [
            {"member_id": member, "scheme": str(i.scheme), "value": i.value, "first_seen": now}
            for i in identifiers
        ],
    )
