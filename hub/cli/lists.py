"""`alliance-hub lists …` and `alliance-hub policy …`: thin edges over hub.lists and hub.policy."""

import gc
import json
import sys
from datetime import UTC, date, datetime
from functools import partial
from pathlib import Path
from typing import Annotated

import sqlalchemy as sa
import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from hub.cli.ledger import head_sender
from hub.config import Settings
from hub.domain.china_time import CHINA
from hub.domain.lists import ListStatus
from hub.errors import ImportRefused, ListError, UnknownEntry, UnknownTask
from hub.ledger.policy_versions import activate, policy_from
from hub.lists.documents import render_credit_commitment, render_rectification_notice
from hub.lists.imports import apply_import
from hub.lists.lifecycle import move
from hub.lists.reading import read_list_file
from hub.lists.scheduler import SCHEDULER_ACTOR, run_due, sign_head_if_due
from hub.lists.tasks import complete_task
from hub.policy.loading import load_policy
from hub.policy.rules import diff_decisions, diff_safeguards
from hub.sanctions.situations import presence_situations
from hub.service import load_hub_key, stop_on_signals
from hub.store.engine import open_engine
from hub.store.list_reads import list_entry, open_tasks
from hub.store.migrate import upgrade

lists_app = typer.Typer(help="Sanction lists: import, lifecycle, deadlines, documents.")
policy_app = typer.Typer(help="The sanction policy: which actions for which list and status.")
console = Console(stderr=True)

Actor = Annotated[str, typer.Option(help="Who does this, for the ledger.")]


def _engine(settings: Settings) -> sa.Engine:
    engine = open_engine(settings.database_url)
    upgrade(engine)
    return engine


@lists_app.command("import")
def lists_import(
    file: Annotated[Path, typer.Argument(help="CSV (UTF-8 or GBK/GB18030) or JSON Lines.")],
    actor: Actor = "operator",
) -> None:
    """Validate the whole file, report every bad row, then apply new, changed, removed."""
    # A large list keeps millions of objects alive and only adds: the cyclic collector would
    # rescan them again and again for nothing (a tenth of a million-row import's time).
    gc.disable()
    try:
        _import(file, actor)
    finally:
        gc.enable()


def _import(file: Path, actor: str) -> None:
    settings = Settings()
    policy, text = policy_from(settings.policy_path)
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
    with Progress(*columns, TimeElapsedColumn(), console=console) as progress:
        reading = progress.add_task("reading", total=None)
        read = read_list_file(
            file, settings.alliance_token_key(), lambda n: progress.update(reading, completed=n)
        )
        progress.update(reading, total=read.rows, completed=read.rows)
        if read.problems:
            for p in read.problems:  # one plain line each, for people and for grep
                print(f"{file}:{p.line}: {p.field}: {p.rule}", file=sys.stderr)
            problems = [(p.line, p.field, p.rule) for p in read.problems]
            raise ImportRefused(str(file), problems)
        writing = progress.add_task("writing", total=len(read.entries))
        now = datetime.now(UTC)
        engine = _engine(settings)
        with engine.begin() as connection:
            activate(connection, policy, text, actor, now)
            summary = apply_import(
                connection,
                read.entries,
                actor,
                file.name,
                policy,
                now,
                lambda n: progress.update(writing, completed=n),
            )
        progress.update(writing, completed=len(read.entries))
    print(
        f"{read.rows} rows ({read.format}, {read.encoding}): {summary.new} new, "
        f"{summary.changed} changed, {summary.unchanged} unchanged, "
        f"{len(summary.removed)} removed (delisted)"
    )


@lists_app.command("move")
def lists_move(
    entry_id: str,
    status: Annotated[ListStatus, typer.Argument(help="The new status.")],
    reason: Annotated[str, typer.Option(help="Why, for the ledger and the history.")],
    actor: Actor = "operator",
) -> None:
    """Move an entry along its lifecycle (NOTIFIED, COMMITTED, RECTIFIED, DELISTED, …)."""
    settings = Settings()
    policy, text = policy_from(settings.policy_path)
    now = datetime.now(UTC)
    with _engine(settings).begin() as connection:
        activate(connection, policy, text, actor, now)
        moved = move(connection, entry_id, status, actor, reason, policy, now)
    print(
        f"{entry_id}: {moved.transition.before} -> {moved.transition.after}; "
        f"{len(moved.issued)} instructions issued, {len(moved.lifted)} lifted, "
        f"tasks: {', '.join(moved.tasks) or 'none'}"
    )


