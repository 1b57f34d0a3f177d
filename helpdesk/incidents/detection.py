"""Detecting outages: many fault reports of one service in a short time propose a major incident.

The detector (a periodic worker) only proposes; a supervisor declares with one click, which links
every unlinked report of the outage, or dismisses it. Reports older than the last decision on a
service do not propose it again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, func, select
from sqlalchemy.exc import IntegrityError

from helpdesk.accounts.models import Role, User
from helpdesk.audit import services as audit
from helpdesk.core import outbox
from helpdesk.core.actor import SYSTEM, Actor
from helpdesk.core.db import db, unit_of_work
from helpdesk.core.errors import InvalidTransition, NotFound
from helpdesk.incidents import policy
from helpdesk.incidents.models import IncidentProposal, MajorIncident, ProposalState
from helpdesk.incidents.services import LINK_MAX, IncidentDraft, covering, declare, link_reports
from helpdesk.notifications import services as notifications
from helpdesk.notifications.models import NotificationKind
from helpdesk.tickets.models import Ticket
from helpdesk.tickets.states import OPEN_STATUSES, TicketType

TASK_INCIDENT_PROPOSED = "notifications.incident_proposed"


@dataclass(frozen=True)
class DetectionSettings:
    """At least ``threshold`` fault reports of one service within ``window`` propose an incident."""

    threshold: int = 5
    window: timedelta = timedelta(minutes=10)
    #: Reports from one site at least this share of the cluster make it that site's outage.
    site_share: float = 0.8


def detection_settings_from(config: Any) -> DetectionSettings:
    """From ``INCIDENT_DETECT_THRESHOLD`` and ``INCIDENT_DETECT_WINDOW_MINUTES``."""
    return DetectionSettings(
        threshold=int(str(config["INCIDENT_DETECT_THRESHOLD"])),
        window=timedelta(minutes=float(str(config["INCIDENT_DETECT_WINDOW_MINUTES"]))),
    )


def _unlinked_faults(since: datetime) -> list[ColumnElement[bool]]:
    parents = select(MajorIncident.ticket_id)
    return [
        Ticket.type == TicketType.FAULT,
        Ticket.parent_id.is_(None),
        Ticket.is_confidential.is_(False),
        Ticket.service_id.is_not(None),
        Ticket.created_at >= since,
        Ticket.status.in_(OPEN_STATUSES),
        Ticket.id.not_in(parents),
    ]


def detect(*, now: datetime, settings: DetectionSettings) -> list[int]:
    """Propose an incident for each service with a cluster of unlinked fault reports; returns new ids.

    Set-based: one grouped query over the window. A service with an active incident, or with a
    pending proposal (refreshed instead), gets no new one; reports older than the service's last
    decision do not count again. A pending proposal is unique per service and site, so detector
    runs that overlap propose once. Each new proposal tells the supervisors (outbox).
    """
    since = now - settings.window
    created: list[int] = []
    with unit_of_work() as session:
        groups = session.execute(
            select(
                Ticket.service_id,
                Ticket.site_id,
                func.count(),
                func.min(Ticket.created_at),
                func.max(Ticket.created_at),
            )
            .where(*_unlinked_faults(since))
            .group_by(Ticket.service_id, Ticket.site_id)
        ).all()
        by_service: dict[int, list[tuple[int | None, int, datetime, datetime]]] = {}
        for service_id, site_id, count, first, last in groups:
            assert service_id is not None  # the query keeps only reports with a service
            by_service.setdefault(service_id, []).append((site_id, count, first, last))
        for service_id, sites in sorted(by_service.items()):
            decided = session.scalar(
                select(func.max(IncidentProposal.decided_at)).where(
                    IncidentProposal.service_id == service_id,
                    IncidentProposal.state != ProposalState.PROPOSED,
                )
            )
            if decided is not None and decided > since:
                sites = _recount(service_id, decided)
            total = sum(count for _site, count, _f, _l in sites)
            if total < settings.threshold:
                continue
            top_site, top_count = max(((s, c) for s, c, _f, _l in sites), key=lambda item: item[1])
            site_id = top_site if top_count >= settings.site_share * total else None
            first = min(f for _s, _c, f, _l in sites)
            last = max(last for _s, _c, _f, last in sites)
            if covering(service_id, site_id) is not None:
                continue
            pending = session.scalar(
                select(IncidentProposal).where(
                    IncidentProposal.service_id == service_id,
                    IncidentProposal.state == ProposalState.PROPOSED,
                )
            )
            if pending is not None:
                pending.report_count, pending.last_report_at = max(pending.report_count, total), last
                if pending.site_id is not None and site_id != pending.site_id:
                    pending.site_id, pending.site_key = None, 0  # it spread: the whole service
                continue
            proposal = IncidentProposal(
                service_id=service_id,
                site_id=site_id,
                site_key=site_id or 0,
                state=ProposalState.PROPOSED,
                report_count=total,
                first_report_at=first,
                last_report_at=last,
                proposed_at=now,
            )
            try:
                with session.begin_nested():
                    session.add(proposal)
            except IntegrityError:
                continue  # an overlapping run proposed it a moment ago
            audit.record(
                SYSTEM,
                "incident.proposed",
                subject_type="incident_proposal",
                subject_id=proposal.id,
                now=now,
                data={"service": service_id, "site": site_id, "reports": total},
            )
            outbox.emit(TASK_INCIDENT_PROPOSED, {"proposal_id": proposal.id}, now=now)
            created.append(proposal.id)
    return created


#: Reports filed this long before a declaration may have been in flight while it committed.
IN_FLIGHT = timedelta(seconds=60)


def link_stragglers(*, now: datetime) -> int:
    """Link the reports a self-linking incident's declaration missed; returns how many were linked.

    A report whose opening was in flight while the incident was declared saw no incident, and the
    declaration's own search did not see the report: neither linked it. Each detector run links such
    reports of the incident's service (and site) filed from shortly before the declaration on.
    """
    active = db.session.scalars(
        select(MajorIncident)
        .join(Ticket, Ticket.id == MajorIncident.ticket_id)
        .where(
            MajorIncident.auto_link.is_(True),
            MajorIncident.service_id.is_not(None),
            Ticket.status.in_(OPEN_STATUSES),
        )
    ).all()
    linked = 0
    for incident in active:
        ids = candidate_ids(incident.service_id, incident.site_id, incident.declared_at - IN_FLIGHT)
        if ids:
            linked += len(link_reports(incident.id, ids, actor=SYSTEM, now=now).linked)
    return linked


def _recount(service_id: int, after: datetime) -> list[tuple[int | None, int, datetime, datetime]]:
    """A service's unlinked reports per site since its last decision."""
    rows = db.session.execute(
        select(Ticket.site_id, func.count(), func.min(Ticket.created_at), func.max(Ticket.created_at))
        .where(*_unlinked_faults(after), Ticket.service_id == service_id)
        .group_by(Ticket.site_id)
    ).all()
    return [(site_id, count, first, last) for site_id, count, first, last in rows]


