"""Liveness and readiness: /health says the process answers; /ready says the database and
the broker are reachable, so a load balancer sends no traffic to a hub that cannot work."""

import socket

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from hub.api.errors import error_body
from hub.errors import StoreUnavailable
from hub.store.engine import check_reachable

router = APIRouter(tags=["health"])


@router.get("/health")
def health() -> dict[str, str]:
    """The process is up."""
    return {"status": "ok"}


def _broker_reachable(bootstrap: str) -> bool:
    for address in bootstrap.split(","):
        host, _, port = address.strip().rpartition(":")
        try:
            with socket.create_connection((host or "127.0.0.1", int(port)), timeout=2):
                return True
        except (OSError, ValueError):
            continue
    return False


@router.get("/ready", response_model=None)
def ready(request: Request) -> JSONResponse | dict[str, object]:
    """The database answers a query and a broker accepts a connection."""
    checks: dict[str, bool] = {}
    try:
        check_reachable(request.app.state.engine)
        checks["database"] = True
    except StoreUnavailable:
        checks["database"] = False
    bootstrap: str | None = request.app.state.bootstrap
    checks["broker"] = bool(bootstrap) and _broker_reachable(bootstrap or "")
    if all(checks.values()):
        return {"status": "ready", "checks": checks}
    failing = ", ".join(name for name, ok in checks.items() if not ok)
    return JSONResponse(error_body("not_ready", f"unreachable: {failing}", checks=checks), 503)
