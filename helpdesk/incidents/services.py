"""Major incidents: declare, link the reports, keep everyone informed, restore, resolve, register.

A major incident is a parent ticket (a fault owned by the desk, worked and handed over like any
other) plus its :class:`MajorIncident` row. Fault reports of the same outage are its children
(``tickets.parent_id``). What happens to the parent happens to the children, through the ticket
hooks registered here: its restoration is their restoration, its resolution resolves them with the
same code and summary. A child that is still broken is reopened on its own and stays linked.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from helpdesk.accounts.models import Site, User
from helpdesk.audit import services as audit
from helpdesk.core import outbox
from helpdesk.core.actor import SYSTEM, Actor
from helpdesk.core.db import db, transaction_state, unit_of_work
from helpdesk.core.errors import Conflict, InvalidTransition, NotFound, ValidationFailed
from helpdesk.incidents import policy
from helpdesk.incidents.models import (
    IncidentSubscription,
    IncidentUpdate,
    MajorIncident,
)
from helpdesk.notifications import services as notifications
from helpdesk.notifications.models import NotificationKind
from helpdesk.tickets import policy as ticket_policy
from helpdesk.tickets import services as tickets
from helpdesk.tickets.models import Service, Ticket
from helpdesk.tickets.states import (
    OPEN_STATUSES,
    Channel,
    Impact,
    ResolutionCode,
    TicketStatus,
    TicketType,
    Urgency,
)

TASK_INCIDENT_UPDATE = "notifications.incident_update"
TITLE_MAX = 200
NOTICE_MAX = 1000
UPDATE_MAX = 5000
REASON_MAX = 2000
#: A link request names at most this many tickets (the queue's page is 50; a proposal's storm more).
LINK_MAX = 10_000
_DECLARING = "incidents.declaring"


@dataclass
class IncidentDraft:
    """What a supervisor fills in to declare an incident."""

    title: str
    service_code: str | None = None
    site_id: int | None = None
    notice_ja: str = ""
    notice_en: str = ""
    is_public: bool = True
    auto_link: bool = True


@dataclass
class LinkReport:
    """The outcome of linking several reports: the numbers linked and, per refused number, why."""

    linked: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)


def _audit(
    incident: MajorIncident,
    action: str,
    *,
    actor: Actor,
    now: datetime,
    data: dict[str, object] | None = None,
) -> None:
    """An audit event about the incident, filed under its parent ticket."""
    audit.record(
        actor,
        action,
        subject_type="incident",
        subject_id=incident.id,
        ticket_id=incident.ticket_id,
        now=now,
        data=data,
    )


def get_incident(incident_id: int) -> MajorIncident:
    """:raises NotFound: no such incident."""
    incident = db.session.get(MajorIncident, incident_id)
    if incident is None:
        raise NotFound(_l("大規模障害が見つかりません。"))
    return incident


def _locked(incident_id: int) -> MajorIncident:
    incident = db.session.scalar(
        select(MajorIncident).where(MajorIncident.id == incident_id).with_for_update()
    )
    if incident is None:
        raise NotFound(_l("大規模障害が見つかりません。"))
    return incident


def _check_draft(draft: IncidentDraft) -> tuple[Service | None, Site | None]:
    errors: dict[str, object] = {}
    title = draft.title.strip()
    if not title:
        errors["title"] = _l("件名を入力してください。")
    elif len(title) > TITLE_MAX:
        errors["title"] = _l("件名は%(n)d文字以内で入力してください。", n=TITLE_MAX)
    for name, value in (("notice_ja", draft.notice_ja), ("notice_en", draft.notice_en)):
        if len(value.strip()) > NOTICE_MAX:
            errors[name] = _l("%(n)d文字以内で入力してください。", n=NOTICE_MAX)
    service = None
    if draft.service_code:
        service = db.session.scalar(select(Service).where(Service.code == draft.service_code))
        if service is None or not service.is_active:
            errors["service"] = _l("一覧から選んでください。")
    site = None
    if draft.site_id is not None:
        site = db.session.get(Site, draft.site_id)
        if site is None:
            errors["site"] = _l("一覧から選んでください。")
    if errors:
        raise ValidationFailed(_l("入力内容を確認してください。"), fields=errors)
    return service, site


def covering(service_id: int | None, site_id: int | None) -> MajorIncident | None:
    """The active incident whose reports a fault of this service and site belongs to, if any."""
    if service_id is None:
        return None
    stmt = (
        select(MajorIncident)
        .join(Ticket, Ticket.id == MajorIncident.ticket_id)
        .where(MajorIncident.service_id == service_id, Ticket.status.in_(OPEN_STATUSES))
        .order_by(MajorIncident.site_id.is_(None), MajorIncident.id)  # the site's own incident first
    )
    for incident in db.session.scalars(stmt):
        if incident.site_id is None or site_id is None or incident.site_id == site_id:
            return incident
    return None


def declare(
    draft: IncidentDraft,
    *,
    actor: Actor,
    now: datetime,
    from_ticket_id: int | None = None,
    report_ids: Sequence[int] = (),
) -> MajorIncident:
    """Declare a major incident: a new P1-class parent ticket held by the desk, and its row.

    ``from_ticket_id`` (the report it was declared from) and ``report_ids`` are linked as its first
    children; the detection time is the earliest of them. One transaction; audited.

    :raises PermissionDenied: only supervisors declare.
    :raises ValidationFailed: missing or over-long title or notice, unknown service or site.
    :raises Conflict: an active incident already covers this service and site.
    """
    policy.require(policy.can_declare(actor))
    service, site = _check_draft(draft)
    title = draft.title.strip()
    with unit_of_work():
        if service is not None:
            existing = covering(service.id, site.id if site else None)
            if existing is not None:
                raise Conflict(
                    _l(
                        "同じサービスの大規模障害「%(title)s」が対応中です。そちらに紐付けてください。",
                        title=existing.title,
                    )
                )
        notice_ja = draft.notice_ja.strip() or default_notice(title, service, site, "ja")
        notice_en = draft.notice_en.strip() or default_notice(title, service, site, "en")
        transaction_state()[_DECLARING] = True
        try:
            parent = tickets.open_ticket(
                tickets.NewTicket(
                    type=TicketType.FAULT,
                    subject=title,
                    description=notice_ja,
                    impact=Impact.SITE if site is not None else Impact.MINISTRY,
                    urgency=Urgency.HIGH,
                    channel=Channel.PHONE,
                    service_code=service.code if service else None,
                    site_id=site.id if site else None,
                ),
                actor=actor,
                now=now,
            )
        finally:
            transaction_state().pop(_DECLARING, None)
        incident = MajorIncident(
            ticket_id=parent.id,
            title=title,
            service_id=service.id if service else None,
            site_id=site.id if site else None,
            detected_at=now,
            declared_at=now,
            declared_by_id=actor.user_id,
            is_public=draft.is_public,
            public_notice_ja=notice_ja,
            public_notice_en=notice_en,
            auto_link=draft.auto_link,
            is_serious=False,
            serious_reason="",
        )
        db.session.add(incident)
        db.session.flush()
        _audit(
            incident,
            "incident.declared",
            actor=actor,
            now=now,
            data={
                "title": title,
                "service": service.code if service else None,
                "site": site.code if site else None,
                "public": draft.is_public,
            },
        )
        wanted = [*([from_ticket_id] if from_ticket_id is not None else []), *report_ids]
        if wanted:
            report = _link(incident, wanted, actor=actor, now=now)
            if from_ticket_id is not None and report.failed:
                number = next(iter(report.failed))
                raise ValidationFailed(
                    _l(
                        "%(number)s は紐付けられません: %(reason)s",
                        number=number,
                        reason=report.failed[number],
                    )
                )
    return incident


def default_notice(title: str, service: Service | None, site: Site | None, language: str) -> str:
    """The banner's words when the supervisor wrote none: what is down, and where."""
    if language == "en":
        where = f" at {site.name_en}" if site else ""
        what = service.name_en if service else title
        return f"{what} is currently unavailable{where}."
    where = f"{site.name_ja}で" if site else ""
    what = service.name_ja if service else title
    return f"現在、{where}{what}が利用できません。"


