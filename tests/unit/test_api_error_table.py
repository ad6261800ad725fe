"""The API's error table answers for subclasses too, through a real route: an error a later
feature derives from a mapped one must not turn into a 500."""

from fastapi import FastAPI
from fastapi.testclient import TestClient

from hub.api.errors import Conflict, NotFound, install_error_handlers, status_of
from hub.errors import BrokerError, HubError, IllegalTransition, UnknownEntry


class UnknownArchivedEntry(UnknownEntry):
    """A subclass no table names."""


class DuplicateObjection(Conflict):
    pass


class NewFault(HubError):
    pass


def _client(exc: Exception) -> TestClient:
    app = FastAPI()
    install_error_handlers(app)

    @app.get("/boom")
    def boom() -> None:
        raise exc

    return TestClient(app, raise_server_exceptions=False)


def test_a_subclass_of_a_mapped_hub_error_answers_as_its_ancestor() -> None:
    response = _client(UnknownArchivedEntry("e-1")).get("/boom")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_a_subclass_of_an_api_error_keeps_its_status() -> None:
    response = _client(DuplicateObjection("objection exists")).get("/boom")
    assert (response.status_code, response.json()["error"]["code"]) == (409, "conflict")


def test_an_unmapped_hub_error_is_a_500_that_quotes_nothing() -> None:
    response = _client(NewFault("value 110101199003071234")).get("/boom")
    assert response.status_code == 500
    assert "110101199003071234" not in response.text
    assert response.json()["error"]["code"] == "internal_error"


def test_the_table_walks_the_class_hierarchy() -> None:
    assert status_of(IllegalTransition("e", "LISTED", "DELISTED", [])) == (
        409,
        "illegal_transition",
    )
    assert status_of(BrokerError("down")) == (503, "broker_unavailable")
    assert status_of(NotFound("x")) == (404, "not_found")
    assert status_of(NewFault("x")) is None
