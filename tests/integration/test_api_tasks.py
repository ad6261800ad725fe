"""The operator-task routes on both stores: open, due and done list what they say, an operator
marks a task done once (the second time is 404), and only operators write."""

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from hub.store.operator_tasks import NewTask, add_task, task_id
from tests.integration.test_api import Api, bearer
from tests.integration.test_api_entries import STORES, store_api


@pytest.fixture
def api(fresh_database_url: str) -> Iterator[Api]:
    """Entries le-01 … le-12; le-01 has a task due yesterday, le-02 one due next week."""
    built = store_api(fresh_database_url)
    now = datetime.now(UTC)
    with built.engine.begin() as connection:
        add_task(connection, "le-01", NewTask("NOTIFY_REGULATOR", "通报", now - timedelta(1)), now)
        add_task(
            connection, "le-02", NewTask("INTERVIEW_PRINCIPAL", "约谈", now + timedelta(7)), now
        )
    yield built
    built.engine.dispose()


LATE, LATER = task_id("le-01", "NOTIFY_REGULATOR"), task_id("le-02", "INTERVIEW_PRINCIPAL")


def listed(api: Api, state: str, who: str = "operator") -> list[str]:
    status, body = api.get(f"/tasks?state={state}", who)
    assert status == 200, body
    return [t["task_id"] for t in body]


@STORES
def test_open_due_and_done_tasks(api: Api) -> None:
    assert listed(api, "open") == [LATE, LATER]  # earliest due first
    assert listed(api, "due", "auditor") == [LATE]
    assert listed(api, "done") == []
    done = api.client.post(f"/tasks/{LATE}/done", headers=bearer(api, "operator"))
    assert done.status_code == 200, done.text
    assert done.json()["done_by"].startswith("api:") and done.json()["done_at"] is not None
    assert listed(api, "open") == [LATER]
    assert listed(api, "due") == []
    assert listed(api, "done") == [LATE]
    again = api.client.post(f"/tasks/{LATE}/done", headers=bearer(api, "operator"))
    assert again.status_code == 404 and again.json()["error"]["code"] == "not_found"
    assert LATE not in json.dumps(again.json())
    unknown = api.client.post("/tasks/task-nowhere/done", headers=bearer(api, "operator"))
    assert unknown.status_code == 404 and "task-nowhere" not in unknown.text
    status, entry = api.get("/lists/entries/le-01", "auditor")
    assert [(t["task_id"], t["done_by"] is not None) for t in entry["tasks"]] == [(LATE, True)]


@STORES
def test_only_operators_mark_tasks_done_and_members_read_none(api: Api) -> None:
    for who in ("auditor", "mall"):
        refused = api.client.post(f"/tasks/{LATER}/done", headers=bearer(api, who))
        assert refused.status_code == 403 and refused.json()["error"]["code"] == "forbidden"
    assert api.get("/tasks", "mall")[0] == 403
    assert api.client.get("/tasks").status_code == 401
    assert listed(api, "open") == [LATE, LATER]  # nothing was marked
    status, body = api.get("/tasks?state=SECRET_STATE", "auditor")
    assert status == 422 and "SECRET_STATE" not in json.dumps(body)
    assert api.get("/tasks?limit=1", "auditor")[1][0]["task_id"] == LATE
