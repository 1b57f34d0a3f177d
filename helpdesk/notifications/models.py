"""Notifications shown in the portal and console."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from helpdesk.core.db import Model, str_enum


class NotificationKind(StrEnum):
    """What the notification is about; the template picks words from it."""

    TICKET_RECEIVED = "ticket_received"
    TICKET_ASSIGNED = "ticket_assigned"
    PUBLIC_REPLY = "public_reply"  # the desk answered the requester
    REQUESTER_REPLIED = "requester_replied"  # the requester answered the assignee
    TICKET_RESOLVED = "ticket_resolved"
    STATUS_CHANGED = "status_changed"
    HANDOFF_REQUESTED = "handoff_requested"  # to the receiving party
    HANDOFF_DECIDED = "handoff_decided"  # accepted / rejected / withdrawn / expired, to the other side
    HANDOFF_OVERDUE = "handoff_overdue"  # to both parties' leads and the ministry
    SLA_WARNING = "sla_warning"  # a clock passed its warning share: supervisors, holder's leads, assignee
    SLA_BREACH = "sla_breach"  # a clock passed its due time: the same people
    MENTIONED = "mentioned"  # someone wrote @you in an internal note
    MAIL_STORM = "mail_storm"  # one address sent more mail than the rate limit: supervisors
    INCIDENT_PROPOSED = "incident_proposed"  # many reports of one outage: supervisors may declare it
    INCIDENT_UPDATE = "incident_update"  # news of a major incident: its requesters and subscribers
    WEBHOOK_ALERT = "webhook_alert"  # a party's endpoint fails, recovered or was switched off: on-call


class Notification(Model):
    """One line in a person's notification list."""

    __tablename__ = "notifications"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"))
    kind: Mapped[NotificationKind] = mapped_column(str_enum(NotificationKind))
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    #: What caused it (e.g. ``outbox:42``); unique per user so a redelivery adds nothing.
    source_key: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime]
    read_at: Mapped[datetime | None]

    __table_args__ = (
        UniqueConstraint("user_id", "source_key"),
        Index("ix_notifications_user_unread", "user_id", "read_at", "created_at"),
    )
