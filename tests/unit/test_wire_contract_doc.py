"""docs/wire-contract.md stays true: its plain-Python example (fastavro and cryptography only)
builds an envelope that the SDK verifies and accepts, and every reason code is documented."""

import re

import pytest

from alliance_connector.envelope import open_verified
from alliance_connector.messages import CreditSignal
from alliance_connector.reasons import Reason
from alliance_connector.signing import VerifyKey
from alliance_connector.validation import validate_signal
from hub.config import SOURCE_ROOT

DOC = SOURCE_ROOT / "docs" / "wire-contract.md"


def plain_example() -> str:
    blocks = re.findall(r"^```python plain-example\n(.*?)^```", DOC.read_text(), re.S | re.M)
    assert len(blocks) == 1, "the doc has exactly one plain-example block"
    return str(blocks[0])


def test_plain_example_uses_no_sdk() -> None:
    imports = re.findall(r"^\s*(?:from|import)\s+([\w.]+)", plain_example(), re.M)
    assert imports
    assert not [name for name in imports if name.split(".")[0] in {"alliance_connector", "hub"}]


def test_plain_example_builds_an_envelope_the_sdk_accepts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(SOURCE_ROOT)
    namespace: dict[str, object] = {"__name__": "plain_example"}
    exec(compile(plain_example(), str(DOC), "exec"), namespace)  # noqa: S102 - our own doc
    envelope_bytes, public_key_raw = namespace["envelope_bytes"], namespace["public_key_raw"]
    assert isinstance(envelope_bytes, bytes) and isinstance(public_key_raw, bytes)

    def pinned(signer: str, key_id: str) -> VerifyKey:
        return VerifyKey(key_id, public_key_raw)

    opened = open_verified(envelope_bytes, pinned, expected_signer="shop-a")
    validate_signal(CreditSignal.from_record(opened.record))


def test_every_reason_code_is_documented() -> None:
    text = DOC.read_text()
    assert [r.value for r in Reason if f"`{r.value}`" not in text] == []


def test_doc_names_only_existing_schema_files() -> None:
    named = set(re.findall(r"schemas/avro/([\w.]+\.avsc)", DOC.read_text()))
    assert named
    assert [n for n in named if not (SOURCE_ROOT / "schemas" / "avro" / n).is_file()] == []
