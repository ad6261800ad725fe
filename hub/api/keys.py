"""Members' signing keys: register, rotate with an overlap, revoke (operators only).

Rotation registers the new key at once and ends the old one's window after the overlap, so
records signed with either verify while the member's signers switch over.
"""

import base64
import binascii
from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field

from alliance_connector.signing import VerifyKey, key_id_for
from hub.api.access import READERS, may_write, require
from hub.api.errors import ApiError, Conflict, NotFound
from hub.api.tokens import Principal
from hub.errors import StoreConflict
from hub.store.errors import reading, transaction
from hub.store.member_standing import is_removed
from hub.store.members import (
    StoredKey,
    add_key,
    end_current_keys,
    is_member,
    keys_of,
    revoke_key,
    stored_key,
)

router = APIRouter(tags=["keys"])


# Printable, no spaces or quotes: it appears in logs, URLs (/keys/{id}/revoke) and CSV cells.
KEY_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9:._-]{0,63}$"


class KeyIn(BaseModel):
    public_key_b64: str = Field(min_length=40, max_length=60)
    # The id the member's signer puts in `key_id` (wire contract §5: any id registered with
    # the hub works); default "ed25519:" + the first 16 hex digits of SHA-256(key).
    key_id: str | None = Field(default=None, pattern=KEY_ID_PATTERN, max_length=64)
    # On rotation: how long the member's current keys stay valid beside the new one.
    overlap_s: int | None = Field(default=None, ge=0, le=90 * 24 * 3600)


class KeyOut(BaseModel):
    key_id: str
    member_id: str
    public_key_b64: str
    valid_from: datetime
    valid_until: datetime | None
    revoked_at: datetime | None


def _out(key: StoredKey) -> KeyOut:
    return KeyOut(
        key_id=key.key_id,
        member_id=key.member_id,
        public_key_b64=base64.b64encode(key.public_key).decode("ascii"),
        valid_from=key.valid_from,
        valid_until=key.valid_until,
        revoked_at=key.revoked_at,
    )


@router.get("/members/{member_id}/keys", response_model=list[KeyOut])
def list_keys(
    request: Request, member_id: str, _: Annotated[Principal, Depends(require(*READERS))]
) -> list[KeyOut]:
    with reading(request.app.state.engine) as connection:
        if not is_member(connection, member_id):
            raise NotFound("no member has this id")
        keys = keys_of(connection, member_id)
    return [_out(k) for k in keys]


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
        key = VerifyKey(body.key_id or key_id_for(raw), raw)
    except (ValueError, binascii.Error) as exc:
        raise ApiError(f"public_key_b64: {exc}") from exc
    now = datetime.now(UTC)
    try:
        with transaction(request.app.state.engine) as connection:
            if not is_member(connection, member_id):
                raise NotFound("no member has this id")
            if is_removed(connection, member_id):
                raise Conflict("the member was removed from the alliance: it takes no keys")
            if body.overlap_s is not None:
                end_current_keys(connection, member_id, now + timedelta(seconds=body.overlap_s))
            add_key(connection, member_id, key, now)
            stored = stored_key(connection, key.key_id)
    except StoreConflict as exc:
        raise Conflict("a key with this id is registered already") from exc
    return _out(stored)


@router.post("/keys/{key_id}/revoke", response_model=KeyOut)
def revoke(request: Request, key_id: str, _: Annotated[Principal, Depends(may_write)]) -> KeyOut:
    """Revoke a key from now on: records the broker takes from now are refused."""
    with transaction(request.app.state.engine) as connection:
        if not revoke_key(connection, key_id, datetime.now(UTC)):
            raise NotFound("no key has this id")
        stored = stored_key(connection, key_id)
    return _out(stored)