def link_reports(incident_id: int, ticket_ids: Sequence[int], *, actor: Actor, now: datetime) -> LinkReport:
    """Link fault reports to an incident as its children; each refusal is reported, the rest commit.

    Already-linked children count as linked. Refused: tickets the actor may not work, closed or
    resolved ones, confidential (security) tickets, the parent itself, another incident's parent,
    and reports already linked to another incident.

    :raises PermissionDenied: only the desk links.
    :raises InvalidTransition: the incident is no longer active.
    :raises ValidationFailed: no ticket, or more than :data:`LINK_MAX`.
    """
    policy.require(policy.can_coordinate(actor))
    if not ticket_ids:
        raise ValidationFailed(_l("紐付けるチケットを選んでください。"), fields={"tickets": _l("必須です。")})
    if len(ticket_ids) > LINK_MAX:
        raise ValidationFailed(_l("一度に紐付けられるのは%(n)d件までです。", n=LINK_MAX))
    with unit_of_work():
        incident = _locked(incident_id)
        _require_active(incident)
        return _link(incident, ticket_ids, actor=actor, now=now)


def _require_active(incident: MajorIncident) -> None:
    if not incident.ticket.is_open:
        raise InvalidTransition(_l("この大規模障害は解決済みです。"))


def _link(incident: MajorIncident, ticket_ids: Sequence[int], *, actor: Actor, now: datetime) -> LinkReport:
    report = LinkReport()
    wanted = sorted(set(ticket_ids))
    parents = set(
        db.session.scalars(select(MajorIncident.ticket_id).where(MajorIncident.ticket_id.in_(wanted)))
    )
    rows = db.session.scalars(
        select(Ticket).where(Ticket.id.in_(wanted)).order_by(Ticket.id).with_for_update()
    )
    entries: list[audit.Entry] = []
    for ticket in rows:
        reason = _refusal(incident, ticket, actor, parents)
        if reason is not None:
            report.failed[ticket.number] = reason
            continue
        report.linked.append(ticket.number)
        if ticket.parent_id != incident.ticket_id:
            entries.append(_attach(incident, ticket, now=now))
    audit.record_many(actor, entries, now=now)  # one chain lock for a storm of thousands
    return report


