"""The export format, shared by the writer and the loader: layout, value encodings, manifest.

Everything a successor needs to read an export is written down in ``docs/export-format.md``;
this module is the one place the code decides it, so the two directions cannot drift apart.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, time
from enum import StrEnum
from pathlib import Path
from typing import IO, Any

from alembic.migration import MigrationContext
from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, Boolean, Connection, Date, Enum, Integer, LargeBinary, String, Table, Time
from sqlalchemy.types import TypeEngine

from helpdesk import models as _all_models  # noqa: F401 - the metadata must know every table
from helpdesk.core.db import UTCDateTime, db
from helpdesk.portability.errors import CorruptExport

FORMAT_NAME = "helpdesk-export"
#: Raised when the layout or an encoding changes incompatibly; the Alembic revision covers the columns.
FORMAT_VERSION = "1"
MANIFEST_NAME = "manifest.json"
TABLES_DIR = "tables"
ATTACHMENTS_DIR = "attachments"
CHUNK = 1024 * 1024

#: Tables deliberately left out, and why. Every other table of the metadata is exported, so a
#: table added later travels without anyone remembering to add it here.
EXCLUDED_TABLES: dict[str, str] = {
    "worker_heartbeats": "Liveness of this installation's Celery workers; meaningless on other machines.",
    "ticket_presence": "Who has a ticket open in the console at this moment; rows expire within seconds.",
}


def exported_tables() -> list[Table]:
    """Every table that is exported, referenced tables before the tables that refer to them."""
    return [t for t in db.metadata.sorted_tables if t.name not in EXCLUDED_TABLES]


def table_path(table_name: str) -> str:
    """Where a table's rows lie, relative to the export directory."""
    return f"{TABLES_DIR}/{table_name}.jsonl"


def attachment_path(storage_key: str) -> str:
    """Where an attachment's bytes lie, relative to the export directory."""
    return f"{ATTACHMENTS_DIR}/{storage_key}"


# --- values ---------------------------------------------------------------------------------------

Convert = Callable[[Any], Any]


def _instant(value: datetime) -> str:
    # The column type hands out UTC; "+00:00" with microseconds is also what the audit hash covers.
    return value.isoformat(timespec="microseconds")


def _base64(value: bytes) -> str:
    return base64.b64encode(value).decode("ascii")


def _enum_value(value: StrEnum | str) -> str:
    return str(value.value if isinstance(value, StrEnum) else value)


def column_codec(table: Table, column_name: str) -> tuple[Convert | None, Convert | None]:
    """How one column's value becomes JSON and back: ``(encode, decode)``; None means as is.

    :raises TypeError: for a column type the format has no encoding for (a new type must be
        given one here and in the documentation before it can be exported).
    """
    kind: TypeEngine[Any] = table.c[column_name].type
    if isinstance(kind, UTCDateTime):
        return _instant, datetime.fromisoformat
    if isinstance(kind, Enum):  # before String: an Enum is a String
        enum_class = kind.enum_class
        return _enum_value, (enum_class if enum_class is not None else None)
    if isinstance(kind, LargeBinary):
        return _base64, base64.b64decode
    if isinstance(kind, Date):
        return date.isoformat, date.fromisoformat
    if isinstance(kind, Time):
        return time.isoformat, time.fromisoformat
    if isinstance(kind, Integer | String | Boolean | JSON):
        return None, None
    raise TypeError(f"no export encoding for {table.name}.{column_name} ({kind!r})")


