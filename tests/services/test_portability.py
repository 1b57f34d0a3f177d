"""Export everything, import it into an empty instance, export again: the same bytes, the same chain."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import shutil
from collections.abc import Iterator
from datetime import timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import flask_migrate
import pytest
from flask import Flask
from sqlalchemy import func, inspect, select

from helpdesk.accounts import services as accounts
from helpdesk.accounts.models import Role, User
from helpdesk.audit import queries as audit_queries
from helpdesk.audit import services as audit
from helpdesk.audit.models import AuditEvent
from helpdesk.core.actor import SYSTEM
from helpdesk.core.db import HAND_MADE_PREFIXES, db
from helpdesk.core.errors import PermissionDenied
from helpdesk.core.storage import FileStore
from helpdesk.demo import loader
from helpdesk.mail import services as mail
from helpdesk.mail.models import MailMessage
from helpdesk.portability import export, loading, reference
from helpdesk.portability.errors import CorruptExport, DirectoryNotEmpty, SchemaMismatch, TargetNotEmpty
from helpdesk.portability.format import EXCLUDED_TABLES, MANIFEST_NAME, Manifest, exported_tables
from helpdesk.tickets import search
from helpdesk.tickets import services as tickets
from helpdesk.tickets.attachments import AttachmentLimits, Upload
from helpdesk.tickets.models import Ticket
from helpdesk.tickets.states import Impact, TicketType, Urgency
from tests import files
from tests.conftest import T0, actor_of, empty_tables
from tests.support import ROOT, second_instance

DOCUMENT = ROOT / "docs" / "export-format.md"
#: Files the import itself changes: its audit event joins the chain (and so the chain head).
AUDITED_BY_THE_IMPORT = ("tables/audit_events.jsonl", "tables/audit_chain_head.jsonl")


@pytest.fixture
def store(app: Flask) -> FileStore:
    return FileStore(app.config["ATTACHMENT_ROOT"])


@pytest.fixture(scope="module")
def exported(app: Flask, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A rich data set exported once for the module (the demo data, plus attachments — one file twice,
    Japanese names — and a raw inbound mail); the source tables are emptied again at once, so the
    other tests start from an empty database as usual."""
    directory = tmp_path_factory.mktemp("export") / "out"
    previous = app.extensions.get("outbox_publisher")
    app.extensions["outbox_publisher"] = lambda task, oid, attempt: None
    try:
        _load_rich_data(app)
        export.export_all(directory, now=T0 + timedelta(hours=1), actor=SYSTEM,
                          store=FileStore(app.config["ATTACHMENT_ROOT"]))
    finally:
        app.extensions["outbox_publisher"] = previous
        db.session.remove()
        empty_tables()
    return directory


def _load_rich_data(app: Flask) -> None:
    loader.load(ticket_count=25, now=T0)
    limits = AttachmentLimits.from_settings(app.config)
    agent = db.session.scalar(select(User).where(User.role == Role.AGENT).order_by(User.id))
    open_ids = db.session.scalars(select(Ticket.id).where(Ticket.closed_at.is_(None)).order_by(Ticket.id))
    for ticket_id in list(open_ids)[:2]:
        tickets.add_attachments(ticket_id, [Upload("障害報告①.pdf", io.BytesIO(files.PDF)),
                                            Upload("一覧.csv", io.BytesIO(files.CSV_SJIS))],
                                is_public=True, actor=actor_of(agent), now=T0 + timedelta(minutes=5),
                                limits=limits)
    staff = db.session.scalar(select(User).where(User.role == Role.REQUESTER).order_by(User.id))
    message = EmailMessage()
    message["From"], message["To"] = staff.email, "helpdesk@example.go.jp"
    message["Subject"], message["Message-ID"] = "プリンタが印刷できません", "<export-1@example.go.jp>"
    message.set_content("3階のプリンタから印刷できません。")
    settings = mail.IngestSettings(token_key=b"k" * 32, limits=limits, rate_limit=20,
                                   rate_window=timedelta(minutes=10))
    mail.ingest(message.as_bytes(), now=T0 + timedelta(minutes=7), settings=settings)


@pytest.fixture
def export_copy(exported: Path, tmp_path: Path) -> Path:
    """A copy of the module's export that a test may damage."""
    return Path(shutil.copytree(exported, tmp_path / "copy"))


@pytest.fixture
def empty_instance(tmp_path: Path) -> Iterator[Flask]:
    """A second instance on its own empty, migrated database (of the engine this run uses)."""
    with second_instance(tmp_path) as target:
        with target.app_context():
            flask_migrate.upgrade()
        yield target


def _export(directory: Path, store: FileStore, *, hours: int) -> export.Manifest:
    return export.export_all(directory, now=T0 + timedelta(hours=hours), actor=SYSTEM, store=store)


