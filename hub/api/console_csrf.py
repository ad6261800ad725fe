"""The console's defence against forged writes: the session cookie admits a write only with
the page's CSRF token in an `X-CSRF-Token` header, and from the console's own origin.

The token is an HMAC-SHA256 of the session token under a key this process draws at random the
first time it needs one. Nothing is stored: the page gets the token rendered into its
`<meta name=csrf-token>`, its script sends it back, and the server recomputes and compares in
constant time. A site that is not the console can neither read the page (same-origin policy)
nor compute the HMAC (the key never leaves the process), so a forged write fails here even
if a browser sent the cookie along (SameSite=Strict already stops most). A restart draws a
new key: open pages must be reloaded before they can write again.

When the request says where it comes from (Origin, or else Referer), that must be this host.
Bearer-token writes are not touched: they are not ambient credentials.
"""

import hashlib
import hmac
import secrets
import threading
from urllib.parse import urlsplit

from fastapi import FastAPI, Request

from hub.api.errors import Forbidden

__all__ = ["CSRF_HEADER", "SAFE_METHODS", "check_cookie_write", "csrf_token"]

CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

_key_lock = threading.Lock()


def _key(app: FastAPI) -> bytes:
    with _key_lock:
        key: bytes | None = getattr(app.state, "csrf_key", None)
        if key is None:
            key = secrets.token_bytes(32)
            app.state.csrf_key = key
        return key


def csrf_token(request: Request, session_token: str) -> str:
    """The CSRF token of the session `session_token`, for the page to send back."""
    digest = hmac.new(_key(request.app), session_token.encode(), hashlib.sha256)
    return digest.hexdigest()


def _same_origin(request: Request) -> bool:
    claimed = request.headers.get("origin") or request.headers.get("referer")
    if claimed is None:
        return True  # nothing said: the CSRF token alone decides
    host = request.headers.get("host", "")
    return bool(host) and urlsplit(claimed).netloc.lower() == host.lower()


def check_cookie_write(request: Request, session_token: str) -> None:
    """Refuse (403) a write the session cookie carries unless it comes from this host and has
    the session's CSRF token."""
    if not _same_origin(request):
        raise Forbidden("a write with the session cookie must come from the console's own origin")
    sent = request.headers.get(CSRF_HEADER, "")
    if not hmac.compare_digest(sent.encode(), csrf_token(request, session_token).encode()):
        raise Forbidden(f"a write with the session cookie needs the page's {CSRF_HEADER} header")
