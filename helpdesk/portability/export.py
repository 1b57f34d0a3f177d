"""Writing everything out: one JSON Lines file per table, the attachment files, then the manifest.

The rows come from one read-only snapshot (PostgreSQL ``REPEATABLE READ``; on SQLite one read
transaction over the WAL), so an export is consistent even while the help desk keeps working.
Tables are streamed in primary-key order with a server-side cursor, so memory does not grow
with the data.

The export's own audit event (``data.exported``) is written *after* the snapshot and names the
manifest's SHA-256: the export shows the database as it was just before, the trail proves which
export left. The manifest only appears once that event is committed, so every complete export
is audited.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from importlib import metadata
from pathlib import Path

from flask_babel import lazy_gettext as _l
from sqlalchemy import Connection, Table, func, select

from helpdesk.audit import services as audit
from helpdesk.core.actor import Actor
from helpdesk.core.db import db, unit_of_work
from helpdesk.core.storage import FileStore
from helpdesk.portability.errors import DirectoryNotEmpty
from helpdesk.portability.format import (
    ATTACHMENTS_DIR,
    EXCLUDED_TABLES,
    FORMAT_NAME,
    FORMAT_VERSION,
    MANIFEST_NAME,
    TABLES_DIR,
    AttachmentFile,
    HashingWriter,
    Manifest,
    Progress,
    SchemaVersion,
    TableFile,
    attachment_path,
    copy_hashed,
    exported_tables,
    progress_reporter,
    row_encoder,
    schema_revision,
    table_path,
)
from helpdesk.portability.policy import require_may_move_all_data
from helpdesk.tickets.models import Attachment

#: Rows fetched per round trip of the server-side cursor.
FETCH_ROWS = 2000


def export_all(directory: Path, *, now: datetime, actor: Actor, store: FileStore,
               progress: Progress | None = None) -> Manifest:
    """Write every exported table, every attachment file and the manifest into ``directory``.

    Guarantees: the rows are one consistent snapshot; the manifest is written last, after the
    ``data.exported`` audit event has committed, so a directory without ``manifest.json`` is an
    incomplete export. ``progress(done, total)`` is called as rows and files are written.

    :raises PermissionDenied: unless the actor is an administrator or the system.
    :raises DirectoryNotEmpty: when ``directory`` exists and holds anything.
    """
    require_may_move_all_data(actor)
    _prepare(directory)
    with _snapshot() as connection:
        tables = exported_tables()
        counts = {t.name: int(connection.scalar(select(func.count()).select_from(t)) or 0) for t in tables}
        advance = progress_reporter(sum(counts.values()) + counts[Attachment.__tablename__], progress)
        table_files = [_write_table(connection, table, directory, advance) for table in tables]
        attachments, missing = _copy_attachments(connection, directory, store, advance)
        revision = schema_revision(connection)
    manifest = Manifest(
        format=FORMAT_NAME,
        schema_version=SchemaVersion(format=FORMAT_VERSION, alembic_revision=revision),
        exported_at=now.isoformat(timespec="microseconds"),
        app_version=metadata.version("helpdesk"),
        tables=table_files,
        attachments=attachments,
        missing_attachments=missing,
        excluded_tables=dict(EXCLUDED_TABLES),
    )
    raw = manifest.to_bytes()
    pending = directory / f".{MANIFEST_NAME}.partial"
    pending.write_bytes(raw)
    with unit_of_work():
        audit.record(actor, "data.exported", subject_type="data_export",
                     subject_id=hashlib.sha256(raw).hexdigest(), now=now,
                     data={"directory": str(directory), "schema_version": revision,
                           "rows": manifest.row_count,
                           "attachment_files": len(attachments), "bytes": manifest.byte_count,
                           "missing_attachments": len(missing)})
    pending.replace(directory / MANIFEST_NAME)
    return manifest


def _prepare(directory: Path) -> None:
    if directory.exists() and (not directory.is_dir() or any(directory.iterdir())):
        raise DirectoryNotEmpty(_l("書き出し先 %(path)s は空ではありません。"
                                   "空のディレクトリを指定してください。", path=str(directory)))
    (directory / TABLES_DIR).mkdir(parents=True)
    (directory / ATTACHMENTS_DIR).mkdir()


@contextmanager
def _snapshot() -> Iterator[Connection]:
    """A connection whose reads all see one committed state of the database, and which writes nothing."""
    with db.engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            connection.execution_options(isolation_level="REPEATABLE READ")
            with connection.begin():
                connection.exec_driver_sql("SET TRANSACTION READ ONLY")
                yield connection
        else:
            with connection.begin():
                # pysqlite opens a transaction only before a write; without an explicit BEGIN every
                # SELECT would see a different moment of the WAL.
                connection.exec_driver_sql("BEGIN")
                yield connection


def _write_table(connection: Connection, table: Table, directory: Path,
                 advance: Callable[[int], None]) -> TableFile:
    encode = row_encoder(table)
    stmt = select(table).order_by(*table.primary_key.columns)
    rows = 0
    with (directory / table_path(table.name)).open("wb") as out:
        writer = HashingWriter(out)
        result = connection.execution_options(yield_per=FETCH_ROWS).execute(stmt)
        for partition in result.mappings().partitions():
            for row in partition:
                writer.write(encode(row))
            rows += len(partition)
            advance(len(partition))
        out.flush()
        os.fsync(out.fileno())
    return TableFile(table=table.name, path=table_path(table.name), rows=rows, bytes=writer.size,
                     sha256=writer.digest.hexdigest())


def _copy_attachments(connection: Connection, directory: Path, store: FileStore,
                      advance: Callable[[int], None]) -> tuple[list[AttachmentFile], list[str]]:
    """Copy each attachment's bytes out of the store; keys whose file is gone are listed, not fatal.

    A lost file must not stop the ministry from leaving with everything else; the manifest says
    which ones were missing.
    """
    copied: list[AttachmentFile] = []
    missing: list[str] = []
    attachments = db.metadata.tables[Attachment.__tablename__]
    stmt = select(attachments.c.storage_key).order_by(attachments.c.id)
    result = connection.execution_options(yield_per=FETCH_ROWS).execute(stmt)
    for partition in result.scalars().partitions():
        for key in partition:
            source = store.path(key)
            if not source.is_file():
                missing.append(key)
                continue
            sha256, size = copy_hashed(source, directory / attachment_path(key))
            copied.append(AttachmentFile(storage_key=key, path=attachment_path(key), bytes=size,
                                         sha256=sha256))
        advance(len(partition))
    return copied, missing
