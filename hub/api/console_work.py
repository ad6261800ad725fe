"""联合惩戒指令 / Sanction instructions, 拒收记录 / Rejects and 待办任务 / Operator tasks in the
console: filtered lists read through the API's own route functions, and (for operators)
a button per open task that marks it done through POST /tasks/{id}/done."""

from collections import Counter
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from hub.api.console_pages import page
from hub.api.instructions import list_instructions, list_rejects, reject_counts
from hub.api.tasks import list_tasks
from hub.api.tokens import Principal
from hub.store.instruction_reads import InstructionStatus
from hub.store.task_reads import TaskState

__all__ = ["router"]

router = APIRouter(include_in_schema=False)

STATUSES = ("unsent", "sent", "awaiting_ack", "acked")
OVERDUE_ACK_S = 3600  # as the dashboard counts an acknowledgement overdue


@router.get("/console/instructions")
def instructions_page(
    request: Request,
    member: Annotated[str | None, Query(max_length=63)] = None,
    status: InstructionStatus | None = None,
    older_than_s: Annotated[int | None, Query(ge=0, le=10 * 365 * 24 * 3600)] = None,
) -> Response:
    def build(who: Principal) -> tuple[str, dict[str, object]]:
        found = list_instructions(request, who, member, status, older_than_s, 1000)
        overdue = list_instructions(request, who, member, "awaiting_ack", OVERDUE_ACK_S, 1000)
        by_status = Counter(i.ack_status or ("sent" if i.sent_at else "unsent") for i in found)
        return "console_instructions.html", {
            "found": found,
            "overdue": overdue,
            "by_status": sorted(by_status.items()),
            "statuses": STATUSES,
            "asked": {
                "member": member or "",
                "status": status or "",
                "older_than_s": "" if older_than_s is None else str(older_than_s),
            },
        }

    return page(request, ("联合惩戒指令", "Sanction instructions"), build)


@router.get("/console/rejects")
def rejects_page(
    request: Request,
    member: Annotated[str | None, Query(max_length=63)] = None,
    reason: Annotated[str | None, Query(max_length=32)] = None,
) -> Response:
    def build(who: Principal) -> tuple[str, dict[str, object]]:
        return "console_rejects.html", {
            "found": list_rejects(request, who, member, reason, 1000),
            "counts": reject_counts(request, who),
            "asked": {"member": member or "", "reason": reason or ""},
        }

    return page(request, ("拒收记录", "Rejects"), build)


@router.get("/console/tasks")
def tasks_page(request: Request, state: TaskState = "open") -> Response:
    def build(who: Principal) -> tuple[str, dict[str, object]]:
        return "console_tasks.html", {
            "tasks": list_tasks(request, who, state, 1000),
            "state": state,
            "states": ("open", "due", "done"),
        }

    return page(request, ("待办任务", "Operator tasks"), build)
