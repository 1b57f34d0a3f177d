"""Physical backup and restore of one installation: the database and the attachment store.

Unlike the contractor-neutral export (``export.py``), a backup is made for *this* software at
*this* schema version and restored with it, fast: PostgreSQL is dumped with ``pg_dump -Fc`` and
restored with ``pg_restore --jobs``; SQLite is copied with the online backup API. The attachment
store is copied file by file. ``manifest.json`` (written last, so a directory without one is an
unfinished backup) records the SHA-256 and size of every file, the Alembic revision, the engine,
the time and the row count of every table, all taken from the same database snapshot.

A restore checks every SHA-256 before it writes anything, only ever fills an empty database and
an empty attachment store, and verifies the result (row counts, the audit hash chain, the
attachment files against both the manifest and the ``attachments`` rows).
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, create_engine, func, literal, select, text
from sqlalchemy import table as sql_table
from sqlalchemy.engine import URL

from helpdesk import models as _all_models  # noqa: F401 - the metadata must know every table
from helpdesk.audit import queries as audit_queries
from helpdesk.core.db import db
from helpdesk.core.storage import FileStore
from helpdesk.portability.errors import BackupFailed, CorruptBackup, TargetNotEmpty
from helpdesk.portability.format import copy_hashed, file_sha256

FORMAT_NAME = "helpdesk-backup"
FORMAT_VERSION = "1"
MANIFEST_NAME = "manifest.json"
ATTACHMENTS_DIR = "attachments"
POSTGRES_DUMP = "database.dump"
SQLITE_COPY = "database.sqlite"
#: Long enough for the 1,000,000-ticket bench database on a 2-core machine, short enough that a hung
#: pg_dump (a lock it waits on, a dead network) ends in an error an operator sees.
DEFAULT_TIMEOUT = 3 * 3600.0
#: What libpq reads from the environment for URL query options we pass on (never the password's
#: place on a command line, where ``ps`` shows it).
_LIBPQ_QUERY_ENV = {"sslmode": "PGSSLMODE", "sslrootcert": "PGSSLROOTCERT", "sslcert": "PGSSLCERT",
                    "sslkey": "PGSSLKEY", "host": "PGHOST", "port": "PGPORT", "options": "PGOPTIONS"}


@dataclass(frozen=True)
class FileEntry:
    """One file of a backup: its path relative to the backup directory, SHA-256 and size."""

    path: str
    sha256: str
    bytes: int


@dataclass(frozen=True)
class BackupManifest:
    """What ``manifest.json`` says about a backup."""

    engine: str
    created_at: str
    alembic_revision: str
    database: FileEntry
    row_counts: dict[str, int]
    attachments: list[FileEntry]
    #: Storage keys the snapshot's ``attachments`` rows name but the store did not hold when copied.
    missing_attachments: list[str] = field(default_factory=list)
    format: str = FORMAT_NAME
    version: str = FORMAT_VERSION

    def to_bytes(self) -> bytes:
        """The manifest as indented UTF-8 JSON."""
        return json.dumps(asdict(self), ensure_ascii=False, indent=1).encode() + b"\n"

    @classmethod
    def from_bytes(cls, raw: bytes) -> BackupManifest:
        """Parse a manifest; :raises CorruptBackup: when it is not one this code wrote."""
        try:
            data = json.loads(raw)
            if (data.get("format"), data.get("version")) != (FORMAT_NAME, FORMAT_VERSION):
                raise CorruptBackup(f"not a {FORMAT_NAME} version {FORMAT_VERSION} manifest")
            return cls(engine=str(data["engine"]), created_at=str(data["created_at"]),
                       alembic_revision=str(data["alembic_revision"]),
                       database=FileEntry(**data["database"]),
                       row_counts={str(k): int(v) for k, v in data["row_counts"].items()},
                       attachments=[FileEntry(**a) for a in data["attachments"]],
                       missing_attachments=[str(k) for k in data.get("missing_attachments", [])])
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise CorruptBackup(f"{MANIFEST_NAME} is malformed: {exc}") from exc


@dataclass(frozen=True)
class BackupReport:
    """A finished backup and how long each phase took (seconds)."""

    manifest: BackupManifest
    dump_seconds: float
    copy_seconds: float


@dataclass(frozen=True)
class RestoreReport:
    """A finished, verified restore and how long each phase took (seconds)."""

    manifest: BackupManifest
    check_seconds: float
    restore_seconds: float
    verify_seconds: float
    audit_events_checked: int


# --- backup -----------------------------------------------------------------------------------------


def back_up(directory: Path, *, store: FileStore, now: datetime,
            timeout: float = DEFAULT_TIMEOUT) -> BackupReport:
    """Back up the configured database and ``store`` into ``directory`` (new or empty).

    Guarantees: the database image and the row counts come from one snapshot, taken while the app
    may keep running (PostgreSQL: an exported snapshot shared with ``pg_dump``, in a read-only
    transaction; SQLite: the online backup API). Attachment files are copied after the snapshot, so
    files uploaded meanwhile may be included; keys the snapshot names but the store lacks are listed
    as ``missing_attachments``. ``manifest.json`` is written last; on any failure everything written
    into ``directory`` is removed again. Writes nothing to the database.

    :raises BackupFailed: when ``directory`` is not empty, the engine is not PostgreSQL or SQLite,
        ``pg_dump`` is missing, fails or exceeds ``timeout``.
    """
    if directory.exists() and any(directory.iterdir()):
        raise BackupFailed(f"{directory} is not empty; a backup goes into a new or empty directory")
    directory.mkdir(parents=True, exist_ok=True)
    try:
        started = time.perf_counter()
        url = db.engine.url
        if url.get_backend_name() == "postgresql":
            revision, counts, keys, database = _dump_postgres(url, directory, timeout)
        elif url.get_backend_name() == "sqlite":
            revision, counts, keys, database = _copy_sqlite(_sqlite_path(url), directory)
        else:
            raise BackupFailed(f"cannot back up a {url.get_backend_name()} database")
        dumped = time.perf_counter()
        attachments = _copy_store(store, directory)
        copied = {a.path.removeprefix(f"{ATTACHMENTS_DIR}/").rsplit("/", 1)[-1] for a in attachments}
        manifest = BackupManifest(
            engine=url.get_backend_name(), created_at=now.isoformat(), alembic_revision=revision,
            database=database, row_counts=counts, attachments=attachments,
            missing_attachments=sorted(keys - copied))
        partial = directory / f"{MANIFEST_NAME}.partial"
        partial.write_bytes(manifest.to_bytes())
        _fsync(partial)
        partial.rename(directory / MANIFEST_NAME)
        return BackupReport(manifest=manifest, dump_seconds=dumped - started,
                            copy_seconds=time.perf_counter() - dumped)
    except BaseException:
        _empty_directory(directory)
        raise


def _dump_postgres(url: URL, directory: Path,
                   timeout: float) -> tuple[str, dict[str, int], set[str], FileEntry]:
    pg_dump = _tool("pg_dump")
    target = directory / POSTGRES_DUMP
    # Holding this transaction open keeps the exported snapshot alive while pg_dump reads it, so
    # the counts and the key list describe exactly the rows in the dump.
    with db.engine.connect() as connection:
        connection = connection.execution_options(isolation_level="REPEATABLE READ")
        with connection.begin():
            connection.execute(text("SET TRANSACTION READ ONLY"))
            snapshot = connection.scalar(text("SELECT pg_export_snapshot()"))
            revision, counts, keys = _describe(connection)
            _run([pg_dump, "--format=custom", "--no-password", f"--snapshot={snapshot}",
                  f"--file={target}", *_libpq_args(url)], env=_libpq_env(url), timeout=timeout,
                 what="pg_dump")
    sha256, size = file_sha256(target)
    return revision, counts, keys, FileEntry(POSTGRES_DUMP, sha256, size)


def _copy_sqlite(path: Path, directory: Path) -> tuple[str, dict[str, int], set[str], FileEntry]:
    target = directory / SQLITE_COPY
    # The online backup API copies one consistent state even while the app writes; the counts are
    # then taken from the copy, so they describe exactly what was copied.
    with _sqlite(path) as source, _sqlite(target) as copy:
        source.backup(copy)
    _fsync(target)
    engine = create_engine(f"sqlite:///{target}")
    try:
        with engine.connect() as connection:
            revision, counts, keys = _describe(connection)
    finally:
        engine.dispose()
    sha256, size = file_sha256(target)
    return revision, counts, keys, FileEntry(SQLITE_COPY, sha256, size)


def _describe(connection: Connection) -> tuple[str, dict[str, int], set[str]]:
    """The Alembic revision, every table's row count and the attachment keys, as ``connection`` sees them."""
    revision = connection.scalar(text("SELECT version_num FROM alembic_version")) or ""
    counts = {t.name: _count(connection, t.name) for t in db.metadata.sorted_tables}
    keys = set(connection.scalars(text("SELECT storage_key FROM attachments")))
    return str(revision), counts, keys


