"""`GET /hub/keys`: the hub's own public keys, served to anyone so members can pin them.

The keys and their rules live in the ledger (hub.ledger.hub_keys); this route serves them
from a cache, since it is open to anyone.
"""

import threading
import time
from datetime import datetime

import sqlalchemy as sa
from fastapi import APIRouter, Request
from pydantic import BaseModel

from alliance_connector.signing import VerifyKey
from hub.ledger.hub_keys import HubKey, published_hub_keys
from hub.store.errors import reading

__all__ = ["CACHE_SECONDS", "HubKeyCache"]

# The route is open to anyone and the ledger has no index on kind: it is read at most this
# often. Keys are announced days ahead, so a minute's delay costs nobody anything.
CACHE_SECONDS = 60.0

router = APIRouter(tags=["hub keys"])


class HubKeyCache:
    """The published keys as last read, re-read when older than `seconds`."""

    def __init__(self, seconds: float = CACHE_SECONDS) -> None:
        self.seconds = seconds
        self._lock = threading.Lock()
        self._read: tuple[float, list[HubKey]] | None = None

    def get(self, engine: sa.Engine) -> list[HubKey]:
        with self._lock:
            if self._read is None or time.monotonic() - self._read[0] > self.seconds:
                with reading(engine) as connection:
                    self._read = (time.monotonic(), published_hub_keys(connection))
            return self._read[1]


class HubKeyOut(BaseModel):
    key_id: str
    public_key: str  # standard base64 of the raw 32 bytes
    valid_from: datetime
    valid_until: datetime | None
    revoked: bool


@router.get("/hub/keys", response_model=list[HubKeyOut])
def hub_keys(request: Request) -> list[HubKeyOut]:
    """The hub's public signing keys, every one ever published, for members to pin; no token
    needed. A key verifies the hub's records while it is not revoked and the time is within
    [valid_from, valid_until)."""
    cache: HubKeyCache = request.app.state.hub_keys
    return [
        HubKeyOut(
            key_id=k.key_id,
            public_key=VerifyKey(k.key_id, k.public_key).b64,
            valid_from=k.valid_from,
            valid_until=k.valid_until,
            revoked=k.revoked,
        )
        for k in cache.get(request.app.state.engine)
    ]