def notify_proposed(proposal_id: int, *, source_key: str, now: datetime) -> int:
    """Tell every active supervisor of a proposal (they declare it with one click)."""
    with unit_of_work() as session:
        proposal = session.get(IncidentProposal, proposal_id)
        if proposal is None or proposal.state is not ProposalState.PROPOSED:
            return 0
        supervisors = sorted(
            session.scalars(select(User.id).where(User.role == Role.SUPERVISOR, User.is_active.is_(True)))
        )
        data = {
            "proposal_id": proposal.id,
            "service": proposal.service.name_ja,
            "service_en": proposal.service.name_en,
            "count": proposal.report_count,
            "site": proposal.site.name_ja if proposal.site else "",
            "site_en": proposal.site.name_en if proposal.site else "",
        }
        return notifications.notify_each(
            dict.fromkeys(supervisors),
            NotificationKind.INCIDENT_PROPOSED,
            source_key=source_key,
            now=now,
            data=data,
        )


def candidate_ids(
    service_id: int | None, site_id: int | None, since: datetime, *, limit: int = LINK_MAX
) -> list[int]:
    """Unlinked open fault reports of a service (and site) since ``since``: what a declaration links."""
    if service_id is None:
        return []
    stmt = select(Ticket.id).where(*_unlinked_faults(since), Ticket.service_id == service_id)
    if site_id is not None:
        stmt = stmt.where(Ticket.site_id == site_id)
    return list(db.session.scalars(stmt.order_by(Ticket.id).limit(limit)))


def declare_from_proposal(
    proposal_id: int, *, actor: Actor, now: datetime, settings: DetectionSettings
) -> MajorIncident:
    """One click: declare the proposed outage and link every unlinked report of it.

    :raises PermissionDenied: only supervisors.
    :raises NotFound: no such proposal. :raises InvalidTransition: already decided.
    :raises Conflict: an incident covering it was declared meanwhile.
    """
    policy.require(policy.can_declare(actor))
    with unit_of_work():
        proposal = _pending(proposal_id)
        service, site = proposal.service, proposal.site
        title = f"{service.name_ja}の障害" + (f"（{site.name_ja}）" if site else "")
        reports = candidate_ids(
            service.id, site.id if site else None, min(proposal.first_report_at, now - settings.window)
        )
        incident = declare(
            IncidentDraft(title=title, service_code=service.code, site_id=site.id if site else None),
            actor=actor,
            now=now,
            report_ids=reports,
        )
        _decide(proposal, ProposalState.DECLARED, actor=actor, now=now)
        proposal.incident_id = incident.id
    return incident


def _pending(proposal_id: int) -> IncidentProposal:
    """The proposal, locked, still waiting for a decision.

    :raises NotFound: no such proposal. :raises InvalidTransition: already decided.
    """
    proposal = db.session.scalar(
        select(IncidentProposal).where(IncidentProposal.id == proposal_id).with_for_update()
    )
    if proposal is None:
        raise NotFound(_l("大規模障害の候補が見つかりません。"))
    if proposal.state is not ProposalState.PROPOSED:
        raise InvalidTransition(_l("この候補はすでに判断済みです。"))
    return proposal


def _decide(proposal: IncidentProposal, state: ProposalState, *, actor: Actor, now: datetime) -> None:
    proposal.state, proposal.decided_at, proposal.decided_by_id = state, now, actor.user_id


def dismiss_proposal(proposal_id: int, *, actor: Actor, now: datetime) -> None:
    """Not an outage: the reports stay as they are and do not propose it again; audited.

    :raises PermissionDenied / NotFound / InvalidTransition: as :func:`declare_from_proposal`.
    """
    policy.require(policy.can_declare(actor))
    with unit_of_work():
        proposal = _pending(proposal_id)
        _decide(proposal, ProposalState.DISMISSED, actor=actor, now=now)
        audit.record(
            actor,
            "incident.proposal_dismissed",
            subject_type="incident_proposal",
            subject_id=proposal.id,
            now=now,
            data={"reports": proposal.report_count},
        )
