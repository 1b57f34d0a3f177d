"""The staff portal: file a ticket, follow one's own tickets and notifications."""

from __future__ import annotations

import secrets
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from wtforms.fields.choices import SelectChoice

from helpdesk.accounts.policy import can_use_portal
from helpdesk.core.errors import ValidationFailed
from helpdesk.core.time import utcnow
from helpdesk.incidents import queries as incident_queries
from helpdesk.notifications import queries as notifications
from helpdesk.reports import exports
from helpdesk.tickets import queries as tickets
from helpdesk.tickets import services as ticket_services
from helpdesk.tickets.models import Ticket
from helpdesk.tickets.states import Channel, Impact, MessageKind, TicketType, Urgency
from helpdesk.web.common.auth import current_actor, require
from helpdesk.web.common.files import attachment_limits, csv_download, download, uploads_from
from helpdesk.web.common.forms import CsrfForm
from helpdesk.web.portal.forms import NewTicketForm, RatingForm, ReopenForm, ReplyForm

bp = Blueprint("portal", __name__, url_prefix="/portal")


@bp.get("/")
@require(can_use_portal)
def home() -> ResponseReturnValue:
    """My tickets, newest first, and what happened to them lately."""
    actor = current_actor()
    assert actor.user_id is not None
    page = tickets.list_requester_tickets(actor.user_id, page=request.args.get("page", 1, type=int))
    return render_template(
        "portal/home.html", page=page, notifications=notifications.list_recent(actor.user_id, limit=5)
    )


@bp.get("/tickets.csv")
@require(can_use_portal)
def tickets_csv() -> ResponseReturnValue:
    """All my tickets, newest first, as a CSV download (what the portal shows, nothing internal)."""
    actor = current_actor()
    assert actor.user_id is not None
    now = utcnow()
    return csv_download(exports.stream_tickets_csv(
        tickets.iter_requester_tickets(actor.user_id), columns=exports.REQUESTER_COLUMNS,
        locale=_locale(), actor=actor, now=now, source="portal.home", criteria={},
    ), now=now)


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
                uploads=uploads_from(form.attachments.data), limits=attachment_limits(),
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
    """One of my tickets with its public conversation and what I can do next."""
    item = tickets.get_requester_ticket(current_actor(), number)
    return _ticket_page(item)


@bp.post("/tickets/<number>/reply")
@require(can_use_portal)
def reply(number: str) -> ResponseReturnValue:
    """Answer the help desk; a page older than the newest answer is refused with 409."""
    item = tickets.get_requester_ticket(current_actor(), number)
    form = ReplyForm()
    if not form.validate_on_submit():
        return _ticket_page(item, reply_form=form, status=422)
    try:
        ticket_services.add_message(item.id, MessageKind.PUBLIC_REPLY, form.body.data,
                                    actor=current_actor(), now=utcnow(),
                                    seen_up_to=form.seen_up_to.data,
                                    uploads=uploads_from(form.attachments.data),
                                    limits=attachment_limits())
    except ticket_services.StaleConversation:
        return _ticket_page(item, reply_form=form, stale=True, status=409)
    except ValidationFailed as exc:
        form.attachments.errors = [str(exc.fields.get("attachments", exc.message))]
        return _ticket_page(item, reply_form=form, status=422)
    flash(_("返信を送信しました。"), "success")
    return redirect(url_for("portal.ticket", number=item.number))


@bp.post("/tickets/<number>/confirm")
@require(can_use_portal)
def confirm(number: str) -> ResponseReturnValue:
    """"It is solved": the ticket closes and a rating is asked for."""
    item = tickets.get_requester_ticket(current_actor(), number)
    if not CsrfForm().validate_on_submit():
        return _ticket_page(item, status=400)
    ticket_services.confirm_resolution(item.id, actor=current_actor(), now=utcnow())
    flash(_("ご確認ありがとうございました。このお問い合わせは完了しました。"), "success")
    return redirect(url_for("portal.ticket", number=item.number))


@bp.post("/tickets/<number>/reopen")
@require(can_use_portal)
def reopen(number: str) -> ResponseReturnValue:
    """"Not solved yet": the ticket reopens with the reason as a reply."""
    item = tickets.get_requester_ticket(current_actor(), number)
    form = ReopenForm()
    if not form.validate_on_submit():
        return _ticket_page(item, reopen_form=form, status=422)
    ticket_services.reopen_by_requester(item.id, form.reason.data, actor=current_actor(), now=utcnow())
    flash(_("お問い合わせを再開しました。担当者から連絡します。"), "success")
    return redirect(url_for("portal.ticket", number=item.number))


@bp.post("/tickets/<number>/rating")
@require(can_use_portal)
def rate(number: str) -> ResponseReturnValue:
    """1–5 satisfaction with a closed ticket, once."""
    item = tickets.get_requester_ticket(current_actor(), number)
    form = RatingForm()
    if not form.validate_on_submit():
        return _ticket_page(item, rating_form=form, status=422)
    ticket_services.rate(item.id, int(form.rating.data), form.comment.data or "",
                         actor=current_actor(), now=utcnow())
    flash(_("評価をお寄せいただきありがとうございました。"), "success")
    return redirect(url_for("portal.ticket", number=item.number))


@bp.get("/tickets/<number>/attachments/<int:attachment_id>")
@require(can_use_portal)
def attachment(number: str, attachment_id: int) -> ResponseReturnValue:
    """Download one of my ticket's public files."""
    item = tickets.get_requester_ticket(current_actor(), number)
    return download(tickets.get_attachment(item, attachment_id, public_only=True))


def _ticket_page(item: Ticket, *, status: int = 200, stale: bool = False,
                 **forms: Any) -> ResponseReturnValue:
    seen = tickets.newest_message_id(item.id)
    reply_form = forms.get("reply_form") or ReplyForm()
    reply_form.seen_up_to.data = seen
    return render_template(
        "portal/ticket.html", ticket=item, timeline=tickets.timeline(item.id, include_internal=False),
        files=tickets.list_attachments(item.id, public_only=True),
        merged_into=tickets.get_ticket(item.merged_into_id) if item.merged_into_id else None,
        submitted=request.args.get("submitted") == "1", stale=stale, reply_form=reply_form,
        reopen_form=forms.get("reopen_form") or ReopenForm(), confirm_form=CsrfForm(),
        rating_form=forms.get("rating_form") or RatingForm(),
        incident=(incident := incident_queries.incident_of_ticket(item)) if item.parent_id else None,
        incident_updates=incident_queries.updates_of(incident.id) if item.parent_id and incident else [],
    ), status


def _locale() -> str:
    from helpdesk.web.common.i18n import select_locale

    return select_locale()
