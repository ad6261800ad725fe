"""Schemathesis against the API's own OpenAPI schema, with an operator token: whatever the
generated requests hold, no route answers with a server error (5xx). Both of schemathesis'
modes run: positive (requests the schema allows) and negative (requests it forbids: wrong
types, out-of-range numbers, malformed path parameters), since a hostile client sends both."""

from datetime import UTC, datetime
from typing import Any

import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Ok

from hub.api.app import create_app
from hub.api.tokens import issue_token
from hub.kafka.flows import FlowReader
from hub.policy.loading import default_policy
from hub.store.engine import open_engine
from hub.store.migrate import upgrade


@schemathesis.serializer("application/toml")
def _toml(_: object, value: object) -> bytes:
    # Generated bodies for the policy diff are strings; any text is a (mostly invalid) TOML
    # document, which is the point.
    return str(value).encode("utf-8", "surrogatepass")


def test_no_route_answers_with_a_server_error(
    fresh_postgres_url: str, kafka_bootstrap: str
) -> None:
    engine = open_engine(fresh_postgres_url)
    upgrade(engine)
    with engine.begin() as connection:
        token = issue_token(connection, "operator", None, "schemathesis", datetime.now(UTC))
    flows = FlowReader({"bootstrap_servers": kafka_bootstrap}, "schemathesis")
    app = create_app(engine, default_policy(), kafka_bootstrap, flow_reader=flows)
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    headers = {"Authorization": f"Bearer {token}"}
    checked = []
    for result in schema.get_all_operations():
        assert isinstance(result, Ok), f"the API's own schema is invalid: {result}"
        operation = result.ok()

        modes = (schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE)
        cases = st.one_of(*(operation.as_strategy(generation_mode=mode) for mode in modes))

        @given(case=cases)
        @settings(
            max_examples=30,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def no_server_error(case: Any) -> None:
            response = case.call(headers=headers)
            case.validate_response(response, checks=[not_a_server_error])

        no_server_error()
        checked.append(operation.label)
    flows.close()
    engine.dispose()
    assert len(checked) >= 20, checked  # every route was exercised
