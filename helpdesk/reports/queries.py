"""Reading stored monthly reports."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from helpdesk.core.db import db
from helpdesk.core.errors import NotFound
from helpdesk.jobs.models import BackgroundJob
from helpdesk.jobs.queries import get_job
from helpdesk.reports.models import ReportSnapshot
from helpdesk.reports.services import JOB_KIND

SNAPSHOTS_LISTED = 200


def get_snapshot(snapshot_id: int) -> ReportSnapshot:
    """:raises NotFound: no such snapshot."""
    snapshot = db.session.get(ReportSnapshot, snapshot_id)
    if snapshot is None:
        raise NotFound(_l("報告が見つかりません。"))
    return snapshot


def list_snapshots(limit: int = SNAPSHOTS_LISTED) -> list[ReportSnapshot]:
    """The newest snapshots, newest month first, newest generation first within a month."""
    stmt = (select(ReportSnapshot).order_by(ReportSnapshot.month.desc(), ReportSnapshot.generated_at.desc(),
                                            ReportSnapshot.id.desc()).limit(limit))
    return list(db.session.scalars(stmt))


def find_snapshot_of_job(job_id: int) -> ReportSnapshot | None:
    """The snapshot a job produced, or None while it runs."""
    return db.session.scalar(select(ReportSnapshot).where(ReportSnapshot.job_id == job_id))


def get_report_job(job_id: int) -> BackgroundJob:
    """:raises NotFound: no such job, or not a report job."""
    return get_job(job_id, kind=JOB_KIND)


def recent_jobs(limit: int = 10) -> list[BackgroundJob]:
    """The latest report jobs, newest first (to show what is queued or running)."""
    stmt = (select(BackgroundJob).where(BackgroundJob.kind == JOB_KIND)
            .order_by(BackgroundJob.created_at.desc(), BackgroundJob.id.desc()).limit(limit))
    return list(db.session.scalars(stmt))
