"""The ledger routes on both stores: heads are public to members and paged; an inclusion
proof verifies with the standalone checker printed in docs/ledger.md (run as a separate
process, no project code) and fails for a changed row; a consistency proof between two heads
verifies, and one against a rewritten history does not."""

import base64
import json
import re
import subprocess
import sys
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from hub.config import SOURCE_ROOT
from hub.ledger.merkle import verify_consistency
from hub.store.schema import ledger, ledger_tree_nodes
from tests.integration.test_api import Api
from tests.integration.test_tree_heads import HUB_KEY, T0, build_ledger, grow, rewrite_tail, sign

STORES = pytest.mark.parametrize("fresh_database_url", ["sqlite", "postgresql"], indirect=True)
CHECKER = re.search(
    r"## A standalone checker.*?```python\n(.*?)```",
    (SOURCE_ROOT / "docs" / "ledger.md").read_text(encoding="utf-8"),
    re.DOTALL,
)


@pytest.fixture
def api(fresh_database_url: str) -> Iterator[Api]:
    build_ledger(fresh_database_url, 40).dispose()
    built = Api(fresh_database_url, "127.0.0.1:1")  # tokens and members; no route asks Kafka
    yield built
    built.engine.dispose()


def checked(tmp_path: Path, proof: dict[str, Any]) -> subprocess.CompletedProcess[str]:
    """Run docs/ledger.md's checker on `proof` with the hub's public key."""
    assert CHECKER is not None, "docs/ledger.md lost its checker"
    script, saved = tmp_path / "check.py", tmp_path / "proof.json"
    script.write_text(CHECKER.group(1), encoding="utf-8")
    saved.write_text(json.dumps(proof, ensure_ascii=False), encoding="utf-8")
    # -I: isolated, so the project is not importable and the script stands alone
    command = [sys.executable, "-I", str(script), str(saved), HUB_KEY.verify_key.b64]
    return subprocess.run(command, capture_output=True, text=True, check=False)


@STORES
def test_heads_are_public_to_members_and_paged(api: Api) -> None:
    status, empty = api.get("/ledger/heads", "mall")
    assert (status, empty) == (200, {"latest": None, "heads": [], "next_below": None})
    sizes = []
    for hour in range(3):
        grow(api.engine, 2)
        sizes.append(sign(api.engine, T0 + timedelta(hours=hour)).tree_size)
    status, page = api.get("/ledger/heads?limit=2", "mall")
    assert status == 200
    assert page["latest"]["tree_size"] == sizes[-1]
    assert [h["tree_size"] for h in page["heads"]] == sizes[:0:-1]
    status, rest = api.get(f"/ledger/heads?limit=2&below={page['next_below']}", "auditor")
    assert [h["tree_size"] for h in rest["heads"]] == sizes[:1] and rest["next_below"] is None
    assert api.client.get("/ledger/heads").status_code == 401


@STORES
def test_an_inclusion_proof_verifies_with_the_standalone_checker_and_not_for_a_changed_row(
    api: Api, tmp_path: Path
) -> None:
    head = sign(api.engine)
    for seq in (1, 17, 32, head.tree_size):
        status, proof = api.get(f"/ledger/proof/{seq}", "auditor")
        assert status == 200, proof
        assert proof["head"] == head.as_json() and proof["row"][1] == seq
        done = checked(tmp_path, proof)
        assert (done.returncode, done.stdout) == (
            0,
            f"OK: row {seq} is in the signed tree of {head.tree_size} rows\n",
        ), done.stderr

    status, proof = api.get("/ledger/proof/17", "auditor")
    changed = json.loads(json.dumps(proof))
    changed["row"][-1] = {"n": 99}  # the body as somebody would like it to read
    assert "the row does not hash to row_hash" in checked(tmp_path, changed).stderr
    signature = base64.b64decode(proof["head"]["signature"])
    forged = json.loads(json.dumps(proof))
    forged["head"]["signature"] = base64.b64encode(
        bytes([signature[0] ^ 1]) + signature[1:]
    ).decode()
    assert "not signed by this hub key" in checked(tmp_path, forged).stderr
    forged = json.loads(json.dumps(proof))
    forged["head"]["timestamp"] = "2026-12-01T09:00:00.124Z"  # a signed field changed
    assert "not signed by this hub key" in checked(tmp_path, forged).stderr

    # The row changed in the database and re-chained: the proof the hub now serves fails.
    rewrite_tail(api.engine, 30)
    status, proof = api.get("/ledger/proof/17", "auditor")
    done = checked(tmp_path, proof)
    assert done.returncode == 1 and "not in the tree of the signed head" in done.stderr


@STORES
def test_members_get_the_proof_without_the_row_and_refusals_are_404(api: Api) -> None:
    first = sign(api.engine)
    grow(api.engine, 5)
    sign(api.engine, T0 + timedelta(hours=1))
    status, proof = api.get(f"/ledger/proof/3?size={first.tree_size}", "mall")
    assert status == 200 and proof["row"] is None and proof["tree_size"] == first.tree_size
    assert api.get(f"/ledger/proof/{first.tree_size + 1}?size={first.tree_size}", "mall")[0] == 404
    assert api.get("/ledger/proof/3?size=7", "mall")[0] == 404  # no head of that size
    assert api.get("/ledger/proof/0", "mall")[0] == 422


@STORES
def test_a_consistency_proof_between_two_heads_verifies(api: Api) -> None:
    first = sign(api.engine)
    grow(api.engine, 23)
    second = sign(api.engine, T0 + timedelta(hours=1))
    status, answer = api.get(f"/ledger/consistency?from={first.tree_size}", "social")
    assert status == 200, answer
    assert (answer["first"], answer["second"]) == (first.as_json(), second.as_json())
    proof = [bytes.fromhex(p) for p in answer["proof"]]
    sizes = (first.tree_size, second.tree_size)
    assert verify_consistency(*sizes, first.root_hash, second.root_hash, proof)
    assert not verify_consistency(*sizes, second.root_hash, second.root_hash, proof)
    same = api.get(f"/ledger/consistency?from={second.tree_size}&to={second.tree_size}", "mall")
    assert same[1]["proof"] == []
    bad = f"/ledger/consistency?from={second.tree_size}&to={first.tree_size}"
    assert api.get(bad, "mall")[0] == 400

    # The history below the first head rewritten, the tree rebuilt and a third head signed
    # over it: no proof from the first head verifies.
    with api.engine.begin() as connection:
        connection.execute(ledger_tree_nodes.delete())
    rewrite_tail(api.engine, 70)
    grow(api.engine, 1)
    third = sign(api.engine, T0 + timedelta(hours=2))
    with api.engine.connect() as connection:
        assert connection.scalar(sa.select(sa.func.count()).select_from(ledger)) == third.tree_size
    status, answer = api.get(f"/ledger/consistency?from={first.tree_size}", "mall")
    proof = [bytes.fromhex(p) for p in answer["proof"]]
    assert not verify_consistency(
        first.tree_size, third.tree_size, first.root_hash, third.root_hash, proof
    )
