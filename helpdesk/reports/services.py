"""Generating monthly reports: request one (job + outbox row), run the job, store frozen snapshots.

Snapshots are only ever inserted: regenerating a month adds a newer snapshot beside the old ones.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from helpdesk.audit import services as audit
from helpdesk.core import outbox
from helpdesk.core.actor import Actor
from helpdesk.core.db import db, unit_of_work
from helpdesk.core.errors import ValidationFailed
from helpdesk.jobs import services as jobs
from helpdesk.jobs.models import BackgroundJob
from helpdesk.reports import monthly, policy
from helpdesk.reports.models import ReportSnapshot

#: The Celery task that runs a report job: a wire contract, never rename.
TASK_GENERATE_REPORT = "reports.generate_monthly"
JOB_KIND = "reports.monthly"


def check_month(month: str, *, now: datetime) -> str:
    """``month`` if it is a ``YYYY-MM`` month that has begun.

    :raises ValidationFailed: not a month, or one in the future.
    """
    try:
        start, _end = monthly.month_bounds(monthly.parse_month(month))
    except ValueError:
        raise ValidationFailed(_l("年月を YYYY-MM の形で入力してください。"),
                               fields={"month": _l("年月を選んでください。")}) from None
    if start > now:
        raise ValidationFailed(_l("まだ始まっていない月の報告は作れません。"),
                               fields={"month": _l("今月以前を選んでください。")})
    return month


def request_report(month: str, *, actor: Actor, now: datetime) -> BackgroundJob:
    """Queue the generation of ``month``'s report; the job row and its outbox row commit together.

    :raises PermissionDenied: the actor may not generate reports.
    :raises ValidationFailed: a bad or future month.
    """
    policy.require_generate_reports(actor)
    check_month(month, now=now)
    with unit_of_work():
        job = jobs.create_job(JOB_KIND, {"month": month}, actor=actor, now=now)
        outbox.emit(TASK_GENERATE_REPORT, {"job_id": job.id}, now=now)
    return job


def run_job(job_id: int, *, clock: Callable[[], datetime]) -> ReportSnapshot | None:
    """Run a queued report job: progress per section in short commits, then the snapshot and ``done``.

    Idempotent: a job already done is not redone (returns None), and the snapshot and the
    ``done`` state commit together under the job's row lock, so two deliveries racing make one
    snapshot. A failure marks the job failed with its message and is re-raised.

    :raises NotFound: no such job.
    """
    if not jobs.start(job_id, now=clock()):
        return None
    try:
        job = db.session.get(BackgroundJob, job_id)
        assert job is not None  # start() found it
        month = str(job.params["month"])
        requested_by = job.requested_by_id
        generated_at = clock()
        report = monthly.build(
            month, as_of=generated_at,
            progress=lambda done, total, name: jobs.report_progress(job_id, done, total, name))
        with unit_of_work():
            locked = jobs.lock(job_id)
            if locked.is_finished:
                return None
            snapshot = _store(report, generated_at=generated_at, generated_by_id=requested_by, job_id=job_id)
            jobs.finish(locked, f"report_snapshot:{snapshot.id}", now=clock())
        return snapshot
    except Exception as exc:
        db.session.rollback()
        jobs.fail(job_id, f"{type(exc).__name__}: {exc}", now=clock())
        raise


def generate(month: str, *, actor: Actor, now: datetime) -> ReportSnapshot:
    """Compute and store ``month``'s report at once, without a job (``flask reports generate``).

    :raises ValidationFailed: a bad or future month.
    """
    check_month(month, now=now)
    report = monthly.build(month, as_of=now)
    with unit_of_work():
        return _store(report, generated_at=now, generated_by_id=actor.user_id, job_id=None, actor=actor)


def _store(report: monthly.MonthlyReport, *, generated_at: datetime, generated_by_id: int | None,
           job_id: int | None, actor: Actor | None = None) -> ReportSnapshot:
    content = normalised(report.to_content())
    snapshot = ReportSnapshot(month=report.period.month, generated_at=generated_at,
                              generated_by_id=generated_by_id, content=content,
                              sha256=monthly.sha256_of(content), code_version=report.code_version,
                              job_id=job_id)
    db.session.add(snapshot)
    db.session.flush()
    # A job's snapshot is made by the system on behalf of the person who asked for it.
    acting = actor or Actor(role="system", user_id=generated_by_id, label="report job")
    audit.record(acting, "report.generated",
                 subject_type="report_snapshot", subject_id=snapshot.id, now=generated_at,
                 data={"month": snapshot.month, "sha256": snapshot.sha256, "job_id": job_id})
    return snapshot


def normalised(content: Any) -> Any:
    """``content`` as it reads back from the JSON column (tuples become lists, keys strings)."""
    return json.loads(monthly.canonical_json(content))


@dataclass(frozen=True)
class Verification:
    """One snapshot recomputed: whether its stored hash still matches, and what differs."""

    snapshot_id: int
    month: str
    generated_at: datetime
    is_hash_intact: bool
    differences: list[tuple[str, Any, Any]]

    @property
    def is_same(self) -> bool:
        return self.is_hash_intact and not self.differences


def verify(month: str | None = None) -> list[Verification]:
    """Recompute every snapshot (of ``month``) as of its own instant and compare; reads only.

    A changed stored row shows as a broken hash and as differences; changed raw data (a
    ticket edited after the fact) as differences only.
    """
    stmt = select(ReportSnapshot).order_by(ReportSnapshot.month, ReportSnapshot.id)
    if month is not None:
        stmt = stmt.where(ReportSnapshot.month == month)
    results = []
    for snapshot in db.session.scalars(stmt):
        as_of = _as_of(snapshot)
        fresh = normalised(monthly.build(snapshot.month, as_of=as_of).to_content())
        results.append(Verification(
            snapshot_id=snapshot.id, month=snapshot.month, generated_at=snapshot.generated_at,
            is_hash_intact=monthly.sha256_of(snapshot.content) == snapshot.sha256,
            differences=monthly.differences(snapshot.content, fresh),
        ))
    return results


def _as_of(snapshot: ReportSnapshot) -> datetime:
    """The instant the snapshot was taken at: from its content, else its generation time."""
    try:
        return datetime.fromisoformat(str(snapshot.content["period"]["as_of"]))
    except (KeyError, TypeError, ValueError):
        return snapshot.generated_at
