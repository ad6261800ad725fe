"""What every console page shares: who is signed in, the layout's context, and turning the
hub's errors into an error page.

Pages are rendered on the server from the very route functions the JSON API answers with
(hub.api.members.list_members, hub.api.entries.list_entries, …), called with the signed-in
principal: a page shows exactly what the API would, through the same store queries and the
same checks, with no second copy of either, and it works before any script has run (and in
tests without a browser). Writes are the other way round: the page's script posts JSON to
the API routes themselves (templates/console_script.html), so the API stays the one place
writes happen, and a form shows the API's typed error as the API gave it.

Auditors get the same pages without the forms; the API refuses them anyway.
"""

import re
from collections.abc import Callable, Mapping
from datetime import datetime

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from hub.api.access import READERS, SESSION_COOKIE
from hub.api.console_csrf import csrf_token
from hub.api.console_labels import NAV, label
from hub.api.errors import status_of
from hub.api.tokens import Principal, find_principal
from hub.domain.china_time import CHINA
from hub.errors import HubError
from hub.store.errors import reading
from hub.store.timestamps import as_utc
from hub.templates import templates

__all__ = ["Build", "Title", "page", "render", "signed_in"]

Title = tuple[str, str]  # (Chinese, English)
Build = Callable[[Principal], tuple[str, Mapping[str, object]]]


def _when(value: datetime | None) -> str:
    # China time, the operators' own: a listing dated 11-20 shows as 11-20, not 11-19 16:00.
    # A naive value is SQLite's UTC (hub.store.timestamps).
    if value is None:
        return "—"
    return as_utc(value).astimezone(CHINA).strftime("%Y-%m-%d %H:%M")


_ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(\+00:00|Z)$")


def _show(value: object) -> str:
    """A cell's text: dates in China time to the minute, lists joined, nothing as a dash."""
    if value is None:
        return "—"
    if isinstance(value, datetime):
        return _when(value)
    if isinstance(value, str) and _ISO.match(value):  # GET /subjects gives its times as text
        return _when(datetime.fromisoformat(value))
    if isinstance(value, list | tuple):
        return ", ".join(_show(v) for v in value) or "—"
    return str(value)


_ENV = templates("hub.api")
_ENV.filters["when"] = _when
_ENV.filters["show"] = _show
_ENV.globals["label"] = label


def signed_in(request: Request) -> Principal | None:
    """The operator or auditor whose session cookie the request carries; None otherwise."""
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    with reading(request.app.state.engine) as connection:
        principal = find_principal(connection, token)
    return principal if principal is not None and principal.role in READERS else None


def render(
    request: Request,
    principal: Principal,
    template: str,
    title: Title,
    context: Mapping[str, object],
    status: int = 200,
) -> HTMLResponse:
    """The page `template` in the console's layout."""
    session = request.cookies.get(SESSION_COOKIE, "")
    html = _ENV.get_template(template).render(
        {
            "title_zh": title[0],
            "title_en": title[1],
            "nav": NAV,
            "here": request.url.path,
            "role": principal.role,
            "can_write": principal.role == "operator",
            "csrf": csrf_token(request, session),
            **context,
        }
    )
    return HTMLResponse(html, status_code=status)


def page(request: Request, title: Title, build: Build) -> Response:
    """Sign-in check, then `build` (template name and context) rendered; a hub error it
    raises (an unknown id, a bad month) becomes an error page with the API's code and
    status."""
    principal = signed_in(request)
    if principal is None:
        return RedirectResponse("/login", status_code=303)
    try:
        template, context = build(principal)
    except HubError as exc:
        mapped = status_of(exc)
        if mapped is None:
            raise  # the API's 500 handler answers it without its message
        status, code = mapped
        message = getattr(exc, "message", None) or str(exc)
        if code == "invalid_value":  # as the API says it: the message may hold the value
            message = "a value in the request is not valid"
        error = {"code": code, "message": message}
        return render(request, principal, "console_error.html", title, {"error": error}, status)
    return render(request, principal, template, title, context)
