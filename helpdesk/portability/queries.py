"""Reading the administrators' export jobs and the directories they wrote."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from helpdesk.accounts.models import User
from helpdesk.core.db import db
from helpdesk.core.errors import NotFound
from helpdesk.jobs.models import BackgroundJob, JobState
from helpdesk.jobs.queries import get_job
from helpdesk.portability.format import MANIFEST_NAME
from helpdesk.portability.jobs import JOB_KIND

EXPORTS_LISTED = 50


@dataclass(frozen=True)
class ExportListing:
    """One export job as the admin list shows it."""

    job: BackgroundJob
    requested_by: str
    #: True while the finished export's files are on disk (False once deleted, or never written).
    is_available: bool

    @property
    def manifest_sha256(self) -> str:
        return str(self.job.params.get("manifest_sha256", ""))

    @property
    def bytes(self) -> int | None:
        size = self.job.params.get("bytes")
        return int(size) if size is not None else None


def get_export_job(job_id: int) -> BackgroundJob:
    """:raises NotFound: no such job, or not an export job."""
    return get_job(job_id, kind=JOB_KIND)


def list_exports(root: Path, limit: int = EXPORTS_LISTED) -> list[ExportListing]:
    """The latest export jobs, newest first, with who asked and whether their files are still there."""
    stmt = (select(BackgroundJob, User).outerjoin(User, User.id == BackgroundJob.requested_by_id)
            .where(BackgroundJob.kind == JOB_KIND)
            .order_by(BackgroundJob.created_at.desc(), BackgroundJob.id.desc()).limit(limit))
    return [ExportListing(job=job, requested_by=user.display_name if user else "",
                          is_available=is_available(job, root))
            for job, user in db.session.execute(stmt)]


def get_available_export(job_id: int, root: Path) -> tuple[BackgroundJob, Path]:
    """A done export job and its complete directory.

    :raises NotFound: no such export job, not done, or its files were deleted.
    """
    job = get_export_job(job_id)
    if not is_available(job, root):
        raise NotFound(_l("この書き出しのファイルはありません（未完了か削除済みです）。"))
    return job, root / str(job.params["directory"])


def is_available(job: BackgroundJob, root: Path) -> bool:
    """True when the job is done and its export (manifest included) is still on disk."""
    name = job.params.get("directory")
    return job.state is JobState.DONE and bool(name) and (root / str(name) / MANIFEST_NAME).is_file()