_JSON = json.JSONEncoder(sort_keys=True, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def row_encoder(table: Table) -> Callable[[Mapping[Any, Any]], bytes]:
    """A function turning one row (column name → value) into its JSON line, deterministically."""
    plan = [(c.name, column_codec(table, c.name)[0]) for c in table.columns]

    def encode(row: Mapping[Any, Any]) -> bytes:
        record = {}
        for name, convert in plan:
            value = row[name]
            record[name] = value if convert is None or value is None else convert(value)
        return (_JSON.encode(record) + "\n").encode()

    return encode


def row_decoder(table: Table) -> Callable[[bytes, int], dict[str, Any]]:
    """A function turning one JSON line (and its line number, for errors) back into column values.

    The function raises :class:`CorruptExport` when the line is not a JSON object with exactly
    the table's columns.
    """
    plan = [(c.name, column_codec(table, c.name)[1]) for c in table.columns]
    expected = {c.name for c in table.columns}

    def decode(line: bytes, number: int) -> dict[str, Any]:
        try:
            record = json.loads(line)
            if not isinstance(record, dict) or record.keys() != expected:
                raise ValueError("columns differ")
            for name, convert in plan:
                value = record[name]
                if convert is not None and value is not None:
                    record[name] = convert(value)
        except ValueError as exc:  # json.JSONDecodeError is a ValueError, and so are the converters'
            raise CorruptExport(_l("%(path)s の%(line)d行目を読めません。", path=table_path(table.name),
                                   line=number)) from exc
        return record

    return decode


Progress = Callable[[int, int], None]


def progress_reporter(total: int, progress: Progress | None) -> Callable[[int], None]:
    """A function to call with each step of work done; it tells ``progress(done, total)`` if given."""
    done = 0

    def advance(step: int) -> None:
        nonlocal done
        done += step
        if progress is not None:
            progress(done, total)

    return advance


# --- files ----------------------------------------------------------------------------------------


class HashingWriter:
    """Writes bytes to a file while counting them and hashing them with SHA-256."""

    def __init__(self, stream: IO[bytes]) -> None:
        self.stream = stream
        self.digest = hashlib.sha256()
        self.size = 0

    def write(self, data: bytes) -> None:
        """Append ``data``."""
        self.stream.write(data)
        self.digest.update(data)
        self.size += len(data)


def copy_hashed(source: Path, target: Path) -> tuple[str, int]:
    """Copy a file, refusing to overwrite, and return the copy's SHA-256 and size."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with source.open("rb") as inp, target.open("xb") as out:
        writer = HashingWriter(out)
        while chunk := inp.read(CHUNK):
            writer.write(chunk)
    return writer.digest.hexdigest(), writer.size


def file_sha256(path: Path) -> tuple[str, int]:
    """SHA-256 and size of a file, read in chunks."""
    digest, size = hashlib.sha256(), 0
    with path.open("rb") as inp:
        while chunk := inp.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def schema_revision(connection: Connection) -> str:
    """The Alembic revision the database's tables are at ("" for a database built without migrations)."""
    return MigrationContext.configure(connection).get_current_revision() or ""


# --- manifest -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TableFile:
    """One table's JSON Lines file."""

    table: str
    path: str
    rows: int
    bytes: int
    sha256: str


@dataclass(frozen=True)
class AttachmentFile:
    """The bytes of one attachment, named by the ``storage_key`` its row carries."""

    storage_key: str
    path: str
    bytes: int
    sha256: str


@dataclass(frozen=True)
class SchemaVersion:
    """What the rows conform to: the layout (``format``) and the columns (``alembic_revision``)."""

    format: str
    alembic_revision: str


@dataclass(frozen=True)
class Manifest:
    """The table of contents of an export, written last: an export without one is incomplete."""

    format: str
    schema_version: SchemaVersion
    exported_at: str
    app_version: str
    tables: list[TableFile]
    attachments: list[AttachmentFile]
    #: Storage keys of attachment rows whose file was not in the store when exported.
    missing_attachments: list[str] = field(default_factory=list)
    excluded_tables: dict[str, str] = field(default_factory=dict)

    @property
    def row_count(self) -> int:
        """Rows in every table together."""
        return sum(t.rows for t in self.tables)

    def rows_of(self, table: str) -> int:
        """Rows exported of one table (0 for a table the export does not hold)."""
        return sum(t.rows for t in self.tables if t.table == table)

    @property
    def byte_count(self) -> int:
        """Bytes of every table and attachment file together (the manifest not counted)."""
        return sum(t.bytes for t in self.tables) + sum(a.bytes for a in self.attachments)

    def to_bytes(self) -> bytes:
        """The manifest as written: UTF-8 JSON, sorted keys, two-space indent, final newline."""
        return (json.dumps(asdict(self), sort_keys=True, ensure_ascii=False, indent=2) + "\n").encode()

    @classmethod
    def from_bytes(cls, raw: bytes) -> Manifest:
        """Parse a manifest.

        :raises CorruptExport: when it is not the JSON this module writes.
        """
        try:
            data = json.loads(raw)
            if data.get("format") != FORMAT_NAME:
                raise ValueError("not a helpdesk export")
            return cls(
                format=data["format"],
                schema_version=SchemaVersion(**data["schema_version"]),
                exported_at=data["exported_at"],
                app_version=data["app_version"],
                tables=[TableFile(**t) for t in data["tables"]],
                attachments=[AttachmentFile(**a) for a in data["attachments"]],
                missing_attachments=list(data.get("missing_attachments", [])),
                excluded_tables=dict(data.get("excluded_tables", {})),
            )
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise CorruptExport(_l("manifest.json がこの形式の目録ではありません。")) from exc
