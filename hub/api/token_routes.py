"""API tokens through the API: operators issue tokens (a member's engineer gets its member
token this way) and revoke them. The token is in the answer once; only its digest is kept."""

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field

from hub.api.access import may_write
from hub.api.errors import ApiError, NotFound
from hub.api.tokens import Principal, issue_token, revoke_token
from hub.domain.roles import API_ROLES
from hub.errors import TokenRefused
from hub.store.errors import transaction

__all__ = ["router"]

router = APIRouter(tags=["tokens"])


class TokenIn(BaseModel):
    role: str = Field(description=f"One of {', '.join(API_ROLES)}.", max_length=16)
    member: str | None = Field(default=None, max_length=63)
    label: str = Field(min_length=1, max_length=200, description="Who holds it, for the record.")


class TokenOut(BaseModel):
    token_id: str
    role: str
    member: str | None
    token: str  # shown once: store it now


@router.post("/tokens", response_model=TokenOut, status_code=201)
def create_token(
    request: Request, body: TokenIn, _: Annotated[Principal, Depends(may_write)]
) -> TokenOut:
    """Issue a token for an operator, an auditor or one member."""
    try:
        with transaction(request.app.state.engine) as connection:
            token = issue_token(connection, body.role, body.member, body.label, datetime.now(UTC))
    except TokenRefused as exc:
        raise ApiError(str(exc)) from exc
    token_id = token.split("_")[1]
    return TokenOut(token_id=token_id, role=body.role, member=body.member, token=token)


@router.post("/tokens/{token_id}/revoke", status_code=204)
def revoke(request: Request, token_id: str, _: Annotated[Principal, Depends(may_write)]) -> None:
    with transaction(request.app.state.engine) as connection:
        if not revoke_token(connection, token_id, datetime.now(UTC)):
            raise NotFound("no active token has this id")
