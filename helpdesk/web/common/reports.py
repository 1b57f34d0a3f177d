"""The monthly service-level reports, shared by the console (supervisors) and the ministry's admin pages.

Each front door registers the same routes on its blueprint (:func:`register_routes`) behind its own
role check; the blueprint's name (``front``) picks the endpoints the pages link to.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import Blueprint, Response, current_app, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.exceptions import NotFound as HttpNotFound
from wtforms import StringField
from wtforms.validators import DataRequired, Regexp

from helpdesk.core.actor import Actor
from helpdesk.core.errors import ValidationFailed
from helpdesk.core.time import utcnow
from helpdesk.jobs.models import BackgroundJob, JobState
from helpdesk.reports import downloads, monthly, policy
from helpdesk.reports import queries as report_queries
from helpdesk.reports import services as reports
from helpdesk.reports.models import ReportSnapshot
from helpdesk.reports.tables import build_tables
from helpdesk.web.common import jobs
from helpdesk.web.common.auth import current_actor, require
from helpdesk.web.common.files import inert
from helpdesk.web.common.forms import show_field_errors
from helpdesk.web.common.i18n import select_locale

CONTENT_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
    "pdf": "application/pdf",
}


class GenerateReportForm(FlaskForm):  # type: ignore[misc]
    """Which month to generate; a ``<input type="month">`` sends ``YYYY-MM``."""

    month = StringField(_l("対象月"), validators=[DataRequired(), Regexp(r"^\d{4}-\d{2}$",
                                                                      message=_l("年月を選んでください。"))])


def list_page(
    front: str, form: GenerateReportForm | None = None, status: int = 200, error: str = ""
) -> ResponseReturnValue:
    """Snapshots by month (latest first) and recent jobs, with the form to generate a month."""
    policy.require_view_reports(current_actor())
    form = form or GenerateReportForm(formdata=None, month=monthly.previous_month(utcnow()))
    page = render_template("reports/list.html", front=front, form=form, error=error,
                           snapshots=report_queries.list_snapshots(), jobs=report_queries.recent_jobs())
    return page, status


def request_report(front: str) -> ResponseReturnValue:
    """Queue a month's generation and go to its progress page; the list again (422) on a bad month."""
    form = GenerateReportForm()
    if not form.validate_on_submit():
        return list_page(front, form, 422)
    try:
        job = reports.request_report(form.month.data, actor=current_actor(), now=utcnow())
    except ValidationFailed as exc:
        show_field_errors(form, exc)
        return list_page(front, form, 422, error=str(exc))
    return redirect(url_for(f"{front}.report_job", job_id=job.id), 303)


def job_page(front: str, job_id: int) -> ResponseReturnValue:
    """The job's progress bar; polled by script, refreshed by the page itself without one."""
    policy.require_view_reports(current_actor())
    job = report_queries.get_report_job(job_id)
    return jobs.job_page("reports/job.html", job, job_status(front, job), result_field="report_url",
                         status_url=url_for(f"{front}.report_job_status", job_id=job.id),
                         page_url=url_for(f"{front}.report_job", job_id=job.id),
                         front=front, month=job.params.get("month", ""))


def job_status_json(front: str, job_id: int) -> ResponseReturnValue:
    """What the progress bar needs, as JSON."""
    policy.require_view_reports(current_actor())
    return jobs.status_json(job_status(front, report_queries.get_report_job(job_id)))


def job_status(front: str, job: BackgroundJob) -> dict[str, Any]:
    """State, progress and, once done, the report's address."""
    snapshot = report_queries.find_snapshot_of_job(job.id) if job.state is JobState.DONE else None
    return {**jobs.job_status(job),
            "report_url": url_for(f"{front}.report", snapshot_id=snapshot.id) if snapshot else None}


def report_page(front: str, snapshot_id: int) -> ResponseReturnValue:
    """One snapshot as the printable report page, its figures as stored."""
    policy.require_view_reports(current_actor())
    snapshot = report_queries.get_snapshot(snapshot_id)
    others = [s for s in report_queries.list_snapshots() if s.month == snapshot.month and s.id != snapshot.id]
    return render_template("reports/report.html", **_report_context(front, snapshot), others=others)


def _report_context(front: str, snapshot: ReportSnapshot) -> dict[str, Any]:
    locale = select_locale()
    tables = {t.key: t for t in build_tables(snapshot.content, locale=locale)}
    return {"front": front, "snapshot": snapshot, "content": snapshot.content, "tables": tables,
            "locale": locale}


def download(front: str, snapshot_id: int, extension: str) -> ResponseReturnValue:
    """The snapshot as ``service-level-<month>.<xlsx|csv|pdf>``, stamped with its SHA-256."""
    policy.require_view_reports(current_actor())
    if extension not in CONTENT_TYPES:
        raise HttpNotFound()
    snapshot = report_queries.get_snapshot(snapshot_id)
    stamp = downloads.Stamp(snapshot.month, snapshot.generated_at, snapshot.sha256, snapshot.code_version)
    locale = select_locale()
    if extension == "xlsx":
        body = downloads.to_xlsx(snapshot.content, stamp, locale=locale)
    elif extension == "csv":
        body = downloads.to_csv(snapshot.content, stamp, locale=locale)
    else:
        body = _pdf(front, snapshot)
    response = Response(body, mimetype=CONTENT_TYPES[extension])
    response.headers["Content-Disposition"] = (
        f'attachment; filename="{downloads.file_name(snapshot.month, extension)}"')
    return inert(response)


def _pdf(front: str, snapshot: ReportSnapshot) -> bytes:
    """The report page's body under a print stylesheet, laid out by WeasyPrint in IPA Gothic."""
    # Imported here: WeasyPrint takes a moment to load and only this download needs it.
    from weasyprint import HTML

    html = render_template("reports/pdf.html", **_report_context(front, snapshot))
    static = Path(current_app.static_folder or "static").resolve()
    document = HTML(string=html, base_url=static.as_uri() + "/")
    pdf: bytes = document.write_pdf()
    return pdf


def register_routes(bp: Blueprint, check: Callable[[Actor], bool]) -> None:
    """Add the report pages to a front door's blueprint, gated by ``check`` (its role policy).

    Endpoints: ``reports_home`` (GET list, POST ``request_report``), ``report_job`` and
    ``report_job_status`` (JSON), ``report``, ``report_download`` (``.xlsx``, ``.csv``, ``.pdf``).
    """
    front = bp.name
    routes: list[tuple[str, str, str, Callable[..., ResponseReturnValue]]] = [
        ("GET", "/reports", "reports_home", lambda: list_page(front)),
        ("POST", "/reports", "request_report", lambda: request_report(front)),
        ("GET", "/reports/jobs/<int:job_id>", "report_job", lambda job_id: job_page(front, job_id)),
        ("GET", "/reports/jobs/<int:job_id>.json", "report_job_status",
         lambda job_id: job_status_json(front, job_id)),
        ("GET", "/reports/<int:snapshot_id>", "report", lambda snapshot_id: report_page(front, snapshot_id)),
        ("GET", "/reports/<int:snapshot_id>/service-level.<extension>", "report_download",
         lambda snapshot_id, extension: download(front, snapshot_id, extension)),
    ]
    for method, rule, endpoint, view in routes:
        bp.add_url_rule(rule, endpoint, require(check)(view), methods=[method])
