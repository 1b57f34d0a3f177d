"""Reading major incidents: the portal's notices, the console's list, one incident's picture."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Select, func, select
from sqlalchemy.orm import joinedload

from helpdesk.accounts.models import Party, Site
from helpdesk.core.db import db
from helpdesk.handoff.models import Handoff, HandoffState
from helpdesk.incidents.detection import candidate_ids
from helpdesk.incidents.models import (
    IncidentProposal,
    IncidentSubscription,
    IncidentUpdate,
    MajorIncident,
    ProposalState,
)
from helpdesk.incidents.services import get_incident
from helpdesk.tickets.models import Ticket
from helpdesk.tickets.states import OPEN_STATUSES

#: How far back the status page and the console list look for finished incidents.
RECENT_DAYS = 30
#: Children listed on an incident's page (the rest are counted).
CHILDREN_SHOWN = 200


def _with_parent() -> Select[MajorIncident]:
    return (
        select(MajorIncident)
        .join(Ticket, Ticket.id == MajorIncident.ticket_id)
        .options(
            joinedload(MajorIncident.ticket),
            joinedload(MajorIncident.service),
            joinedload(MajorIncident.site),
        )
    )


def active_public() -> list[MajorIncident]:
    """Incidents staff are told of now: public, and their parent not yet resolved; oldest first."""
    stmt = _with_parent().where(MajorIncident.is_public.is_(True), Ticket.status.in_(OPEN_STATUSES))
    return list(db.session.scalars(stmt.order_by(MajorIncident.declared_at)))


def recent(*, now: datetime, public_only: bool, days: int = RECENT_DAYS) -> list[MajorIncident]:
    """Active incidents and those declared within ``days``, newest first."""
    stmt = _with_parent().where(
        (Ticket.status.in_(OPEN_STATUSES)) | (MajorIncident.declared_at >= now - timedelta(days=days))
    )
    if public_only:
        stmt = stmt.where(MajorIncident.is_public.is_(True))
    return list(db.session.scalars(stmt.order_by(MajorIncident.declared_at.desc())))


def active_choices() -> list[MajorIncident]:
    """Incidents reports can still be linked to (for a select box), newest first."""
    stmt = _with_parent().where(Ticket.status.in_(OPEN_STATUSES))
    return list(db.session.scalars(stmt.order_by(MajorIncident.declared_at.desc())))


def pending_proposals() -> list[IncidentProposal]:
    """Outages the detector proposed that no supervisor has decided yet, newest first."""
    stmt = (
        select(IncidentProposal)
        .where(IncidentProposal.state == ProposalState.PROPOSED)
        .options(joinedload(IncidentProposal.service), joinedload(IncidentProposal.site))
        .order_by(IncidentProposal.proposed_at.desc())
    )
    return list(db.session.scalars(stmt))


def count_pending_proposals() -> int:
    """For the console's navigation badge."""
    return int(
        db.session.scalar(
            select(func.count())
            .select_from(IncidentProposal)
            .where(IncidentProposal.state == ProposalState.PROPOSED)
        )
        or 0
    )


def updates_of(incident_id: int) -> list[IncidentUpdate]:
    """An incident's updates, newest first."""
    return list(
        db.session.scalars(
            select(IncidentUpdate)
            .where(IncidentUpdate.incident_id == incident_id)
            .options(joinedload(IncidentUpdate.posted_by))
            .order_by(IncidentUpdate.id.desc())
        )
    )


def incident_of_ticket(ticket: Ticket) -> MajorIncident | None:
    """The incident a ticket is the parent or a child of."""
    parent_id = ticket.parent_id or ticket.id
    return db.session.scalar(select(MajorIncident).where(MajorIncident.ticket_id == parent_id))


def is_subscribed(incident_id: int, user_id: int | None) -> bool:
    """Whether the person asked for the incident's updates."""
    if user_id is None:
        return False
    return (
        db.session.scalar(
            select(IncidentSubscription.id).where(
                IncidentSubscription.incident_id == incident_id, IncidentSubscription.user_id == user_id
            )
        )
        is not None
    )


def reported_by(incident: MajorIncident, user_id: int | None) -> Ticket | None:
    """The person's own report linked to the incident, if they filed one."""
    if user_id is None:
        return None
    return db.session.scalar(
        select(Ticket)
        .where(Ticket.parent_id == incident.ticket_id, Ticket.requester_id == user_id)
        .order_by(Ticket.id.desc())
        .limit(1)
    )