@lists_app.command("schedule")
def lists_schedule(
    as_of: Annotated[
        str | None,
        typer.Option(help="Judge deadlines as of this ISO 8601 time (naive: China time)."),
    ] = None,
    every: Annotated[
        float | None, typer.Option(help="Run again every this many seconds until stopped.")
    ] = None,
    heads: Annotated[
        bool,
        typer.Option(
            help="With --every, also sign and publish a tree head of the ledger whenever "
            "HUB_TREE_HEAD_INTERVAL has passed and it grew (docs/ledger.md)."
        ),
    ] = True,
) -> None:
    """Turn every entry whose rectification deadline has passed OVERDUE (with escalation)."""
    settings = Settings()
    policy, text = policy_from(settings.policy_path)
    moment = _moment(as_of) if as_of else None
    engine = _engine(settings)
    with engine.begin() as connection:
        activate(connection, policy, text, SCHEDULER_ACTOR, datetime.now(UTC))
    # The long-running scheduler is the hub's clock: it signs the tree heads too.
    sign = None
    if every is not None and heads:
        key, send = load_hub_key(settings), head_sender(settings, publish=True)
        sign = partial(sign_head_if_due, engine, key, settings.tree_head_interval, send)
    stop = stop_on_signals()
    while True:
        total = instructions = 0
        while (run := run_due(engine, policy, moment or datetime.now(UTC))).overdue:
            total, instructions = total + len(run.overdue), instructions + run.instructions
        print(f"{total} entries overdue; {instructions} instructions issued", flush=True)
        if sign is not None:
            sign()
        if every is None or stop.wait(every):
            return


def _moment(text: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError as exc:
        raise typer.BadParameter(f"not an ISO 8601 time: {text!r}") from exc
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=CHINA)


@lists_app.command("tasks")
def lists_tasks() -> None:
    """Open operator tasks, earliest due first."""
    with _engine(Settings()).connect() as connection:
        tasks = open_tasks(connection)
    for task in tasks:
        print(
            f"{task.due_at:%Y-%m-%d}  {task.task_id}  {task.kind:<24} {task.entry_id}  "
            f"{task.detail}"
        )


@lists_app.command("task-done")
def lists_task_done(task_id: str, actor: Actor = "operator") -> None:
    """Mark an operator task done."""
    with _engine(Settings()).begin() as connection:
        if not complete_task(connection, task_id, actor, datetime.now(UTC)):
            raise UnknownTask(task_id)
    print(f"{task_id}: done by {actor}")


@lists_app.command("documents")
def lists_documents(
    entry_id: str,
    out: Annotated[Path, typer.Option(help="Directory to write the two HTML files into.")],
) -> None:
    """Write the entry's rectification notice (整改通知书) and credit commitment (信用承诺书)."""
    with _engine(Settings()).connect() as connection:
        found = list_entry(connection, entry_id)
        if found is None:
            raise UnknownEntry(entry_id)
    entry, deadline = found
    if deadline is None:  # the documents print it; without one they would be wrong
        raise ListError("the list entry has no rectification deadline to print")
    out.mkdir(parents=True, exist_ok=True)
    notice = out / f"{entry_id}-rectification-notice.html"
    notice.write_text(render_rectification_notice(entry, deadline, date.today()), "utf-8")
    commitment = out / f"{entry_id}-credit-commitment.html"
    commitment.write_text(render_credit_commitment(entry, deadline), "utf-8")
    print(notice)
    print(commitment)


@policy_app.command("show")
def policy_show() -> None:
    """The policy in force: its version, digest and rules."""
    policy, _ = policy_from(Settings().policy_path)
    print(f"version {policy.version}  digest {policy.digest}")
    for rule in policy.rules:
        lists = ",".join(sorted(rule.lists))
        statuses = ",".join(sorted(rule.statuses))
        actions = ",".join(rule.actions)
        print(f"  {rule.name}: {lists} {statuses} -> {rule.targets}: {actions}")


@policy_app.command("diff")
def policy_diff(
    new_file: Annotated[Path, typer.Argument(help="The policy file you consider.")],
) -> None:
    """Which instructions NEW_FILE would add or lift for today's entries; applies nothing."""
    settings = Settings()
    current, _ = policy_from(settings.policy_path)
    candidate = load_policy(new_file)
    with _engine(settings).connect() as connection:
        situations = presence_situations(connection, current)
    diff = diff_decisions(current, candidate, situations)
    for (entry_id, member), action in diff.added:
        print(f"+ {action} at {member} for {entry_id}")
    for (entry_id, member), action in diff.lifted:
        print(f"- {action} at {member} for {entry_id} (would be lifted)")
    # A changed threshold moves no instruction today but changes what later evidence leads
    # to, so it is shown beside the instructions, not left to a reading of the file.
    changes = diff_safeguards(current, candidate)
    for change in changes:
        print(f"~ {change.name}: {json.dumps(change.old)} -> {json.dumps(change.new)}")
    print(
        f"{current.version} -> {candidate.version}: {len(diff.added)} to add, "
        f"{len(diff.lifted)} to lift, over {len(situations)} (entry, member) pairs; "
        f"{len(changes)} safeguard(s) changed"
    )
