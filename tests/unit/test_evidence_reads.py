"""Reading kept evidence on SQLite: newest first in keyset pages that cover every row once, one
signal's row by its reporter and id, a member sees only its own reports and only its own side
of a correlation, and a value that should be a token but is not (a row written by hand or by an
older hub) comes out withheld while tokens, waybills and clean notes come out exactly as
stored."""

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from hub.store.engine import open_engine
from hub.store.evidence_reads import (
    WITHHELD,
    cluster_known,
    correlations_of,
    evidence_count,
    evidence_of,
    signal_evidence,
)
from hub.store.migrate import upgrade
from hub.store.schema import accepted_signals as evidence_rows
from hub.store.schema import parcel_correlations, subject_identifiers

T0 = datetime(2026, 11, 3, 8, 0, tzinfo=UTC)


def token(n: int) -> str:
    return f"tk1:{n:064x}"


def evidence_row(
    reporter: str,
    signal: str,
    cluster: str = "c-1",
    at: datetime = T0,
    **fields: Any,
) -> dict[str, Any]:
    """An accepted signal's row with its evidence, as the worker writes one; `fields`
    override its columns."""
    row: dict[str, Any] = {
        "reporter": reporter,
        "signal_id": signal,
        "cluster_id": cluster,
        "category": "FAKE_TRANSACTION",
        "ledger_seq": 0,
        "received_at": at,
        "severity": "HIGH",
        "window_start": at - timedelta(days=7),
        "window_end": at - timedelta(days=1),
        "order_count": 12,
        "amount_fen": 123456,
        "order_refs": json.dumps([token(1), token(2)]),
        "waybill_refs": json.dumps(["sf:SF1234567890"]),
        "note": "刷单 12 笔",
        "subject": json.dumps(
            [
                {"scheme": "USCC", "value": "91330100799655058B"},
                {"scheme": "MOBILE", "value": token(3)},
            ]
        ),
        "record_at": at,
        "expires_at": at + timedelta(days=240),
    }
    return row | fields


@pytest.fixture
def engine(tmp_path: Path) -> sa.Engine:
    built = open_engine(f"sqlite:///{tmp_path / 'store.sqlite3'}")
    upgrade(built)
    return built


def seed(engine: sa.Engine, rows: list[dict[str, Any]]) -> None:
    with engine.begin() as connection:
        connection.execute(evidence_rows.insert(), rows)


