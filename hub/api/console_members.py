"""成员 / Members in the console: the list with standing and drift, one member with its keys
and mend command, and (for operators) the forms that onboard, key, suspend, resume, remove
and mend members and issue their API tokens, each posting to the API route it names."""

from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import Response

from alliance_connector.messages import SignalCategory
from hub.api.console_pages import page
from hub.api.members import BrokerDep, list_members, show_member
from hub.api.tokens import Principal

__all__ = ["router"]

router = APIRouter(include_in_schema=False)

KINDS = ("platform", "logistics", "other")


@router.get("/console/members")
def members_page(request: Request, broker: BrokerDep) -> Response:
    def build(who: Principal) -> tuple[str, dict[str, object]]:
        members = list_members(request, who, broker, drift=True)
        return "console_members.html", {
            "members": members,
            "kinds": KINDS,
            "categories": [c.value for c in SignalCategory],
        }

    return page(request, ("成员", "Members"), build)


@router.get("/console/members/{member}")
def member_page(
    request: Request, member: Annotated[str, Path(max_length=63)], broker: BrokerDep
) -> Response:
    def build(who: Principal) -> tuple[str, dict[str, object]]:
        return "console_member.html", {"m": show_member(request, member, who, broker)}

    return page(request, ("成员详情", "Member"), build)
