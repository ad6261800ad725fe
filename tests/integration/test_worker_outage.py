"""The database goes away for a while: no offsets are committed, readiness fails, and when it
returns the backlog drains with nothing lost or doubled."""

import time

import sqlalchemy as sa

from alliance_connector import Identifier, IdentifierScheme, SignalCategory
from hub.store.engine import open_engine
from hub.store.schema import accepted_signals, ledger, rejects
from tests.integration.alliance import Alliance, RunningWorker, wait_until
from tests.integration.tcp_proxy import TcpProxy
from tests.integration.test_worker_crash import committed_offsets

USCC = Identifier(IdentifierScheme.USCC, "91330100799655058B")


def test_database_outage_holds_offsets_and_then_drains(alliance: Alliance) -> None:
    shop = alliance.join("shop")
    url = sa.make_url(alliance.database_url)
    with TcpProxy(url.host or "127.0.0.1", url.port or 5432) as proxy:
        through_proxy = open_engine(
            url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
        )

        def batch(n: int) -> None:
            shop.publisher.report_many(
                [alliance.signal("shop", SignalCategory.FAKE_TRANSACTION, USCC) for _ in range(n)]
            )

        with RunningWorker(alliance.worker(through_proxy)) as worker:
            batch(200)
            wait_until(lambda: alliance.count(accepted_signals) == 200, what="first 200 handled")
            wait_until(lambda: worker.ready, what="ready")
            wait_until(
                lambda: sum(committed_offsets(alliance.admin, alliance.group).values()) == 200,
                what="first offsets committed",
            )

            proxy.cut()
            batch(300)
            wait_until(lambda: not worker.ready, timeout_s=30, what="readiness to fail")
            held = committed_offsets(alliance.admin, alliance.group)
            time.sleep(5.0)  # the outage lasts a while; the worker keeps retrying
            assert committed_offsets(alliance.admin, alliance.group) == held
            assert sum(held.values()) == 200  # nothing committed past what the store holds
            assert not worker.ready

            proxy.restore()
            wait_until(lambda: alliance.count(accepted_signals) == 500, what="the backlog drained")
            wait_until(lambda: worker.ready, what="ready again")
            wait_until(
                lambda: sum(committed_offsets(alliance.admin, alliance.group).values()) == 500,
                what="offsets committed after recovery",
            )
        through_proxy.dispose()

    with alliance.engine.connect() as connection:
        accepted = connection.scalar(
            sa.select(sa.func.count(sa.distinct(ledger.c.ref))).where(
                ledger.c.kind == "SIGNAL_ACCEPTED"
            )
        )
        rows = connection.scalar(sa.select(sa.func.count()).select_from(ledger))
    assert accepted == 500 and rows == 500  # one row per signal: none lost, none doubled
    assert alliance.count(rejects) == 0  # a transient fault is never dead-lettered
