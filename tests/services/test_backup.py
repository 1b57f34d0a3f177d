"""``flask backup`` / ``flask restore``: a round trip on this run's engine, and every refusal."""

from __future__ import annotations

import io
import json
import shutil
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import flask_migrate
import pytest
from flask import Flask
from sqlalchemy import func, select, text

from helpdesk.accounts import services as accounts
from helpdesk.accounts.models import Role, User
from helpdesk.audit import queries as audit_queries
from helpdesk.core.actor import SYSTEM
from helpdesk.core.db import db
from helpdesk.core.storage import FileStore
from helpdesk.demo import loader
from helpdesk.portability import backup
from helpdesk.portability.errors import BackupFailed, CorruptBackup, TargetNotEmpty
from helpdesk.portability.format import file_sha256
from helpdesk.tickets import services as tickets
from helpdesk.tickets.attachments import AttachmentLimits, Upload
from helpdesk.tickets.models import Attachment, Ticket
from helpdesk.tickets.states import Impact, TicketType, Urgency
from tests import files
from tests.conftest import T0, actor_of, empty_tables
from tests.support import postgres_url, second_instance


@pytest.fixture(scope="module")
def backed_up(app: Flask, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The demo data with two attachments (Japanese names), backed up once for the module; the source
    tables and store are emptied again at once, so the other tests start from an empty database."""
    directory = tmp_path_factory.mktemp("backup") / "out"
    previous = app.extensions.get("outbox_publisher")
    app.extensions["outbox_publisher"] = lambda task, oid, attempt: None
    store = FileStore(app.config["ATTACHMENT_ROOT"])
    # The run's store is shared by every test and keeps their files; a backup copies the whole
    # store (files the database does not name are data too), so start this module's from empty.
    shutil.rmtree(store.root, ignore_errors=True)
    try:
        loader.load(ticket_count=25, now=T0)
        agent = db.session.scalar(select(User).where(User.role == Role.AGENT).order_by(User.id))
        ticket_id = db.session.scalar(select(Ticket.id).where(Ticket.closed_at.is_(None)).order_by(Ticket.id))
        assert agent is not None and ticket_id is not None
        tickets.add_attachments(ticket_id, [Upload("障害報告①.pdf", io.BytesIO(files.PDF)),
                                            Upload("一覧.csv", io.BytesIO(files.CSV_SJIS))],
                                is_public=True, actor=actor_of(agent), now=T0 + timedelta(minutes=5),
                                limits=AttachmentLimits.from_settings(app.config))
        backup.back_up(directory, store=store, now=T0 + timedelta(hours=1))
        yield directory
    finally:
        app.extensions["outbox_publisher"] = previous
        db.session.remove()
        empty_tables()
        shutil.rmtree(store.root, ignore_errors=True)


@pytest.fixture
def backup_copy(backed_up: Path, tmp_path: Path) -> Path:
    """A copy of the module's backup that a test may damage."""
    return Path(shutil.copytree(backed_up, tmp_path / "copy"))


@pytest.fixture
def empty_target(tmp_path: Path) -> Iterator[Flask]:
    """A second instance on a new empty database of this run's engine (PostgreSQL: as ``createdb``
    makes it, not migrated; SQLite: no file yet) with an empty attachment store."""
    with second_instance(tmp_path) as target:
        yield target


def _restore(target: Flask, directory: Path) -> backup.RestoreReport:
    with target.app_context():
        return backup.restore(directory, store=FileStore(target.config["ATTACHMENT_ROOT"]))


def _placed_files(target: Flask) -> list[Path]:
    root = Path(target.config["ATTACHMENT_ROOT"])
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def _table_count(target: Flask) -> int:
    with target.app_context():
        if db.engine.dialect.name == "postgresql":
            query = "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"
        else:
            query = "SELECT count(*) FROM sqlite_master WHERE type = 'table'"
        try:
            return int(db.session.scalar(text(query)) or 0)
        finally:
            db.session.remove()


def test_the_manifest_lists_every_file_the_revision_and_the_row_counts(backed_up: Path) -> None:
    manifest = backup.verify_backup(backed_up)

    assert manifest.engine == ("postgresql" if postgres_url() else "sqlite")
    assert manifest.alembic_revision and manifest.created_at.startswith("2026")
    assert manifest.row_counts["attachments"] == 2 and manifest.row_counts["tickets"] == 25
    assert manifest.row_counts["audit_events"] > 0
    assert len(manifest.attachments) == 2 and manifest.missing_attachments == []
    listed = {manifest.database.path, *(a.path for a in manifest.attachments), backup.MANIFEST_NAME}
    assert listed == {p.relative_to(backed_up).as_posix() for p in backed_up.rglob("*") if p.is_file()}


def test_a_restore_gives_the_same_rows_files_and_an_intact_audit_chain(
    backed_up: Path, empty_target: Flask
) -> None:
    report = _restore(empty_target, backed_up)

    manifest = report.manifest
    assert report.audit_events_checked == manifest.row_counts["audit_events"] > 0
    with empty_target.app_context():
        checked, problems = audit_queries.verify_chain()
        counts = {table: db.session.scalar(text(f'SELECT count(*) FROM "{table}"'))  # noqa: S608 - our names
                  for table in manifest.row_counts}
        stored = db.session.execute(select(Attachment.storage_key, Attachment.sha256)).all()
        db.session.remove()
    assert problems == [] and checked == report.audit_events_checked
    assert counts == manifest.row_counts
    store = FileStore(empty_target.config["ATTACHMENT_ROOT"])
    assert {key: file_sha256(store.path(key))[0] for key, _ in stored} == dict(stored)
    assert min(report.check_seconds, report.restore_seconds, report.verify_seconds) >= 0


def test_after_a_restore_a_demo_login_works_and_new_tickets_get_fresh_ids(
    backed_up: Path, empty_target: Flask
) -> None:
    _restore(empty_target, backed_up)
    admin_email = dict(loader.demo_logins())["admin"]

    with empty_target.app_context():
        empty_target.extensions["outbox_publisher"] = lambda task, oid, attempt: None
        client = empty_target.test_client()
        page = client.get("/login").get_data(as_text=True)
        token = page.split('name="csrf_token"', 1)[1].split('value="', 1)[1].split('"', 1)[0]
        response = client.post("/login", data={"email": admin_email, "password": loader.DEMO_PASSWORD,
                                                "csrf_token": token})
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        highest = db.session.scalar(select(func.max(Ticket.id)))
        requester = db.session.scalar(select(User).where(User.role == Role.REQUESTER).order_by(User.id))
        assert requester is not None and highest is not None
        ticket = tickets.open_ticket(
            tickets.NewTicket(type=TicketType.INQUIRY, subject="復旧後の最初の問い合わせ",
                              description="テスト", impact=Impact.PERSON,
                              urgency=Urgency.LOW),
            actor=actor_of(requester), now=T0 + timedelta(hours=3))
        assert ticket.id > highest
        db.session.remove()


@pytest.mark.parametrize("damage", ["attachment", "dump", "manifest-row"])
def test_a_changed_backup_is_refused_and_nothing_is_restored(
    backup_copy: Path, empty_target: Flask, damage: str
) -> None:
    manifest_path = backup_copy / backup.MANIFEST_NAME
    manifest = json.loads(manifest_path.read_bytes())
    if damage == "attachment":
        victim = backup_copy / manifest["attachments"][0]["path"]
        victim.write_bytes(victim.read_bytes()[:-1] + b"X")
    elif damage == "dump":
        victim = backup_copy / manifest["database"]["path"]
        with victim.open("r+b") as stream:
            stream.seek(victim.stat().st_size // 2)
            stream.write(b"\0tampered\0")
    else:
        manifest["attachments"][0]["path"] = "attachments/../../escape"
        manifest_path.write_text(json.dumps(manifest))

    with pytest.raises(CorruptBackup):
        _restore(empty_target, backup_copy)

    assert _table_count(empty_target) == 0
    assert _placed_files(empty_target) == []


def test_a_database_that_holds_data_is_refused(backed_up: Path, empty_target: Flask) -> None:
    with empty_target.app_context():
        flask_migrate.upgrade()
        accounts.create_user(accounts.UserFields(email="someone@example.go.jp", family_name="既存"),
                             actor=SYSTEM, now=T0, password=None)
        db.session.remove()

    with pytest.raises(TargetNotEmpty):
        _restore(empty_target, backed_up)

    with empty_target.app_context():
        assert db.session.scalar(select(func.count()).select_from(User)) == 1
        db.session.remove()
    assert _placed_files(empty_target) == []


def test_an_attachment_store_that_holds_files_is_refused(backed_up: Path, empty_target: Flask) -> None:
    stray = Path(empty_target.config["ATTACHMENT_ROOT"]) / "ab" / "cd" / "abcd"
    stray.parent.mkdir(parents=True)
    stray.write_bytes(b"someone else's file")

    with pytest.raises(TargetNotEmpty):
        _restore(empty_target, backed_up)

    assert _table_count(empty_target) == 0


def test_a_backup_into_a_directory_that_holds_files_is_refused(app: Flask, tmp_path: Path) -> None:
    (tmp_path / "old.txt").write_text("x")

    with pytest.raises(BackupFailed):
        backup.back_up(tmp_path, store=FileStore(app.config["ATTACHMENT_ROOT"]), now=T0)

    assert [p.name for p in tmp_path.iterdir()] == ["old.txt"]


def test_a_restore_without_a_manifest_is_refused(
    backed_up: Path, tmp_path: Path, empty_target: Flask
) -> None:
    unfinished = Path(shutil.copytree(backed_up, tmp_path / "unfinished"))
    (unfinished / backup.MANIFEST_NAME).unlink()

    with pytest.raises(CorruptBackup, match="missing"):
        _restore(empty_target, unfinished)


def test_the_password_is_passed_in_the_environment_never_on_the_command_line() -> None:
    from sqlalchemy.engine import make_url

    url = make_url("postgresql+psycopg://helpdesk:s3cr%40t@db.example:5433/helpdesk?sslmode=require")

    args, env = backup._libpq_args(url), backup._libpq_env(url)

    assert args == ["--dbname=helpdesk", "--host=db.example", "--port=5433", "--username=helpdesk"]
    assert not any("s3cr" in a for a in args)
    assert env["PGPASSWORD"] == "s3cr@t" and env["PGSSLMODE"] == "require"


def test_a_missing_pg_dump_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")

    with pytest.raises(BackupFailed, match="pg_dump is not on PATH"):
        backup._tool("pg_dump")


@pytest.mark.usefixtures("db")
def test_the_commands_back_up_and_restore_and_print_each_phase(
    app: Flask, empty_target: Flask, tmp_path: Path
) -> None:
    made = app.test_cli_runner().invoke(args=["backup", str(tmp_path / "cli")])
    assert made.exit_code == 0, made.output
    assert "dumped in" in made.output and "copied in" in made.output

    # The session's app context is active, and a command only pushes its own app's when none is.
    with empty_target.app_context():
        restored = empty_target.test_cli_runner().invoke(args=["restore", str(tmp_path / "cli")])
        again = empty_target.test_cli_runner().invoke(args=["restore", str(tmp_path / "cli")])
        db.session.remove()
    assert restored.exit_code == 0, restored.output
    phases = ("checked the backup", "restored", "verified", "complete")
    assert all(phase in restored.output for phase in phases)
    assert again.exit_code == 1 and "already holds" in again.output
