"""Reading a person's notifications."""

from __future__ import annotations

from sqlalchemy import func, select

from helpdesk.core.db import db
from helpdesk.notifications.models import Notification


def list_recent(user_id: int, *, limit: int = 10) -> list[Notification]:
    """The newest notifications of a user."""
    stmt = (
        select(Notification).where(Notification.user_id == user_id)
        .order_by(Notification.created_at.desc(), Notification.id.desc()).limit(limit)
    )
    return list(db.session.scalars(stmt))


def count_unread(user_id: int) -> int:
    """Unread notifications of a user (the bell's number)."""
    stmt = select(func.count()).select_from(Notification).where(
        Notification.user_id == user_id, Notification.read_at.is_(None)
    )
    return int(db.session.scalar(stmt) or 0)
