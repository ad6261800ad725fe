"""Publishing list changes to the compacted topic alliance.lists, from which every worker
builds its match index (hub.sanctions.index).

The store is the system of record and list_entries doubles as the outbox: an entry whose
`version` is ahead of its `published_version` has a change not yet confirmed on the topic.
The worker's relay calls `publish_list_changes` with its other outboxes, so an import, an
operator's status change or the scheduler reaches every worker within a relay round. An
entry that left the list (RECTIFIED, DELISTED) is published as a signed state like any other,
not as an unsigned tombstone: a reader believes nothing unsigned, and the version on every
state lets it ignore an older one.

Publishers take the ledger's lock for the round, so two workers never interleave versions of
one entry on the topic and the last record of a key is always its newest state.
"""

from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from alliance_connector.envelope import seal
from alliance_connector.schemas import catalog
from alliance_connector.signing import SigningKey
from alliance_connector.topics import HUB_SIGNER, LISTS_TOPIC
from hub.errors import BrokerError
from hub.kafka.clients import KafkaProducer
from hub.ledger.chain import lock_head
from hub.store.schema import LIST_ENTRY_UNPUBLISHED, list_entries, list_entry_identifiers

__all__ = ["publish_list_changes"]


def _unpublished(
    connection: sa.Connection, limit: int
) -> Sequence[sa.Row[Any, Any, Any, Any, Any]]:
    return connection.execute(
        sa.select(
            list_entries.c.entry_id,
            list_entries.c.version,
            list_entries.c.list_type,
            list_entries.c.category,
            list_entries.c.status,
        )
        .where(LIST_ENTRY_UNPUBLISHED)  # exactly the partial index's condition
        .order_by(list_entries.c.entry_id)
        .limit(limit)
    ).all()


def publish_list_changes(
    engine: sa.Engine,
    producer: KafkaProducer,
    hub_key: SigningKey,
    topic: str = LISTS_TOPIC,
    batch: int = 1000,  # bounds how long the round holds the ledger's lock
) -> int:
    """Publish one round of unpublished entry states; return how many the broker confirmed."""
    schema = catalog().newest("ListEntryState")
    now = datetime.now(UTC)
    # The relay calls this after every batch and every idle round: look before taking the
    # ledger's lock (a write on SQLite), which is needed only when there is something to send.
    with engine.connect() as connection:
        if not _unpublished(connection, 1):
            return 0
    with engine.begin() as connection:
        lock_head(connection)
        pending = _unpublished(connection, batch)
        if not pending:
            return 0
        identifiers: dict[str, list[dict[str, str]]] = defaultdict(list)
        for row in connection.execute(
            sa.select(list_entry_identifiers).where(
                list_entry_identifiers.c.entry_id.in_([p.entry_id for p in pending])
            )
        ):
            identifiers[row.entry_id].append({"scheme": row.scheme, "value": row.value})
        futures = []
        for entry in pending:
            record = {
                "entry_id": entry.entry_id,
                "version": entry.version,
                "list_type": entry.list_type,
                "category": entry.category,
                "status": entry.status,
                "identifiers": sorted(
                    identifiers[entry.entry_id], key=lambda i: (i["scheme"], i["value"])
                ),
                "changed_at": now,
            }
            value = seal(schema, record, HUB_SIGNER, hub_key).to_bytes()
            futures.append(producer.send(topic, key=entry.entry_id.encode(), value=value))
        producer.flush()
        confirmed = [(e, f) for e, f in zip(pending, futures, strict=True) if f.succeeded()]
        if not confirmed:
            raise BrokerError(f"none of {len(pending)} list changes was confirmed on {topic}")
        connection.execute(
            list_entries.update()
            .where(list_entries.c.entry_id == sa.bindparam("key"))
            .where(list_entries.c.version == sa.bindparam("seen"))
            .values(published_version=sa.bindparam("seen")),
            [{"key": e.entry_id, "seen": e.version} for e, _ in confirmed],
        )
    return len(confirmed)
