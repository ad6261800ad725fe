"""A subject as the hub knows it: the cluster of identifiers linked to one, where it is
present, which list entries name it, and the instructions those led to (operators and
auditors only: this is the cross-member view).

The route reads through the same store queries matching uses (hub.store.subjects,
hub.store.presence, hub.store.matching), so the view shows what the worker would match.
"""

import dataclasses
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from alliance_connector.identifiers import IdentifierScheme
from hub.api.access import READERS, require
from hub.api.errors import NotFound
from hub.api.tokens import Principal
from hub.store.errors import reading
from hub.store.instructions import instructions_of_entries
from hub.store.matching import entries_naming_cluster
from hub.store.presence import presence_by_member
from hub.store.subjects import clusters_of, identifiers_in
from hub.store.timestamps import as_utc

__all__ = ["router", "subject"]

router = APIRouter(tags=["subjects"])


@router.get("/subjects")
def subject(
    request: Request,
    _: Annotated[Principal, Depends(require(*READERS))],
    scheme: IdentifierScheme,
    value: Annotated[str, Query(min_length=1, max_length=128)],
) -> dict[str, object]:
    """The cluster holding this identifier (personal identifiers are given as their tokens)."""
    key = (str(scheme), value)
    with reading(request.app.state.engine) as connection:
        cluster = clusters_of(connection, [key]).get(key)
        if cluster is None:
            raise NotFound(f"no subject with that {scheme} identifier")
        ids = identifiers_in(connection, cluster)
        present = presence_by_member(connection, [cluster]).get(cluster, {})
        entries = entries_naming_cluster(connection, cluster)
        issued = instructions_of_entries(connection, [e.entry_id for e in entries])
    return {
        "cluster": cluster,
        "identifiers": [{"scheme": s, "value": v} for s, v in ids],
        "presences": [
            {"member": member, "scheme": str(i.scheme), "value": i.value}
            for member, known in present.items()
            for i in known
        ],
        "list_entries": [dataclasses.asdict(e) for e in entries],
        "instructions": [
            dataclasses.asdict(i) | {"issued_at": as_utc(i.issued_at).isoformat()} for i in issued
        ],
    }
