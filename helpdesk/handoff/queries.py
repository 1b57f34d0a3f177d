"""Reading handoffs and the responsibility timeline."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload

from helpdesk.accounts.models import Party, PartyKind
from helpdesk.core.actor import Actor
from helpdesk.core.db import db
from helpdesk.core.errors import NotFound
from helpdesk.handoff import policy
from helpdesk.handoff.models import Demarcation, Handoff, HandoffShare, HandoffState
from helpdesk.responsibility.models import ResponsibilitySegment
from helpdesk.responsibility.services import list_segments
from helpdesk.sla import calendars
from helpdesk.sla.calendar import CalendarRules, business_time_between
from helpdesk.tickets.models import Attachment, Message, Ticket
from helpdesk.tickets.states import MessageKind, TicketType


def get_handoff_for(actor: Actor, handoff_id: int) -> Handoff:
    """A handoff the actor's party sent or received.

    :raises NotFound: missing, or not the actor's to see.
    """
    handoff = db.session.get(Handoff, handoff_id)
    if handoff is None:
        raise NotFound("handoff")
    policy.require_view_handoff(actor, handoff)
    return handoff


def find_open_handoff(ticket_id: int) -> Handoff | None:
    """The handoff of a ticket still waiting for an answer, or None."""
    return db.session.scalar(
        select(Handoff).where(Handoff.ticket_id == ticket_id, Handoff.state == HandoffState.REQUESTED)
        .options(joinedload(Handoff.to_party), joinedload(Handoff.from_party))
    )


def list_ticket_handoffs(ticket_id: int) -> list[Handoff]:
    """Every handoff of a ticket, oldest first."""
    stmt = (select(Handoff).where(Handoff.ticket_id == ticket_id).order_by(Handoff.requested_at, Handoff.id)
            .options(joinedload(Handoff.to_party), joinedload(Handoff.from_party)))
    return list(db.session.scalars(stmt))


def list_waiting_for(party_ids: Collection[int], *, include_confidential: bool,
                     state: HandoffState | None = HandoffState.REQUESTED) -> list[Handoff]:
    """Handoffs addressed to these parties (open ones by default), the most urgent deadline first."""
    stmt = (select(Handoff).join(Ticket, Ticket.id == Handoff.ticket_id)
            .where(Handoff.to_party_id.in_(list(party_ids) or [-1]))
            .order_by(Handoff.ack_due_at.is_(None), Handoff.ack_due_at, Handoff.id)
            .options(joinedload(Handoff.ticket), joinedload(Handoff.from_party)))
    if state is not None:
        stmt = stmt.where(Handoff.state == state)
    if not include_confidential:
        stmt = stmt.where(Ticket.is_confidential.is_(False))
    return list(db.session.scalars(stmt.limit(500)))


def shares_of(handoff: Handoff) -> tuple[list[Message], list[Attachment]]:
    """The messages and files shared by one handoff (files of shared messages included)."""
    message_ids = [s.message_id for s in handoff.shares if s.message_id is not None]
    attachment_ids = [s.attachment_id for s in handoff.shares if s.attachment_id is not None]
    messages = list(db.session.scalars(
        select(Message).where(Message.id.in_(message_ids)).order_by(Message.id)
    ))
    files = list(db.session.scalars(
        select(Attachment)
        .where(or_(Attachment.id.in_(attachment_ids), Attachment.message_id.in_(message_ids)))
        .order_by(Attachment.id)
    ))
    return messages, files


def has_received_any(ticket_id: int) -> bool:
    """Whether the ticket was ever handed to any party."""
    return db.session.scalar(select(Handoff.id).where(Handoff.ticket_id == ticket_id).limit(1)) is not None


def has_received(party_ids: Collection[int], ticket_id: int) -> bool:
    """Whether one of these parties was ever asked to take the ticket (so it may see what was shared)."""
    return db.session.scalar(
        select(Handoff.id)
        .where(Handoff.ticket_id == ticket_id, Handoff.to_party_id.in_(list(party_ids) or [-1])).limit(1)
    ) is not None


def shared_with(party_ids: Collection[int], ticket_id: int) -> tuple[list[Message], list[Attachment]]:
    """The messages and files shared with these parties through any handoff of the ticket."""
    shares = select(HandoffShare).join(Handoff).where(
        Handoff.ticket_id == ticket_id, Handoff.to_party_id.in_(list(party_ids) or [-1])
    )
    message_ids = select(shares.with_only_columns(HandoffShare.message_id).subquery().c.message_id)
    attachment_ids = select(shares.with_only_columns(HandoffShare.attachment_id).subquery().c.attachment_id)
    messages = list(db.session.scalars(
        select(Message).where(Message.id.in_(message_ids)).order_by(Message.id)
    ))
    files = list(db.session.scalars(
        select(Attachment).where(or_(Attachment.id.in_(attachment_ids),
                                     Attachment.message_id.in_(message_ids))).order_by(Attachment.id)
    ))
    return messages, files


def party_notes_for(party_ids: Collection[int], ticket_id: int) -> list[Message]:
    """Party notes of a ticket written by or to these parties, oldest first."""
    ids = list(party_ids) or [-1]
    stmt = (select(Message).where(Message.ticket_id == ticket_id, Message.kind == MessageKind.PARTY_NOTE,
                                  or_(Message.author_party_id.in_(ids), Message.audience_party_id.in_(ids)))
            .order_by(Message.id).options(joinedload(Message.attachments)))
    return list(db.session.scalars(stmt).unique())


def files_for_party(party_ids: Collection[int], ticket_id: int) -> list[Attachment]:
    """Every file of a ticket a party may download: shared with it, or on a party note to or from it."""
    _messages, shared = shared_with(party_ids, ticket_id)
    noted = [a for note in party_notes_for(party_ids, ticket_id) for a in note.attachments]
    return sorted({a.id: a for a in [*shared, *noted]}.values(), key=lambda a: a.id)


@dataclass(frozen=True)
class Span:
    """One segment as the timeline shows it."""

    party: Party
    started_at: datetime
    ended_at: datetime | None
    duration: timedelta
    #: On the party's own business calendar; None when the party has no calendar.
    business: timedelta | None
    #: Share of the ticket's whole held time, 0–100, for the bar.
    percent: float


@dataclass(frozen=True)
class Timeline:
    """Who held a ticket when, and for how long in all (wall clock, and each party's business time)."""

    spans: list[Span]
    totals: list[tuple[Party, timedelta, timedelta | None]]
    held: timedelta


def responsibility_timeline(ticket_id: int, *, now: datetime) -> Timeline:
    """The segments of a ticket with durations per party (open segments run to ``now``)."""
    segments: list[ResponsibilitySegment] = list_segments(ticket_id)
    durations = [(s.ended_at or now) - s.started_at for s in segments]
    held = sum(durations, timedelta())
    rules: dict[int, CalendarRules | None] = {}
    spans = []
    for segment, duration in zip(segments, durations, strict=True):
        party = segment.party
        if party.id not in rules:
            rules[party.id] = calendars.rules_for(party.calendar_id, around=now)
        calendar = rules[party.id]
        business = (business_time_between(calendar, segment.started_at, segment.ended_at or now)
                    if calendar is not None else None)
        spans.append(Span(party=party, started_at=segment.started_at, ended_at=segment.ended_at,
                          duration=duration, business=business,
                          percent=round(100 * duration / held, 1) if held else 0.0))
    totals: dict[int, tuple[Party, timedelta, timedelta | None]] = {}
    for span in spans:
        party, total, business_total = totals.get(span.party.id, (span.party, timedelta(), None))
        if span.business is not None:
            business_total = (business_total or timedelta()) + span.business
        totals[span.party.id] = (party, total + span.duration, business_total)
    return Timeline(spans=spans, totals=list(totals.values()), held=held)


def list_parties_for_handoff(exclude_id: int | None = None) -> list[Party]:
    """Active parties a ticket may be handed to, by code."""
    stmt = select(Party).where(Party.is_active.is_(True)).order_by(Party.code)
    if exclude_id is not None:
        stmt = stmt.where(Party.id != exclude_id)
    return list(db.session.scalars(stmt))


def get_ticket_for_party(actor: Actor, number: str) -> Ticket:
    """A ticket as a receiving party may see it: only once it was handed to one of the actor's parties.

    :raises NotFound: missing, never handed to the actor's parties, or confidential and not cleared.
    """
    if "\x00" in number:  # names no ticket, and PostgreSQL refuses to compare it
        raise NotFound("ticket")
    ticket = db.session.scalar(select(Ticket).where(Ticket.number == number.strip().upper()))
    if ticket is None or not has_received(actor.party_ids, ticket.id):
        raise NotFound("ticket")
    if ticket.is_confidential and not actor.is_security_cleared:
        raise NotFound("ticket")
    return ticket


def list_handoffs_to(party_ids: Collection[int], ticket_id: int) -> list[Handoff]:
    """The handoffs of a ticket addressed to or sent by these parties, oldest first."""
    ids = list(party_ids) or [-1]
    stmt = (select(Handoff).where(Handoff.ticket_id == ticket_id,
                                  or_(Handoff.to_party_id.in_(ids), Handoff.from_party_id.in_(ids)))
            .order_by(Handoff.requested_at, Handoff.id)
            .options(joinedload(Handoff.to_party), joinedload(Handoff.from_party)))
    return list(db.session.scalars(stmt))


def suggest_party(ticket: Ticket) -> Party | None:
    """Whom to hand a ticket to: the demarcation matrix's party for its service and type, else the
    security team for security incidents and the operations vendor for the rest."""
    if ticket.service_id is not None:
        matrix = db.session.scalar(
            select(Party).join(Demarcation, Demarcation.party_id == Party.id)
            .where(Demarcation.service_id == ticket.service_id, Demarcation.ticket_type == ticket.type,
                   Party.is_active.is_(True))
        )
        if matrix is not None and matrix.kind is not PartyKind.HELPDESK:
            return matrix
    kind = PartyKind.SECURITY if ticket.type is TicketType.SECURITY else PartyKind.OPERATIONS
    return db.session.scalar(
        select(Party).where(Party.kind == kind, Party.is_active.is_(True)).order_by(Party.id).limit(1)
    )


@dataclass(frozen=True)
class AcknowledgementStats:
    """One receiving party's handoffs requested in a period: how fast it answered, how often late."""

    party_id: int
    received: int
    answered: int
    #: Answered or still unanswered after the deadline.
    overdue: int
    #: Business seconds from request to answer on the party's calendar (p50 and p90 of the answered).
    p50_seconds: int | None
    p90_seconds: int | None


def acknowledgement_stats(*, since: datetime, now: datetime) -> list[AcknowledgementStats]:
    """Per receiving party, the handoffs requested since ``since``: received, answered, overdue, p50/p90.

    Acknowledgement time is business time on the receiver's own calendar (wall-clock without one),
    from the request to the acceptance or rejection.
    """
    rows = db.session.execute(
        select(Handoff.to_party_id, Handoff.requested_at, Handoff.decided_at, Handoff.state,
               Handoff.ack_overdue_at, Party.calendar_id)
        .join(Party, Party.id == Handoff.to_party_id)
        .where(Handoff.requested_at >= since, Handoff.requested_at <= now)).all()
    rules: dict[int | None, CalendarRules | None] = {}
    by_party: dict[int, list[tuple[bool, bool, int | None]]] = {}
    for party_id, requested, decided, state, overdue_at, calendar_id in rows:
        answered = state in (HandoffState.ACCEPTED, HandoffState.REJECTED) and decided is not None
        seconds = None
        if answered and decided is not None:
            if calendar_id not in rules:
                rules[calendar_id] = calendars.rules_for(calendar_id, around=now)
            calendar = rules[calendar_id]
            span = business_time_between(calendar, requested, decided) if calendar else decided - requested
            seconds = int(span.total_seconds())
        by_party.setdefault(party_id, []).append((answered, overdue_at is not None, seconds))
    stats = []
    for party_id, items in sorted(by_party.items()):
        times = sorted(s for _, _, s in items if s is not None)
        stats.append(AcknowledgementStats(
            party_id=party_id, received=len(items), answered=sum(1 for a, _, _ in items if a),
            overdue=sum(1 for _, o, _ in items if o),
            p50_seconds=_percentile(times, 50), p90_seconds=_percentile(times, 90)))
    return stats


def _percentile(values: list[int], percent: int) -> int | None:
    """Nearest-rank percentile of sorted ``values`` (None when empty)."""
    if not values:
        return None
    rank = max(1, -(-percent * len(values) // 100))
    return values[rank - 1]
