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

from datetime import UTC, datetime

import sqlalchemy as sa

from alliance_connector.envelope import seal
from alliance_connector.schemas import catalog
from alliance_connector.signing import SigningKey
from alliance_connector.topics import HUB_SIGNER, LISTS_TOPIC
from hub.errors import BrokerError
from hub.kafka.clients import KafkaProducer, broker_errors
from hub.ledger.chain import lock_head
from hub.store.errors import reading, transaction
from hub.store.list_publishing import has_unpublished, mark_published, unpublished_states

__all__ = ["publish_list_changes"]


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
    with reading(engine) as connection:
        if not has_unpublished(connection):
            return 0
    with transaction(engine) as connection:
        lock_head(connection)
        pending = unpublished_states(connection, batch)
        if not pending:
            return 0
        records = [
            {
                "entry_id": entry.entry_id,
                "version": entry.version,
                "list_type": entry.list_type,
                "category": entry.category,
                "status": entry.status,
                "identifiers": entry.identifiers,
                "changed_at": now,
            }
            for entry in pending
        ]
        with broker_errors(f"publishing list changes to {topic}"):
            futures = [
                producer.send(
                    topic,
                    key=entry.entry_id.encode(),
                    value=seal(schema, record, HUB_SIGNER, hub_key).to_bytes(),
                )
                for entry, record in zip(pending, records, strict=True)
            ]
            producer.flush()
        confirmed = [e for e, f in zip(pending, futures, strict=True) if f.succeeded()]
        if not confirmed:
            raise BrokerError(f"none of {len(pending)} list changes was confirmed on {topic}")
        mark_published(connection, [(e.entry_id, e.version) for e in confirmed])
    return len(confirmed)
