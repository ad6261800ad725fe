"""Setting up the demo alliance: three members onboarded as a real alliance onboards them
(record, key, topics, SCRAM credential and ACLs on a confined broker), a sample list imported,
an operator token for the dashboard."""

import os
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

from alliance_connector.identifiers import Identifier, IdentifierScheme, uscc_check_character
from alliance_connector.messages import SignalCategory
from alliance_connector.signing import SigningKey
from alliance_connector.tokens import TokenKey
from hub.api.tokens import issue_token
from hub.lists.imports import apply_import
from hub.lists.reading import read_list_file
from hub.membership.lifecycle import Broker, add
from hub.policy.rules import Policy
from hub.store.members import add_key

__all__ = ["DEMO_MEMBERS", "DemoMember", "listed_uscc", "set_up"]

# (member id, kind, display name): two platforms and a logistics firm.
DEMO_MEMBERS = (
    ("mall", "platform", "示例电商平台"),
    ("social", "platform", "示例社交电商"),
    ("express", "logistics", "示例快递"),
)
LISTED = 12  # subjects 0..11 are on the sample lists


@dataclass(frozen=True)
class DemoMember:
    member_id: str
    kind: str
    key: SigningKey
    # Its broker password on a confined broker (None on a PLAINTEXT one); never printed.
    password: str | None


def listed_uscc(n: int) -> Identifier:
    first17 = f"91330100{n:09d}"
    return Identifier(IdentifierScheme.USCC, first17 + uscc_check_character(first17))


def _sample_list(path: Path, now: datetime) -> Path:
    """Blacklist entries, some listed four months ago (their deadline has passed: the
    scheduler turns them OVERDUE at once), and two watch-list entries."""
    header = "entry_id,list_type,category,subject_name,uscc,authority,document_no,province,city"
    lines = [header + ",listed_at"]
    for n in range(LISTED):
        watch = n >= LISTED - 2
        list_type, category = (
            ("WATCHLIST", "FALSE_ADVERTISING") if watch else ("BLACKLIST", "FAKE_TRANSACTION")
        )
        listed_at = now - timedelta(days=120 if n % 2 == 0 else 10)
        lines.append(
            f"demo-{n},{list_type},{category},示例网店{n}号,{listed_uscc(n).value},"
            f"杭州市市场监督管理局,杭市监〔2026〕{n + 1}号,浙江省,杭州市,"
            f"{listed_at.date().isoformat()}"
        )
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def set_up(
    engine: sa.Engine, broker: Broker, policy: Policy, workdir: Path, prefix: str = ""
) -> tuple[list[DemoMember], TokenKey, str]:
    """Onboard the members (registered once; a fresh key and broker password every run), import
    the sample list, issue an operator token. `prefix` keeps several demos on one broker apart
    (the tests share theirs)."""
    now = datetime.now(UTC)
    demo: list[DemoMember] = []
    for short, kind, name in DEMO_MEMBERS:
        # Supplied, so a demo run again knows the password it set; kept in memory only.
        password = secrets.token_urlsafe(24) if broker.confined else None
        change = add(
            engine,
            broker,
            f"{prefix}{short}",
            kind,
            name,
            list(SignalCategory),
            "demo",
            now,
            password,
        )
        key = SigningKey.generate()  # a fresh key per run; old ones simply expire
        with engine.begin() as connection:
            add_key(connection, change.member, key.verify_key, now - timedelta(minutes=5))
        demo.append(DemoMember(change.member, kind, key, password))
    with engine.begin() as connection:
        token = issue_token(connection, "operator", None, "demo operator", now)
    read = read_list_file(_sample_list(workdir / "sample-blacklist.csv", now))
    with engine.begin() as connection:
        apply_import(connection, read.entries, "demo", "sample-blacklist.csv", policy, now)
    return demo, TokenKey(1, os.urandom(32)), token
