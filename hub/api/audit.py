"""What auditors check: the ledger's integrity, its export (the 工作台账), and the policy in
force with what a candidate policy would change."""

import io
from collections.abc import Iterator, Sequence
from typing import Annotated

import sqlalchemy as sa
from fastapi import APIRouter, Body, Depends, Request
from fastapi.responses import StreamingResponse

from hub.api.access import READERS, require
from hub.api.tokens import Principal
from hub.csv_cells import SpreadsheetCsv
from hub.ledger.verify import verify
from hub.policy.loading import load_policy_text
from hub.policy.rules import describe_safeguards, diff_decisions, diff_safeguards
from hub.sanctions.situations import presence_situations
from hub.store.audit_trail import EXPORT_COLUMNS, ledger_rows
from hub.store.errors import reading

router = APIRouter(tags=["audit"])

Reader = Annotated[Principal, Depends(require(*READERS))]


@router.get("/ledger/verify")
def ledger_verify(request: Request, _: Reader) -> dict[str, object]:
    """Recompute the hash chain: any edited, deleted, inserted or reordered row is named."""
    with reading(request.app.state.engine) as connection, connection.begin():
        report = verify(connection)
    return {
        "ok": report.ok,
        "rows": report.rows,
        "head_seq": report.head_seq,
        "problem_count": report.problem_count,
        "problems": [{"seq": p.seq, "kind": p.kind, "detail": p.detail} for p in report.problems],
    }


@router.get("/ledger/export.csv")
def ledger_export(request: Request, _: Reader) -> StreamingResponse:
    """The whole ledger as CSV (UTF-8 with BOM, which spreadsheet programs in China expect),
    streamed in seq order; text cells a spreadsheet would run as formulas are quoted."""
    engine: sa.Engine = request.app.state.engine

    def rows() -> Iterator[str]:
        out = io.StringIO()
        writer = SpreadsheetCsv(out)
        writer.writerow(EXPORT_COLUMNS)
        yield "\ufeff" + out.getvalue()
        with reading(engine) as connection:
            for row in ledger_rows(connection):
                out.seek(0)
                out.truncate()
                writer.writerow(row)
                yield out.getvalue()

    headers = {"Content-Disposition": 'attachment; filename="ledger.csv"'}
    return StreamingResponse(rows(), media_type="text/csv; charset=utf-8", headers=headers)


@router.get("/policy")
def policy_current(request: Request, _: Reader) -> dict[str, object]:
    """The policy in force: version, digest, rectification periods, rules and safeguards
    (each threshold by its key in the policy file)."""
    policy = request.app.state.policy
    return {
        "version": policy.version,
        "digest": policy.digest,
        "legal_basis": policy.legal_basis,
        "default_months": policy.default_months,
        "months": {str(k): v for k, v in policy.months.items()},
        "rules": [
            {
                "name": r.name,
                "lists": sorted(r.lists),
                "statuses": sorted(r.statuses),
                "categories": sorted(r.categories) if r.categories else None,
                "member_kinds": sorted(r.member_kinds) if r.member_kinds else None,
                "targets": str(r.targets),
                "actions": [str(a) for a in r.actions],
                "flag": r.flag,
            }
            for r in policy.rules
        ],
        "safeguards": describe_safeguards(policy.safeguards),
    }


@router.post("/policy/diff")
def policy_diff(
    request: Request,
    _: Reader,
    candidate: Annotated[str, Body(media_type="application/toml", max_length=256 * 1024)],
) -> dict[str, object]:
    """What the candidate policy (TOML in the body) would add and lift today, and which
    safeguards it sets differently; applies nothing. An invalid candidate answers 422 with
    every problem."""
    new = load_policy_text(candidate.encode(), "candidate")
    with reading(request.app.state.engine) as connection:
        situations = presence_situations(connection, request.app.state.policy)
    diff = diff_decisions(request.app.state.policy, new, situations)

    def listed(pairs: Sequence[tuple[tuple[str, str], object]]) -> list[dict[str, str]]:
        return [{"entry": e, "member": m, "action": str(a)} for (e, m), a in pairs]

    return {
        "from": request.app.state.policy.version,
        "to": new.version,
        "add": listed(diff.added),
        "lift": listed(diff.lifted),
        "pairs": len(situations),
        "safeguards": [
            {"name": c.name, "old": c.old, "new": c.new}
            for c in diff_safeguards(request.app.state.policy, new)
        ],
    }
