"""Moving responsibility: always inside the caller's unit of work.

These functions are the only writers of ``responsibility_segments``. They keep the
invariants by construction: a new segment starts at the very instant the previous
one ends, and the partial unique index refuses a second open segment.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from helpdesk.core.db import db
from helpdesk.core.errors import InvalidTransition
from helpdesk.responsibility.models import ResponsibilitySegment, SegmentReason


def open_segment(
    ticket_id: int, party_id: int, *, now: datetime, reason: SegmentReason,
    handoff_id: int | None = None,
) -> ResponsibilitySegment:
    """Give an unheld ticket (new, or reopened after closure) to ``party_id``.

    :raises InvalidTransition: the ticket already has an open segment.
    """
    if find_open_segment(ticket_id) is not None:
        raise InvalidTransition("ticket already has a responsible party")
    segment = ResponsibilitySegment(
        ticket_id=ticket_id, party_id=party_id, started_at=now, reason=reason, handoff_id=handoff_id
    )
    db.session.add(segment)
    db.session.flush()
    return segment


def transfer(
    ticket_id: int, to_party_id: int, *, now: datetime, reason: SegmentReason,
    handoff_id: int | None = None,
) -> ResponsibilitySegment:
    """End the open segment at ``now`` and start ``to_party_id``'s at the same instant.

    :raises InvalidTransition: the ticket has no open segment, or ``now`` is before its start.
    """
    current = find_open_segment(ticket_id, for_update=True)
    if current is None:
        raise InvalidTransition("ticket has no responsible party to transfer from")
    if now < current.started_at:
        raise InvalidTransition("a transfer cannot precede the current segment")
    current.ended_at = now
    db.session.flush()
    return open_segment(ticket_id, to_party_id, now=now, reason=reason, handoff_id=handoff_id)


def end_responsibility(ticket_id: int, *, now: datetime) -> ResponsibilitySegment | None:
    """Close the open segment when the ticket closes; returns it (None if none was open)."""
    current = find_open_segment(ticket_id, for_update=True)
    if current is not None:
        current.ended_at = max(now, current.started_at)
        db.session.flush()
    return current


def find_open_segment(ticket_id: int, *, for_update: bool = False) -> ResponsibilitySegment | None:
    """The open segment of a ticket, or None."""
    stmt = select(ResponsibilitySegment).where(
        ResponsibilitySegment.ticket_id == ticket_id, ResponsibilitySegment.ended_at.is_(None)
    )
    if for_update:
        stmt = stmt.with_for_update()
    return db.session.scalar(stmt)


def list_segments(ticket_id: int) -> list[ResponsibilitySegment]:
    """A ticket's segments, oldest first."""
    stmt = (
        select(ResponsibilitySegment)
        .where(ResponsibilitySegment.ticket_id == ticket_id)
        .order_by(ResponsibilitySegment.started_at, ResponsibilitySegment.id)
    )
    return list(db.session.scalars(stmt))
