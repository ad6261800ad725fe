"""The FastAPI application: routers, error handlers, the body-size cap, shared state."""

from collections.abc import Awaitable, Callable, Collection, MutableMapping
from datetime import date
from typing import Any

import sqlalchemy as sa
from fastapi import FastAPI

from hub.api import (
    audit,
    dashboard,
    flows,
    health,
    instructions,
    keys,
    lists,
    members,
    metrics,
    reports,
    subjects,
)
from hub.api.access import WriteLimiter
from hub.api.errors import error_body, install_error_handlers
from hub.kafka.flows import FlowReader
from hub.policy.rules import Policy

__all__ = ["MAX_BODY_BYTES", "create_app"]

MAX_BODY_BYTES = 1024 * 1024

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
Asgi = Callable[[Scope, Receive, Send], Awaitable[None]]


class BodyLimit:
    """Refuse request bodies over `limit` bytes (413), whether or not they say their length."""

    def __init__(self, app: Asgi, limit: int = MAX_BODY_BYTES) -> None:
        self.app, self.limit = app, limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers", [])).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.limit:
            await self._refuse(send)
            return
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.limit:
                raise _Oversize
            return message

        try:
            await self.app(scope, counted, send)
        except _Oversize:
            await self._refuse(send)

    async def _refuse(self, send: Send) -> None:
        import json

        body = json.dumps(error_body("too_large", f"body over {self.limit} bytes")).encode()
        headers = [(b"content-type", b"application/json")]
        await send({"type": "http.response.start", "status": 413, "headers": headers})
        await send({"type": "http.response.body", "body": body})


class _Oversize(Exception):
    pass


def create_app(
    engine: sa.Engine,
    policy: Policy,
    bootstrap: str | None = None,
    write_limiter: WriteLimiter | None = None,
    flow_reader: FlowReader | None = None,
    holidays: Collection[date] = (),
) -> FastAPI:
    """The operator API over `engine`; `bootstrap` is the broker /ready checks, and
    `flow_reader` reads topic flows and lag from it (none: /flows answers 503)."""
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
    app.state.last_flow = None
    install_error_handlers(app)
    routers = (
        health,
        members,
        keys,
        instructions,
        subjects,
        lists,
        flows,
        metrics,
        audit,
        reports,
        dashboard,
    )
    for module in routers:
        app.include_router(module.router)
    app.add_middleware(BodyLimit)
    return app
