"""Writing notifications; run by workers from outbox rows."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from helpdesk.core.db import unit_of_work
from helpdesk.notifications.models import Notification, NotificationKind
from helpdesk.tickets.models import Ticket


def notify_ticket_opened(ticket_id: int, *, source_key: str, now: datetime) -> int:
    """Tell the requester their ticket was received; returns how many notifications were added.

    Idempotent: the (user, source_key) pair is unique, and an existing one is skipped.
    """
    with unit_of_work() as session:
        ticket = session.get(Ticket, ticket_id)
        if ticket is None:
            return 0
        exists = session.scalar(
            select(Notification.id).where(
                Notification.user_id == ticket.requester_id, Notification.source_key == source_key
            )
        )
        if exists:
            return 0
        session.add(Notification(
            user_id=ticket.requester_id, ticket_id=ticket.id, kind=NotificationKind.TICKET_RECEIVED,
            data={"number": ticket.number}, source_key=source_key, created_at=now,
        ))
    return 1
