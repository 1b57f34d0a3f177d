"""Creating jobs and moving them along: the only writers of ``background_jobs``.

A job is created inside the requester's unit of work (with the outbox row that sends it to a
worker). The worker reports progress in short transactions of their own, so a page polling the
job sees it move while the work goes on; the final state is written in the transaction that
stores the job's result, so a job is never ``done`` without it.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from helpdesk.audit import services as audit
from helpdesk.core.actor import Actor
from helpdesk.core.db import db, unit_of_work
from helpdesk.core.errors import NotFound
from helpdesk.jobs.models import BackgroundJob, JobState

MESSAGE_MAX = 2000


def create_job(kind: str, params: Mapping[str, Any], *, actor: Actor, now: datetime) -> BackgroundJob:
    """Queue a job in the caller's unit of work (the caller emits the outbox row beside it); audited.

    :raises RuntimeError: outside a unit of work.
    """
    job = BackgroundJob(kind=kind, params=dict(params), state=JobState.QUEUED, done=0, total=0,
                        message="", result_ref="", requested_by_id=actor.user_id, created_at=now)
    db.session.add(job)
    db.session.flush()
    audit.record(actor, "job.requested", subject_type="job", subject_id=job.id, now=now,
                 data={"kind": kind, "params": dict(params)})
    return job


def start(job_id: int, *, now: datetime) -> bool:
    """Mark the job running (again, after a redelivery); commits at once.

    Returns False, changing nothing, when the job is already finished: a task delivered twice
    does its work once.

    :raises NotFound: no such job.
    """
    with unit_of_work():
        job = lock(job_id)
        if job.is_finished:
            return False
        job.state = JobState.RUNNING
        job.started_at = job.started_at or now
        job.done = 0
        job.message = ""
    return True


def report_progress(job_id: int, done: int, total: int, message: str = "") -> None:
    """Record how far a running job has got, in a short transaction of its own.

    Does nothing to a finished job (a slower duplicate must not move a done job back).
    """
    with unit_of_work():
        job = lock(job_id)
        if job.is_finished:
            return
        job.done, job.total, job.message = done, total, message[:MESSAGE_MAX]


def throttled_progress(job_id: int, *, every_seconds: float = 2.0, percent: int = 1,
                       monotonic: Callable[[], float] = time.monotonic) -> Callable[[int, int], None]:
    """A ``progress(done, total)`` callback that reports at most every ``percent`` or ``every_seconds``.

    Work that advances per row would otherwise commit once per row; the last step (``done ==
    total``) is always reported.
    """
    last_time = monotonic()
    last_percent = -1

    def progress(done: int, total: int) -> None:
        nonlocal last_time, last_percent
        now = monotonic()
        current = 100 * done // total if total else 100
        if current - last_percent >= percent or now - last_time >= every_seconds or done >= total:
            report_progress(job_id, done, total)
            last_time, last_percent = now, current

    return progress


def finish(job: BackgroundJob, result_ref: str, *, now: datetime,
           outcome: Mapping[str, Any] | None = None) -> None:
    """Mark a locked job done with its result, in the caller's unit of work (where the result is stored).

    ``outcome`` (small values: a size, a checksum) is added to the job's params for lists to show.
    """
    if outcome:
        job.params = {**job.params, **outcome}  # a new dict: the JSON column sees the change
    job.state = JobState.DONE
    job.done = job.total = max(job.total, job.done, 1)
    job.result_ref = result_ref
    job.message = ""
    job.finished_at = now


def fail(job_id: int, message: str, *, now: datetime) -> None:
    """Mark the job failed with a message a person can read; commits at once. A done job stays done."""
    with unit_of_work():
        job = lock(job_id)
        if job.state is JobState.DONE:
            return
        job.state = JobState.FAILED
        job.message = message[:MESSAGE_MAX]
        job.finished_at = now


def lock(job_id: int) -> BackgroundJob:
    """The job, locked until the caller's unit of work ends.

    :raises NotFound: no such job.
    """
    job = db.session.scalar(select(BackgroundJob).where(BackgroundJob.id == job_id).with_for_update())
    if job is None:
        raise NotFound(_l("ジョブが見つかりません。"))
    return job
