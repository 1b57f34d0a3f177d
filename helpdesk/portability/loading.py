"""Loading an export into an empty instance: everything is checked first, then one transaction.

Order of work: the manifest and its schema version, the target's emptiness, every file's
SHA-256 — all before anything is written. Then, in one transaction: the tables in
foreign-key order (self-references filled in a second pass), the id sequences moved past
the loaded ids, SQLite's search index rebuilt, the attachment files placed in the store, and
the ``data.imported`` audit event appended to the loaded chain. Any failure rolls the rows
back and deletes the files this import placed, so nothing is left half-written.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    Integer,
    String,
    Table,
    and_,
    bindparam,
    column,
    func,
    insert,
    inspect,
    literal,
    select,
    text,
    update,
)
from sqlalchemy import table as sql_table
from sqlalchemy.orm import Session

from helpdesk.audit import queries as audit_queries
from helpdesk.audit import services as audit
from helpdesk.core.actor import Actor
from helpdesk.core.db import db, unit_of_work
from helpdesk.core.errors import Conflict
from helpdesk.core.storage import FileStore
from helpdesk.knowledge.search import ARTICLES
from helpdesk.portability.errors import CorruptExport, SchemaMismatch, TargetNotEmpty
from helpdesk.portability.format import (
    FORMAT_VERSION,
    MANIFEST_NAME,
    Manifest,
    Progress,
    TableFile,
    attachment_path,
    copy_hashed,
    exported_tables,
    file_sha256,
    progress_reporter,
    row_decoder,
    schema_revision,
    table_path,
)
from helpdesk.portability.policy import require_may_move_all_data
from helpdesk.tickets.search import TICKETS, TrigramSearch

_SQLITE_SEQUENCE = sql_table("sqlite_sequence", column("name", String), column("seq", Integer))
#: Rows per INSERT round trip.
BATCH_ROWS = 1000


@dataclass(frozen=True)
class ImportSummary:
    """What an import loaded, and what the loaded audit chain looked like."""

    rows: dict[str, int]
    attachment_files: int
    bytes: int
    audit_events_checked: int
    #: Breaks found in the imported chain (0 for an intact export); the import goes ahead and
    #: records the count, because a broken chain is evidence that must not be thrown away.
    audit_problems: int


def import_all(directory: Path, *, now: datetime, actor: Actor, store: FileStore,
               progress: Progress | None = None) -> ImportSummary:
    """Load the export in ``directory`` into this empty instance and its attachment store.

    Guarantees: all or nothing — rows in one transaction, attachment files placed in the store
    inside it and removed again if it fails; ids handed out after the import follow the loaded
    ones; the ``data.imported`` audit event is chained after the loaded events.

    :raises PermissionDenied: unless the actor is an administrator or the system.
    :raises CorruptExport: when the manifest is missing or malformed, or any file is missing,
        has another SHA-256 or size than the manifest says, or holds an unreadable line.
    :raises SchemaMismatch: when the export's format or Alembic revision is not this instance's.
    :raises TargetNotEmpty: when any exported table already holds rows here.
    :raises Conflict: when the attachment store already holds other bytes under an exported key.
    """
    require_may_move_all_data(actor)
    raw_manifest = _read(directory / MANIFEST_NAME)
    manifest = Manifest.from_bytes(raw_manifest)
    tables = exported_tables()
    _require_same_schema(manifest, tables)
    _require_empty(tables)
    entries = _verified_entries(directory, manifest, tables)
    advance = progress_reporter(manifest.row_count + len(manifest.attachments), progress)

    placed: list[Path] = []
    try:
        with unit_of_work() as session:
            rows = {t.name: _load_table(session, t, directory, entries[t.name], advance) for t in tables}
            _restart_ids(session, tables)
            _rebuild_search_index(session, TICKETS)
            _rebuild_search_index(session, ARTICLES)
            checked, problems = audit_queries.verify_chain()
            _place_attachments(directory, manifest, store, placed, advance)
            audit.record(actor, "data.imported", subject_type="data_import",
                         subject_id=hashlib.sha256(raw_manifest).hexdigest(), now=now,
                         data={"exported_at": manifest.exported_at,
                               "source_app_version": manifest.app_version,
                               "schema_version": manifest.schema_version.alembic_revision,
                               "rows": manifest.row_count, "attachment_files": len(manifest.attachments),
                               "audit_chain_problems": len(problems)})
    except BaseException:
        for path in placed:
            path.unlink(missing_ok=True)
        raise
    return ImportSummary(rows=rows, attachment_files=len(manifest.attachments), bytes=manifest.byte_count,
                         audit_events_checked=checked, audit_problems=len(problems))


def verify_export(directory: Path) -> Manifest:
    """Check an export against its manifest without loading it; returns the manifest. Reads only.

    :raises CorruptExport: when the manifest is missing or malformed, or any file it names is
        missing or has another SHA-256 or size.
    """
    manifest = Manifest.from_bytes(_read(directory / MANIFEST_NAME))
    _verified_entries(directory, manifest, exported_tables())
    return manifest


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise CorruptExport(_l("%(path)s がありません。書き出しが完了していない可能性があります。",
                               path=str(path))) from exc


def _require_same_schema(manifest: Manifest, tables: list[Table]) -> None:
    ours = schema_revision(db.session.connection())
    theirs = manifest.schema_version
    if theirs.format != FORMAT_VERSION or theirs.alembic_revision != ours:
        raise SchemaMismatch(_l(
            "書き出しのスキーマ版（形式 %(their_format)s・%(theirs)s）がこのシステム（形式 %(our_format)s・"
            "%(ours)s）と一致しません。同じ版のシステムに読み込んでください。",
            their_format=theirs.format, theirs=theirs.alembic_revision or "-",
            our_format=FORMAT_VERSION, ours=ours or "-"))
    if sorted(t.table for t in manifest.tables) != sorted(t.name for t in tables):
        raise CorruptExport(_l("目録の表の一覧がこのスキーマ版の表と一致しません。"))


def _require_empty(tables: list[Table]) -> None:
    for table in tables:
        if db.session.scalar(select(literal(1)).select_from(table).limit(1)) is not None:
            raise TargetNotEmpty(_l("読み込み先のデータベースにデータがあります（表 %(table)s）。"
                                    "空のシステムにだけ読み込めます。", table=table.name))


def _verified_entries(directory: Path, manifest: Manifest, tables: list[Table]) -> dict[str, TableFile]:
    """Every table and attachment file checked against the manifest; the table entries by name."""
    names = {t.name for t in tables}
    checks = [(t.path, table_path(t.table) if t.table in names else None, t.sha256, t.bytes)
              for t in manifest.tables]
    checks += [(a.path, attachment_path(a.storage_key), a.sha256, a.bytes) for a in manifest.attachments]
    for path, expected_path, sha256, size in checks:
        # Paths are ours to compute: a manifest naming another path is not read, so it cannot point
        # outside the export.
        if path != expected_path:
            raise CorruptExport(_l("目録の %(path)s は想定外の場所です。", path=path))
        try:
            actual = file_sha256(directory / path)
        except OSError as exc:
            raise CorruptExport(_l("%(path)s がありません。", path=path)) from exc
        if actual != (sha256, size):
            raise CorruptExport(_l("%(path)s のSHA-256またはサイズが目録と一致しません。"
                                   "書き出し後に変更されています。", path=path))
    return {t.table: t for t in manifest.tables}


def _load_table(session: Session, table: Table, directory: Path, entry: TableFile,
                advance: Callable[[int], None]) -> int:
    # A row may point at a later row of its own table (a child ticket declared before its major
    # incident's parent); those columns are written in a second pass, once every row exists.
    later = [fk.parent.name for fk in table.foreign_keys if fk.column.table is table and fk.parent.nullable]
    batch: list[dict[str, Any]] = []
    rows = 0
    for record in _records(directory, table):
        batch.append({**record, **dict.fromkeys(later)})
        if len(batch) == BATCH_ROWS:
            session.execute(insert(table), batch)
            rows += len(batch)
            advance(len(batch))
            batch = []
    if batch:
        session.execute(insert(table), batch)
        rows += len(batch)
        advance(len(batch))
    if rows != entry.rows:
        raise CorruptExport(_l("%(path)s の行数が目録と一致しません。", path=entry.path))
    if later:
        _fill_self_references(session, table, directory, later)
    return rows


def _records(directory: Path, table: Table) -> Iterator[dict[str, Any]]:
    decode = row_decoder(table)
    with (directory / table_path(table.name)).open("rb") as lines:
        for number, line in enumerate(lines, 1):
            yield decode(line, number)


def _fill_self_references(session: Session, table: Table, directory: Path, columns: list[str]) -> None:
    keys = list(table.primary_key.columns)
    stmt = (update(table).where(and_(*(k == bindparam(f"key_{k.name}") for k in keys)))
            .values({name: bindparam(f"value_{name}") for name in columns}))
    batch: list[dict[str, Any]] = []
    for record in _records(directory, table):
        if all(record[name] is None for name in columns):
            continue
        batch.append({**{f"key_{k.name}": record[k.name] for k in keys},
                      **{f"value_{name}": record[name] for name in columns}})
        if len(batch) == BATCH_ROWS:
            session.execute(stmt, batch)
            batch = []
    if batch:
        session.execute(stmt, batch)


def _restart_ids(session: Session, tables: list[Table]) -> None:
    """Make the next generated id of every table follow the largest loaded one."""
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        for table in tables:
            keys = list(table.primary_key.columns)
            if len(keys) != 1 or not isinstance(keys[0].type, Integer):
                continue
            key = keys[0]
            # setval(NULL, …) is NULL for a key without a sequence, so no need to know which have one.
            next_id = func.coalesce(select(func.max(key)).scalar_subquery(), 0) + 1
            session.execute(select(func.setval(func.pg_get_serial_sequence(table.name, key.name),
                                               next_id, False)))
    elif inspect(connection).has_table("sqlite_sequence"):
        # Only tables declared AUTOINCREMENT keep a counter here; the others take max(rowid) + 1.
        for table in tables:
            keys = list(table.primary_key.columns)
            if len(keys) == 1 and isinstance(keys[0].type, Integer):
                largest = select(func.coalesce(func.max(keys[0]), 0)).scalar_subquery()
                session.execute(update(_SQLITE_SEQUENCE).where(_SQLITE_SEQUENCE.c.name == table.name)
                                .values(seq=largest))


def _rebuild_search_index(session: Session, index: TrigramSearch) -> None:
    """SQLite's FTS5 copy of ``search_text``: the ORM events that keep it do not fire for bulk inserts.

    PostgreSQL indexes the column itself (pg_trgm), so there is nothing to do there.
    """
    connection = session.connection()
    if connection.dialect.name != "sqlite" or not index.has_fts_table(connection):
        return
    source = index.model.__tablename__
    session.execute(text(f"DELETE FROM {index.fts_table}"))  # noqa: S608 - names from our code
    session.execute(text(f"INSERT INTO {index.fts_table}(rowid, search_text) "  # noqa: S608
                         f"SELECT id, search_text FROM {source}"))


def _place_attachments(directory: Path, manifest: Manifest, store: FileStore, placed: list[Path],
                       advance: Callable[[int], None]) -> None:
    """Copy the files into the store under their storage keys, recording each path before writing it."""
    for entry in manifest.attachments:
        target = store.path(entry.storage_key)
        if target.exists():
            if file_sha256(target) == (entry.sha256, entry.bytes):
                advance(1)
                continue  # already there, e.g. from an import that was rolled back after a crash
            raise Conflict(_l("添付ファイルの保存先に同じキー %(key)s の別のファイルがあります。",
                              key=entry.storage_key))
        placed.append(target)
        if copy_hashed(directory / entry.path, target) != (entry.sha256, entry.bytes):
            raise CorruptExport(_l("%(path)s が読み込み中に変わりました。", path=entry.path))
        advance(1)
