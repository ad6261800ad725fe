"""`alliance-hub objections …`: objections (异议) and credit repair (信用修复) from the command
line, thin edges over hub.lists.objections and hub.lists.repair (docs/objections.md)."""

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, TypeVar

import sqlalchemy as sa
import typer

from hub.config import Settings
from hub.domain.objections import FILED_BY_SUBJECT, GroundsKind, ObjectionState, UpheldOutcome
from hub.errors import UnknownEntry, UnknownObjection
from hub.ledger.policy_versions import activate, policy_from
from hub.lists.documents import render_objection_receipt, render_objection_reply
from hub.lists.objections import (
    Decided,
    dismiss_objection,
    file_objection,
    flag_overdue_objections,
    uphold_objection,
)
from hub.lists.repair import Repaired, apply_repair, approve_repair, refuse_repair
from hub.lists.scheduler import SCHEDULER_ACTOR
from hub.policy.rules import Policy
from hub.store.engine import open_engine
from hub.store.list_reads import list_entry
from hub.store.migrate import upgrade
from hub.store.objections import find_objections, objection_of

__all__ = ["objections_app"]

objections_app = typer.Typer(help="Objections (异议) and credit repair (信用修复).")

Actor = Annotated[str, typer.Option(help="Who does this, for the ledger.")]
Reason = Annotated[str, typer.Option(help="Why: kept with the decision, printed in the reply.")]
_T = TypeVar("_T")


def _engine(settings: Settings) -> sa.Engine:
    engine = open_engine(settings.database_url)
    upgrade(engine)
    return engine


def _write(actor: str, step: Callable[[sa.Connection, Policy, datetime], _T]) -> _T:
    """One step in one transaction, under the policy in force (recorded if it is new)."""
    settings = Settings()
    policy, text = policy_from(settings.policy_path)
    now = datetime.now(UTC)
    with _engine(settings).begin() as connection:
        activate(connection, policy, text, actor, now)
        return step(connection, policy, now)


def _say(decided: Decided) -> None:
    o = decided.objection
    print(
        f"{o.objection_id}: {o.state}{f' ({o.outcome})' if o.outcome else ''} on {o.entry_id}; "
        f"due {o.due_at.isoformat(timespec='minutes')}; "
        f"{len(decided.issued)} instructions issued, {len(decided.lifted)} lifted"
    )


def _said(done: Repaired) -> None:
    r = done.repair
    to = f" -> {r.to_status}" if r.to_status else ""
    print(f"{r.repair_id}: {r.state} on {r.entry_id}{to}; {len(done.lifted)} lifted")


@objections_app.command("file")
def objections_file(
    entry_id: str,
    grounds: Annotated[str, typer.Option(help="The grounds in words (no resident id or mobile).")],
    kind: Annotated[GroundsKind, typer.Option(help="What is wrong.")] = GroundsKind.OTHER,
    filed_by: Annotated[
        str, typer.Option(help=f"{FILED_BY_SUBJECT!r}, or the member id filing on its behalf.")
    ] = FILED_BY_SUBJECT,
    attachment: Annotated[
        list[str] | None, typer.Option(help="SHA-256 of an attachment (repeatable).")
    ] = None,
    instruction: Annotated[
        str | None, typer.Option(help="The one instruction objected to.")
    ] = None,
    actor: Actor = "operator",
) -> None:
    """Register an objection; what the policy pauses is lifted until it is decided."""
    _say(
        _write(
            actor,
            lambda c, p, now: file_objection(
                c, entry_id, instruction, filed_by, kind, grounds, attachment or [], actor, p, now
            ),
        )
    )


@objections_app.command("uphold")
def objections_uphold(
    objection_id: str,
    outcome: Annotated[UpheldOutcome, typer.Option(help="DELISTED or CORRECTED.")],
    reason: Reason,
    actor: Actor = "operator",
) -> None:
    """The objection holds: delist the entry (every instruction lifted) or record a correction."""
    _say(
        _write(
            actor,
            lambda c, p, now: uphold_objection(c, objection_id, outcome, actor, reason, p, now),
        )
    )


@objections_app.command("dismiss")
def objections_dismiss(objection_id: str, reason: Reason, actor: Actor = "operator") -> None:
    """The objection does not hold: what it paused resumes."""
    _say(_write(actor, lambda c, p, now: dismiss_objection(c, objection_id, actor, reason, p, now)))


@objections_app.command("list")
def objections_list(
    state: Annotated[ObjectionState | None, typer.Option(help="Only these.")] = None,
    entry: Annotated[str | None, typer.Option(help="Only this entry's.")] = None,
) -> None:
    """Objections, newest first: id, entry, state, filed by, due date."""
    with _engine(Settings()).connect() as connection:
        found = find_objections(connection, state, entry)
    for o in found:
        due = o.due_at.isoformat(timespec="minutes")
        print(f"{o.objection_id}\t{o.entry_id}\t{o.state}\t{o.filed_by}\tdue {due}")


@objections_app.command("overdue")
def objections_overdue() -> None:
    """Open an operator task for each objection undecided past its due date (the scheduler,
    `alliance-hub lists schedule`, does this on every run too)."""
    tasks = flag_overdue_objections(_engine(Settings()), datetime.now(UTC), SCHEDULER_ACTOR)
    print(f"{len(tasks)} operator tasks opened")


@objections_app.command("document")
def objections_document(
    objection_id: str,
    out: Annotated[Path, typer.Option(help="Directory to write the HTML into.")],
) -> None:
    """Write the 异议受理通知书 and, once decided, the 异议答复书 as printable HTML."""
    with _engine(Settings()).connect() as connection:
        found = objection_of(connection, objection_id)
        if found is None:
            raise UnknownObjection()
        entry = list_entry(connection, found.entry_id)
    if entry is None:
        raise UnknownEntry(found.entry_id)
    out.mkdir(parents=True, exist_ok=True)
    receipt = out / f"{objection_id}-receipt.html"
    receipt.write_text(render_objection_receipt(entry[0], found), "utf-8")
    print(receipt)
    if found.state is not ObjectionState.OPEN:
        reply = out / f"{objection_id}-reply.html"
        reply.write_text(render_objection_reply(entry[0], found), "utf-8")
        print(reply)


@objections_app.command("repair-apply")
def repair_apply(
    entry_id: str,
    evidence: Annotated[
        list[str], typer.Option(help="SHA-256 of a piece of evidence (repeatable).")
    ],
    statement: Annotated[str, typer.Option(help="What was rectified, in words.")] = "",
    actor: Actor = "operator",
) -> None:
    """Register a credit-repair application for a COMMITTED or RECTIFIED entry."""
    record = _write(
        actor, lambda c, p, now: apply_repair(c, entry_id, evidence, statement, actor, p, now)
    )
    print(f"{record.repair_id}: {record.state} on {record.entry_id}")


@objections_app.command("repair-approve")
def repair_approve(repair_id: str, reason: Reason, actor: Actor = "operator") -> None:
    """Approve: the entry moves to the policy's status for its list and its sanctions lift."""
    _said(_write(actor, lambda c, p, now: approve_repair(c, repair_id, actor, reason, p, now)))


@objections_app.command("repair-refuse")
def repair_refuse(repair_id: str, reason: Reason, actor: Actor = "operator") -> None:
    """Refuse with a reason."""
    _said(_write(actor, lambda c, _, now: refuse_repair(c, repair_id, actor, reason, now)))
