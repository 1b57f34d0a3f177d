"""Writing notifications; run by workers from outbox rows, each idempotent per source."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select

from helpdesk.core.db import db, unit_of_work
from helpdesk.notifications.models import Notification, NotificationKind
from helpdesk.tickets.models import Message, Ticket


def _notify(user_id: int | None, ticket: Ticket, kind: NotificationKind, *, source_key: str,
            now: datetime, data: dict[str, Any] | None = None) -> int:
    """Add one notification unless this source already produced it for this user."""
    if user_id is None:
        return 0
    exists = db.session.scalar(
        select(Notification.id).where(Notification.user_id == user_id,
                                      Notification.source_key == source_key)
    )
    if exists:
        return 0
    db.session.add(Notification(user_id=user_id, ticket_id=ticket.id, kind=kind,
                                data={"number": ticket.number, **(data or {})},
                                source_key=source_key, created_at=now))
    return 1


def notify_ticket_opened(ticket_id: int, *, source_key: str, now: datetime) -> int:
    """Tell the requester their ticket was received; returns how many notifications were added."""
    with unit_of_work() as session:
        ticket = session.get(Ticket, ticket_id)
        if ticket is None:
            return 0
        return _notify(ticket.requester_id, ticket, NotificationKind.TICKET_RECEIVED,
                       source_key=source_key, now=now)


def notify_public_reply(message_id: int, *, source_key: str, now: datetime) -> int:
    """A reply from the desk goes to the requester; a reply from the requester to the assignee."""
    with unit_of_work() as session:
        message = session.get(Message, message_id)
        if message is None:
            return 0
        ticket = message.ticket
        by_requester = message.author_id == ticket.requester_id
        recipient = ticket.assignee_id if by_requester else ticket.requester_id
        kind = NotificationKind.REQUESTER_REPLIED if by_requester else NotificationKind.PUBLIC_REPLY
        return _notify(recipient, ticket, kind, source_key=source_key, now=now)


def notify_ticket_resolved(ticket_id: int, *, source_key: str, now: datetime) -> int:
    """Ask the requester to confirm or reopen."""
    with unit_of_work() as session:
        ticket = session.get(Ticket, ticket_id)
        if ticket is None:
            return 0
        return _notify(ticket.requester_id, ticket, NotificationKind.TICKET_RESOLVED,
                       source_key=source_key, now=now)


def notify_ticket_assigned(ticket_id: int, assignee_id: int, *, source_key: str, now: datetime) -> int:
    """Tell an agent a ticket was assigned to them."""
    with unit_of_work() as session:
        ticket = session.get(Ticket, ticket_id)
        if ticket is None or ticket.assignee_id != assignee_id:
            return 0  # reassigned again before we ran: nothing to say
        return _notify(assignee_id, ticket, NotificationKind.TICKET_ASSIGNED,
                       source_key=source_key, now=now)


def mark_read(user_id: int, *, now: datetime) -> int:
    """Mark every unread notification of a user as read; returns how many."""
    with unit_of_work() as session:
        rows = list(session.scalars(
            select(Notification).where(Notification.user_id == user_id, Notification.read_at.is_(None))
        ))
        for row in rows:
            row.read_at = now
    return len(rows)