def test_pages_run_newest_first_and_cover_every_row_once(engine: sa.Engine) -> None:
    # Two rows share each record time, so the cursor must break ties on reporter and signal.
    rows = [
        evidence_row(reporter, f"s-{n}-{reporter}", at=T0 + timedelta(hours=n // 2))
        for n in range(9)
        for reporter in ("mall", "social")
    ]
    rows.append(evidence_row("mall", "elsewhere", cluster="c-2"))
    seed(engine, rows)
    seen: list[tuple[datetime, str, str]] = []
    with engine.connect() as connection:
        page = evidence_of(connection, "c-1", limit=4)
        pages = 1
        seen += [(e.record_at, e.reporter, e.signal_id) for e in page.evidence]
        while page.next is not None:
            page = evidence_of(connection, "c-1", limit=4, before=page.next)
            pages += 1
            seen += [(e.record_at, e.reporter, e.signal_id) for e in page.evidence]
        assert evidence_count(connection, "c-1") == 18
    assert pages == 5 and len(seen) == 18 and len(set(seen)) == 18
    assert seen == sorted(seen, reverse=True)
    assert "elsewhere" not in {s for _, _, s in seen}


def test_a_full_last_page_says_there_is_no_next(engine: sa.Engine) -> None:
    seed(engine, [evidence_row("mall", f"s-{n}", at=T0 + timedelta(minutes=n)) for n in range(4)])
    with engine.connect() as connection:
        page = evidence_of(connection, "c-1", limit=4)
        assert len(page.evidence) == 4 and page.next is None
        first = evidence_of(connection, "c-1", limit=3)
        assert first.next is not None and first.next.signal_id == "s-1"


def test_each_item_is_the_row_as_stored(engine: sa.Engine) -> None:
    seed(engine, [evidence_row("mall", "s-1")])
    with engine.connect() as connection:
        (item,) = evidence_of(connection, "c-1").evidence
    assert item.reporter == "mall" and item.signal_id == "s-1"
    assert (item.category, item.severity) == ("FAKE_TRANSACTION", "HIGH")
    assert (item.window_start, item.window_end) == (T0 - timedelta(7), T0 - timedelta(1))
    assert (item.order_count, item.amount_fen) == (12, 123456)
    assert item.order_refs == [token(1), token(2)]
    assert item.waybill_refs == ["sf:SF1234567890"]
    assert item.note == "刷单 12 笔"
    assert item.subject == [
        {"scheme": "USCC", "value": "91330100799655058B"},
        {"scheme": "MOBILE", "value": token(3)},
    ]
    assert item.record_at == T0 and item.expires_at == T0 + timedelta(days=240)
    assert item.record_at.tzinfo is not None  # SQLite's naive UTC comes back aware


def test_one_signal_is_read_by_its_reporter_and_id_and_withheld_alike(
    engine: sa.Engine,
) -> None:
    # Two members may use the same signal id: the reporter tells their rows apart.
    seed(
        engine,
        [
            evidence_row("mall", "s-1", note="买家电话 138 1234 5678"),
            evidence_row("social", "s-1", cluster="c-2", order_count=3),
        ],
    )
    with engine.connect() as connection:
        mall = signal_evidence(connection, "mall", "s-1")
        social = signal_evidence(connection, "social", "s-1")
        assert signal_evidence(connection, "express", "s-1") is None
        assert signal_evidence(connection, "mall", "s-nowhere") is None
        (listed,) = evidence_of(connection, "c-1").evidence
    assert mall is not None and social is not None
    assert mall == listed  # the same mapper as the cluster's pages, withholding included
    assert mall.note == WITHHELD and mall.order_refs == [token(1), token(2)]
    assert (social.reporter, social.order_count, social.note) == ("social", 3, "刷单 12 笔")


def test_a_member_sees_only_its_own_reports(engine: sa.Engine) -> None:
    seed(engine, [evidence_row("mall", "s-1"), evidence_row("social", "s-2")])
    with engine.connect() as connection:
        mine = evidence_of(connection, "c-1", member="social").evidence
        assert [(e.reporter, e.signal_id) for e in mine] == [("social", "s-2")]
        assert evidence_count(connection, "c-1", member="social") == 1
        assert evidence_of(connection, "c-1", member="express").evidence == []
        assert cluster_known(connection, "c-1", member="social")
        assert not cluster_known(connection, "c-1", member="express")


def test_clear_personal_values_come_out_withheld(engine: sa.Engine) -> None:
    # What the worker never writes (it refuses such a signal), written here by hand.
    clear = evidence_row(
        "mall",
        "s-1",
        note="买家电话 138 1234 5678",
        order_refs=json.dumps(["ORDER-20261103-1", token(9)]),
        subject=json.dumps(
            [
                {"scheme": "RESIDENT_ID", "value": "11010519491231002X"},
                {"scheme": "MOBILE", "value": "+8613812345678"},
                {"scheme": "ACCOUNT", "value": token(4)},
                {"scheme": "STORE", "value": "mall:store:13812345678"},
                {"scheme": "NICKNAME", "value": "张三"},
            ]
        ),
    )
    # A token's hex is full of digit runs: it is not mistaken for a number in clear.
    tokens_only = evidence_row("mall", "s-2", note=f"同一买家 {token(13812345678)}")
    seed(engine, [clear, tokens_only])
    with engine.connect() as connection:
        page = evidence_of(connection, "c-1").evidence
    by_id = {e.signal_id: e for e in page}
    shown = by_id["s-1"]
    assert shown.note == WITHHELD
    assert shown.order_refs == [WITHHELD, token(9)]
    assert [i["value"] for i in shown.subject] == [WITHHELD, WITHHELD, token(4)] + [WITHHELD] * 2
    assert [i["scheme"] for i in shown.subject][-1] == "NICKNAME"
    text = json.dumps([e.__dict__ for e in page], default=str)
    for fed in ("11010519491231002X", "13812345678", "138 1234 5678", "张三"):
        assert fed not in text.replace(token(13812345678), "")
    assert by_id["s-2"].note == f"同一买家 {token(13812345678)}"


def test_correlations_and_a_member_sees_only_its_side(engine: sa.Engine) -> None:
    with engine.begin() as connection:
        connection.execute(
            parcel_correlations.insert(),
            [
                {
                    "platform_reporter": "mall",
                    "platform_signal": "s-1",
                    "logistics_reporter": "express",
                    "logistics_signal": f"x-{n}",
                    "cluster_id": "c-1",
                    "waybills": n + 1,
                    "correlated_at": T0 + timedelta(hours=n),
                }
                for n in range(2)
            ],
        )
        connection.execute(
            subject_identifiers.insert().values(
                scheme="STORE", value="mall:store:1", cluster_id="c-3"
            )
        )
    with engine.connect() as connection:
        every = correlations_of(connection, "c-1")
        assert [(c.logistics_signal, c.waybills) for c in every] == [("x-1", 2), ("x-0", 1)]
        assert every[0].platform_reporter == "mall" and every[0].correlated_at.tzinfo is not None
        newest = correlations_of(connection, "c-1", limit=1)
        assert [c.logistics_signal for c in newest] == ["x-1"]
        logistics = correlations_of(connection, "c-1", member="express")
        assert {(c.platform_reporter, c.platform_signal) for c in logistics} == {(None, None)}
        assert {c.logistics_reporter for c in logistics} == {"express"}
        assert correlations_of(connection, "c-1", member="social") == []
        assert cluster_known(connection, "c-1", member="express")  # no evidence, a correlation
        assert cluster_known(connection, "c-1") and cluster_known(connection, "c-3")
        assert not cluster_known(connection, "c-nowhere")
