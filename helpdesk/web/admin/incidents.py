"""The ministry's view of major incidents: the list, the post-incident report, registering 大規模障害.

Routes are registered on the admin blueprint (``helpdesk.web.admin.views.bp``).
"""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from helpdesk.accounts.policy import can_administer
from helpdesk.core.errors import ValidationFailed
from helpdesk.core.time import utcnow
from helpdesk.incidents import queries as incident_queries
from helpdesk.incidents import services as incidents
from helpdesk.web.admin.forms import SeriousIncidentForm
from helpdesk.web.admin.views import bp
from helpdesk.web.common import incidents as shared
from helpdesk.web.common.auth import current_actor, require
from helpdesk.web.common.forms import show_field_errors


@bp.get("/incidents")
@require(can_administer)
def incidents_list() -> ResponseReturnValue:
    """Active incidents and those of the last 30 days, with restoration against the target."""
    now = utcnow()
    return render_template(
        "admin/incidents.html",
        items=incident_queries.recent(now=now, public_only=False),
        now=now,
        target_minutes=shared.target_minutes(),
    )


def _page(
    incident_id: int, form: SeriousIncidentForm | None = None, status: int = 200
) -> ResponseReturnValue:
    shown = shared.picture(incident_id)
    incident = shown.incident
    form = form or SeriousIncidentForm(
        formdata=None, serious=incident.is_serious, reason=incident.serious_reason
    )
    return render_template("admin/incident.html", shown=shown, incident=incident, form=form), status


@bp.get("/incidents/<int:incident_id>")
@require(can_administer)
def incident(incident_id: int) -> ResponseReturnValue:
    """One incident with its milestones and the serious-incident decision."""
    return _page(incident_id)


@bp.post("/incidents/<int:incident_id>/serious")
@require(can_administer)
def register_serious(incident_id: int) -> ResponseReturnValue:
    """Register (or withdraw) the incident as serious, with the reason the monthly report shows."""
    form = SeriousIncidentForm()
    if not form.validate_on_submit():
        return _page(incident_id, form, 422)
    try:
        incidents.set_serious(
            incident_id, bool(form.serious.data), form.reason.data or "", actor=current_actor(), now=utcnow()
        )
    except ValidationFailed as exc:
        show_field_errors(form, exc)
        return _page(incident_id, form, 422)
    flash(
        _("重大障害として登録しました。") if form.serious.data else _("重大障害の登録を取り消しました。"),
        "success",
    )
    return redirect(url_for("admin.incident", incident_id=incident_id))


@bp.get("/incidents/<int:incident_id>/report")
@require(can_administer)
def incident_report(incident_id: int) -> ResponseReturnValue:
    """The printable post-incident report."""
    return shared.report_page(incident_id, back=url_for("admin.incident", incident_id=incident_id))
