"""Avro codecs: parse the schemas once, then bytes in, record out.

A codec pairs the writer schema the bytes were made with and the newest reader schema of the
same record, so a reader decodes every older version through Avro schema resolution.

Only the one canonical encoding of a value is read (wire contract §3): decoders disagree on
the others. fastavro, like Python, reads an enum or union index of -1 as the last symbol;
others refuse it or read something else. So the bytes are decoded, the value encoded again and
the two compared: anything else (a negative index, an overlong varint, a negative length, an
array in several blocks, trailing bytes) is refused. The signature was checked on the
received bytes before; this only decides which received bytes are well-formed.
"""

import io
from typing import Any

import fastavro

from alliance_connector.errors import MalformedMessage

__all__ = ["AvroCodec"]

# What fastavro raises on bytes that do not fit the schema (truncated, wrong types, bad
# union index, invalid UTF-8, a timestamp beyond datetime's range...).
_DECODE_FAILURES = (
    EOFError,
    IndexError,
    ValueError,
    TypeError,
    KeyError,
    UnicodeDecodeError,
    OverflowError,
)


class AvroCodec:
    """Binary Avro (no header, no schema) for one writer schema, read as one reader schema."""

    def __init__(self, writer: Any, reader: Any | None = None) -> None:
        self._writer = fastavro.parse_schema(writer)
        self._reader = fastavro.parse_schema(reader) if reader is not None else None

    def encode(self, record: dict[str, Any]) -> bytes:
        """The record's binary encoding under the writer schema; invalid records raise
        fastavro's ValueError or TypeError (a programming error, not bad input)."""
        buffer = io.BytesIO()
        fastavro.schemaless_writer(buffer, self._writer, record, strict_allow_default=True)
        return buffer.getvalue()

    def decode(self, data: bytes) -> dict[str, Any]:
        """The record in `data`; MalformedMessage unless the bytes are exactly one record in
        its canonical encoding."""
        written = self._read(data, None)
        try:
            canonical = self.encode(written)
        except (ValueError, TypeError, OverflowError) as exc:
            raise MalformedMessage(f"Avro bytes hold no valid value: {type(exc).__name__}") from exc
        if canonical != data:
            raise MalformedMessage("Avro bytes are not the canonical encoding of their value")
        # An older writer's value is read again as the newest version (schema resolution).
        return written if self._reader is None else self._read(data, self._reader)

    def read_prefix(self, data: bytes) -> dict[str, Any]:
        """The record at the start of `data`, whatever follows it; {} if none decodes."""
        try:
            return self._read(data, None, whole=False)
        except MalformedMessage:
            return {}

    def _read(self, data: bytes, reader: Any | None, whole: bool = True) -> dict[str, Any]:
        buffer = io.BytesIO(data)
        try:
            record = fastavro.schemaless_reader(buffer, self._writer, reader)
        except _DECODE_FAILURES as exc:
            raise MalformedMessage(f"Avro bytes do not decode: {type(exc).__name__}") from exc
        if whole and buffer.tell() != len(data):
            raise MalformedMessage(f"{len(data) - buffer.tell()} trailing bytes after the record")
        if not isinstance(record, dict):
            raise MalformedMessage("Avro bytes do not hold a record")
        return record
