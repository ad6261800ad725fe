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
from hub.store.member_standing import SuspendedPeriod, suspensions_of
from hub.store.members import KeyRecord, allowed_categories, keys_for, registry_version_now

__all__ = ["RegistryView"]

Keys = dict[tuple[str, str], KeyRecord]
Categories = dict[str, frozenset[str]]
Suspensions = dict[str, tuple[SuspendedPeriod, ...]]


class RegistryView:
    """Keys, allowed categories and suspension periods by member, cached while the registry's
    version stands."""

    def __init__(self, engine: sa.Engine) -> None:
        self._engine = engine
        self._version: int | None = None
        self._keys: dict[str, Keys] = {}
        self._categories: Categories = {}
        self._suspensions: Suspensions = {}

    def read(self, members: Set[str]) -> tuple[Keys, Categories, Suspensions]:
        """The keys (by signer and key id), allowed categories and suspension periods of
        `members`, as the registry holds them now."""
        with reading(self._engine) as connection:
            # The version first: what is read after it is at least as new, so a change that
            # commits meanwhile moves the version the next batch reads, and is read then.
            version = registry_version_now(connection)
            if version is None:
                raise StoreError("registry_version has no row: migrate the database")
            if version != self._version:
                self._version, self._keys = version, {}
                self._categories, self._suspensions = {}, {}
            missing = sorted(set(members) - self._keys.keys())
            if missing:
                found = keys_for(connection, missing)
                for member in missing:
                    self._keys[member] = {k: v for k, v in found.items() if k[0] == member}
                self._categories.update(allowed_categories(connection, missing))
                found_periods = suspensions_of(connection, missing)
                for member in missing:
                    self._suspensions[member] = found_periods.get(member, ())
        keys: Keys = {}
        for member in members:
            keys |= self._keys[member]
        categories = {m: self._categories[m] for m in members}
        return keys, categories, {m: p for m in members if (p := self._suspensions[m])}
