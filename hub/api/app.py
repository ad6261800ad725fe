"""The FastAPI application: routers, error handlers, the body-size cap, shared state."""

from collections.abc import Awaitable, Callable, Collection, MutableMapping
from datetime import date
from typing import Any

import sqlalchemy as sa
from fastapi import FastAPI

from alliance_connector.tokens import TokenKey
from hub.api import (
    audit,
    console_documents,
    console_lists,
    console_members,
    console_objections,
    console_reports,
    console_reviews,
    console_work,
    dashboard,
    entries,
    flows,
    health,
    hub_keys,
    instructions,
    keys,
    ledger,
    links,
    lists,
    members,
    metrics,
    objections,
    reports,
    reviews,
    subjects,
    tasks,
    token_routes,
)
from hub.api.access import WriteLimiter
from hub.api.errors import error_body, install_error_handlers
from hub.api.hub_keys import HubKeyCache
from hub.kafka.flows import FlowReader
from hub.policy.rules import Policy

__all__ = ["MAX_BODY_BYTES", "create_app"]

MAX_BODY_BYTES = 1024 * 1024
# A government list file can be large: a million entries is about 200 MiB of CSV.
LARGER_BODIES = {"/lists/import": 512 * 1024 * 1024}

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
Asgi = Callable[[Scope, Receive, Send], Awaitable[None]]


class BodyLimit:
    """Refuse request bodies over the limit (413), whether or not they say their length: 1 MiB,
    or more for list uploads."""

    def __init__(self, app: Asgi, limit: int = MAX_BODY_BYTES) -> None:
        self.app, self.default = app, limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = LARGER_BODIES.get(scope.get("path", ""), self.default)
        declared = dict(scope.get("headers", [])).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await self._refuse(send, limit)
            return
        seen, refused, started = 0, False, False

        # A body without Content-Length (chunked) is counted as it arrives. Past the limit the
        # 413 goes out at once and the application is told the client left: raising instead
        # would reach FastAPI's body parser, which turns any error into a 400.
        async def counted() -> Message:
            nonlocal seen, refused
            if refused:
                return {"type": "http.disconnect"}
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > limit:
                refused = True
                if not started:  # an answer already under way can only be cut short
                    await self._refuse(send, limit)
                return {"type": "http.disconnect"}
            return message

        async def unless_refused(message: Message) -> None:
            nonlocal started
            if not refused:  # the application's own answer to the disconnect goes nowhere
                started = True
                await send(message)

        try:
            await self.app(scope, counted, unless_refused)
        except Exception:
            if not refused:
                raise
            # A route reading the body itself sees the disconnect as an error; answered.

    @staticmethod
    async def _refuse(send: Send, limit: int) -> None:
        import json

        body = json.dumps(error_body("too_large", f"body over {limit} bytes")).encode()
        headers = [(b"content-type", b"application/json")]
        await send({"type": "http.response.start", "status": 413, "headers": headers})
        await send({"type": "http.response.body", "body": body})


def create_app(
    engine: sa.Engine,
    policy: Policy,
    bootstrap: str | None = None,
    write_limiter: WriteLimiter | None = None,
    flow_reader: FlowReader | None = None,
    holidays: Collection[date] = (),
    workdays: Collection[date] = (),
    token_key: TokenKey | None = None,
    broker_options: dict[str, Any] | None = None,
    kafka_confined: bool = False,
) -> FastAPI:
    """The operator API over `engine`; `bootstrap` is the broker /ready checks, and
    `flow_reader` reads topic flows and lag from it (none: /flows answers 503).
    `broker_options` connect the hub's admin client, which provisions members (none: members
    are registered and show drift until mended); `kafka_confined`: the broker has SASL and
    ACLs."""
    app = FastAPI(
        title="Alliance Hub",
        version="0.1",
        description="Operator API of the e-commerce anti-brushing alliance's data-sharing hub.",
    )
    app.state.engine = engine
    app.state.policy = policy
    app.state.bootstrap = bootstrap
    app.state.write_limiter = write_limiter or WriteLimiter()
    app.state.flows = flow_reader
    app.state.holidays = frozenset(holidays)
    app.state.workdays = frozenset(workdays)  # HUB_WORKDAYS: the report's extra working days
    app.state.token_key = token_key  # turns clear personal identifiers in uploads into tokens
    app.state.last_flow = None
    app.state.hub_keys = HubKeyCache()
    app.state.broker_options = broker_options
    app.state.kafka_confined = kafka_confined
    install_error_handlers(app)
    routers = (
        health,
        hub_keys,
        members,
        keys,
        instructions,
        subjects,
        entries,
        tasks,
        reviews,
        objections,
        links,
        lists,
        flows,
        metrics,
        audit,
        reports,
        ledger,
        token_routes,
        dashboard,
        console_members,
        console_lists,
        console_work,
        console_reviews,
        console_documents,
        console_objections,
        console_reports,
    )
    for module in routers:
        app.include_router(module.router)
    app.add_middleware(BodyLimit)
    return app
