"""Datetimes in and out of the store: always timezone-aware UTC in Python.

PostgreSQL returns aware datetimes; SQLite returns naive ones for values that were written as
UTC. Reading through `as_utc` makes both the same.
"""

from datetime import UTC, datetime

__all__ = ["as_utc"]


def as_utc(value: datetime) -> datetime:
    """`value` as an aware UTC datetime (naive values are taken to be UTC already)."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
