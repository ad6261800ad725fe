"""A subject as the hub knows it: the cluster of identifiers linked to one, where it is
present, which list entries name it, and the instructions those led to (operators and
auditors only: this is the cross-member view)."""

from typing import Annotated

import sqlalchemy as sa
from fastapi import APIRouter, Depends, Query, Request

from alliance_connector.identifiers import IdentifierScheme
from hub.api.access import READERS, require
from hub.api.errors import NotFound
from hub.api.tokens import Principal
from hub.store.schema import (
    instructions,
    list_entries,
    list_entry_identifiers,
    presences,
    subject_identifiers,
)
from hub.store.timestamps import as_utc

router = APIRouter(tags=["subjects"])


@router.get("/subjects")
def subject(
    request: Request,
    _: Annotated[Principal, Depends(require(*READERS))],
    scheme: IdentifierScheme,
    value: Annotated[str, Query(min_length=1, max_length=128)],
) -> dict[str, object]:
    """The cluster holding this identifier (personal identifiers are given as their tokens)."""
    with request.app.state.engine.connect() as connection:
        cluster = connection.scalar(
            sa.select(subject_identifiers.c.cluster_id).where(
                subject_identifiers.c.scheme == str(scheme), subject_identifiers.c.value == value
            )
        )
        if cluster is None:
            raise NotFound(f"no subject with that {scheme} identifier")
        ids = connection.execute(
            sa.select(subject_identifiers.c.scheme, subject_identifiers.c.value)
            .where(subject_identifiers.c.cluster_id == cluster)
            .order_by(subject_identifiers.c.scheme, subject_identifiers.c.value)
        ).all()
        same = sa.and_(
            presences.c.scheme == subject_identifiers.c.scheme,
            presences.c.value == subject_identifiers.c.value,
        )
        present = connection.execute(
            sa.select(presences.c.member_id, presences.c.scheme, presences.c.value)
            .join(subject_identifiers, same)
            .where(subject_identifiers.c.cluster_id == cluster)
            .order_by(presences.c.member_id)
        ).all()
        named = sa.and_(
            list_entry_identifiers.c.scheme == subject_identifiers.c.scheme,
            list_entry_identifiers.c.value == subject_identifiers.c.value,
        )
        entries = connection.execute(
            sa.select(list_entries.c.entry_id, list_entries.c.list_type, list_entries.c.status)
            .distinct()
            .select_from(list_entries)
            .join(
                list_entry_identifiers, list_entry_identifiers.c.entry_id == list_entries.c.entry_id
            )
            .join(subject_identifiers, named)
            .where(subject_identifiers.c.cluster_id == cluster)
            .order_by(list_entries.c.entry_id)
        ).all()
        issued = connection.execute(
            sa.select(
                instructions.c.instruction_id,
                instructions.c.target_member,
                instructions.c.action,
                instructions.c.entry_id,
                instructions.c.issued_at,
                instructions.c.ack_status,
            )
            .where(instructions.c.entry_id.in_([e.entry_id for e in entries]))
            .order_by(instructions.c.issued_at)
        ).all()
    return {
        "cluster": cluster,
        "identifiers": [{"scheme": r.scheme, "value": r.value} for r in ids],
        "presences": [
            {"member": r.member_id, "scheme": r.scheme, "value": r.value} for r in present
        ],
        "list_entries": [dict(r._mapping) for r in entries],
        "instructions": [
            dict(r._mapping) | {"issued_at": as_utc(r.issued_at).isoformat()} for r in issued
        ],
    }
