"""Presences in the store: which member has seen which identifier active with it, and so
where a subject cluster is present."""

from collections import defaultdict
from collections.abc import Collection, Iterable
from datetime import datetime

import sqlalchemy as sa

from alliance_connector.identifiers import Identifier, IdentifierScheme
from hub.store.schema import presences, subject_identifiers
from hub.store.subjects import same_identifier
from hub.store.upsert import insert_ignore

__all__ = ["presence_by_member", "record_presence"]


def record_presence(
    connection: sa.Connection, sightings: Iterable[tuple[str, Identifier]], now: datetime
) -> None:
    """Remember that these (member, identifier) pairs are active (first sighting kept)."""
    rows = {
        (member, str(i.scheme), i.value): {
            "member_id": member,
            "scheme": str(i.scheme),
            "value": i.value,
            "first_seen": now,
        }
        for member, i in sightings
    }
    insert_ignore(connection, presences, [rows[k] for k in sorted(rows)])


def presence_by_member(
    connection: sa.Connection, clusters: Collection[str]
) -> dict[str, dict[str, list[Identifier]]]:
    """cluster -> member -> the identifiers that member knows the subject by, members in
    order and each one's identifiers by scheme and value."""
    rows = connection.execute(
        sa.select(
            subject_identifiers.c.cluster_id,
            presences.c.member_id,
            presences.c.scheme,
            presences.c.value,
        )
        .select_from(presences)
        .join(subject_identifiers, same_identifier(presences))
        .where(subject_identifiers.c.cluster_id.in_(sorted(clusters)))
        .order_by(presences.c.member_id, presences.c.scheme, presences.c.value)
    )
    found: dict[str, dict[str, list[Identifier]]] = defaultdict(lambda: defaultdict(list))
    for r in rows:
        found[r.cluster_id][r.member_id].append(Identifier(IdentifierScheme(r.scheme), r.value))
    return {cluster: dict(by_member) for cluster, by_member in found.items()}
