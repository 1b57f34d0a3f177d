"""The full data export for the ministry's IT office: the list, the request, its progress, the ZIP, deletion.

The export itself runs in a worker (``portability.export_all``); these pages only queue it, show
how far it has got and hand out or remove what it wrote.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Response, current_app, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from helpdesk.accounts.policy import can_administer
from helpdesk.core import settings
from helpdesk.core.errors import Conflict
from helpdesk.core.time import utcnow
from helpdesk.jobs.models import BackgroundJob
from helpdesk.portability import archive
from helpdesk.portability import jobs as export_jobs
from helpdesk.portability import queries as export_queries
from helpdesk.web.admin.views import bp
from helpdesk.web.common import jobs
from helpdesk.web.common.auth import current_actor, require
from helpdesk.web.common.files import inert
from helpdesk.web.common.forms import CsrfForm


def _root() -> Path:
    return settings.export_root(current_app.config, current_app.instance_path)


@bp.get("/export")
@require(can_administer)
def export_home() -> ResponseReturnValue:
    """The exports, newest first, with the button that starts a new one."""
    return _list_page()


def _list_page(error: str = "", status: int = 200) -> ResponseReturnValue:
    return render_template("admin/export.html", exports=export_queries.list_exports(_root()),
                           form=CsrfForm(), error=error), status


@bp.post("/export")
@require(can_administer)
def request_export() -> ResponseReturnValue:
    """Queue a full export and go to its progress page; the list again (409) while one runs."""
    CsrfForm().validate_or_400()
    try:
        job = export_jobs.request_export(actor=current_actor(), now=utcnow())
    except Conflict as exc:
        return _list_page(str(exc.message), 409)
    return redirect(url_for("admin.export_job", job_id=job.id))


@bp.get("/export/jobs/<int:job_id>")
@require(can_administer)
def export_job(job_id: int) -> ResponseReturnValue:
    """The export's progress bar, and its download once done."""
    job = export_queries.get_export_job(job_id)
    return jobs.job_page("admin/export_job.html", job, _status(job), result_field="download_url",
                         status_url=url_for("admin.export_job_status", job_id=job.id),
                         page_url=url_for("admin.export_job", job_id=job.id))


@bp.get("/export/jobs/<int:job_id>.json")
@require(can_administer)
def export_job_status(job_id: int) -> ResponseReturnValue:
    """What the progress bar needs, as JSON."""
    return jobs.status_json(_status(export_queries.get_export_job(job_id)))


def _status(job: BackgroundJob) -> dict[str, Any]:
    is_ready = export_queries.is_available(job, _root())
    return {**jobs.job_status(job),
            "download_url": url_for("admin.export_download", job_id=job.id) if is_ready else None}


@bp.get("/export/jobs/<int:job_id>/helpdesk-export.zip")
@require(can_administer)
def export_download(job_id: int) -> ResponseReturnValue:
    """The finished export as one ZIP, streamed; audited before the first byte leaves."""
    job, directory = export_queries.get_available_export(job_id, _root())
    chunks = archive.zip_stream(directory)  # reads the manifest now: a broken export fails here, not mid-way
    export_jobs.record_download(job, actor=current_actor(), now=utcnow())
    # Not stream_with_context: the archive needs no request, and a download of gigabytes must not
    # hold a database connection of the pool until it ends.
    response = Response(chunks, mimetype="application/zip")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="helpdesk-export-{job.params["directory"]}.zip"')
    return inert(response)


@bp.post("/export/jobs/<int:job_id>/delete")
@require(can_administer)
def delete_export(job_id: int) -> ResponseReturnValue:
    """Remove a finished export's files (the job stays listed as deleted); audited."""
    CsrfForm().validate_or_400()
    export_jobs.delete_export(job_id, actor=current_actor(), now=utcnow(), root=_root())
    flash(_("書き出したファイルを削除しました。"), "success")
    return redirect(url_for("admin.export_home"))
