"""What the console and the ministry's pages share about a major incident: its picture and the report."""

from __future__ import annotations

from flask import current_app, render_template

from helpdesk.core.time import utcnow
from helpdesk.incidents import queries as incident_queries


def target_minutes() -> int:
    """The restoration target incidents are measured against (the one-hour rule)."""
    return int(current_app.config["INCIDENT_RESTORATION_TARGET_MINUTES"])


def picture(incident_id: int) -> incident_queries.IncidentPicture:
    """The incident as of now, measured against the target.

    :raises NotFound: no such incident.
    """
    return incident_queries.picture(incident_id, now=utcnow(), target_minutes=target_minutes())


def report_page(incident_id: int, *, back: str) -> str:
    """The printable post-incident report, with a link ``back`` to the page it was opened from."""
    shown = picture(incident_id)
    return render_template("incident_report.html", generated_at=utcnow(), shown=shown,
                           incident=shown.incident, back=back)
