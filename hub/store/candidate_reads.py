"""The reads behind listing candidates (hub.pipeline.candidates): who reported a cluster's
misconduct lately, and how many empty-parcel correlations corroborate it.

Both are grouped queries over all the batch's clusters at once, answered from the tables'
cluster_id indexes: the worker runs them once per batch.
"""

from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import UTC, datetime

import sqlalchemy as sa

from alliance_connector.messages import SignalCategory
from hub.store.schema import accepted_signals, parcel_correlations
from hub.store.subjects import CHUNK

__all__ = ["reported_by_at_least", "Reports", "correlations_since", "reports_since"]


@dataclass
class Reports:
    """A cluster's misconduct reports in a window: by reporter and by category."""

    by_reporter: dict[str, int] = field(default_factory=dict)
    by_category: dict[str, int] = field(default_factory=dict)

    @property
    def signals(self) -> int:
        return sum(self.by_reporter.values())


def _chunks(clusters: Collection[str]) -> list[list[str]]:
    wanted = sorted(set(clusters))
    return [wanted[start : start + CHUNK] for start in range(0, len(wanted), CHUNK)]


def reports_since(
    connection: sa.Connection, clusters: Collection[str], since: datetime
) -> dict[str, Reports]:
    """cluster -> its non-PRESENCE evidence rows recorded at or after `since` (clusters with
    none are absent)."""
    found: dict[str, Reports] = defaultdict(Reports)
    count = sa.func.count().label("n")
    for chunk in _chunks(clusters):
        rows = connection.execute(
            sa.select(
                accepted_signals.c.cluster_id,
                accepted_signals.c.reporter,
                accepted_signals.c.category,
                count,
            )
            .where(
                accepted_signals.c.cluster_id.in_(chunk),
                accepted_signals.c.category != str(SignalCategory.PRESENCE),
                accepted_signals.c.record_at >= since.astimezone(UTC),
            )
            .group_by(
                accepted_signals.c.cluster_id,
                accepted_signals.c.reporter,
                accepted_signals.c.category,
            )
        )
        for r in rows:
            reports = found[r.cluster_id]
            reports.by_reporter[r.reporter] = reports.by_reporter.get(r.reporter, 0) + r.n
            reports.by_category[r.category] = reports.by_category.get(r.category, 0) + r.n
    return dict(found)


def reported_by_at_least(
    connection: sa.Connection, clusters: Collection[str], since: datetime, reporters: int
) -> set[str]:
    """Those clusters with misconduct reports (non-PRESENCE evidence) recorded at or after
    `since` from at least `reporters` distinct members: the database counts, and answers
    only the few that qualify."""
    found: set[str] = set()
    distinct = sa.func.count(sa.distinct(accepted_signals.c.reporter))
    for chunk in _chunks(clusters):
        found.update(
            connection.scalars(
                sa.select(accepted_signals.c.cluster_id)
                .where(
                    accepted_signals.c.cluster_id.in_(chunk),
                    accepted_signals.c.category != str(SignalCategory.PRESENCE),
                    accepted_signals.c.record_at >= since.astimezone(UTC),
                )
                .group_by(accepted_signals.c.cluster_id)
                .having(distinct >= reporters)
            )
        )
    return found


def correlations_since(
    connection: sa.Connection, clusters: Collection[str], since: datetime
) -> dict[str, int]:
    """cluster -> how many parcel correlations about it were made at or after `since`."""
    found: dict[str, int] = {}
    for chunk in _chunks(clusters):
        rows = connection.execute(
            sa.select(parcel_correlations.c.cluster_id, sa.func.count().label("n"))
            .where(
                parcel_correlations.c.cluster_id.in_(chunk),
                parcel_correlations.c.correlated_at >= since.astimezone(UTC),
            )
            .group_by(parcel_correlations.c.cluster_id)
        )
        found.update({r.cluster_id: int(r.n) for r in rows})
    return found
