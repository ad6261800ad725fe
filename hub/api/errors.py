"""One error shape for every API failure, and the table mapping errors to HTTP statuses.

    {"error": {"code": "not_found", "message": "no instruction 'ins-…'"}}

API-only errors live here; the hub's own errors (hub.errors) are mapped, not redefined.

    ApiError
    ├── Unauthenticated   401  no token, or an unknown or revoked one
    ├── Forbidden         403  the role may not do this
    ├── NotFound          404  absent, or another member's (members cannot tell the two apart)
    ├── TooLarge          413  the request body is over the limit
    └── RateLimited       429  too many writes; retry after the given seconds
"""

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError
from starlette.exceptions import HTTPException as StarletteHTTPException

from hub.errors import (
    BrokerError,
    IllegalTransition,
    ImportRefused,
    PolicyError,
    StoreUnavailable,
    UnknownEntry,
    UnknownTask,
)

__all__ = [
    "ApiError",
    "Forbidden",
    "NotFound",
    "RateLimited",
    "TooLarge",
    "Unauthenticated",
    "error_body",
    "install_error_handlers",
]


class ApiError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class Unauthenticated(ApiError):
    status, code = 401, "unauthenticated"


class Forbidden(ApiError):
    status, code = 403, "forbidden"


class NotFound(ApiError):
    status, code = 404, "not_found"


class TooLarge(ApiError):
    status, code = 413, "too_large"


class RateLimited(ApiError):
    status, code = 429, "rate_limited"

    def __init__(self, message: str, retry_after_s: int) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


# The hub's errors as they reach HTTP.
_HUB_ERRORS: dict[type[Exception], tuple[int, str]] = {
    UnknownEntry: (404, "not_found"),
    UnknownTask: (404, "not_found"),
    IllegalTransition: (409, "illegal_transition"),
    ImportRefused: (422, "import_refused"),
    PolicyError: (422, "invalid_policy"),
    StoreUnavailable: (503, "store_unavailable"),
    BrokerError: (503, "broker_unavailable"),
}


def error_body(code: str, message: str, **detail: object) -> dict[str, object]:
    error: dict[str, object] = {"code": code, "message": message}
    if detail:
        error["detail"] = detail
    return {"error": error}


def install_error_handlers(app: FastAPI) -> None:
    async def api_error(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, ApiError)  # noqa: S101 - registered for ApiError only
        headers = {}
        if isinstance(exc, RateLimited):
            headers["Retry-After"] = str(exc.retry_after_s)
        if isinstance(exc, Unauthenticated):
            headers["WWW-Authenticate"] = "Bearer"
        return JSONResponse(error_body(exc.code, exc.message), exc.status, headers=headers)

    async def hub_error(_: Request, exc: Exception) -> JSONResponse:
        status, code = _HUB_ERRORS[type(exc)]
        detail: dict[str, object] = {}
        if isinstance(exc, ImportRefused):
            detail["problems"] = [
                {"line": line, "field": field, "rule": rule} for line, field, rule in exc.problems
            ]
        if isinstance(exc, PolicyError):
            detail["problems"] = exc.problems
        return JSONResponse(error_body(code, str(exc), **detail), status)

    async def validation_error(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)  # noqa: S101
        problems = [
            {"where": ".".join(str(p) for p in e["loc"]), "problem": e["msg"]} for e in exc.errors()
        ]
        return JSONResponse(
            error_body("invalid_request", "invalid request", problems=problems), 422
        )

    async def http_error(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)  # noqa: S101
        code = "not_found" if exc.status_code == 404 else "http_error"
        return JSONResponse(error_body(code, str(exc.detail)), exc.status_code)

    async def store_refused(_: Request, exc: Exception) -> JSONResponse:
        # A value the database cannot hold (a NUL byte, an out-of-range number) that the
        # route's own checks let through: the request's fault, not the server's.
        return JSONResponse(error_body("invalid_value", "a value in the request is not valid"), 422)

    app.add_exception_handler(ApiError, api_error)
    app.add_exception_handler(DataError, store_refused)
    for kind in _HUB_ERRORS:
        app.add_exception_handler(kind, hub_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(StarletteHTTPException, http_error)
