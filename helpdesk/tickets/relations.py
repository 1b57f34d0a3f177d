"""Relations between tickets: links between related tickets, and merging a duplicate."""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from helpdesk.audit import services as audit
from helpdesk.core.actor import Actor
from helpdesk.core.db import db, unit_of_work
from helpdesk.core.errors import InvalidTransition, ValidationFailed
from helpdesk.tickets import policy
from helpdesk.tickets import services as tickets
from helpdesk.tickets.models import Attachment, Message, Ticket, TicketLink
from helpdesk.tickets.search import normalise
from helpdesk.tickets.states import ResolutionCode, TicketStatus


def link(ticket_id: int, other_id: int, *, actor: Actor, now: datetime) -> bool:
    """Mark two tickets as related; returns False when they already were.

    :raises ValidationFailed: a ticket linked to itself.
    :raises NotFound / PermissionDenied: either ticket is not the actor's to work.
    """
    if ticket_id == other_id:
        raise ValidationFailed(_l("同じチケットは関連付けられません。"),
                               fields={"other": _l("別の番号です。")})
    low, high = sorted((ticket_id, other_id))
    with unit_of_work() as session:
        first, second = tickets.get_for_update(low), tickets.get_for_update(high)
        for item in (first, second):
            policy.require_work_ticket(actor, item)
        exists = session.scalar(select(TicketLink.id).where(TicketLink.ticket_id == low,
                                                            TicketLink.related_id == high))
        if exists:
            return False
        session.add(TicketLink(ticket_id=low, related_id=high, created_by_id=actor.user_id, created_at=now))
        for item, other in ((first, second), (second, first)):
            audit.record(actor, "ticket.linked", subject_type="ticket", subject_id=item.number,
                         ticket_id=item.id, now=now, data={"related": other.number})
    return True


def list_related(ticket_id: int) -> list[Ticket]:
    """Tickets linked to this one, oldest first."""
    ids = select(TicketLink.related_id).where(TicketLink.ticket_id == ticket_id).union(
        select(TicketLink.ticket_id).where(TicketLink.related_id == ticket_id))
    return list(db.session.scalars(select(Ticket).where(Ticket.id.in_(ids)).order_by(Ticket.id)))


def merge(source_id: int, target_id: int, *, actor: Actor, now: datetime) -> Ticket:
    """Merge a duplicate into another ticket of the same requester; one transaction.

    The duplicate's messages and files move to the target, the duplicate is resolved
    as a duplicate and closed pointing at the target, and the requester is told
    through the duplicate's resolution. Requests from different people are linked, or
    grouped under a major incident, never merged.

    :raises ValidationFailed: the same ticket, different requesters.
    :raises InvalidTransition: the duplicate is not open, or the target is closed or merged.
    """
    if source_id == target_id:
        raise ValidationFailed(_l("同じチケットには統合できません。"), fields={"other": _l("別の番号です。")})
    with unit_of_work() as session:
        source, target = tickets.get_for_update(source_id), tickets.get_for_update(target_id)
        for item in (source, target):
            policy.require_work_ticket(actor, item)
        if source.requester_id != target.requester_id:
            raise ValidationFailed(_l("依頼者の異なるチケットは統合できません。関連付けを使ってください。"),
                                   fields={"other": _l("依頼者が異なります。")})
        if not source.is_open:
            raise InvalidTransition(_l("完了・解決済みのチケットは統合できません。"))
        if target.status is TicketStatus.CLOSED or target.merged_into_id is not None:
            raise InvalidTransition(_l("統合先のチケットは完了していないものを選んでください。"))
        target.search_text = "\n".join((target.search_text, source.search_text))
        target.updated_at = now
        source.search_text = normalise(source.subject, source.description)  # its messages left
        session.flush()  # the bulk moves below must not race unflushed changes
        moved = len(source.messages)
        session.execute(update(Message).where(Message.ticket_id == source.id).values(ticket_id=target.id))
        session.execute(
            update(Attachment).where(Attachment.ticket_id == source.id).values(ticket_id=target.id)
        )
        session.expire_all()  # both tickets' message lists changed underneath the ORM
        summary = _l("%(number)s と同じ内容のため、そちらに統合して対応します。", number=target.number)
        tickets.resolve(source_id, ResolutionCode.DUPLICATE, str(summary), actor=actor, now=now)
        tickets.change_status(source_id, TicketStatus.CLOSED, actor=actor, now=now, reason="merged")
        source = tickets.get_for_update(source_id)
        source.merged_into_id = target_id
        audit.record(actor, "ticket.merged", subject_type="ticket", subject_id=source.number,
                     ticket_id=source.id, now=now, data={"into": target.number, "messages": moved})
        audit.record(actor, "ticket.merged_in", subject_type="ticket", subject_id=target.number,
                     ticket_id=target_id, now=now, data={"from": source.number, "messages": moved})
    merged_into = db.session.get(Ticket, target_id)
    assert merged_into is not None
    return merged_into

