"""The wire contract's Avro schemas, as shipped in `schemas/avro/`.

Each payload record has one file per major version, `<Record>.v<N>.avsc`; its payload type is
`application/vnd.alliance.<record-in-kebab-case>.v<N>+avro`. A schema is identified on the
wire by its fingerprint: SHA-256 of its Parsing Canonical Form (Avro specification).
`SignedEnvelope.avsc` is the frame around every payload and carries no version.
"""

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from fastavro.schema import fingerprint, parse_schema, to_parsing_canonical_form

from alliance_connector.codec import AvroCodec
from alliance_connector.errors import UnknownSchema

__all__ = [
    "SCHEMA_DIR",
    "PayloadSchema",
    "SchemaCatalog",
    "catalog",
    "envelope_schema",
    "schema_fingerprint",
]

SCHEMA_DIR = Path(__file__).with_name("avro")
_VERSIONED_FILE = re.compile(r"(?P<record>[A-Z][A-Za-z0-9]*)\.v(?P<version>[1-9][0-9]*)\.avsc")


def schema_fingerprint(schema: Any) -> bytes:
    """SHA-256 of the schema's Parsing Canonical Form: 32 bytes."""
    return bytes.fromhex(fingerprint(to_parsing_canonical_form(parse_schema(schema)), "SHA-256"))


def payload_type_for(record: str, version: int) -> str:
    kebab = re.sub(r"(?<!^)(?=[A-Z])", "-", record).lower()
    return f"application/vnd.alliance.{kebab}.v{version}+avro"


@dataclass(frozen=True)
class PayloadSchema:
    """One version of one payload record."""

    record: str
    version: int
    payload_type: str
    schema: dict[str, Any]
    fingerprint: bytes


class SchemaCatalog:
    """Every payload schema in a directory, by payload type and by fingerprint."""

    def __init__(self, directory: Path) -> None:
        found = []
        for path in sorted(directory.glob("*.v*.avsc")):
            match = _VERSIONED_FILE.fullmatch(path.name)
            if match is None:
                continue
            schema = json.loads(path.read_text(encoding="utf-8"))
            record, version = match["record"], int(match["version"])
            found.append(
                PayloadSchema(
                    record,
                    version,
                    payload_type_for(record, version),
                    schema,
                    schema_fingerprint(schema),
                )
            )
        self._by_fingerprint = {schema.fingerprint: schema for schema in found}
        self._by_type = {schema.payload_type: schema for schema in found}
        self._newest: dict[str, PayloadSchema] = {}
        for schema in found:
            newest = self._newest.get(schema.record)
            if newest is None or schema.version > newest.version:
                self._newest[schema.record] = schema
        self._codecs: dict[bytes, AvroCodec] = {}

    def newest(self, record: str) -> PayloadSchema:
        """The newest version of `record`: what a writer should write."""
        try:
            return self._newest[record]
        except KeyError:
            raise UnknownSchema(f"no schema for record {record!r}") from None

    def versions(self, record: str) -> list[PayloadSchema]:
        """All versions of `record`, oldest first."""
        return sorted(
            (s for s in self._by_type.values() if s.record == record), key=lambda s: s.version
        )

    def writer(self, payload_type: str, schema_fingerprint: bytes) -> PayloadSchema:
        """The writer schema an envelope names; its payload type must agree with the schema."""
        schema = self._by_fingerprint.get(schema_fingerprint)
        if schema is None:
            raise UnknownSchema("schema_fingerprint names no schema this receiver knows")
        if schema.payload_type != payload_type:
            raise UnknownSchema(
                f"payload_type does not match the schema its fingerprint names, which is "
                f"{schema.payload_type}"
            )
        return schema

    def codec(self, writer: PayloadSchema) -> AvroCodec:
        """A codec writing `writer` and reading it as the newest version of its record."""
        codec = self._codecs.get(writer.fingerprint)
        if codec is None:
            newest = self.newest(writer.record)
            # Resolution is needed only for an older writer; the newest reads itself as is.
            reader = None if newest is writer else newest.schema
            codec = AvroCodec(writer.schema, reader)
            self._codecs[writer.fingerprint] = codec
        return codec


@cache
def catalog() -> SchemaCatalog:
    """The catalog of the schemas shipped with this package (loaded once)."""
    return SchemaCatalog(SCHEMA_DIR)


@cache
def envelope_schema() -> dict[str, Any]:
    """The SignedEnvelope schema."""
    schema: dict[str, Any] = json.loads((SCHEMA_DIR / "SignedEnvelope.avsc").read_text("utf-8"))
    return schema
