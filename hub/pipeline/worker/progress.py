"""The worker's periodic progress line: what operators read in its log."""

import logging
import time

from hub.pipeline.effects import BatchEffects

__all__ = ["Progress"]

log = logging.getLogger(__name__)


class Progress:
    """Counts for the periodic progress line operators read in the worker's log."""

    every_s = 10.0

    def __init__(self) -> None:
        self._reset()

    def _reset(self) -> None:
        self.records = self.accepted = self.rejected = self.skipped = self.issued = 0
        self.published = 0
        self.since = time.monotonic()

    def add(self, records: int, effects: BatchEffects) -> None:
        """A batch was stored."""
        self.records += records
        self.accepted += effects.accepted + effects.acks
        self.rejected += sum(effects.rejected.values())
        self.skipped += effects.skipped
        self.issued += len(effects.instructions)
        self._maybe_log()

    def sent(self, instructions: int) -> None:
        """The relay published instructions."""
        self.published += instructions
        self._maybe_log()

    def _maybe_log(self) -> None:
        if time.monotonic() - self.since >= self.every_s:
            log.info(
                "%d records: %d accepted, %d rejected, %d already handled; "
                "%d instructions issued, %d sent",
                self.records,
                self.accepted,
                self.rejected,
                self.skipped,
                self.issued,
                self.published,
            )
            self._reset()
