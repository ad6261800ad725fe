"""Fixtures every test may use; none of them needs a running service."""

import uuid
from collections.abc import Callable

import pytest


@pytest.fixture
def unique_name() -> Callable[[str], str]:
    """Factory of names no other test (or earlier run against the same broker) has used."""

    def make(prefix: str) -> str:
        return f"{prefix}-{uuid.uuid4().hex[:12]}"

    return make