def _copy_store(store: FileStore, directory: Path) -> list[FileEntry]:
    entries: list[FileEntry] = []
    if not store.root.is_dir():
        return entries
    for source in sorted(p for p in store.root.rglob("*") if p.is_file()):
        relative = _store_relative(store, source.name)
        if relative is None or source != store.root / relative:
            continue  # not a blob (a stray temporary file): nothing refers to it
        name = f"{ATTACHMENTS_DIR}/{relative}"
        sha256, size = copy_hashed(source, directory / name)
        entries.append(FileEntry(name, sha256, size))
    return entries


# --- restore ----------------------------------------------------------------------------------------


def restore(directory: Path, *, store: FileStore, jobs: int = 2,
            timeout: float = DEFAULT_TIMEOUT) -> RestoreReport:
    """Restore the backup in ``directory`` into the configured (empty) database and ``store``, then verify.

    Order: the manifest and every file's SHA-256 and size are checked, and the database and the
    store are checked to be empty, before anything is written. Then the database is restored
    (PostgreSQL: ``pg_restore --jobs``; SQLite: the copy is written beside the target and renamed
    over it) and the attachment files are placed. Then row counts, the audit chain and the placed
    files are verified.

    Guarantees: a refused restore writes nothing. If ``pg_restore`` or placing files fails, the
    objects it created are dropped (``DROP SCHEMA public CASCADE`` on the database that was empty)
    and placed files are deleted; if that clean-up itself fails the error says so. A restore that
    completes but fails verification is left in place for inspection, and raises.

    :raises CorruptBackup: when the manifest is missing or malformed, any file is missing or differs
        from the manifest, or the backup is of another engine than the configured database.
    :raises TargetNotEmpty: when the database holds any table (PostgreSQL) or any row (SQLite), or
        the attachment store holds any file.
    :raises BackupFailed: when ``pg_restore`` is missing, fails or exceeds ``timeout``, or the
        restored data does not verify (the message lists each difference).
    """
    started = time.perf_counter()
    manifest = _verified_manifest(directory)
    url = db.engine.url
    if url.get_backend_name() != manifest.engine:
        raise CorruptBackup(f"the backup is of a {manifest.engine} database; "
                            f"the configured database is {url.get_backend_name()}")
    _require_empty_store(store)
    if manifest.engine == "postgresql":
        pg_restore = _tool("pg_restore")
        _require_empty_postgres()
    else:
        target = _sqlite_path(url)
        _require_empty_sqlite(target)
    checked = time.perf_counter()

    placed: list[Path] = []
    try:
        if manifest.engine == "postgresql":
            _restore_postgres(pg_restore, url, directory / manifest.database.path, jobs, timeout)
        else:
            _restore_sqlite(directory / manifest.database.path, target)
        for entry in manifest.attachments:
            destination = store.root / entry.path.removeprefix(f"{ATTACHMENTS_DIR}/")
            destination.parent.mkdir(parents=True, exist_ok=True)
            placed.append(destination)
            shutil.copyfile(directory / entry.path, destination)
    except BaseException as exc:
        for path in placed:
            path.unlink(missing_ok=True)
        _undo_database(manifest.engine, url, exc)
        raise
    restored = time.perf_counter()

    events = _verify_restored(manifest, store)
    return RestoreReport(manifest=manifest, check_seconds=checked - started,
                         restore_seconds=restored - checked,
                         verify_seconds=time.perf_counter() - restored, audit_events_checked=events)


