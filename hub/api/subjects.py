"""A subject as the hub knows it: the cluster of identifiers linked to one, where it is
present, which list entries name it, and the instructions those led to (operators and
auditors only: this is the cross-member view); and the evidence kept about it (every role,
a member seeing only its own reports).

The routes read through the same store queries matching uses (hub.store.subjects,
hub.store.presence, hub.store.matching), so the view shows what the worker would match;
evidence through hub.store.evidence_reads, which holds its privacy rules, in the shapes of
hub.api.evidence_models, which the review queue shows too.
"""

import dataclasses
from datetime import datetime
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Path, Query, Request
from pydantic import BaseModel

from alliance_connector.identifiers import IdentifierScheme
from hub.api.access import READERS, caller, require
from hub.api.entries import decode_cursor, encode_cursor
from hub.api.errors import ApiError, NotFound
from hub.api.evidence_models import CorrelationOut, EvidenceOut, correlation_out, evidence_out
from hub.api.tokens import Principal
from hub.store.errors import reading
from hub.store.evidence_reads import (
    EvidenceKey,
    cluster_known,
    correlations_of,
    evidence_count,
    evidence_of,
)
from hub.store.instructions import instructions_of_entries
from hub.store.matching import entries_naming_cluster
from hub.store.presence import presence_by_member
from hub.store.subjects import clusters_of, identifiers_in
from hub.store.timestamps import as_utc

__all__ = ["EvidencePageOut", "evidence_url", "router", "subject", "subject_evidence"]

router = APIRouter(tags=["subjects"])


class EvidencePageOut(BaseModel):
    evidence: list[EvidenceOut]
    correlations: list[CorrelationOut]
    next_cursor: str | None


def evidence_url(cluster: str) -> str:
    """The evidence route of a cluster."""
    return f"/subjects/{quote(cluster, safe='')}/evidence"


# A cursor is the key of the page's last row, joined by a separator no field holds.
_SEP = "\x1f"


def _cursor(key: EvidenceKey) -> str:
    return encode_cursor(_SEP.join((key.record_at.isoformat(), key.reporter, key.signal_id)))


def _key(cursor: str) -> EvidenceKey:
    parts = decode_cursor(cursor).split(_SEP)
    try:
        at, reporter, signal = parts
        return EvidenceKey(datetime.fromisoformat(at), reporter, signal)
    except ValueError as exc:  # the same answer as a cursor that is not base64
        raise ApiError("the cursor is not one this route gave; start without one") from exc


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
        evidence = evidence_count(connection, cluster)
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
        "evidence": evidence,
        "evidence_url": evidence_url(cluster),
    }


@router.get("/subjects/{cluster_id}/evidence", response_model=EvidencePageOut)
def subject_evidence(
    request: Request,
    principal: Annotated[Principal, Depends(caller)],
    cluster_id: Annotated[str, Path(max_length=36)],
    cursor: Annotated[str | None, Query(max_length=400)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> EvidencePageOut:
    """The evidence kept about a cluster, newest first, and its empty-parcel correlations
    (all of them, on every page); a member sees only its own reports, and a cluster it
    reported nothing about is 404."""
    member = principal.member_id if principal.role == "member" else None
    before = _key(cursor) if cursor else None
    with reading(request.app.state.engine) as connection:
        if not cluster_known(connection, cluster_id, member):
            raise NotFound("no subject has this cluster id")
        page = evidence_of(connection, cluster_id, member, limit, before)
        correlations = correlations_of(connection, cluster_id, member)
    return EvidencePageOut(
        evidence=[evidence_out(e) for e in page.evidence],
        correlations=[correlation_out(c) for c in correlations],
        next_cursor=_cursor(page.next) if page.next else None,
    )
