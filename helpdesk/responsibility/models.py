"""Responsibility segments: one party's unbroken hold on a ticket.

Invariants (enforced by the services, backed here by a partial unique index):
1. while a ticket is open exactly one segment is open, none once it is closed;
2. a ticket's segments are contiguous and never overlap;
3. their durations add up to the ticket's open life.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from helpdesk.accounts.models import Party
from helpdesk.core.db import Model, str_enum


class SegmentReason(StrEnum):
    """Why a segment began."""

    OPENED = "opened"  # the ticket was created
    HANDOFF = "handoff"  # a handoff to this party was accepted
    HANDBACK = "handback"  # a handback to this party was accepted
    REOPENED = "reopened"  # a closed ticket was reopened
    REQUESTER = "requester"  # waiting on the requester (party ``requester``)


class ResponsibilitySegment(Model):
    """One party's unbroken hold on a ticket."""

    __tablename__ = "responsibility_segments"
    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"))
    party_id: Mapped[int] = mapped_column(ForeignKey("parties.id"))
    started_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]
    reason: Mapped[SegmentReason] = mapped_column(str_enum(SegmentReason))
    #: The accepted handoff that started this segment, if any.
    handoff_id: Mapped[int | None] = mapped_column(ForeignKey("handoffs.id"))

    party: Mapped[Party] = relationship()

    __table_args__ = (
        Index("ix_responsibility_segments_ticket", "ticket_id", "started_at"),
        # Invariant 1 in the database: at most one open segment per ticket.
        Index(
            "uq_responsibility_segments_one_open",
            "ticket_id",
            unique=True,
            postgresql_where=text("ended_at IS NULL"),
            sqlite_where=text("ended_at IS NULL"),
        ),
        # Who holds what now: the queue's "my team" and "other party" views.
        Index(
            "ix_responsibility_segments_open_party",
            "party_id",
            "ticket_id",
            postgresql_where=text("ended_at IS NULL"),
            sqlite_where=text("ended_at IS NULL"),
        ),
    )