def verify_backup(directory: Path) -> BackupManifest:
    """Check every file of a backup against its manifest; returns the manifest. Reads only.

    :raises CorruptBackup: when the manifest is missing or malformed, or a file is missing, lies
        where the manifest may not point, or has another SHA-256 or size.
    """
    return _verified_manifest(directory)


def _verified_manifest(directory: Path) -> BackupManifest:
    try:
        manifest = BackupManifest.from_bytes((directory / MANIFEST_NAME).read_bytes())
    except OSError as exc:
        raise CorruptBackup(f"{directory / MANIFEST_NAME} is missing: the backup is unfinished or "
                            "not a backup") from exc
    expected_database = POSTGRES_DUMP if manifest.engine == "postgresql" else SQLITE_COPY
    if manifest.database.path != expected_database:
        raise CorruptBackup(f"the manifest names {manifest.database.path!r} as the database file")
    for entry in [manifest.database, *manifest.attachments]:
        # Only paths we would have written are read, so a manifest cannot point outside the backup
        # or, at restore time, outside the attachment store.
        if entry.path != manifest.database.path:
            key = entry.path.rsplit("/", 1)[-1]
            if entry.path != f"{ATTACHMENTS_DIR}/{_store_relative(FileStore('.'), key)}":
                raise CorruptBackup(f"the manifest names an unexpected path {entry.path!r}")
        try:
            actual = file_sha256(directory / entry.path)
        except OSError as exc:
            raise CorruptBackup(f"{entry.path} is missing from the backup") from exc
        if actual != (entry.sha256, entry.bytes):
            raise CorruptBackup(f"{entry.path} differs from the manifest (SHA-256 or size): "
                                "it was changed after the backup was written")
    return manifest


