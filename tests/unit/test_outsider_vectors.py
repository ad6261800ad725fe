"""The contract's vectors, reproduced by a client written from the docs alone (PyNaCl for
Ed25519, Apache avro for Avro): an independent check of the rules and of the SDK's answers."""

import ast
import base64
import hashlib
import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from tests.outsider import client

VECTORS = client.SCHEMAS / "testvectors"
ENVELOPE_VECTORS = sorted(VECTORS.glob("envelope-*.json"))
OWN_CODE = ("hub", "alliance_connector", "fastavro", "cryptography", "tests")


def test_the_outsider_client_uses_none_of_our_code() -> None:
    tree = ast.parse(Path(client.__file__).read_text())
    imported = {
        (node.module or "") if isinstance(node, ast.ImportFrom) else alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    }
    assert not {name for name in imported if name.split(".")[0] in OWN_CODE}


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {name: _plain(item) for name, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    if isinstance(value, datetime):
        return round(value.timestamp() * 1000)
    return value if isinstance(value, str | int | type(None)) else str(value)


@pytest.mark.parametrize("path", ENVELOPE_VECTORS, ids=lambda p: p.stem)
def test_an_outsider_answers_each_envelope_vector_as_it_says(path: Path) -> None:
    vector = json.loads(path.read_text())
    data = base64.b64decode(vector["envelope_b64"])
    public_key = base64.b64decode(vector["signer_public_key_b64"])
    try:
        envelope, payload = client.open_envelope(data, vector["signer"], public_key)
    except client.Refused as refused:
        assert refused.reason == vector["expected"]
        return
    assert vector["expected"] == "ACCEPT"
    decoded = vector["decoded"]
    assert envelope["payload_type"] == decoded["payload_type"]
    assert envelope["schema_fingerprint"].hex() == decoded["schema_fingerprint_hex"]
    assert _plain(envelope["issued_at"]) == decoded["issued_at"]
    assert _plain(payload) == decoded["payload"]


@pytest.mark.parametrize(
    "vector",
    json.loads((VECTORS / "public-keys.json").read_text())["keys"],
    ids=lambda v: v["public_key_hex"][:12],
)
def test_libsodium_accepts_exactly_the_acceptable_keys(vector: dict[str, Any]) -> None:
    assert client.key_acceptable(bytes.fromhex(vector["public_key_hex"])) is vector["acceptable"]


def test_the_published_canonical_forms_hash_to_their_fingerprints() -> None:
    forms = json.loads((VECTORS / "canonical-forms.json").read_text())["schemas"]
    assert {path.name for path in client.SCHEMAS.glob("*.avsc")} == set(forms)
    for form in forms.values():
        digest = hashlib.sha256(form["parsing_canonical_form"].encode()).hexdigest()
        assert digest == form["fingerprint_sha256_hex"]


def test_an_outsider_seals_what_it_opens() -> None:
    import nacl.signing

    key = nacl.signing.SigningKey(bytes(range(32)))
    record = {
        "instruction_id": "ins-1",
        "member": "shop-a",
        "status": "EXECUTED",
        "acked_at": datetime(2026, 11, 1, 8, 0).astimezone(),
        "note": None,
    }
    raw = bytes(key.verify_key)
    sealed = client.seal(
        "InstructionAck.v1.avsc", record, "shop-a", key, client.default_key_id(raw)
    )
    envelope, payload = client.open_envelope(sealed, "shop-a", raw)
    assert payload["status"] == "EXECUTED" and envelope["key_id"] == "ed25519:56475aa75463474c"
