"""The member registry as the worker's checks see it, read again only when it changed.

Checking a batch needs its signers' keys and allowed categories. Reading them cost two queries
per batch on the consumer thread, before any record could be checked: on PostgreSQL a quarter
of that thread's time. Every change to the registry moves `registry_version` in the changing
transaction (triggers, migration 0006), however it is made, so one small read per batch tells
whether what is cached is still the registry. A key revoked now is refused from the next batch
on, as when every batch read the registry.
"""

from collections.abc import Set

import sqlalchemy as sa

from hub.errors import StoreError
from hub.store.errors import reading
from hub.store.members import KeyRecord, allowed_categories, keys_for, registry_version_now

__all__ = ["RegistryView"]

Keys = dict[tuple[str, str], KeyRecord]


class RegistryView:
    """Keys and allowed categories by member, cached while the registry's version stands."""

    def __init__(self, engine: sa.Engine) -> None:
        self._engine = engine
        self._version: int | None = None
        self._keys: dict[str, Keys] = {}
        self._categories: dict[str, frozenset[str]] = {}

    def read(self, members: Set[str]) -> tuple[Keys, dict[str, frozenset[str]]]:
        """The keys (by signer and key id) and allowed categories of `members`, as the
        registry holds them now."""
        with reading(self._engine) as connection:
            # The version first: what is read after it is at least as new, so a change that
            # commits meanwhile moves the version the next batch reads, and is read then.
            version = registry_version_now(connection)
            if version is None:
                raise StoreError("registry_version has no row: migrate the database")
            if version != self._version:
                self._version, self._keys, self._categories = version, {}, {}
            missing = sorted(set(members) - self._keys.keys())
            if missing:
                found = keys_for(connection, missing)
                for member in missing:
                    self._keys[member] = {k: v for k, v in found.items() if k[0] == member}
                self._categories.update(allowed_categories(connection, missing))
        keys: Keys = {}
        for member in members:
            keys |= self._keys[member]
        return keys, {m: self._categories[m] for m in members}