def _refusal(incident: MajorIncident, ticket: Ticket, actor: Actor, parents: set[int]) -> str | None:
    if not ticket_policy.can_work_ticket(actor, ticket):
        return str(_l("このチケットを操作する権限がありません。"))
    if ticket.id in parents:
        return str(_l("大規模障害の親チケットです。"))
    if ticket.is_confidential:
        return str(_l("セキュリティ事案は紐付けできません。"))
    if ticket.parent_id is not None and ticket.parent_id != incident.ticket_id:
        return str(_l("別の大規模障害に紐付いています。"))
    if not ticket.is_open and ticket.parent_id != incident.ticket_id:
        return str(_l("解決・完了したチケットは紐付けできません。"))
    return None


def _attach(incident: MajorIncident, ticket: Ticket, *, now: datetime) -> audit.Entry:
    """Make ``ticket`` a child (the caller checked it may be); the first report moves detection earlier.

    Returns the audit entry for the caller to record.
    """
    ticket.parent_id = incident.ticket_id
    ticket.updated_at = now
    if ticket.created_at < incident.detected_at:
        incident.detected_at = ticket.created_at
    return audit.Entry(
        "ticket.linked_to_incident",
        subject_type="ticket",
        subject_id=ticket.number,
        ticket_id=ticket.id,
        data={"incident": incident.id, "parent": incident.ticket.number},
    )


