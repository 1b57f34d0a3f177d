"""The progress page of a background job (a monthly report, a data export) and the JSON it polls.

A page template extends ``jobs/job.html``; the view passes :func:`job_status`'s dict extended with
the one address the job leads to when done, and names that key (``result_field``) so the shared
script (``static/js/job_progress.js``) shows the link.
"""

from __future__ import annotations

from typing import Any

from flask import jsonify, render_template
from flask.typing import ResponseReturnValue

from helpdesk.jobs.models import BackgroundJob, JobState

#: How often the job page asks for progress (ms), and reloads itself without JavaScript (s).
POLL_MS = 1000
REFRESH_SECONDS = 3


def job_status(job: BackgroundJob) -> dict[str, Any]:
    """State and progress; the message only when the job failed (while running it is not for people)."""
    return {
        "state": job.state.value,
        "done": job.done,
        "total": job.total,
        "message": job.message if job.state is JobState.FAILED else "",
    }


def job_page(template: str, job: BackgroundJob, status: dict[str, Any], *, result_field: str,
             status_url: str, page_url: str, **context: Any) -> ResponseReturnValue:
    """Render a ``jobs/job.html`` page: its first state drawn by the server, then polled by script."""
    return render_template(template, job=job, status=status, result_field=result_field,
                           status_url=status_url, page_url=page_url, poll_ms=POLL_MS,
                           refresh_seconds=REFRESH_SECONDS, **context)


def status_json(status: dict[str, Any]) -> ResponseReturnValue:
    """The status as JSON that no cache keeps (the next poll must see the next state)."""
    response = jsonify(status)
    response.headers["Cache-Control"] = "no-store"
    return response
