"""The vendor queue: handoffs waiting for my party, tickets it holds, and what was shared with it.

A vendor sees a ticket only once it was handed to one of its parties, and then only the
handoff summaries and the messages and files the sender chose to share: never the
requester's profile, never unshared notes. Anything else is a 404.
"""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from helpdesk.accounts.policy import can_use_vendor_queue
from helpdesk.core.errors import NotFound, ValidationFailed
from helpdesk.core.time import TOKYO, utcnow
from helpdesk.handoff import queries as handoffs
from helpdesk.handoff import services as handoff_services
from helpdesk.handoff.models import Handoff, HandoffState, RejectReason
from helpdesk.reports import exports
from helpdesk.responsibility.services import find_open_segment
from helpdesk.sla import queries as sla
from helpdesk.tickets import queries as tickets
from helpdesk.tickets.models import Ticket
from helpdesk.web.common.auth import current_actor, require
from helpdesk.web.common.files import attachment_limits, csv_download, download, uploads_from
from helpdesk.web.common.forms import show_field_errors
from helpdesk.web.common.handoff_forms import (
    AcceptForm,
    HandbackForm,
    PartyNoteForm,
    RejectForm,
    party_choices,
)
from helpdesk.web.common.i18n import select_locale

bp = Blueprint("vendor", __name__, url_prefix="/vendor")


@bp.get("/")
@require(can_use_vendor_queue)
def queue() -> ResponseReturnValue:
    """Handoffs waiting for my party (most urgent first) and the open tickets it holds."""
    actor = current_actor()
    page = tickets.list_held_by_parties(
        actor.party_ids, include_confidential=actor.is_security_cleared,
        page=request.args.get("page", 1, type=int),
    )
    waiting = handoffs.list_waiting_for(actor.party_ids, include_confidential=actor.is_security_cleared)
    now = utcnow()
    ids = {t.id for t in page.items} | {h.ticket_id for h in waiting}
    return render_template(
        "vendor/queue.html", page=page, waiting=waiting, now=now,
        badges=sla.ticket_badges(ids, now=now),
        countdowns=sla.list_restoration_countdowns(now=now, include_confidential=actor.is_security_cleared,
                                                   ticket_ids=ids),
    )


@bp.get("/tickets.csv")
@require(can_use_vendor_queue)
def held_tickets_csv() -> ResponseReturnValue:
    """Every open ticket my party holds (the queue's second list, unpaged) as a CSV download."""
    actor = current_actor()
    now = utcnow()
    return csv_download(exports.stream_tickets_csv(
        tickets.iter_held_by_parties(actor.party_ids, include_confidential=actor.is_security_cleared),
        columns=exports.PARTY_COLUMNS, locale=select_locale(), actor=actor, now=now, source="vendor.queue",
        criteria={},
    ), now=now)


@bp.get("/handoffs/<int:handoff_id>")
@require(can_use_vendor_queue)
def handoff(handoff_id: int) -> ResponseReturnValue:
    """One handoff addressed to my party, with accept and reject."""
    return _handoff_page(_own_handoff(handoff_id))


@bp.post("/handoffs/<int:handoff_id>/accept")
@require(can_use_vendor_queue)
def accept(handoff_id: int) -> ResponseReturnValue:
    """Take the ticket: from now my party is responsible for it."""
    item = _own_handoff(handoff_id)
    form = AcceptForm()
    if not form.validate_on_submit():
        return _handoff_page(item, accept_form=form, status=422)
    handoff_services.accept_handoff(item.id, actor=current_actor(), now=utcnow(),
                                    receiver_reference=form.receiver_reference.data or "")
    flash(_("受領しました。このチケットの対応責任は貴社にあります。"), "success")
    return redirect(url_for("vendor.ticket", number=item.ticket.number))


@bp.post("/handoffs/<int:handoff_id>/reject")
@require(can_use_vendor_queue)
def reject(handoff_id: int) -> ResponseReturnValue:
    """Refuse with a reason; the sender keeps the ticket."""
    item = _own_handoff(handoff_id)
    form = RejectForm()
    form.suggested_party.choices = party_choices(exclude=item.to_party_id)
    if not form.validate_on_submit():
        return _handoff_page(item, reject_form=form, status=422)
    suggested = int(form.suggested_party.data) if form.suggested_party.data else None
    try:
        handoff_services.reject_handoff(item.id, RejectReason(form.reason.data), form.text.data or "",
                                        suggested_party_id=suggested, actor=current_actor(), now=utcnow())
    except ValidationFailed as exc:
        show_field_errors(form, exc, {"reason": "text"})
        return _handoff_page(item, reject_form=form, status=422)
    flash(_("差し戻しました。"), "success")
    return redirect(url_for("vendor.queue"))