def unlink_report(incident_id: int, ticket_id: int, *, actor: Actor, now: datetime) -> None:
    """Take a wrongly linked report out of the incident; audited.

    :raises PermissionDenied: only the desk unlinks, and only tickets it may work.
    :raises NotFound: the ticket is not a child of this incident.
    """
    policy.require(policy.can_coordinate(actor))
    with unit_of_work():
        incident = _locked(incident_id)
        ticket = tickets.get_for_update(ticket_id)
        if ticket.parent_id != incident.ticket_id:
            raise NotFound(_l("この大規模障害に紐付いたチケットではありません。"))
        ticket_policy.require_work_ticket(actor, ticket)
        ticket.parent_id = None
        ticket.updated_at = now
        audit.record(
            actor,
            "ticket.unlinked_from_incident",
            subject_type="ticket",
            subject_id=ticket.number,
            ticket_id=ticket.id,
            now=now,
            data={"incident": incident.id},
        )


def post_update(incident_id: int, body: str, *, actor: Actor, now: datetime) -> IncidentUpdate:
    """Post news of the incident; every linked requester and subscriber hears it once (a worker).

    :raises PermissionDenied: only the desk posts.
    :raises ValidationFailed: empty or over-long text.
    """
    policy.require(policy.can_coordinate(actor))
    body = body.strip()
    if not body:
        raise ValidationFailed(_l("お知らせの内容を入力してください。"), fields={"body": _l("必須です。")})
    if len(body) > UPDATE_MAX:
        raise ValidationFailed(
            _l("お知らせが長すぎます。"),
            fields={"body": _l("%(n)d文字以内で入力してください。", n=UPDATE_MAX)},
        )
    with unit_of_work():
        incident = _locked(incident_id)
        return _post(incident, body, actor=actor, now=now)


def _post(incident: MajorIncident, body: str, *, actor: Actor, now: datetime) -> IncidentUpdate:
    row = IncidentUpdate(incident_id=incident.id, body=body, posted_by_id=actor.user_id, posted_at=now)
    db.session.add(row)
    db.session.flush()
    _audit(
        incident, "incident.update_posted", actor=actor, now=now, data={"update": row.id, "length": len(body)}
    )
    outbox.emit(TASK_INCIDENT_UPDATE, {"update_id": row.id}, now=now)
    return row


def broadcast_update(update_id: int, *, source_key: str, now: datetime) -> int:
    """Write one notification per person for an update: linked requesters and subscribers, coalesced.

    A requester with several linked reports hears it once, about their newest open report (or
    their newest report). Idempotent per ``source_key``. Returns how many were added.
    """
    with unit_of_work() as session:
        row = session.get(IncidentUpdate, update_id)
        if row is None:
            return 0
        incident = get_incident(row.incident_id)
        own: dict[int, Ticket] = {}
        for report in session.scalars(
            select(Ticket).where(Ticket.parent_id == incident.ticket_id).order_by(Ticket.id)
        ):
            if report.requester_id not in own or report.status in OPEN_STATUSES:
                own[report.requester_id] = report
        subscribers = session.scalars(
            select(IncidentSubscription.user_id).where(IncidentSubscription.incident_id == incident.id)
        )
        recipients: dict[int, Ticket | None] = {u: own.get(u) for u in sorted(set(own) | set(subscribers))}
        data = {"incident_id": incident.id, "title": incident.title, "body": row.body}
        return notifications.notify_each(
            recipients, NotificationKind.INCIDENT_UPDATE, source_key=source_key, now=now, data=data
        )


def record_restoration(
    incident_id: int, restored_at: datetime, *, actor: Actor, now: datetime, message: str = ""
) -> MajorIncident:
    """Record when service came back, on the parent and so on every open child; an optional update.

    :raises PermissionDenied: only the desk records it.
    :raises InvalidTransition / ValidationFailed: as :func:`tickets.record_restoration`.
    """
    policy.require(policy.can_coordinate(actor))
    with unit_of_work():
        incident = _locked(incident_id)
        tickets.record_restoration(incident.ticket_id, restored_at, actor=actor, now=now)
        if message.strip():
            _post(incident, message.strip()[:UPDATE_MAX], actor=actor, now=now)
    return incident


def resolve(
    incident_id: int, code: ResolutionCode, summary: str, *, actor: Actor, now: datetime
) -> MajorIncident:
    """Resolve the parent; every open child is resolved with the same code and summary (a hook).

    :raises PermissionDenied / InvalidTransition / ValidationFailed: as :func:`tickets.resolve`.
    """
    policy.require(policy.can_coordinate(actor))
    with unit_of_work():
        incident = _locked(incident_id)
        tickets.resolve(incident.ticket_id, code, summary, actor=actor, now=now)
    return incident