def _require_empty_store(store: FileStore) -> None:
    if store.root.is_dir() and any(p.is_file() for p in store.root.rglob("*")):
        raise TargetNotEmpty(f"the attachment store {store.root} already holds files; "
                             "restore into an empty ATTACHMENT_ROOT")


def _require_empty_postgres() -> None:
    # pg_restore recreates the schema itself, so even a migrated but empty database would clash:
    # the target must be what `createdb` makes.
    with db.engine.connect() as connection:
        tables = connection.scalars(text(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm', 'S') "
            "ORDER BY c.relname LIMIT 5")).all()
    if tables:
        raise TargetNotEmpty(f"the database {db.engine.url.database} already holds tables "
                             f"({', '.join(tables)}…); restore into a new database made with "
                             "`createdb` and not migrated")


def _require_empty_sqlite(path: Path) -> None:
    if not path.exists() or path.stat().st_size == 0:
        return
    engine = create_engine(f"sqlite:///{path}")
    try:
        with engine.connect() as connection:
            names = connection.scalars(text(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
                "AND name != 'alembic_version'")).all()
            # An empty migrated database is as good as none: the copy replaces the whole file.
            for name in names:
                if connection.scalar(select(literal(1)).select_from(sql_table(name)).limit(1)) is not None:
                    raise TargetNotEmpty(f"the database {path} holds data (table {name}); "
                                         "restore into an empty database")
    finally:
        engine.dispose()


def _restore_postgres(pg_restore: str, url: URL, dump: Path, jobs: int, timeout: float) -> None:
    # --no-owner/--no-privileges: the DR cluster need not have the same role names as the primary;
    # the restoring role (the one in DATABASE_URL) owns everything, as the app expects.
    _run([pg_restore, "--exit-on-error", "--no-owner", "--no-privileges", "--no-password",
          f"--jobs={max(1, jobs)}", *_libpq_args(url), str(dump)],
         env=_libpq_env(url), timeout=timeout, what="pg_restore")


def _restore_sqlite(copy: Path, target: Path) -> None:
    # The app's pooled connections would keep reading the old file; close them before the rename.
    db.engine.dispose()
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f"{target.name}.restoring")
    shutil.copyfile(copy, partial)
    _fsync(partial)
    for suffix in ("-wal", "-shm", "-journal"):
        target.with_name(target.name + suffix).unlink(missing_ok=True)
    partial.replace(target)


def _undo_database(engine: str, url: URL, cause: BaseException) -> None:
    """Take the database back to empty after a failed restore, or say that it could not."""
    try:
        if engine == "postgresql":
            with db.engine.connect() as connection, connection.begin():
                connection.execute(text("DROP SCHEMA public CASCADE"))
                connection.execute(text("CREATE SCHEMA public"))
                connection.execute(text("GRANT USAGE ON SCHEMA public TO PUBLIC"))
        else:
            db.engine.dispose()
            _sqlite_path(url).unlink(missing_ok=True)
    except Exception as exc:  # noqa: BLE001 - the restore's own error is the one to raise
        cause.add_note(f"clean-up after the failed restore also failed ({exc}); drop and recreate "
                       f"the database {url.database} before trying again")


