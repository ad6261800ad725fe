"""`alliance-hub members …`: add, show, suspend, resume, remove and mend members; thin edges
over hub.membership that print each step."""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Annotated

import sqlalchemy as sa
import typer
from rich.console import Console

from alliance_connector.messages import SignalCategory
from hub.config import Settings
from hub.kafka.connection import client_options
from hub.membership import lifecycle
from hub.membership.inspection import view_member
from hub.membership.lifecycle import Broker, Change
from hub.service import resolve_bootstrap
from hub.store.engine import open_engine
from hub.store.migrate import upgrade

members_app = typer.Typer(help="Members: onboarding, suspension, removal, drift on the broker.")
console = Console(stderr=True)

Actor = Annotated[str, typer.Option(help="Who does this, for the ledger.")]
Reason = Annotated[str, typer.Option(help="Why, for the ledger and the member's record.")]
Password = Annotated[
    str | None,
    typer.Option(
        help="The member's broker password (SCRAM-SHA-256), if it chose one; otherwise a new "
        "one is made and shown once. Read from HUB_MEMBER_PASSWORD when set.",
        envvar="HUB_MEMBER_PASSWORD",
    ),
]


@contextmanager
def _hub() -> Iterator[tuple[sa.Engine, Broker]]:
    settings = Settings()
    engine = open_engine(settings.database_url)
    upgrade(engine)
    options = client_options(settings, resolve_bootstrap(settings))
    try:
        yield engine, Broker(options, settings.kafka_confined)
    finally:
        engine.dispose()


def _report(change: Change) -> None:
    for step in change.steps:
        print(f"{step.what}: {step.outcome}")
    if change.password is not None:
        console.print("broker password (SCRAM-SHA-256), shown once: give it to the member now")
        print(f"password: {change.password}")


@members_app.command("add")
def members_add(
    member: Annotated[str, typer.Argument(help="Member id: lower-case letters, digits, hyphens.")],
    kind: Annotated[str, typer.Option(help="platform, logistics or other.")],
    name: Annotated[str, typer.Option(help="Display name, e.g. the company's name.")],
    category: Annotated[
        list[SignalCategory], typer.Option(help="A category it may report (repeat).")
    ],
    password: Password = None,
    actor: Actor = "operator",
) -> None:
    """Register a member and provision its topics, credential and ACLs. Run again, it
    registers nothing and provisions what is missing."""
    with _hub() as (engine, broker):
        now = datetime.now(UTC)
        _report(lifecycle.add(engine, broker, member, kind, name, category, actor, now, password))


@members_app.command("show")
def members_show(member: str) -> None:
    """The member's record, standing, keys, and its drift from the broker."""
    with _hub() as (engine, broker):
        view = view_member(engine, broker, member)
    m, standing = view.listing, view.standing
    print(f"member: {m.member_id} ({m.kind}) {m.display_name}")
    since = f" since {standing.since.isoformat()}" if standing.since else ""
    print(
        f"standing: {standing.state}{since}" + (f": {standing.reason}" if standing.reason else "")
    )
    print(f"categories: {', '.join(m.categories) or 'none'}")
    for key in view.keys:
        ends = key.revoked_at or key.valid_until
        state = "revoked" if key.revoked_at else "valid"
        print(
            f"key {key.key_id}: {state} from {key.valid_from.isoformat()}"
            + (f" until {ends.isoformat()}" if ends else "")
        )
    if view.drift is None:
        print(f"broker: not read ({view.broker_error})")
    elif not view.drift:
        print("broker: matches the record")
    else:
        for problem in view.drift:
            print(f"drift: {problem}")
        print(f"mend with: {view.mend}")


@members_app.command("suspend")
def members_suspend(member: str, reason: Reason, actor: Actor = "operator") -> None:
    """Refuse the member's records from now (MEMBER_SUSPENDED) and remove its write ACLs."""
    with _hub() as (engine, broker):
        _report(lifecycle.suspend(engine, broker, member, reason, actor, datetime.now(UTC)))


@members_app.command("resume")
def members_resume(member: str, actor: Actor = "operator") -> None:
    """End the member's suspension and give its write ACLs back."""
    with _hub() as (engine, broker):
        _report(lifecycle.resume(engine, broker, member, actor, datetime.now(UTC)))


@members_app.command("remove")
def members_remove(member: str, reason: Reason, actor: Actor = "operator") -> None:
    """End the membership for good: keys revoked, credential and ACLs deleted, ledger and
    history kept."""
    with _hub() as (engine, broker):
        _report(lifecycle.remove(engine, broker, member, reason, actor, datetime.now(UTC)))


@members_app.command("mend")
def members_mend(member: str, password: Password = None) -> None:
    """Make the broker match the member's record again (what `members show` lists as drift)."""
    with _hub() as (engine, broker):
        _report(lifecycle.mend(engine, broker, member, password))