def set_serious(
    incident_id: int, serious: bool, reason: str, *, actor: Actor, now: datetime
) -> MajorIncident:
    """Register (or withdraw) the incident as serious (大規模障害) for the monthly report; audited.

    :raises PermissionDenied: only the ministry registers.
    :raises ValidationFailed: registering without a reason, or an over-long one.
    """
    policy.require(policy.can_register_serious(actor))
    reason = reason.strip()
    if serious and not reason:
        raise ValidationFailed(
            _l("重大障害とする理由を入力してください。"), fields={"reason": _l("必須です。")}
        )
    if len(reason) > REASON_MAX:
        raise ValidationFailed(
            _l("理由が長すぎます。"), fields={"reason": _l("%(n)d文字以内で入力してください。", n=REASON_MAX)}
        )
    with unit_of_work():
        incident = _locked(incident_id)
        previous = (incident.is_serious, incident.serious_reason)
        incident.is_serious = serious
        incident.serious_reason = reason
        incident.serious_registered_by_id = actor.user_id
        incident.serious_registered_at = now
        _audit(
            incident,
            "incident.serious_registered" if serious else "incident.serious_withdrawn",
            actor=actor,
            now=now,
            data={"reason": reason, "was_serious": previous[0], "previous_reason": previous[1]},
        )
    return incident


def change_notice(
    incident_id: int,
    *,
    notice_ja: str,
    notice_en: str,
    is_public: bool,
    auto_link: bool,
    actor: Actor,
    now: datetime,
) -> MajorIncident:
    """Change the portal notice, whether it is shown, and whether new reports link themselves; audited.

    :raises PermissionDenied: only supervisors.
    :raises ValidationFailed: an empty Japanese notice, or over-long text.
    """
    policy.require(policy.can_declare(actor))
    errors: dict[str, object] = {}
    if not notice_ja.strip():
        errors["notice_ja"] = _l("必須です。")
    for name, value in (("notice_ja", notice_ja), ("notice_en", notice_en)):
        if len(value.strip()) > NOTICE_MAX:
            errors[name] = _l("%(n)d文字以内で入力してください。", n=NOTICE_MAX)
    if errors:
        raise ValidationFailed(_l("入力内容を確認してください。"), fields=errors)
    with unit_of_work():
        incident = _locked(incident_id)
        incident.public_notice_ja, incident.public_notice_en = notice_ja.strip(), notice_en.strip()
        incident.is_public, incident.auto_link = is_public, auto_link
        _audit(
            incident,
            "incident.notice_changed",
            actor=actor,
            now=now,
            data={"public": is_public, "auto_link": auto_link, "notice_ja": incident.public_notice_ja},
        )
    return incident


# --- the portal: "me too" and subscriptions -------------------------------------------------


def report_affected(
    incident_id: int, *, actor: Actor, now: datetime, intake_key: str | None = None
) -> Ticket:
    """ "私も影響を受けています": a fault report by the actor, linked to the incident, in one step.

    Service and the actor's site are filled in. Someone who already reported this incident gets
    their report back instead of a second one.

    :raises PermissionDenied: not a member of staff.
    :raises NotFound: no such incident, or not shown to staff.
    :raises InvalidTransition: the incident is resolved.
    """
    policy.require(policy.can_report_affected(actor))
    with unit_of_work():
        incident = _locked(incident_id)
        if not incident.is_public:
            raise NotFound(_l("大規模障害が見つかりません。"))
        _require_active(incident)
        existing = db.session.scalar(
            select(Ticket)
            .where(Ticket.parent_id == incident.ticket_id, Ticket.requester_id == actor.user_id)
            .order_by(Ticket.id.desc())
            .limit(1)
        )
        if existing is not None:
            return existing
        user = db.session.get(User, actor.user_id)
        ticket = tickets.open_ticket(
            tickets.NewTicket(
                type=TicketType.FAULT,
                subject=incident.title,
                description=str(
                    _l(
                        "お知らせ「%(notice)s」を見て「私も影響を受けています」で報告しました。",
                        notice=incident.public_notice_ja,
                    )
                ),
                impact=Impact.PERSON,
                urgency=Urgency.HIGH,
                service_code=incident.service.code if incident.service else None,
                site_id=user.site_id if user is not None else None,
                intake_key=intake_key,
            ),
            actor=actor,
            now=now,
        )
        if ticket.parent_id is None:  # the ON_OPEN hook links it when the incident links by itself
            audit.record_many(actor, [_attach(incident, ticket, now=now)], now=now)
    return ticket