@dataclass(frozen=True)
class TimelineEntry:
    """One milestone of an incident; ``at`` is None for a milestone not reached yet."""

    key: str  # detected, declared, handed_over, acknowledged, restored, resolved, closed
    at: datetime | None
    #: Who: a person's name, or the party handed to / acknowledging.
    who: str = ""
    party: Party | None = None


@dataclass(frozen=True)
class IncidentPicture:
    """Everything an incident page and its post-incident report show."""

    incident: MajorIncident
    parent: Ticket
    timeline: list[TimelineEntry]
    updates: list[IncidentUpdate]
    children: list[Ticket]
    children_total: int
    children_open: int
    by_site: list[tuple[Site | None, int]]
    candidates: list[int]
    #: Detection to restoration (or to now while not restored), and whether within the target.
    restoration_minutes: float | None
    within_target: bool | None
    target_minutes: int


def picture(incident_id: int, *, now: datetime, target_minutes: int) -> IncidentPicture:
    """One incident with its milestones, updates, children and unlinked candidates.

    :raises NotFound: no such incident.
    """
    incident = get_incident(incident_id)
    parent = incident.ticket
    children_q = select(Ticket).where(Ticket.parent_id == parent.id)
    children = list(
        db.session.scalars(
            children_q.options(joinedload(Ticket.site), joinedload(Ticket.requester))
            .order_by(Ticket.id)
            .limit(CHILDREN_SHOWN)
        )
    )
    total = int(db.session.scalar(select(func.count()).select_from(children_q.subquery())) or 0)
    still_open = int(
        db.session.scalar(
            select(func.count()).where(Ticket.parent_id == parent.id, Ticket.status.in_(OPEN_STATUSES))
        )
        or 0
    )
    counts = db.session.execute(
        select(Ticket.site_id, func.count(Ticket.id))
        .where(Ticket.parent_id == parent.id)
        .group_by(Ticket.site_id)
        .order_by(func.count(Ticket.id).desc())
    ).all()
    by_site = [(db.session.get(Site, site_id) if site_id else None, count) for site_id, count in counts]
    candidates = candidates_of(incident)
    minutes: float | None = None
    within: bool | None = None
    if incident.restored_at is not None:
        minutes = (incident.restored_at - incident.detected_at).total_seconds() / 60
        within = minutes <= target_minutes
    elif parent.is_open:
        minutes = (now - incident.detected_at).total_seconds() / 60
    return IncidentPicture(
        incident=incident,
        parent=parent,
        timeline=timeline(incident),
        updates=updates_of(incident.id),
        children=children,
        children_total=total,
        children_open=still_open,
        by_site=by_site,
        candidates=candidates,
        restoration_minutes=minutes,
        within_target=within,
        target_minutes=target_minutes,
    )


#: How far before its detection an unlinked report still counts as a candidate, and how many are offered.
CANDIDATES_SINCE = timedelta(hours=1)
CANDIDATES_SHOWN = 1000


def candidates_of(incident: MajorIncident) -> list[int]:
    """Unlinked open fault reports of an active incident's service (and site) the page offers to link."""
    if not incident.ticket.is_open:
        return []
    return candidate_ids(incident.service_id, incident.site_id, incident.detected_at - CANDIDATES_SINCE,
                         limit=CANDIDATES_SHOWN)


def timeline(incident: MajorIncident) -> list[TimelineEntry]:
    """Detected, declared, handed to the vendor, acknowledged, restored, resolved, closed."""
    parent = incident.ticket
    handoffs = list(
        db.session.scalars(
            select(Handoff)
            .where(Handoff.ticket_id == parent.id)
            .options(joinedload(Handoff.to_party))
            .order_by(Handoff.requested_at)
        )
    )
    handed = handoffs[0] if handoffs else None
    accepted = next((h for h in handoffs if h.state is HandoffState.ACCEPTED), None)
    return [
        TimelineEntry("detected", incident.detected_at),
        TimelineEntry(
            "declared",
            incident.declared_at,
            who=incident.declared_by.display_name if incident.declared_by else "",
        ),
        TimelineEntry(
            "handed_over", handed.requested_at if handed else None, party=handed.to_party if handed else None
        ),
        TimelineEntry(
            "acknowledged",
            accepted.decided_at if accepted else None,
            party=accepted.to_party if accepted else None,
        ),
        TimelineEntry("restored", incident.restored_at),
        TimelineEntry("resolved", parent.resolved_at),
        TimelineEntry("closed", incident.closed_at),
    ]
