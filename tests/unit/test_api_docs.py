"""docs/api.md against the code: every error status and code the API answers with is in the
error table, and the hub-keys example follows the key-id rule it states."""

import base64
import json
import re

from alliance_connector.signing import key_id_for
from hub.api import app as _app  # noqa: F401 - imports every route module and its errors
from hub.api.errors import _HUB_ERRORS, ApiError
from hub.config import SOURCE_ROOT

DOC = (SOURCE_ROOT / "docs" / "api.md").read_text("utf-8")


def _table() -> set[tuple[int, str]]:
    rows = set()
    for status, codes in re.findall(r"^\| (\d{3}) \| ([^|]+) \|", DOC, re.MULTILINE):
        rows |= {(int(status), code) for code in re.findall(r"`([a-z_]+)`", codes)}
    return rows


def _api_errors(kind: type[ApiError]) -> set[tuple[int, str]]:
    found = {(kind.status, kind.code)}
    for sub in kind.__subclasses__():
        found |= _api_errors(sub)
    return found


def test_every_error_the_api_answers_with_is_in_the_table() -> None:
    answered = _api_errors(ApiError) | set(_HUB_ERRORS.values())
    answered |= {(422, "invalid_request"), (422, "invalid_value"), (503, "not_ready")}
    answered |= {(405, "http_error")}
    assert answered - _table() == set()


def test_the_hub_keys_example_follows_the_key_id_rule() -> None:
    section = DOC[DOC.index("## Hub public keys") :]
    example = json.loads(section[section.index("```json") + 7 : section.index("```\n\n")])
    assert [sorted(k) for k in example] == [
        ["key_id", "public_key", "revoked", "valid_from", "valid_until"]
    ]
    raw = base64.b64decode(example[0]["public_key"], validate=True)
    assert len(raw) == 32 and example[0]["key_id"] == key_id_for(raw)