def subscribe(incident_id: int, *, actor: Actor, now: datetime) -> bool:
    """Hear the incident's updates; False when already subscribed.

    :raises PermissionDenied / NotFound: as :func:`report_affected`.
    """
    policy.require(policy.can_report_affected(actor))
    with unit_of_work() as session:
        incident = get_incident(incident_id)
        if not incident.is_public:
            raise NotFound(_l("大規模障害が見つかりません。"))
        known = session.scalar(
            select(IncidentSubscription.id).where(
                IncidentSubscription.incident_id == incident_id, IncidentSubscription.user_id == actor.user_id
            )
        )
        if known is not None:
            return False
        session.add(IncidentSubscription(incident_id=incident_id, user_id=actor.user_id, created_at=now))
        audit.record(actor, "incident.subscribed", subject_type="incident", subject_id=incident_id, now=now)
    return True


def unsubscribe(incident_id: int, *, actor: Actor, now: datetime) -> bool:
    """Stop hearing the incident's updates (a linked report still hears them); False when not subscribed."""
    with unit_of_work() as session:
        row = session.scalar(
            select(IncidentSubscription).where(
                IncidentSubscription.incident_id == incident_id, IncidentSubscription.user_id == actor.user_id
            )
        )
        if row is None:
            return False
        session.delete(row)
        audit.record(actor, "incident.unsubscribed", subject_type="incident", subject_id=incident_id, now=now)
    return True


# --- the ticket hooks: what happens to the parent happens to the children -------------------------


def _on_open(ticket: Ticket, actor: Actor, now: datetime) -> None:
    """A new fault report of a service with an active, self-linking incident joins it at once."""
    if ticket.type is not TicketType.FAULT or ticket.is_confidential or ticket.service_id is None:
        return
    if transaction_state().get(_DECLARING):
        return  # the new parent itself
    incident = covering(ticket.service_id, ticket.site_id)
    if incident is not None and incident.auto_link:
        audit.record_many(actor, [_attach(incident, ticket, now=now)], now=now)


def _on_change(ticket: Ticket, actor: Actor, now: datetime) -> None:
    """Carry the parent's restoration and resolution to its open children."""
    if ticket.status is TicketStatus.NEW and ticket.restored_at is None:
        return  # a ticket just opened: never a parent with news
    incident = db.session.scalar(select(MajorIncident).where(MajorIncident.ticket_id == ticket.id))
    if incident is None:
        return
    incident.restored_at = ticket.restored_at
    incident.closed_at = ticket.closed_at
    children = list(
        db.session.scalars(
            select(Ticket)
            .where(Ticket.parent_id == ticket.id, Ticket.status.in_(OPEN_STATUSES))
            .order_by(Ticket.id)
        )
    )
    if ticket.restored_at is not None:
        for child in children:
            if child.restored_at is None and child.created_at <= ticket.restored_at:
                tickets.record_restoration(child.id, ticket.restored_at, actor=SYSTEM, now=now)
    if ticket.status is TicketStatus.RESOLVED and ticket.resolution_code is not None:
        for child in children:
            tickets.resolve(
                child.id, ticket.resolution_code, ticket.resolution_summary, actor=SYSTEM, now=now
            )


def register_hooks() -> None:
    """Hook into ticket opening and changes (idempotent)."""
    for hooks, hook in ((tickets.ON_OPEN, _on_open), (tickets.ON_CHANGE, _on_change)):
        if hook not in hooks:
            hooks.append(hook)