@bp.get("/tickets/<number>")
@require(can_use_vendor_queue)
def ticket(number: str) -> ResponseReturnValue:
    """What was shared with my party about a ticket, and hand back while we hold it."""
    return _ticket_page(handoffs.get_ticket_for_party(current_actor(), number))


@bp.post("/tickets/<number>/handback")
@require(can_use_vendor_queue)
def hand_back(number: str) -> ResponseReturnValue:
    """Return the ticket to the help desk with cause, action and restoration time."""
    item = handoffs.get_ticket_for_party(current_actor(), number)
    form = HandbackForm()
    if not form.validate_on_submit():
        return _ticket_page(item, handback_form=form, status=422)
    restored: datetime | None = form.restored_at.data
    back = handoff_services.Handback(
        idempotency_key=form.idempotency_key.data, cause=form.cause.data, action=form.action.data,
        restored_at=restored.replace(tzinfo=TOKYO) if restored else None,
    )
    try:
        handoff_services.hand_back(item.id, back, actor=current_actor(), now=utcnow())
    except ValidationFailed as exc:
        show_field_errors(form, exc)
        return _ticket_page(item, handback_form=form, status=422)
    flash(_("ヘルプデスクへ返却を依頼しました。受領されるまで対応責任は貴社にあります。"), "success")
    return redirect(url_for("vendor.ticket", number=item.number))


@bp.post("/tickets/<number>/notes")
@require(can_use_vendor_queue)
def post_note(number: str) -> ResponseReturnValue:
    """Write to the help desk about a ticket handed to my party (the requester never sees it)."""
    actor = current_actor()
    item = handoffs.get_ticket_for_party(actor, number)
    form = PartyNoteForm()
    if not form.validate_on_submit():
        return _ticket_page(item, note_form=form, status=422)
    try:
        handoff_services.post_party_note(item.id, form.body.data, actor=actor, now=utcnow(),
                                         uploads=uploads_from(form.attachments.data),
                                         limits=attachment_limits())
    except ValidationFailed as exc:
        show_field_errors(form, exc, {"attachments": "attachments"})
        return _ticket_page(item, note_form=form, status=422)
    flash(_("ヘルプデスクへ連絡しました。"), "success")
    return redirect(url_for("vendor.ticket", number=item.number))


@bp.get("/tickets/<number>/attachments/<int:attachment_id>")
@require(can_use_vendor_queue)
def attachment(number: str, attachment_id: int) -> ResponseReturnValue:
    """A file that was shared with my party, as a download."""
    actor = current_actor()
    item = handoffs.get_ticket_for_party(actor, number)
    for shared in handoffs.files_for_party(actor.party_ids, item.id):
        if shared.id == attachment_id:
            return download(shared)
    raise NotFound("attachment")


# --- helpers --------------------------------------------------------------------------------


def _own_handoff(handoff_id: int) -> Handoff:
    """A handoff addressed to one of my parties (a sent one is the console's business)."""
    actor = current_actor()
    item = handoffs.get_handoff_for(actor, handoff_id)
    hidden = item.ticket.is_confidential and not actor.is_security_cleared
    if item.to_party_id not in actor.party_ids or hidden:
        raise NotFound("handoff")
    return item




def _handoff_page(item: Handoff, *, accept_form: AcceptForm | None = None,
                  reject_form: RejectForm | None = None, status: int = 200) -> ResponseReturnValue:
    reject_form = reject_form or RejectForm(formdata=None)
    if not reject_form.suggested_party.choices:
        reject_form.suggested_party.choices = party_choices(exclude=item.to_party_id)
    messages, files = handoffs.shared_with({item.to_party_id}, item.ticket_id)
    return render_template(
        "vendor/handoff.html", handoff=item, ticket=item.ticket, messages=messages, files=files,
        accept_form=accept_form or AcceptForm(formdata=None), reject_form=reject_form,
        is_open=item.state is HandoffState.REQUESTED, now=utcnow(),
    ), status


def _ticket_page(item: Ticket, *, handback_form: HandbackForm | None = None,
                 note_form: PartyNoteForm | None = None, status: int = 200) -> ResponseReturnValue:
    actor = current_actor()
    messages, files = handoffs.shared_with(actor.party_ids, item.id)
    segment = find_open_segment(item.id)
    holds = segment is not None and segment.party_id in actor.party_ids
    return render_template(
        "vendor/ticket.html", ticket=item, messages=messages, files=files,
        handoffs=handoffs.list_handoffs_to(actor.party_ids, item.id),
        open_handoff=handoffs.find_open_handoff(item.id), holds=holds,
        holder=segment.party if segment else None,
        timeline=handoffs.responsibility_timeline(item.id, now=utcnow()),
        handback_form=handback_form or HandbackForm(formdata=None), now=utcnow(),
        notes=handoffs.party_notes_for(actor.party_ids, item.id),
        note_form=note_form or PartyNoteForm(formdata=None),
    ), status
