"""The full data export as an admin job: one at a time, progress in steps, a verified directory, cleanup."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select, text

from helpdesk.accounts.models import Role
from helpdesk.audit.models import AuditEvent
from helpdesk.core.db import db, is_postgresql
from helpdesk.core.errors import Conflict, PermissionDenied
from helpdesk.core.outbox import OutboxMessage
from helpdesk.core.storage import FileStore
from helpdesk.jobs import services as job_services
from helpdesk.jobs.models import BackgroundJob, JobState
from helpdesk.portability import export, loading
from helpdesk.portability import jobs as export_jobs
from helpdesk.portability import queries as export_queries
from helpdesk.portability.format import MANIFEST_NAME
from tests.conftest import T0, MakeUser, actor_of


@pytest.fixture
def store(app: Flask) -> FileStore:
    return FileStore(app.config["ATTACHMENT_ROOT"])


@pytest.fixture
def admin(make_user: MakeUser) -> Any:
    return make_user(Role.ADMIN)


def _clock() -> Any:
    return T0


def _job(job_id: int) -> BackgroundJob:
    db.session.expire_all()
    job = db.session.get(BackgroundJob, job_id)
    assert job is not None
    return job


def test_an_admin_request_queues_a_job_with_its_outbox_row(admin: Any) -> None:
    job = export_jobs.request_export(actor=actor_of(admin), now=T0)

    assert job.kind == export_jobs.JOB_KIND and job.state is JobState.QUEUED
    assert job.requested_by_id == admin.id
    rows = select(OutboxMessage).where(OutboxMessage.task == export_jobs.TASK_EXPORT_DATA)
    row = db.session.scalars(rows).one()
    assert row.payload == {"job_id": job.id}


def test_a_second_export_is_refused_while_one_is_queued_or_running(admin: Any, store: FileStore,
                                                                    tmp_path: Path) -> None:
    first = export_jobs.request_export(actor=actor_of(admin), now=T0)
    with pytest.raises(Conflict, match="すでに実行中"):
        export_jobs.request_export(actor=actor_of(admin), now=T0)
    job_services.start(first.id, now=T0)
    with pytest.raises(Conflict):
        export_jobs.request_export(actor=actor_of(admin), now=T0)

    export_jobs.run_export_job(first.id, clock=_clock, store=store, root=tmp_path)
    assert export_jobs.request_export(actor=actor_of(admin), now=T0).id != first.id


@pytest.mark.parametrize("role", [Role.SUPERVISOR, Role.AGENT, Role.SECURITY])
def test_only_administrators_may_request_an_export(role: Role, make_user: MakeUser) -> None:
    with pytest.raises(PermissionDenied):
        export_jobs.request_export(actor=actor_of(make_user(role)), now=T0)
    assert db.session.scalars(select(BackgroundJob)).all() == []


def test_the_job_writes_a_verified_export_and_keeps_its_manifest_hash(admin: Any, store: FileStore,
                                                                      tmp_path: Path) -> None:
    job = export_jobs.request_export(actor=actor_of(admin), now=T0)

    name = export_jobs.run_export_job(job.id, clock=_clock, store=store, root=tmp_path)

    assert name == f"{job.id}-20261127T010000Z" and [p.name for p in tmp_path.iterdir()] == [name]
    manifest = loading.verify_export(tmp_path / name)
    done = _job(job.id)
    raw = (tmp_path / name / MANIFEST_NAME).read_bytes()
    assert done.state is JobState.DONE and done.result_ref == f"data_export:{name}"
    assert done.done == done.total == manifest.row_count
    assert done.params == {"directory": name, "manifest_sha256": hashlib.sha256(raw).hexdigest(),
                           "bytes": manifest.byte_count + len(raw)}
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "data.exported")).one()
    assert event.actor_user_id == admin.id and event.subject_id == done.params["manifest_sha256"]
    listing = export_queries.list_exports(tmp_path)
    assert [(e.job.id, e.is_available, e.requested_by) for e in listing] == [
        (job.id, True, admin.display_name)]


def test_running_a_done_job_again_changes_nothing(admin: Any, store: FileStore, tmp_path: Path) -> None:
    job = export_jobs.request_export(actor=actor_of(admin), now=T0)
    name = export_jobs.run_export_job(job.id, clock=_clock, store=store, root=tmp_path)
    assert name is not None
    before = (tmp_path / name / MANIFEST_NAME).stat().st_mtime_ns

    assert export_jobs.run_export_job(job.id, clock=_clock, store=store, root=tmp_path) is None
    assert (tmp_path / name / MANIFEST_NAME).stat().st_mtime_ns == before
    assert len(db.session.scalars(select(AuditEvent).where(AuditEvent.action == "data.exported")).all()) == 1


def test_a_rerun_after_an_interrupted_run_replaces_its_remainder(admin: Any, store: FileStore,
                                                                 tmp_path: Path) -> None:
    job = export_jobs.request_export(actor=actor_of(admin), now=T0)
    remainder = tmp_path / export_jobs.directory_name(job) / "tables"
    remainder.mkdir(parents=True)
    (remainder / "users.jsonl").write_text("half a line")

    name = export_jobs.run_export_job(job.id, clock=_clock, store=store, root=tmp_path)

    assert name is not None
    loading.verify_export(tmp_path / name)


def test_a_failed_export_is_marked_failed_and_its_partial_directory_removed(
    admin: Any, store: FileStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def disk_full(*args: Any, **kwargs: Any) -> Any:
        raise OSError(28, "No space left on device")

    # After every table has been written: the directory holds a partial export.
    monkeypatch.setattr(export, "_copy_attachments", disk_full)
    job = export_jobs.request_export(actor=actor_of(admin), now=T0)

    with pytest.raises(OSError, match="No space left"):
        export_jobs.run_export_job(job.id, clock=_clock, store=store, root=tmp_path)

    failed = _job(job.id)
    assert failed.state is JobState.FAILED and "No space left on device" in failed.message
    assert list(tmp_path.iterdir()) == []
    assert export_jobs.request_export(actor=actor_of(admin), now=T0).id != job.id


def test_a_second_delivery_does_not_run_beside_the_one_holding_the_job(
    admin: Any, store: FileStore, tmp_path: Path
) -> None:
    if not is_postgresql():
        pytest.skip("the advisory lock is PostgreSQL's; SQLite runs one worker")
    job = export_jobs.request_export(actor=actor_of(admin), now=T0)
    with db.engine.connect() as other_worker:
        key = {"c": export_jobs._LOCK_CLASS, "j": job.id}
        other_worker.execute(text("SELECT pg_advisory_lock(:c, :j)"), key)
        try:
            assert export_jobs.run_export_job(job.id, clock=_clock, store=store, root=tmp_path) is None
        finally:
            other_worker.execute(text("SELECT pg_advisory_unlock_all()"))
    assert _job(job.id).state is JobState.QUEUED and list(tmp_path.iterdir()) == []


def test_progress_is_committed_in_steps_not_per_row(monkeypatch: pytest.MonkeyPatch) -> None:
    reported: list[tuple[int, int]] = []
    monkeypatch.setattr(job_services, "report_progress",
                        lambda job_id, done, total: reported.append((done, total)))
    progress = job_services.throttled_progress(1, monotonic=lambda: 0.0)

    for done in range(1, 100_001):
        progress(done, 100_000)

    # The first step (0 %), then one per percent up to the last.
    assert len(reported) == 101 and reported[-1] == (100_000, 100_000)


def test_deleting_an_export_removes_its_files_audited_and_only_once(admin: Any, store: FileStore,
                                                                   tmp_path: Path) -> None:
    job = export_jobs.request_export(actor=actor_of(admin), now=T0)
    name = export_jobs.run_export_job(job.id, clock=_clock, store=store, root=tmp_path)

    export_jobs.delete_export(job.id, actor=actor_of(admin), now=T0, root=tmp_path)

    assert not (tmp_path / str(name)).exists()
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "data.export_deleted")).one()
    assert event.actor_user_id == admin.id and event.data["directory"] == name
    assert [e.is_available for e in export_queries.list_exports(tmp_path)] == [False]
    with pytest.raises(Conflict):
        export_jobs.delete_export(job.id, actor=actor_of(admin), now=T0, root=tmp_path)
