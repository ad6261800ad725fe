"""Waiting out transient faults: the database or the broker is away for a while.

Such faults are retried with back-off, forever, and never dead-lettered; meanwhile the
worker reports itself not ready. The threads of a process retry through one Retrier, so its
readiness reflects whichever of them last tried; the worker is ready when it and its store
process both are.
"""

import logging
import threading
from collections.abc import Callable
from typing import TypeVar

from hub.errors import BrokerError, StoreUnavailable

__all__ = ["TRANSIENT", "Retrier"]

log = logging.getLogger(__name__)
T = TypeVar("T")

# Errors worth waiting out: the database or broker is away. The hub's errors only: the
# store's and the broker's own are translated where they are raised (hub.store.errors,
# hub.kafka.clients).
TRANSIENT = (StoreUnavailable, BrokerError)


class Retrier:
    def __init__(
        self, backoff_max_s: float, on_change: Callable[[bool], None] | None = None
    ) -> None:
        self.backoff_max_s = backoff_max_s
        self.ready = False
        self._on_change = on_change

    def _set(self, ready: bool) -> None:
        if ready != self.ready:
            self.ready = ready
            if self._on_change is not None:
                self._on_change(ready)

    def run(self, what: str, action: Callable[[], T], stop: threading.Event) -> T | None:
        """`action()`, retried with back-off while it fails transiently; None once `stop` is
        set between attempts (the first attempt always runs, so a batch in hand finishes)."""
        delay = 0.1
        while True:
            try:
                result = action()
            except TRANSIENT as exc:
                self._set(False)
                if stop.is_set():
                    return None
                log.warning("%s failed (%s); retrying in %.1fs", what, type(exc).__name__, delay)
                stop.wait(delay)
                delay = min(delay * 2, self.backoff_max_s)
                continue
            self._set(True)
            return result
