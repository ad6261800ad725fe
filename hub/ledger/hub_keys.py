"""The hub's own public keys as the ledger announces them; `GET /hub/keys` serves them.

Members verify every instruction and reject against the hub keys they pinned, so they must
learn each key before the hub signs with it, and when it stops. The record of that is the
ledger, the hub's one tamper-evident history: publishing, retiring and revoking a hub key each
append a row, so an export or a verification shows which keys were announced, when, and with
what window, and a silent swap would break the chain.

    HUB_KEY_PUBLISHED  {key_id, public_key, valid_from, valid_until}
    HUB_KEY_RETIRED    {key_id, valid_until}   a later end, set when a successor is published
    HUB_KEY_REVOKED    {key_id, revoked_at}    trust it no more, whatever its window

A key id is always `key_id_for(raw)` (alliance_connector.signing): "ed25519:" and the first
16 hex digits of SHA-256 over the raw 32-byte key, so a member recomputes it from the key
instead of trusting the label. The worker signs with the key in HUB_HUB_KEY_PATH, whose
default id is the same. Errors: `hub.errors.HubKeyRefused`, which the CLI prints as one line.
"""

import json
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

import sqlalchemy as sa

from alliance_connector.signing import VerifyKey, key_id_for
from hub.errors import HubKeyRefused
from hub.ledger.chain import LedgerEntry, append, lock_head
from hub.store.ledger import count_since, kinds_in_order, last_seq
from hub.store.timestamps import as_utc

__all__ = ["HubKey", "publish_hub_key", "published_hub_keys", "revoke_hub_key"]

PUBLISHED, RETIRED, REVOKED = "HUB_KEY_PUBLISHED", "HUB_KEY_RETIRED", "HUB_KEY_REVOKED"


@dataclass(frozen=True)
class HubKey:
    key_id: str
    public_key: bytes  # raw 32 bytes
    valid_from: datetime
    valid_until: datetime | None  # None: until a successor retires it
    revoked: bool = False

    def current_at(self, moment: datetime) -> bool:
        """Not revoked and not ended at `moment` (it may start later: announced ahead)."""
        return not self.revoked and (self.valid_until is None or self.valid_until > moment)

    def valid_at(self, moment: datetime) -> bool:
        """Current at `moment` and already started: what a signature made then needs (a key
        announced ahead signs nothing before its window opens)."""
        return self.current_at(moment) and self.valid_from <= moment


def _iso(moment: datetime) -> str:
    return as_utc(moment).isoformat().replace("+00:00", "Z")


def published_hub_keys(connection: sa.Connection) -> list[HubKey]:
    """Every hub key ever published, in order of publication, with its latest window."""
    keys: dict[str, HubKey] = {}
    rows = kinds_in_order(connection, (PUBLISHED, RETIRED, REVOKED))
    for kind, text in rows:
        body = json.loads(text)
        key_id = body["key_id"]
        if kind == PUBLISHED:
            until = body["valid_until"]
            keys[key_id] = HubKey(
                key_id,
                VerifyKey.from_b64(key_id, body["public_key"]).raw,
                datetime.fromisoformat(body["valid_from"]),
                datetime.fromisoformat(until) if until else None,
            )
        elif key_id in keys and kind == RETIRED:
            keys[key_id] = replace(
                keys[key_id], valid_until=datetime.fromisoformat(body["valid_until"])
            )
        elif key_id in keys:
            keys[key_id] = replace(keys[key_id], revoked=True)
    return list(keys.values())


def publish_hub_key(
    connection: sa.Connection,
    raw_public_key: bytes,
    valid_from: datetime,
    actor: str,
    now: datetime,
    overlap: timedelta | None = None,
) -> HubKey:
    """Announce a hub key valid from `valid_from`. With `overlap` it is a rotation: every other
    current hub key ends `overlap` after `valid_from`, so instructions the old key signed
    still verify while they are read. Raises HubKeyRefused for a key published before."""
    key = VerifyKey(key_id_for(raw_public_key), raw_public_key)
    # The scan runs before the ledger head is locked, since workers append behind that lock;
    # under it only rows appended since are looked at, so two publishers record the key once.
    scanned_to = last_seq(connection)
    earlier = published_hub_keys(connection)
    head = lock_head(connection)
    since = count_since(connection, scanned_to, PUBLISHED, key.key_id)
    if since or any(k.key_id == key.key_id for k in earlier):
        raise HubKeyRefused(f"hub key {key.key_id} is published already")
    published = HubKey(key.key_id, key.raw, as_utc(valid_from), None)
    entries = [
        LedgerEntry(
            PUBLISHED,
            actor,
            {
                "key_id": key.key_id,
                "public_key": key.b64,
                "valid_from": _iso(valid_from),
                "valid_until": None,
            },
            key.key_id,
        )
    ]
    if overlap is not None:
        ends = as_utc(valid_from) + overlap
        for old in earlier:
            if old.current_at(ends):
                body = {"key_id": old.key_id, "valid_until": _iso(ends)}
                entries.append(LedgerEntry(RETIRED, actor, body, old.key_id))
    append(connection, entries, now, head)
    return published


def revoke_hub_key(connection: sa.Connection, key_id: str, actor: str, now: datetime) -> None:
    """Mark a published hub key revoked from now; HubKeyRefused if no such key is published
    or it is revoked already."""
    found = [k for k in published_hub_keys(connection) if k.key_id == key_id]
    if not found:
        raise HubKeyRefused("no published hub key has this id (see GET /hub/keys)")
    if found[0].revoked:
        raise HubKeyRefused(f"hub key {key_id} is revoked already")
    # Appended after the scan, not under the head lock during it: two operators revoking at
    # once record it twice, which changes nothing.
    body = {"key_id": key_id, "revoked_at": _iso(now)}
    append(connection, [LedgerEntry(REVOKED, actor, body, key_id)], now)
