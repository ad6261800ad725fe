"""Members' signing keys: register, rotate with an overlap, revoke (operators only).

Rotation registers the new key at once and ends the old one's window after the overlap, so
records signed with either verify while the member's signers switch over.
"""

import base64
import binascii
from datetime import UTC, datetime, timedelta
from typing import Annotated

import sqlalchemy as sa
from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field
from sqlalchemy.exc import IntegrityError

from alliance_connector.signing import VerifyKey, key_id_for
from hub.api.access import READERS, may_write, require
from hub.api.errors import ApiError, Conflict, NotFound
from hub.api.tokens import Principal
from hub.store.members import add_key, revoke_key
from hub.store.schema import member_keys, members
from hub.store.timestamps import as_utc

router = APIRouter(tags=["keys"])


class KeyIn(BaseModel):
    public_key_b64: str = Field(min_length=40, max_length=60)
    # On rotation: how long the member's current keys stay valid beside the new one.
    overlap_s: int | None = Field(default=None, ge=0, le=90 * 24 * 3600)


class KeyOut(BaseModel):
    key_id: str
    member_id: str
    public_key_b64: str
    valid_from: datetime
    valid_until: datetime | None
    revoked_at: datetime | None


def _out(row: sa.Row[tuple[object, ...]]) -> KeyOut:
    m = row._mapping
    # Shown as stored, without VerifyKey's checks: a weak key registered before keys were
    # checked must still be listed, and revocable.
    return KeyOut(
        key_id=str(m["key_id"]),
        member_id=str(m["member_id"]),
        public_key_b64=base64.b64encode(bytes(m["public_key"])).decode("ascii"),
        valid_from=as_utc(m["valid_from"]),
        valid_until=as_utc(m["valid_until"]) if m["valid_until"] else None,
        revoked_at=as_utc(m["revoked_at"]) if m["revoked_at"] else None,
    )


def _is_member(connection: sa.Connection, member_id: str) -> bool:
    found = connection.scalar(
        sa.select(members.c.member_id).where(members.c.member_id == member_id)
    )
    return found is not None


@router.get("/members/{member_id}/keys", response_model=list[KeyOut])
def list_keys(
    request: Request, member_id: str, _: Annotated[Principal, Depends(require(*READERS))]
) -> list[KeyOut]:
    with request.app.state.engine.connect() as connection:
        if not _is_member(connection, member_id):
            raise NotFound("no member has this id")
        rows = connection.execute(
            sa.select(member_keys)
            .where(member_keys.c.member_id == member_id)
            .order_by(member_keys.c.valid_from)
        ).all()
    return [_out(r) for r in rows]


@router.post("/members/{member_id}/keys", response_model=KeyOut, status_code=201)
def register_key(
    request: Request,
    member_id: str,
    body: KeyIn,
    _: Annotated[Principal, Depends(may_write)],
) -> KeyOut:
    """Register a key valid from now; with `overlap_s`, the member's other current keys end
    that many seconds from now (a rotation)."""
    try:
        raw = base64.b64decode(body.public_key_b64, validate=True)
        key = VerifyKey(key_id_for(raw), raw)
    except (ValueError, binascii.Error) as exc:
        raise ApiError(f"public_key_b64: {exc}") from exc
    now = datetime.now(UTC)
    try:
        with request.app.state.engine.begin() as connection:
            if not _is_member(connection, member_id):
                raise NotFound("no member has this id")
            if body.overlap_s is not None:
                connection.execute(
                    member_keys.update()
                    .where(member_keys.c.member_id == member_id)
                    .where(member_keys.c.revoked_at.is_(None))
                    .where(
                        sa.or_(
                            member_keys.c.valid_until.is_(None),
                            member_keys.c.valid_until > now + timedelta(seconds=body.overlap_s),
                        )
                    )
                    .values(valid_until=now + timedelta(seconds=body.overlap_s))
                )
            add_key(connection, member_id, key, now)
            row = connection.execute(
                sa.select(member_keys).where(member_keys.c.key_id == key.key_id)
            ).one()
    except IntegrityError as exc:
        raise Conflict(f"key {key.key_id!r} is registered already") from exc
    return _out(row)


@router.post("/keys/{key_id}/revoke", response_model=KeyOut)
def revoke(request: Request, key_id: str, _: Annotated[Principal, Depends(may_write)]) -> KeyOut:
    """Revoke a key from now on: records the broker takes from now are refused."""
    with request.app.state.engine.begin() as connection:
        if not revoke_key(connection, key_id, datetime.now(UTC)):
            raise NotFound("no key has this id")
        row = connection.execute(sa.select(member_keys).where(member_keys.c.key_id == key_id)).one()
    return _out(row)
