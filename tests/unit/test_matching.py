"""Matching: the worker's index proposes entries, the store decides their status."""

from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa

from alliance_connector.messages import ListType, SignalCategory
from hub.domain.lists import ListStatus
from hub.sanctions.index import IndexedEntry, ListIndex
from hub.sanctions.matching import entries_matching
from hub.store.engine import open_engine
from hub.store.matching import EntryMatch
from hub.store.migrate import upgrade
from hub.store.schema import list_entries, subject_identifiers
from hub.store.subjects import cluster_identifiers


def matching_entries(
    connection: sa.Connection, clusters: list[str], index: ListIndex
) -> dict[str, list[EntryMatch]]:
    """What issuing asks of matching: the clusters' identifiers, read, then matched."""
    return entries_matching(connection, cluster_identifiers(connection, clusters), index)


USCC = ("USCC", "91330100000000001X")


def indexed(entry_id: str, status: ListStatus, version: int = 1) -> IndexedEntry:
    return IndexedEntry(
        entry_id,
        version,
        ListType.BLACKLIST,
        SignalCategory.FAKE_TRANSACTION,
        status,
        frozenset({USCC}),
    )


def store_with(tmp_path: Path, status: ListStatus) -> sa.Engine:
    engine = open_engine(f"sqlite:///{tmp_path / 'store.sqlite3'}")
    upgrade(engine)
    with engine.begin() as connection:
        connection.execute(
            list_entries.insert().values(
                entry_id="e-1",
                list_type="BLACKLIST",
                category="FAKE_TRANSACTION",
                status=str(status),
                listed_at=datetime.now(UTC),
            )
        )
        connection.execute(
            subject_identifiers.insert().values(scheme=USCC[0], value=USCC[1], cluster_id="c-1")
        )
    return engine


def test_a_stale_index_cannot_revive_a_delisted_entry(tmp_path: Path) -> None:
    index = ListIndex()
    index.put(indexed("e-1", ListStatus.OVERDUE))  # the index has not heard of the delisting
    engine = store_with(tmp_path, ListStatus.DELISTED)
    with engine.connect() as connection:
        assert matching_entries(connection, ["c-1"], index) == {}


def test_the_store_gives_the_status_the_index_lags_behind(tmp_path: Path) -> None:
    index = ListIndex()
    index.put(indexed("e-1", ListStatus.LISTED))
    engine = store_with(tmp_path, ListStatus.OVERDUE)
    with engine.connect() as connection:
        found = matching_entries(connection, ["c-1"], index)
    assert [m.status for m in found["c-1"]] == [ListStatus.OVERDUE]


def test_the_index_keeps_the_newest_state_and_drops_entries_off_the_list() -> None:
    index = ListIndex()
    index.put(indexed("e-1", ListStatus.OVERDUE, version=2))
    index.put(indexed("e-1", ListStatus.LISTED, version=1))  # late and older: ignored
    assert (entry := index.get("e-1")) is not None and entry.status is ListStatus.OVERDUE
    index.put(indexed("e-1", ListStatus.DELISTED, version=3))
    assert index.get("e-1") is None and index.matching({USCC}) == []
    index.put(indexed("e-1", ListStatus.OVERDUE, version=2))  # older than the delisting
    assert index.get("e-1") is None