def _import(target: Flask, directory: Path, *, hours: int = 2) -> loading.ImportSummary:
    with target.app_context():
        return loading.import_all(directory, now=T0 + timedelta(hours=hours), actor=SYSTEM,
                                  store=FileStore(target.config["ATTACHMENT_ROOT"]))


def _files(directory: Path) -> dict[str, bytes]:
    return {p.relative_to(directory).as_posix(): p.read_bytes()
            for p in sorted(directory.rglob("*")) if p.is_file()}


def _rows(directory: Path, table: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (directory / f"tables/{table}.jsonl").read_bytes().splitlines()]


def _row_counts() -> dict[str, int]:
    return {t.name: int(db.session.scalar(select(func.count()).select_from(t)) or 0)
            for t in exported_tables()}


def test_export_import_export_gives_the_same_files_but_for_the_import_audit_event(
    exported: Path, empty_instance: Flask, tmp_path: Path
) -> None:
    first = Manifest.from_bytes((exported / MANIFEST_NAME).read_bytes())
    summary = _import(empty_instance, exported)
    with empty_instance.app_context():
        checked, problems = audit_queries.verify_chain()
        second = _export(tmp_path / "second", FileStore(empty_instance.config["ATTACHMENT_ROOT"]), hours=3)

    before, after = _files(exported), _files(tmp_path / "second")
    unchanged = set(before) - {MANIFEST_NAME, *AUDITED_BY_THE_IMPORT}
    assert {name: after.get(name) for name in unchanged} == {name: before[name] for name in unchanged}
    assert set(after) == set(before)
    old_events, new_events = before["tables/audit_events.jsonl"], after["tables/audit_events.jsonl"]
    assert new_events.startswith(old_events)
    added = [json.loads(line)["action"] for line in new_events[len(old_events):].splitlines()]
    assert added == ["data.imported"]
    assert problems == [] and checked == summary.audit_events_checked + 1 and summary.audit_problems == 0
    assert first.rows_of("attachments") == 4 and len(first.attachments) == 4 and not first.missing_attachments
    assert first.rows_of("mail_messages") >= 1 and first.rows_of("articles") > 0
    assert [t.table for t in first.tables] == [t.table for t in second.tables]
    assert summary.rows == {t.table: t.rows for t in first.tables}


def test_imported_attachments_and_raw_mail_are_the_same_bytes_under_the_same_keys(
    exported: Path, empty_instance: Flask
) -> None:
    _import(empty_instance, exported)

    target_store = FileStore(empty_instance.config["ATTACHMENT_ROOT"])
    keys = [row["storage_key"] for row in _rows(exported, "attachments")]
    assert len(keys) == 4
    assert all(target_store.path(k).read_bytes() == (exported / "attachments" / k).read_bytes() for k in keys)
    raw = next(row["raw_compressed"] for row in _rows(exported, "mail_messages") if row["raw_compressed"])
    with empty_instance.app_context():
        loaded = db.session.scalar(select(MailMessage.raw_compressed)
                                   .where(MailMessage.raw_compressed.is_not(None)))
    assert loaded == base64.b64decode(raw)


def test_after_an_import_demo_logins_work_search_finds_and_new_rows_get_fresh_ids_and_numbers(
    exported: Path, empty_instance: Flask
) -> None:
    _import(empty_instance, exported)
    admin_email = dict(loader.demo_logins())["admin"]
    loaded_tickets = _rows(exported, "tickets")
    numbers = {t["number"] for t in loaded_tickets}

    with empty_instance.app_context():
        policy = accounts.LoginPolicy(max_failures=5, failure_window=timedelta(minutes=15),
                                      lockout=timedelta(minutes=15), session_lifetime=timedelta(hours=8))
        user, _ = accounts.log_in(admin_email, loader.DEMO_PASSWORD, now=T0 + timedelta(hours=3),
                                  policy=policy)
        requester = db.session.scalar(select(User).where(User.role == Role.REQUESTER).order_by(User.id))
        ticket = tickets.open_ticket(
            tickets.NewTicket(type=TicketType.INQUIRY, subject="移行後の最初の問い合わせ",
                              description="テスト", impact=Impact.PERSON, urgency=Urgency.LOW),
            actor=actor_of(requester), now=T0 + timedelta(hours=3))
        found = len(search.search_tickets(actor_of(user), loaded_tickets[0]["subject"][:6]).items)
        new_id, new_number, email = ticket.id, ticket.number, user.email
        checked, problems = audit_queries.verify_chain()

    assert email == admin_email
    assert new_id > max(t["id"] for t in loaded_tickets) and new_number not in numbers
    assert found > 0
    assert problems == [] and checked > 0


def test_import_refuses_a_database_that_already_holds_data(
    export_copy: Path, base_data: Any, app: Flask
) -> None:
    before = _row_counts()

    with pytest.raises(TargetNotEmpty):
        _import(app, export_copy)

    db.session.rollback()
    assert _row_counts() == before


