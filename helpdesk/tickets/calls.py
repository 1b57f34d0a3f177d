"""Phone intake: one call becomes a new ticket or a line on an existing one, in one transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l

from helpdesk.accounts.models import User
from helpdesk.core.actor import Actor
from helpdesk.core.db import db, unit_of_work
from helpdesk.core.errors import PermissionDenied, ValidationFailed
from helpdesk.tickets import policy
from helpdesk.tickets import services as tickets
from helpdesk.tickets.models import Message, Ticket
from helpdesk.tickets.states import Channel, MessageKind, ResolutionCode, TicketStatus

MAX_CALL = timedelta(hours=8)


@dataclass(frozen=True)
class Call:
    """What the agent records about a call."""

    direction: str  # "inbound" | "outbound"
    started_at: datetime
    duration_seconds: int
    summary: str


def log_call(
    caller_id: int, call: Call, *, actor: Actor, now: datetime, new_ticket: tickets.NewTicket | None = None,
    ticket_id: int | None = None, resolved_in_call: ResolutionCode | None = None,
    resolution_summary: str = "",
) -> Ticket:
    """Record a call as a new phone ticket for the caller, or on one of the caller's tickets.

    ``resolved_in_call`` resolves and closes the (new) ticket in the same transaction
    and marks it a first-contact resolution. Everything commits together or not at all.

    :raises PermissionDenied: the actor is not call-centre staff.
    :raises ValidationFailed: bad call data, neither or both targets, or a ticket of someone else.
    """
    errors = _check(call, now)
    if (new_ticket is None) == (ticket_id is None):
        errors["target"] = _l("新規チケットか既存のチケットのどちらかを選んでください。")
    if resolved_in_call is not None and not resolution_summary.strip():
        errors["resolution_summary"] = _l("解決内容を入力してください。")
    if errors:
        raise ValidationFailed(_l("通話記録の内容を確認してください。"), fields=errors)
    if not policy.can_open_ticket_for_others(actor):
        raise PermissionDenied(_l("通話を記録する権限がありません。"))
    with unit_of_work() as session:
        caller = session.get(User, caller_id)
        if caller is None or not caller.is_active:
            raise ValidationFailed(_l("発信者が見つかりません。"),
                                   fields={"caller": _l("選び直してください。")})
        if new_ticket is not None:
            new_ticket.channel = Channel.PHONE
            new_ticket.requester_id = caller.id
            ticket = tickets.open_ticket(new_ticket, actor=actor, now=call.started_at)
        else:
            ticket = tickets.get_for_update(ticket_id or 0)
            if ticket.requester_id != caller.id:
                raise ValidationFailed(_l("この発信者のチケットではありません。"),
                                       fields={"ticket": _l("発信者のチケットを選んでください。")})
        tickets.add_message(
            ticket.id, MessageKind.PHONE_CALL, call.summary, actor=actor, now=now,
            call_direction=call.direction, caller_name=caller.display_name,
            call_duration_seconds=call.duration_seconds,
        )
        _stamp_call_start(ticket.id, call.started_at)
        if resolved_in_call is not None:
            tickets.resolve(ticket.id, resolved_in_call, resolution_summary, actor=actor, now=now)
            tickets.change_status(ticket.id, TicketStatus.CLOSED, actor=actor, now=now,
                                  reason="resolved during the call")
            ticket.is_first_contact_resolution = new_ticket is not None
    return ticket


def _check(call: Call, now: datetime) -> dict[str, object]:
    errors: dict[str, object] = {}
    if call.direction not in ("inbound", "outbound"):
        errors["direction"] = _l("着信か発信かを選んでください。")
    if not call.summary.strip():
        errors["summary"] = _l("通話の要点を入力してください。")
    if not 0 <= call.duration_seconds <= MAX_CALL.total_seconds():
        errors["duration"] = _l("通話時間が正しくありません。")
    if call.started_at > now + timedelta(minutes=1) or call.started_at < now - timedelta(days=7):
        errors["started_at"] = _l("通話開始時刻が正しくありません。")
    return errors


def _stamp_call_start(ticket_id: int, started_at: datetime) -> None:
    """A call record sits in the timeline where the call began, not where it was typed in."""
    message = db.session.scalars(
        db.select(Message).where(Message.ticket_id == ticket_id, Message.kind == MessageKind.PHONE_CALL)
        .order_by(Message.id.desc()).limit(1)
    ).first()
    if message is not None:
        message.created_at = started_at
