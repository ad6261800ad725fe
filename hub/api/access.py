"""Who may call what: bearer tokens, roles, and the limits every write is held to.

Browsers (the console, hub.api.console_pages) authenticate with the session cookie instead of
the header: it admits reads, and writes only with the page's CSRF token from the console's own
origin (hub.api.console_csrf); any other cookie write is 403 forbidden.

Roles: an operator does everything; an auditor reads everything and writes nothing; a member
reads its own instructions, acks and rejects, and another member's answer 404 (not 403: a
member must not learn what exists elsewhere).
"""

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import sqlalchemy as sa
from fastapi import Depends, Request
from fastapi.security import HTTPBearer

from hub.api.console_csrf import SAFE_METHODS, check_cookie_write
from hub.api.errors import Forbidden, NotFound, RateLimited, Unauthenticated
from hub.api.tokens import Principal, find_principal
from hub.store.errors import reading

__all__ = [
    "READERS",
    "SESSION_COOKIE",
    "WriteLimiter",
    "caller",
    "may_write",
    "require",
    "scope_to_member",
]

READERS = ("operator", "auditor")
# The console's session cookie (see hub.api.dashboard): reads, and writes with a CSRF token.
SESSION_COOKIE = "ah_session"


# Declares HTTP bearer in the OpenAPI description, on every route that depends on `caller`, so
# clients see how to authenticate. It decides nothing (auto_error off): `caller` reads the
# header itself, because a browser's request may instead carry the console's session cookie.
BEARER = HTTPBearer(
    auto_error=False,
    scheme_name="bearer",
    description="An API token: `Authorization: Bearer ah_…` (alliance-hub tokens create).",
)


def caller(request: Request, _bearer: object = Depends(BEARER)) -> Principal:  # noqa: B008
    """The principal of the request's bearer token, or of its session cookie when it has no
    header; 401 without a valid one, 403 for a cookie write without the CSRF token."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    session = request.cookies.get(SESSION_COOKIE, "")
    if not header and session:
        if request.method not in SAFE_METHODS:
            check_cookie_write(request, session)
        scheme, token = "bearer", session
    if scheme.lower() != "bearer" or not token:
        raise Unauthenticated("send 'Authorization: Bearer <token>'")
    engine: sa.Engine = request.app.state.engine
    with reading(engine) as connection:
        principal = find_principal(connection, token.strip())
    if principal is None:
        raise Unauthenticated("unknown or revoked token")
    return principal


def require(*roles: str) -> Callable[[Principal], Principal]:
    """A dependency admitting only these roles."""

    def check(principal: Principal = Depends(caller)) -> Principal:  # noqa: B008
        if principal.role not in roles:
            raise Forbidden(f"the {principal.role} role may not do this")
        return principal

    return check


def scope_to_member(principal: Principal, asked: str | None) -> str | None:
    """The member whose data a query may see: a member's own, whatever it asked for (asking
    for another member's is answered as if there were nothing: 404); others see what they
    asked for, or everyone's."""
    if principal.role != "member":
        return asked
    if asked is not None and asked != principal.member_id:
        raise NotFound("no member has this id")
    return principal.member_id


@dataclass
class WriteLimiter:
    """A token bucket per API token: `rate` writes per second, bursts of `burst`."""

    rate: float = 10.0
    burst: float = 30.0
    _buckets: dict[str, tuple[float, float]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def take(self, token_id: str) -> None:
        now = time.monotonic()
        with self._lock:
            level, since = self._buckets.get(token_id, (self.burst, now))
            level = min(self.burst, level + (now - since) * self.rate)
            if level < 1:
                raise RateLimited("too many writes", retry_after_s=int(1 / self.rate) + 1)
            self._buckets[token_id] = (level - 1, now)


def may_write(request: Request, principal: Principal = Depends(caller)) -> Principal:  # noqa: B008
    """Operators only, within the write rate."""
    if principal.role != "operator":
        raise Forbidden(f"the {principal.role} role may not write")
    limiter: WriteLimiter = request.app.state.write_limiter
    limiter.take(principal.token_id)
    return principal
