"""One error shape for every API failure, and the table mapping errors to HTTP statuses.

    {"error": {"code": "not_found", "message": "no instruction 'ins-…'"}}

API-only errors live here, as the HubError branch they are; the hub's other errors
(hub.errors) are mapped, not redefined. Every lookup walks the error's classes, so a subclass
answers as its nearest mapped ancestor, and a HubError the table does not know answers 500
without its message.

    HubError
    └── ApiError          400  carries its own status and code
        ├── Unauthenticated   401  no token, or an unknown or revoked one
        ├── Forbidden         403  the role may not do this
        ├── NotFound          404  absent, or another member's (members cannot tell the two apart)
        ├── Conflict          409  it exists already (a member id, a key)
        ├── TooLarge          413  the request body is over the limit
        └── RateLimited       429  too many writes; retry after the given seconds
"""

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from hub.errors import (
    BrokerError,
    DecisionRefused,
    HubError,
    IllegalTransition,
    ImportRefused,
    NothingToWithdraw,
    ObjectionError,
    ObjectionRefused,
    PolicyError,
    ReportFiled,
    ReservedMemberId,
    ReviewError,
    StandingConflict,
    StoreRefused,
    StoreUnavailable,
    UnknownEntry,
    UnknownMember,
    UnknownObjection,
    UnknownReview,
    UnknownSection,
    UnknownTask,
)

__all__ = [
    "ApiError",
    "Conflict",
    "Forbidden",
    "NotFound",
    "RateLimited",
    "TooLarge",
    "Unauthenticated",
    "error_body",
    "install_error_handlers",
]


class ApiError(HubError):
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


class Conflict(ApiError):
    status, code = 409, "conflict"


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
    UnknownMember: (404, "not_found"),
    NothingToWithdraw: (404, "not_found"),
    UnknownReview: (404, "not_found"),
    DecisionRefused: (422, "invalid_value"),
    ReservedMemberId: (422, "invalid_value"),
    StandingConflict: (409, "conflict"),
    ReviewError: (409, "conflict"),  # decided already, or of another kind
    ImportRefused: (422, "import_refused"),
    UnknownObjection: (404, "not_found"),
    ObjectionRefused: (422, "invalid_value"),
    ObjectionError: (409, "conflict"),  # decided already
    PolicyError: (422, "invalid_policy"),
    ReportFiled: (409, "report_filed"),
    UnknownSection: (404, "not_found"),
    # A value the database cannot hold (a NUL byte, an out-of-range number) that the route's
    # own checks let through: the request's fault, not the server's.
    StoreRefused: (422, "invalid_value"),
    StoreUnavailable: (503, "store_unavailable"),
    BrokerError: (503, "broker_unavailable"),
}


def status_of(exc: HubError) -> tuple[int, str] | None:
    """The (status, code) of `exc`'s nearest class in the table, or None if none is there."""
    if isinstance(exc, ApiError):
        return exc.status, exc.code
    for kind in type(exc).__mro__:
        if kind in _HUB_ERRORS:
            return _HUB_ERRORS[kind]
    return None


def error_body(code: str, message: str, **detail: object) -> dict[str, object]:
    error: dict[str, object] = {"code": code, "message": message}
    if detail:
        error["detail"] = detail
    return {"error": error}


def install_error_handlers(app: FastAPI) -> None:
    async def hub_error(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, HubError)  # noqa: S101 - registered for HubError only
        mapped = status_of(exc)
        if mapped is None:
            # A fault the API has no answer for: the message may hold what a caller sent.
            return JSONResponse(error_body("internal_error", "internal error"), 500)
        status, code = mapped
        headers = {}
        if isinstance(exc, RateLimited):
            headers["Retry-After"] = str(exc.retry_after_s)
        if isinstance(exc, Unauthenticated):
            headers["WWW-Authenticate"] = "Bearer"
        detail: dict[str, object] = {}
        if isinstance(exc, ImportRefused):
            detail["problems"] = [
                {"line": line, "field": field, "rule": rule} for line, field, rule in exc.problems
            ]
        if isinstance(exc, PolicyError):
            detail["problems"] = exc.problems
        message = exc.message if isinstance(exc, ApiError) else str(exc)
        if isinstance(exc, StoreRefused):
            message = "a value in the request is not valid"
        return JSONResponse(error_body(code, message, **detail), status, headers=headers)

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

    app.add_exception_handler(HubError, hub_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(StarletteHTTPException, http_error)
