"""The full data export as an administrator's background job: request it, run it, download or delete it.

Each job writes one export directory ``<job id>-<requested at, UTC>`` under the export root (the
task passes the root in: services read no settings). The job is the guard: a done job is not
redone, and on PostgreSQL a session advisory lock keeps a redelivered task from running the same
export beside the one still writing it.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, text

from helpdesk.audit import services as audit
from helpdesk.core import outbox
from helpdesk.core.actor import Actor
from helpdesk.core.db import db, is_postgresql, unit_of_work
from helpdesk.core.errors import Conflict, NotFound
from helpdesk.core.storage import FileStore
from helpdesk.jobs import services as jobs
from helpdesk.jobs.models import BackgroundJob, JobState
from helpdesk.portability.export import export_all
from helpdesk.portability.format import MANIFEST_NAME, file_sha256
from helpdesk.portability.policy import require_may_move_all_data

#: The Celery task that runs an export job: a wire contract, never rename.
TASK_EXPORT_DATA = "portability.export_all"
JOB_KIND = "portability.export"
RESULT_TYPE = "data_export"
#: Advisory lock class for export jobs (the second key is the job id); any constant unused elsewhere.
_LOCK_CLASS = 0x45585054  # "EXPT"


def request_export(*, actor: Actor, now: datetime) -> BackgroundJob:
    """Queue a full data export; the job row and its outbox row commit together (audited ``job.requested``).

    Only one export is queued or running at a time: two would double the load on the database
    and the disk for the same result.

    :raises PermissionDenied: unless the actor is an administrator.
    :raises Conflict: while another export is queued or running.
    """
    require_may_move_all_data(actor)
    with unit_of_work() as session:
        if is_postgresql():
            # Two admins pressing the button together: the second waits here and then sees the first job.
            session.execute(text("SELECT pg_advisory_xact_lock(:c, 0)"), {"c": _LOCK_CLASS})
        active = select(func.count()).select_from(BackgroundJob).where(
            BackgroundJob.kind == JOB_KIND, BackgroundJob.state.in_((JobState.QUEUED, JobState.RUNNING)))
        if session.scalar(active):
            raise Conflict(_l("全データの書き出しはすでに実行中です。終わってからもう一度お試しください。"))
        job = jobs.create_job(JOB_KIND, {}, actor=actor, now=now)
        outbox.emit(TASK_EXPORT_DATA, {"job_id": job.id}, now=now)
    return job


def directory_name(job: BackgroundJob) -> str:
    """The job's export directory name, fixed by the job (a rerun writes to the same place)."""
    return f"{job.id}-{job.created_at:%Y%m%dT%H%M%SZ}"


def run_export_job(job_id: int, *, clock: Callable[[], datetime], store: FileStore,
                   root: Path) -> str | None:
    """Run a queued export job into ``root/<directory_name>``; returns that name, or None if not run.

    Progress is committed about every 1 % or 2 seconds. Idempotent: a job already done is not
    redone, and a run while another process holds the job (a redelivery of a long export) does
    nothing. A partial directory from an interrupted run is replaced. The manifest's SHA-256 and
    the export's size are kept on the job, which is marked done with ``data_export:<name>`` in the
    same commit. A failure marks the job failed with its message, removes the partial directory
    and is re-raised.

    :raises NotFound: no such job, or not an export job.
    """
    job = db.session.get(BackgroundJob, job_id)
    if job is None or job.kind != JOB_KIND:
        raise NotFound(_l("書き出しのジョブが見つかりません。"))
    name = directory_name(job)
    actor = Actor(role="system", user_id=job.requested_by_id, label="export job")
    with _held(job_id) as is_ours:
        if not is_ours or not jobs.start(job_id, now=clock()):
            return None
        directory: Path | None = None
        try:
            directory = root / name
            # Only a run of this job writes here, and the job is not done: anything present is a remainder.
            shutil.rmtree(directory, ignore_errors=True)
            manifest = export_all(directory, now=clock(), actor=actor, store=store,
                                  progress=jobs.throttled_progress(job_id))
            sha256, manifest_bytes = file_sha256(directory / MANIFEST_NAME)
            with unit_of_work():
                locked = jobs.lock(job_id)
                jobs.finish(locked, f"{RESULT_TYPE}:{name}", now=clock(),
                            outcome={"directory": name, "manifest_sha256": sha256,
                                     "bytes": manifest.byte_count + manifest_bytes})
            return name
        except Exception as exc:
            db.session.rollback()
            if directory is not None:
                shutil.rmtree(directory, ignore_errors=True)
            jobs.fail(job_id, f"{type(exc).__name__}: {exc}", now=clock())
            raise


@contextmanager
def _held(job_id: int) -> Iterator[bool]:
    """Whether this process may run the job: on PostgreSQL, holds a session advisory lock meanwhile.

    The broker redelivers an unacknowledged task after its visibility timeout, which a large export
    can outlast; the lock (released when this block ends, or when a dead worker's connection
    drops) keeps the second delivery from writing into the first one's directory.
    """
    if not is_postgresql():
        yield True  # SQLite: the embedded set-up runs one worker
        return
    with db.engine.connect() as connection:
        key = {"c": _LOCK_CLASS, "j": job_id}
        is_ours = bool(connection.scalar(text("SELECT pg_try_advisory_lock(:c, :j)"), key))
        connection.commit()
        try:
            yield is_ours
        finally:
            if is_ours:
                connection.execute(text("SELECT pg_advisory_unlock(:c, :j)"), key)
                connection.commit()


def record_download(job: BackgroundJob, *, actor: Actor, now: datetime) -> None:
    """Audit that the actor is taking the export away (``data.export_downloaded``), before it is sent.

    :raises PermissionDenied: unless the actor is an administrator.
    """
    require_may_move_all_data(actor)
    with unit_of_work():
        audit.record(actor, "data.export_downloaded", subject_type=RESULT_TYPE,
                     subject_id=str(job.params.get("manifest_sha256", "")), now=now,
                     data={"job_id": job.id, "directory": job.params.get("directory", "")})


def delete_export(job_id: int, *, actor: Actor, now: datetime, root: Path) -> None:
    """Remove a finished export's directory so the disk does not fill up; audited ``data.export_deleted``.

    The job row stays (who exported when remains visible); the audit event is committed before the
    files go, so a deletion is never unrecorded.

    :raises PermissionDenied: unless the actor is an administrator.
    :raises NotFound: no such export job.
    :raises Conflict: the export is not done, or its directory is already gone.
    """
    require_may_move_all_data(actor)
    with unit_of_work():
        job = jobs.lock(job_id)
        if job.kind != JOB_KIND:
            raise NotFound(_l("書き出しのジョブが見つかりません。"))
        name = str(job.params.get("directory", ""))
        if job.state is not JobState.DONE or not name or not (root / name).is_dir():
            raise Conflict(_l("削除できる書き出しではありません（完了していないか、削除済みです）。"))
        audit.record(actor, "data.export_deleted", subject_type=RESULT_TYPE,
                     subject_id=str(job.params.get("manifest_sha256", "")), now=now,
                     data={"job_id": job.id, "directory": name})
    shutil.rmtree(root / name)
