"""The staff portal: file a ticket, follow one's own tickets and notifications."""

from __future__ import annotations

import secrets

from flask import Blueprint, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from wtforms.fields.choices import SelectChoice

from helpdesk.accounts.policy import can_use_portal
from helpdesk.core.errors import ValidationFailed
from helpdesk.core.time import utcnow
from helpdesk.notifications import queries as notifications
from helpdesk.tickets import queries as tickets
from helpdesk.tickets import services as ticket_services
from helpdesk.tickets.states import Channel, Impact, TicketType, Urgency
from helpdesk.web.common.auth import current_actor, require
from helpdesk.web.portal.forms import NewTicketForm

bp = Blueprint("portal", __name__, url_prefix="/portal")


@bp.get("/")
@require(can_use_portal)
def home() -> ResponseReturnValue:
    """My tickets, newest first, and what happened to them lately."""
    actor = current_actor()
    assert actor.user_id is not None
    page = tickets.list_requester_tickets(actor.user_id, page=request.args.get("page", 1, type=int))
    return render_template(
        "portal/home.html", page=page, notifications=notifications.list_recent(actor.user_id)
    )


@bp.route("/tickets/new", methods=["GET", "POST"])
@require(can_use_portal)
def new_ticket() -> ResponseReturnValue:
    """The new-ticket form; a valid submission opens one ticket, however often it is sent."""
    form = NewTicketForm()
    form.service.choices = [SelectChoice("", "—")] + [
        SelectChoice(s.code, s.display_name(_locale())) for s in tickets.list_services()
    ]
    if request.method == "GET":
        form.idempotency_token.data = secrets.token_urlsafe(16)
    status = 200
    if form.validate_on_submit():
        try:
            ticket = ticket_services.open_ticket(
                ticket_services.NewTicket(
                    type=TicketType(form.type.data), subject=form.subject.data,
                    description=form.description.data, impact=Impact(form.impact.data),
                    urgency=Urgency(form.urgency.data), channel=Channel.PORTAL,
                    service_code=form.service.data or None,
                    intake_key=form.idempotency_token.data or None,
                ),
                actor=current_actor(), now=utcnow(),
            )
        except ValidationFailed as exc:
            for name, message in exc.fields.items():
                field = getattr(form, name, None)
                if field is not None:
                    field.errors = [*field.errors, str(message)]
            status = 422
        else:
            return redirect(url_for("portal.ticket", number=ticket.number, submitted=1))
    elif request.method == "POST":
        status = 422
    return render_template("portal/new_ticket.html", form=form), status


@bp.get("/tickets/<number>")
@require(can_use_portal)
def ticket(number: str) -> ResponseReturnValue:
    """One of my tickets with its public conversation."""
    item = tickets.get_requester_ticket(current_actor(), number)
    return render_template("portal/ticket.html", ticket=item,
                           messages=tickets.list_public_messages(item.id),
                           submitted=request.args.get("submitted") == "1")


def _locale() -> str:
    from helpdesk.web.common.i18n import select_locale

    return select_locale()
