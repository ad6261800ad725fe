"""What an objection (异议) does to the sanctions of its entry: the one place where both the
worker's batches and reconciliation learn it, since both pass through `gate`
(hub.sanctions.instructions).

While an objection is OPEN, the actions the policy paused when it was filed
(`[objections] pause`, by default public exposure) are not issued for its entry; reconciling
the entry on filing then LIFTs the active ones (with `supersedes`), as for anything no longer
wanted. Once the objection is dismissed, or upheld with the entry corrected, those actions are
wanted again: an instruction's id is a hash of (entry, member, action), and one lifted once is
never issued again under the same id, so a resumed action's id also names the objection after
which it resumed. Re-running the same input still finds the same id and issues nothing twice.
"""

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from typing import Protocol, TypeVar

import sqlalchemy as sa

from alliance_connector.messages import SanctionAction
from hub.store.matching import EntryMatch
from hub.store.objections import pauses_of

__all__ = ["Verdict", "pause_verdicts", "resume_key", "unpaused"]


class _Wanted(Protocol):
    @property
    def member(self) -> str: ...
    @property
    def action(self) -> SanctionAction: ...


W = TypeVar("W", bound=_Wanted)
T = TypeVar("T")


@dataclass(frozen=True)
class Verdict:
    """For one (entry, action): whether it is paused now, and if it resumed, the part of its
    id that tells it from the instruction paused (None: never paused, the plain id)."""

    paused: bool = False
    resume: str | None = None


_PLAIN = Verdict()


def resume_key(objection_id: str) -> str:
    return f"after-objection:{objection_id}"


def pause_verdicts(
    connection: sa.Connection, entry_ids: Collection[str]
) -> Callable[[str, str, SanctionAction], Verdict]:
    """The verdict for any (entry, member, action) of these entries, read in one query. An
    action struck by an objection upheld as CORRECTED stays paused for good."""
    pauses = pauses_of(connection, entry_ids)

    def verdict(entry_id: str, member: str, action: SanctionAction) -> Verdict:
        here = pauses.get(entry_id)
        if here is None:
            return _PLAIN
        if str(action) in here.paused or (member, str(action)) in here.struck:
            return Verdict(paused=True)
        after = here.resumed.get(str(action))
        return _PLAIN if after is None else Verdict(resume=resume_key(after))

    return verdict


def unpaused(
    connection: sa.Connection,
    wanted: Sequence[tuple[EntryMatch, W, T]],
    resumed: Callable[[W, str | None], W],
) -> list[tuple[EntryMatch, W, T]]:
    """The wanted instructions (entry, want, trigger) no open objection pauses, each passed
    through `resumed` with its resume key (None: the plain id). Generic in the want so that
    hub.sanctions.instructions, which owns `Wanted` and calls this, is not imported here."""
    verdict = pause_verdicts(connection, {entry.entry_id for entry, _, _ in wanted})
    kept = []
    for entry, want, trigger in wanted:
        found = verdict(entry.entry_id, want.member, want.action)
        if not found.paused:
            kept.append((entry, resumed(want, found.resume), trigger))
    return kept
