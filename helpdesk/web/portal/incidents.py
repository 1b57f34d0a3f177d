"""Known outages in the portal: the banner, "私も影響を受けています", subscriptions, the status page.

Routes are registered on the portal blueprint (``helpdesk.web.portal.views.bp``).
"""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from helpdesk.accounts.policy import can_use_portal
from helpdesk.core.errors import NotFound
from helpdesk.core.time import utcnow
from helpdesk.incidents import queries as incident_queries
from helpdesk.incidents import services as incidents
from helpdesk.incidents.models import MajorIncident
from helpdesk.tickets.models import Ticket
from helpdesk.web.common.auth import current_actor, require
from helpdesk.web.common.forms import CsrfForm
from helpdesk.web.common.navigation import safe_next
from helpdesk.web.portal.views import bp


@bp.context_processor
def outage_notices() -> dict[str, object]:
    """``known_outages()`` and ``my_report(incident)`` for the banner: asked only by the pages that
    show it (someone who already reported sees their report instead of the button)."""

    def my_report(incident: MajorIncident) -> Ticket | None:
        return incident_queries.reported_by(incident, current_actor().user_id)

    return {"known_outages": incident_queries.active_public, "my_report": my_report}


@bp.get("/status")
@require(can_use_portal)
def status() -> ResponseReturnValue:
    """Current and recent outages with their updates; subscribe to hear more."""
    actor = current_actor()
    items = incident_queries.recent(now=utcnow(), public_only=True)
    return render_template(
        "portal/status.html",
        items=items,
        form=CsrfForm(),
        updates={i.id: incident_queries.updates_of(i.id) for i in items},
        subscribed={i.id for i in items if incident_queries.is_subscribed(i.id, actor.user_id)},
        reported={
            i.id: r for i in items if (r := incident_queries.reported_by(i, actor.user_id)) is not None
        },
    )


def _public(incident_id: int) -> MajorIncident:
    incident = incidents.get_incident(incident_id)
    if not incident.is_public:
        raise NotFound(_("大規模障害が見つかりません。"))
    return incident


@bp.post("/incidents/<int:incident_id>/affected")
@require(can_use_portal)
def report_affected(incident_id: int) -> ResponseReturnValue:
    """ "私も影響を受けています": one click files my report, linked to the outage."""
    CsrfForm().validate_or_400()
    ticket = incidents.report_affected(incident_id, actor=current_actor(), now=utcnow())
    flash(
        _(
            "影響を受けていることを報告しました（%(number)s）。復旧の状況はこのページとメールでお知らせします。",
            number=ticket.number,
        ),
        "success",
    )
    return redirect(url_for("portal.ticket", number=ticket.number))


@bp.post("/incidents/<int:incident_id>/subscribe")
@require(can_use_portal)
def subscribe(incident_id: int) -> ResponseReturnValue:
    """Hear the outage's updates in the portal and by mail."""
    CsrfForm().validate_or_400()
    incidents.subscribe(incident_id, actor=current_actor(), now=utcnow())
    flash(_("この障害の更新をお知らせします。"), "success")
    return redirect(safe_next(request.form.get("next")) or url_for("portal.status"))


@bp.post("/incidents/<int:incident_id>/unsubscribe")
@require(can_use_portal)
def unsubscribe(incident_id: int) -> ResponseReturnValue:
    """Stop hearing the outage's updates."""
    CsrfForm().validate_or_400()
    _public(incident_id)
    incidents.unsubscribe(incident_id, actor=current_actor(), now=utcnow())
    flash(_("この障害のお知らせを停止しました。"), "success")
    return redirect(safe_next(request.form.get("next")) or url_for("portal.status"))
