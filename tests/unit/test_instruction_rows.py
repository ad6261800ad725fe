"""The relay sends a batch's instructions from the rows the batch stored, without reading them
back: what it sends must be exactly what a later sweep would send from the database."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

from alliance_connector.messages import ListType, SanctionAction, SignalCategory
from hub.domain.lists import ListStatus
from hub.pipeline.worker.relay import instruction_message
from hub.policy.loading import default_policy
from hub.sanctions.index import IndexedEntry, ListIndex
from hub.sanctions.instructions import Trigger, issue_for_clusters
from hub.store.engine import open_engine
from hub.store.links import insert_assertions
from hub.store.members import register_member
from hub.store.migrate import upgrade
from hub.store.schema import (
    instructions,
    list_entries,
    list_entry_identifiers,
    presences,
    subject_identifiers,
)

USCC = ("USCC", "91330100000000001X")
STORE = ("STORE", "mall:store:7")


def test_an_instruction_sent_from_memory_equals_the_one_read_back(tmp_path: Path) -> None:
    engine = open_engine(f"sqlite:///{tmp_path / 'store.sqlite3'}")
    upgrade(engine)
    now = datetime(2026, 11, 29, 8, 30, 15, 123456, tzinfo=UTC)
    with engine.begin() as connection:
        register_member(connection, "mall", "platform", "Mall", list(SignalCategory), now)
        connection.execute(
            list_entries.insert().values(
                entry_id="e-1",
                list_type="BLACKLIST",
                category="FAKE_TRANSACTION",
                status="OVERDUE",
                listed_at=now - timedelta(days=100),
            )
        )
        connection.execute(
            subject_identifiers.insert(),
            [{"scheme": s, "value": v, "cluster_id": "c-1"} for s, v in (USCC, STORE)],
        )
        connection.execute(
            presences.insert().values(
                member_id="mall", scheme=STORE[0], value=STORE[1], first_seen=now
            )
        )
        connection.execute(
            list_entry_identifiers.insert().values(entry_id="e-1", scheme=USCC[0], value=USCC[1])
        )
        # mall itself tied its store to the listed company (a PRESENCE it reported)
        insert_assertions(connection, [((STORE, USCC), "mall", "presence-1", "strong", False)], now)
    index = ListIndex()
    index.put(
        IndexedEntry(
            "e-1",
            1,
            ListType.BLACKLIST,
            SignalCategory.FAKE_TRANSACTION,
            ListStatus.OVERDUE,
            frozenset({USCC}),
        )
    )
    trigger = Trigger("signal-1", now - timedelta(milliseconds=40), "mall")
    with engine.begin() as connection:
        issued = issue_for_clusters(
            connection, {"c-1": [trigger]}, index, default_policy(), now
        ).issued
    assert SanctionAction.BLOCK_STORE in {new.action for new in issued}
    with engine.connect() as connection:
        stored = {
            row.instruction_id: instruction_message(row._mapping)
            for row in connection.execute(sa.select(instructions))
        }
    from_memory = {new.instruction_id: instruction_message(new.row) for new in issued}
    assert from_memory == stored
    assert all(new.row["trigger_at"] == trigger.at for new in issued)
