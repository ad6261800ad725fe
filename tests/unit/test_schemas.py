"""The .avsc files: documented, namespaced, and every version readable by the newest one."""

import io
import json
from pathlib import Path
from typing import Any

import fastavro
import pytest
from fastavro.utils import generate_many

from alliance_connector.schemas import SCHEMA_DIR, SchemaCatalog, catalog

SCHEMA_FILES = sorted(SCHEMA_DIR.glob("*.avsc"))
RECORDS = sorted({schema.record for schema in catalog()._by_type.values()})


def named_types(schema: Any) -> list[dict[str, Any]]:
    """Every record, enum and fixed defined anywhere in a schema."""
    found: list[dict[str, Any]] = []
    if isinstance(schema, list):
        for branch in schema:
            found += named_types(branch)
    elif isinstance(schema, dict):
        if schema.get("type") in ("record", "enum", "fixed"):
            found.append(schema)
        for field in schema.get("fields", []):
            found += named_types(field["type"])
        for key in ("items", "values"):
            if key in schema:
                found += named_types(schema[key])
        if isinstance(schema.get("type"), dict | list):
            found += named_types(schema["type"])
    return found


@pytest.mark.parametrize("path", SCHEMA_FILES, ids=lambda p: p.name)
def test_every_field_has_a_doc_and_the_namespace_is_the_alliances(path: Path) -> None:
    schema = json.loads(path.read_text(encoding="utf-8"))
    assert schema["namespace"] == "org.alliancehub.wire"
    assert schema.get("doc")
    fastavro.parse_schema(schema)  # the file is valid Avro
    for record in (t for t in named_types(schema) if t["type"] == "record"):
        for field in record["fields"]:
            assert field.get("doc"), f"{path.name}: {record['name']}.{field['name']} has no doc"


def test_the_contract_has_its_six_records() -> None:
    assert RECORDS == [
        "CreditSignal",
        "InstructionAck",
        "ListEntryState",
        "RejectedMessage",
        "SanctionInstruction",
    ]
    assert (SCHEMA_DIR / "SignedEnvelope.avsc").is_file()


def assert_newest_reads_every_older_version(schemas: SchemaCatalog, record: str) -> None:
    newest = schemas.newest(record)
    for older in schemas.versions(record):
        for sample in generate_many(older.schema, 25):
            buffer = io.BytesIO()
            fastavro.schemaless_writer(buffer, fastavro.parse_schema(older.schema), sample)
            buffer.seek(0)
            fastavro.schemaless_reader(
                buffer, fastavro.parse_schema(older.schema), fastavro.parse_schema(newest.schema)
            )


@pytest.mark.parametrize("record", RECORDS)
def test_backward_transitive_every_version_reads_with_the_newest(record: str) -> None:
    assert_newest_reads_every_older_version(catalog(), record)


def test_an_incompatible_new_version_is_caught(tmp_path: Path) -> None:
    """The evolution check can fail: a v2 adding a field without a default breaks v1 data."""
    v1 = json.loads((SCHEMA_DIR / "InstructionAck.v1.avsc").read_text())
    (tmp_path / "InstructionAck.v1.avsc").write_text(json.dumps(v1))
    v2 = dict(v1, fields=[*v1["fields"], {"name": "extra", "type": "string", "doc": "new"}])
    (tmp_path / "InstructionAck.v2.avsc").write_text(json.dumps(v2))
    schemas = SchemaCatalog(tmp_path)
    assert schemas.newest("InstructionAck").version == 2
    with pytest.raises(fastavro.read.SchemaResolutionError):
        assert_newest_reads_every_older_version(schemas, "InstructionAck")


def test_a_compatible_new_version_reads_old_bytes_through_the_catalog(tmp_path: Path) -> None:
    v1 = json.loads((SCHEMA_DIR / "InstructionAck.v1.avsc").read_text())
    (tmp_path / "InstructionAck.v1.avsc").write_text(json.dumps(v1))
    extra = {"name": "extra", "type": "string", "default": "none", "doc": "new"}
    (tmp_path / "InstructionAck.v2.avsc").write_text(
        json.dumps(dict(v1, fields=[*v1["fields"], extra]))
    )
    schemas = SchemaCatalog(tmp_path)
    old = schemas.versions("InstructionAck")[0]
    data = schemas.codec(old).encode(
        {"instruction_id": "i", "member": "m", "status": "EXECUTED", "acked_at": 0, "note": None}
    )
    assert schemas.codec(old).decode(data)["extra"] == "none"