@pytest.mark.parametrize("victim", ["tables/tickets.jsonl", "attachment"])
def test_import_refuses_a_file_changed_after_the_export_and_writes_nothing(
    victim: str, export_copy: Path, empty_instance: Flask
) -> None:
    manifest = Manifest.from_bytes((export_copy / MANIFEST_NAME).read_bytes())
    path = export_copy / (manifest.attachments[0].path if victim == "attachment" else victim)
    content = bytearray(path.read_bytes())
    content[len(content) // 2] ^= 0x01
    path.write_bytes(bytes(content))

    with pytest.raises(CorruptExport, match="SHA-256"):
        _import(empty_instance, export_copy)

    _assert_untouched(empty_instance)


def test_import_refuses_another_schema_version_naming_both(export_copy: Path, empty_instance: Flask) -> None:
    manifest_path = export_copy / MANIFEST_NAME
    manifest = json.loads(manifest_path.read_text())
    ours = manifest["schema_version"]["alembic_revision"]
    manifest["schema_version"]["alembic_revision"] = "0123456789ab"
    manifest_path.write_text(json.dumps(manifest))

    with pytest.raises(SchemaMismatch) as refused:
        _import(empty_instance, export_copy)

    assert "0123456789ab" in str(refused.value) and ours in str(refused.value)
    _assert_untouched(empty_instance)


def test_a_failure_late_in_the_import_rolls_back_rows_and_removes_placed_files(
    exported: Path, empty_instance: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken_record(*args: Any, **kwargs: Any) -> AuditEvent:
        raise RuntimeError("disk full")

    monkeypatch.setattr(audit, "record", broken_record)
    with pytest.raises(RuntimeError, match="disk full"):
        _import(empty_instance, exported)

    _assert_untouched(empty_instance)


def test_an_export_without_its_manifest_is_not_imported(export_copy: Path, empty_instance: Flask) -> None:
    (export_copy / MANIFEST_NAME).unlink()

    with pytest.raises(CorruptExport):
        _import(empty_instance, export_copy)

    _assert_untouched(empty_instance)


def _assert_untouched(target: Flask) -> None:
    with target.app_context():
        assert not any(_row_counts().values())
    assert not [p for p in Path(target.config["ATTACHMENT_ROOT"]).rglob("*") if p.is_file()]


def test_export_refuses_a_directory_that_holds_anything(
    base_data: Any, store: FileStore, tmp_path: Path
) -> None:
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "notes.txt").write_text("keep me")

    with pytest.raises(DirectoryNotEmpty):
        _export(tmp_path / "out", store, hours=1)

    assert [p.name for p in (tmp_path / "out").iterdir()] == ["notes.txt"]


def test_the_export_reports_progress_and_is_audited_after_its_snapshot_naming_the_manifest(
    base_data: Any, store: FileStore, tmp_path: Path
) -> None:
    seen: list[tuple[int, int]] = []
    manifest = export.export_all(tmp_path / "out", now=T0 + timedelta(hours=1), actor=SYSTEM, store=store,
                                 progress=lambda done, total: seen.append((done, total)))

    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "data.exported")).one()
    exported_actions = [row["action"] for row in _rows(tmp_path / "out", "audit_events")]
    assert event.subject_id == hashlib.sha256((tmp_path / "out" / MANIFEST_NAME).read_bytes()).hexdigest()
    assert "data.exported" not in exported_actions
    assert seen[-1] == (manifest.row_count, manifest.row_count) and manifest.rows_of("parties") == 3
def test_only_administrators_may_export(make_user: Any, store: FileStore, tmp_path: Path) -> None:
    agent = make_user(Role.AGENT)

    with pytest.raises(PermissionDenied):
        export.export_all(tmp_path / "out", now=T0, actor=actor_of(agent), store=store)


def test_every_table_is_exported_or_excluded_with_a_documented_reason(db: Any) -> None:
    in_database = {name for name in inspect(db.engine).get_table_names()
                   if name != "alembic_version" and not name.startswith(HAND_MADE_PREFIXES)}
    exported = {t.name for t in exported_tables()}

    assert in_database == set(db.metadata.tables)
    assert in_database - exported == set(EXCLUDED_TABLES)
    assert set(EXCLUDED_TABLES) <= set(db.metadata.tables), "an exclusion names a table that no longer exists"
    assert all(f"`{name}`" in DOCUMENT.read_text(encoding="utf-8") for name in EXCLUDED_TABLES)


def test_the_format_document_describes_every_exported_table_and_column() -> None:
    assert reference.generated_block(DOCUMENT) == reference.table_reference(), (
        "docs/export-format.md is out of date: run .venv/bin/python -m helpdesk.portability.reference"
    )
    text = DOCUMENT.read_text(encoding="utf-8")
    for table in exported_tables():
        assert f"### `{table.name}`" in text
        assert all(f"| `{column.name}` |" in text for column in table.columns)
