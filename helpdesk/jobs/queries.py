"""Reading jobs: what a progress page polls."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from helpdesk.core.db import db
from helpdesk.core.errors import NotFound
from helpdesk.jobs.models import BackgroundJob


def get_job(job_id: int, *, kind: str | None = None) -> BackgroundJob:
    """The job (of ``kind``, when given), fresh from the database.

    :raises NotFound: no such job, or one of another kind.
    """
    job = db.session.get(BackgroundJob, job_id, populate_existing=True)
    if job is None or (kind is not None and job.kind != kind):
        raise NotFound(_l("ジョブが見つかりません。"))
    return job