def _verify_restored(manifest: BackupManifest, store: FileStore) -> int:
    problems: list[str] = []
    with db.engine.connect() as connection:
        for table, expected in manifest.row_counts.items():
            actual = _count(connection, table)
            if actual != expected:
                problems.append(f"table {table}: {actual} rows, the manifest says {expected}")
        revision = connection.scalar(text("SELECT version_num FROM alembic_version")) or ""
        if revision != manifest.alembic_revision:
            problems.append(f"Alembic revision {revision}, the manifest says {manifest.alembic_revision}")
        rows = connection.execute(text("SELECT storage_key, sha256, size FROM attachments")).all()
    for entry in manifest.attachments:
        placed = store.root / entry.path.removeprefix(f"{ATTACHMENTS_DIR}/")
        if not placed.is_file() or file_sha256(placed) != (entry.sha256, entry.bytes):
            problems.append(f"attachment file {entry.path} differs after placing it")
    missing = set(manifest.missing_attachments)
    for key, sha256, size in rows:
        if key in missing:
            continue
        try:
            if file_sha256(store.path(key)) != (sha256, size):
                problems.append(f"attachment {key}: file differs from its row's SHA-256 or size")
        except OSError:
            problems.append(f"attachment {key}: no file in the store")
    db.session.remove()
    checked, chain = audit_queries.verify_chain()
    db.session.remove()
    problems += [f"audit chain #{p.seq} {p.kind}: {p.detail}" for p in chain]
    if problems:
        raise BackupFailed("the restored data does not verify (left in place for inspection):\n  "
                           + "\n  ".join(problems[:50]))
    return checked


# --- plumbing ---------------------------------------------------------------------------------------


def _store_relative(store: FileStore, key: str) -> str | None:
    """``key``'s path inside a store, or None when ``key`` is not a valid storage key."""
    try:
        return store.path(key).relative_to(store.root).as_posix()
    except ValueError:
        return None


def _count(connection: Connection, table: str) -> int:
    # sql_table quotes the name, so a name read from a manifest cannot change the statement.
    return int(connection.scalar(select(func.count()).select_from(sql_table(table))) or 0)


def _sqlite_path(url: URL) -> Path:
    if not url.database or url.database == ":memory:":
        raise BackupFailed("an in-memory SQLite database cannot be backed up or restored")
    return Path(url.database)


@contextmanager
def _sqlite(path: Path) -> Iterator[sqlite3.Connection]:
    connection = sqlite3.connect(path, timeout=30)
    try:
        yield connection
    finally:
        connection.close()


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupFailed(f"{name} is not on PATH: install the PostgreSQL client tools "
                           "(postgresql-client, the server's major version or newer)")
    return found


def _libpq_args(url: URL) -> list[str]:
    """Connection arguments for pg_dump/pg_restore; the password never among them."""
    args = [f"--dbname={url.database}"] if url.database else []
    if url.host:
        args.append(f"--host={url.host}")
    if url.port:
        args.append(f"--port={url.port}")
    if url.username:
        args.append(f"--username={url.username}")
    return args


def _libpq_env(url: URL) -> dict[str, str]:
    env = dict(os.environ)
    if url.password is not None:
        env["PGPASSWORD"] = str(url.password)
    query: Mapping[str, Any] = url.query
    for option, variable in _LIBPQ_QUERY_ENV.items():
        value = query.get(option)
        if isinstance(value, str):
            env[variable] = value
    return env


def _run(command: list[str], *, env: dict[str, str], timeout: float, what: str) -> None:
    try:
        result = subprocess.run(command, env=env, timeout=timeout, capture_output=True, check=False)  # noqa: S603
    except subprocess.TimeoutExpired as exc:
        raise BackupFailed(f"{what} did not finish within {timeout:.0f} s") from exc
    if result.returncode != 0:
        message = result.stderr.decode(errors="replace").strip()[-2000:]
        raise BackupFailed(f"{what} failed (exit {result.returncode}): {message}")


def _fsync(path: Path) -> None:
    with path.open("rb") as stream:
        os.fsync(stream.fileno())


def _empty_directory(directory: Path) -> None:
    for child in directory.iterdir():
        if child.is_dir():
            shutil.rmtree(child, ignore_errors=True)
        else:
            child.unlink(missing_ok=True)
