"""Load the demo data through the real services, idempotently.

Reference data (sites, departments, parties, services, calendars, SLA policy) is
upserted by code; people by e-mail; tickets are created only into an empty ticket
table, so a second run changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select

from helpdesk.accounts import services as accounts
from helpdesk.accounts.models import Department, Party, PartyKind, Role, Site, SiteKind, User
from helpdesk.core.actor import SYSTEM, Actor
from helpdesk.core.db import unit_of_work
from helpdesk.demo import content
from helpdesk.demo import knowledge as demo_knowledge
from helpdesk.handoff import queries as handoff_queries
from helpdesk.handoff import services as handoffs
from helpdesk.handoff.models import Demarcation
from helpdesk.incidents import services as incidents
from helpdesk.responsibility.models import ResponsibilitySegment
from helpdesk.sla import services as sla
from helpdesk.sla.models import (
    BusinessCalendar,
    Metric,
    PartyTarget,
)
from helpdesk.tickets import services as tickets
from helpdesk.tickets.models import Service, Ticket
from helpdesk.tickets.states import (
    OPEN_STATUSES,
    Channel,
    Impact,
    MessageKind,
    Priority,
    TicketStatus,
    TicketType,
    Urgency,
)

#: Escalated demo tickets older than this are shown as resolved by the other party.
ESCALATION_SETTLED = timedelta(days=2)
DEMO_PASSWORD = "helpdesk-demo-2026"  # noqa: S105 - printed for the demo on purpose

PARTY_KINDS = {
    "helpdesk": PartyKind.HELPDESK, "operations": PartyKind.OPERATIONS,
    "security": PartyKind.SECURITY, "terminal_vendor": PartyKind.VENDOR,
    "carrier": PartyKind.CARRIER, "ministry": PartyKind.MINISTRY,
}


@dataclass
class LoadResult:
    """What a load changed."""

    created: dict[str, int]

    def summary(self) -> str:
        """One line for the terminal."""
        if not any(self.created.values()):
            return "demo data already loaded: nothing changed"
        parts = ", ".join(f"{name} {n}" for name, n in self.created.items() if n)
        return f"demo data loaded: {parts}"


def demo_logins() -> list[tuple[str, str]]:
    """The first person of each role: (role, e-mail)."""
    seen: dict[str, str] = {}
    for person in content.PEOPLE:
        seen.setdefault(person["role"], person["email"])
    return [(role.value, seen[role.value]) for role in Role if role.value in seen]


def load(*, ticket_count: int = 300, now: datetime) -> LoadResult:
    """Upsert the reference data and people, then create tickets if there are none."""
    created = {"calendars and sla policy": sla.install_defaults(actor=SYSTEM, now=now),
               "sites and departments": _sites(), "parties": _parties(now),
               "services": _services(), "demarcation rows": _demarcation(),
               "people": _people(now), "knowledge articles": 0, "tickets": 0}
    created["knowledge articles"] = demo_knowledge.load(now=now)
    created["tickets"] = _tickets(ticket_count, now)
    return LoadResult(created)


def _calendar_id(code: str) -> int:
    with unit_of_work() as session:
        calendar_id = session.scalar(select(BusinessCalendar.id).where(BusinessCalendar.code == code))
    assert calendar_id is not None
    return calendar_id


def _sites() -> int:
    added = 0
    with unit_of_work() as session:
        known = {s.code: s for s in session.scalars(select(Site))}
        for spec in content.SITES:
            if spec["code"] in known:
                continue
            session.add(Site(code=spec["code"], kind=SiteKind(spec["kind"]), name_ja=spec["name_ja"],
                             name_en=spec["name_en"], is_active=True))
            added += 1
        session.flush()
        sites = {s.code: s.id for s in session.scalars(select(Site))}
        departments = {d.code for d in session.scalars(select(Department))}
        for department in content.DEPARTMENTS:
            if department["code"] not in departments:
                session.add(Department(code=department["code"], name_ja=department["name_ja"],
                                       name_en=department["name_en"],
                                       site_id=sites.get(department["site"])))
                added += 1
    return added


def _parties(now: datetime) -> int:
    office, always = _calendar_id("office"), _calendar_id("24x7")
    added = 0
    with unit_of_work() as session:
        known = {p.code for p in session.scalars(select(Party))}
        for spec in content.PARTIES:
            if spec["code"] in known:
                continue
            party = Party(code=spec["code"], kind=PARTY_KINDS.get(spec["code"], PartyKind.VENDOR),
                          name_ja=spec["name_ja"], name_en=spec["name_en"], is_active=True,
                          calendar_id=always if spec["is_24x7"] else office, created_at=now)
            session.add(party)
            session.flush()
            for priority, ack, hold in (("P1", 15, 60), ("P2", 30, 240), ("P3", 120, 960),
                                        ("P4", 480, 2400)):
                session.add(PartyTarget(party_id=party.id, priority=Priority(priority),
                                        metric=Metric.ACKNOWLEDGE, minutes=ack))
                session.add(PartyTarget(party_id=party.id, priority=Priority(priority),
                                        metric=Metric.HOLD, minutes=hold))
            added += 1
    return added


def _services() -> int:
    added = 0
    with unit_of_work() as session:
        known = {s.code for s in session.scalars(select(Service))}
        for order, spec in enumerate(content.SERVICES):
            if spec["code"] in known:
                continue
            session.add(Service(code=spec["code"], name_ja=spec["name_ja"], name_en=spec["name_en"],
                                category=spec["category"], sort_order=order, is_active=True))
            added += 1
    return added


def _escalate(ticket: Ticket, spec: content.TicketSpec, requester: User, agent: Actor,
              staff: dict[str, list[User]], *, after: datetime, at: datetime) -> Actor:
    """The desk hands the ticket to the service's usual party, which accepts; returns who acts for it."""
    party_code = next(s["default_party"] for s in content.SERVICES if s["code"] == spec["service"])
    if party_code == "helpdesk":
        party_code = "operations"
    with unit_of_work() as session:
        party = session.scalar(select(Party).where(Party.code == party_code))
    assert party is not None
    members = [u for u in staff["vendor"] if any(m.party_id == party.id for m in u.memberships)]
    vendor = accounts.actor_for(members[0]) if members else Actor(
        role="system", party_ids=frozenset({party.id}), label=f"demo:{party.code}")
    asked = max(after + timedelta(seconds=20), at - timedelta(seconds=90))
    handoff = handoffs.request_handoff(ticket.id, handoffs.HandoffRequest(
        to_party_id=party.id, idempotency_key=f"demo-{ticket.id}",
        symptom=spec["description"] or spec["subject"],
        impact=spec["subject"], steps_taken="一次切り分け済み（端末・アカウントに問題なし）",
        requester_contact=f"{requester.display_name} / 内線 {requester.extension}",
    ), actor=agent, now=asked)
    handoffs.accept_handoff(handoff.id, actor=vendor, now=asked + (at - asked) / 2,
                            receiver_reference=f"OPS-{4000 + ticket.id}")
    return vendor


def _demarcation() -> int:
    """Each service's usual party for faults; usage questions and requests stay at first line."""
    added = 0
    with unit_of_work() as session:
        parties = {p.code: p.id for p in session.scalars(select(Party))}
        services = {s.code: s.id for s in session.scalars(select(Service))}
        known = {(d.service_id, d.ticket_type) for d in session.scalars(select(Demarcation))}
        for spec in content.SERVICES:
            for kind in TicketType:
                service_id = services[spec["code"]]
                if (service_id, kind) in known:
                    continue
                party = "security" if kind is TicketType.SECURITY else (
                    spec["default_party"] if kind is TicketType.FAULT else "helpdesk")
                session.add(Demarcation(service_id=service_id, ticket_type=kind, party_id=parties[party],
                                        first_line_allowed=kind in (TicketType.INQUIRY, TicketType.REQUEST)))
                added += 1
    return added


def _people(now: datetime) -> int:
    added = 0
    for person in content.PEOPLE:
        with unit_of_work() as session:
            if session.scalar(select(User.id).where(User.email == person["email"])):
                continue
        party = person.get("party")
        fields = accounts.UserFields(
            email=person["email"], family_name=person["family_name"],
            given_name=person["given_name"], family_kana=person["family_kana"],
            given_kana=person["given_kana"], role=Role(person["role"]), site_code=person["site"],
            department_code=person.get("department"), extension=person["extension"],
            locale=person["locale"], party_codes=(party,) if party else (),
            lead_party_codes=(party,) if party and person.get("is_lead") else (),
            is_security_cleared=person["role"] in ("security", "admin"),
        )
        accounts.create_user(fields, actor=SYSTEM, now=now, password=DEMO_PASSWORD)
        added += 1
    return added


def _tickets(count: int, now: datetime) -> int:
    if count <= 0:
        return 0
    with unit_of_work() as session:
        if session.scalar(select(func.count()).select_from(Ticket)):
            return 0
        users = {u.email: u for u in session.scalars(select(User))}
    staff = {role: [u for u in users.values() if u.role.value == role]
             for role in ("agent", "vendor", "security")}
    specs = sorted(content.generate_ticket_specs(count=max(0, count - LIVE_OUTAGE_TICKETS), now=now),
                   key=lambda s: -s["opened_minutes_ago"])
    for index, spec in enumerate(specs):
        _one_ticket(spec, users, staff, index, now)
    _waiting_handoffs(staff, now)
    return len(specs) + _live_outage(staff, now)


#: The live outage: the first report, the incident's parent and the reports linked after it.
LIVE_OUTAGE_TICKETS = 6


def _live_outage(staff: dict[str, list[User]], now: datetime) -> int:
    """A ministry-wide mail outage first reported 12 minutes ago, declared a major incident, with more
    reports linked, handed to the operations vendor and one update posted: the demo shows the portal's
    banner, the incident page and the one-hour restoration countdown in the console and vendor queue."""
    with unit_of_work() as session:
        operations = session.scalar(select(Party).where(Party.code == "operations"))
        requester = session.scalar(select(User).where(User.email == content.PEOPLE[0]["email"]))
        supervisor = session.scalar(select(User).where(User.role == Role.SUPERVISOR).order_by(User.id))
        others = list(session.scalars(select(User).where(User.role == Role.REQUESTER, User.id != (
            requester.id if requester else 0)).order_by(User.id).limit(LIVE_OUTAGE_TICKETS - 2)))
    if operations is None or requester is None or supervisor is None:
        return 0
    vendors = [u for u in staff["vendor"] if any(m.party_id == operations.id for m in u.memberships)]
    if not vendors:
        return 0
    agent = accounts.actor_for(staff["agent"][0])
    lead = accounts.actor_for(supervisor)
    opened = now - timedelta(minutes=12)
    first = tickets.open_ticket(tickets.NewTicket(
        type=TicketType.FAULT, subject="本省全館でメールの送受信ができない",
        description="9時台から本省の全フロアで Outlook の送受信ができません。他の職員も同じ症状です。",
        impact=Impact.MINISTRY, urgency=Urgency.HIGH, channel=Channel.PHONE, service_code="mail",
        requester_id=requester.id), actor=agent, now=opened)
    tickets.add_message(first.id, MessageKind.PUBLIC_REPLY,
                        "全館でメールが使えない障害として受け付けました。運用業者が復旧作業に入ります。",
                        actor=agent, now=opened + timedelta(minutes=3))
    incident = incidents.declare(incidents.IncidentDraft(
        title="本省全館でメールが使えない", service_code="mail",
        notice_ja="現在、本省でメールの送受信ができません。復旧作業中です。",
        notice_en="Mail cannot be sent or received at headquarters. Restoration is under way."),
        actor=lead, now=opened + timedelta(minutes=2), from_ticket_id=first.id)
    for minutes, person in enumerate(others, start=3):  # more reports, linked as they arrive
        tickets.open_ticket(tickets.NewTicket(
            type=TicketType.FAULT, subject="メールが送れません", description="送信するとエラーになります。",
            impact=Impact.PERSON, urgency=Urgency.HIGH, service_code="mail"),
            actor=accounts.actor_for(person), now=opened + timedelta(minutes=minutes))
    handoff = handoffs.request_handoff(incident.ticket_id, handoffs.HandoffRequest(
        to_party_id=operations.id, idempotency_key=f"demo-outage-{incident.ticket_id}",
        symptom="本省全館でメールの送受信不可（Outlook で送受信エラー）", impact="本省全職員",
        steps_taken="複数フロア・複数端末で再現を確認", requester_contact=requester.display_name,
    ), actor=agent, now=opened + timedelta(minutes=4))
    handoffs.accept_handoff(handoff.id, actor=accounts.actor_for(vendors[0]),
                            now=opened + timedelta(minutes=6),
                            receiver_reference=f"OPS-{4000 + incident.ticket_id}")
    incidents.post_update(incident.id, "運用事業者が原因を調査しています。次のお知らせは30分後の予定です。",
                          actor=agent, now=opened + timedelta(minutes=8))
    return 2 + len(others)


def _waiting_handoffs(staff: dict[str, list[User]], now: datetime, *, count: int = 6) -> None:
    """The newest open faults the desk still holds go to the operations vendor, so that its demo
    login has work: the older two already accepted, the others waiting for an answer."""
    with unit_of_work() as session:
        operations = session.scalar(select(Party).where(Party.code == "operations"))
        desk = session.scalar(select(Party).where(Party.code == "helpdesk"))
        if operations is None or desk is None:
            return
        held = select(ResponsibilitySegment.ticket_id).where(ResponsibilitySegment.ended_at.is_(None),
                                                             ResponsibilitySegment.party_id == desk.id)
        candidates = list(session.scalars(
            select(Ticket).where(Ticket.type == TicketType.FAULT, Ticket.status.in_(OPEN_STATUSES),
                                 Ticket.id.in_(held), Ticket.is_confidential.is_(False))
            .order_by(Ticket.created_at.desc()).limit(count)
        ))
    agent = accounts.actor_for(staff["agent"][0])
    vendors = [u for u in staff["vendor"] if any(m.party_id == operations.id for m in u.memberships)]
    for position, ticket in enumerate(reversed(candidates)):
        if handoff_queries.find_open_handoff(ticket.id) is not None:
            continue
        asked = max(ticket.created_at + timedelta(minutes=5), now - timedelta(minutes=30 + 20 * position))
        handoff = handoffs.request_handoff(ticket.id, handoffs.HandoffRequest(
            to_party_id=operations.id, idempotency_key=f"demo-waiting-{ticket.id}",
            symptom=f"{ticket.subject}\n{ticket.description}".strip(), impact=ticket.subject,
            steps_taken="端末の再起動と別端末での再現確認（同じ症状）",
            requester_contact=f"{ticket.requester.display_name} / 内線 {ticket.requester.extension}",
        ), actor=agent, now=asked)
        if position < 2 and vendors:
            handoffs.accept_handoff(handoff.id, actor=accounts.actor_for(vendors[0]),
                                    now=asked + timedelta(minutes=4),
                                    receiver_reference=f"OPS-{4000 + ticket.id}")


def _one_ticket(spec: content.TicketSpec, users: dict[str, User],
                staff: dict[str, list[User]], index: int, now: datetime) -> None:
    opened = now - timedelta(minutes=spec["opened_minutes_ago"])
    requester = users[spec["requester"]]
    # Confidential security incidents are worked by the security team, not the call centre.
    pool = staff["security"] if spec["type"] == "security" else staff["agent"]
    agent = pool[index % len(pool)]
    agent_actor = accounts.actor_for(agent)
    requester_actor = accounts.actor_for(requester)
    channel = Channel(spec["channel"])
    # The call centre takes every call, whoever works the ticket afterwards.
    intake_agent = accounts.actor_for(staff["agent"][index % len(staff["agent"])])
    opener: Actor = requester_actor if channel is Channel.PORTAL else (
        intake_agent if channel is Channel.PHONE else SYSTEM)
    ticket = tickets.open_ticket(
        tickets.NewTicket(type=TicketType(spec["type"]), subject=spec["subject"],
                          description=spec["description"], impact=Impact(spec["impact"]),
                          urgency=Urgency(spec["urgency"]), channel=channel,
                          service_code=spec["service"], requester_id=requester.id),
        actor=opener, now=opened,
    )
    if ticket.type is TicketType.SECURITY:
        # The system offered it to the security team at once; the team takes it.
        proposal = handoff_queries.find_open_handoff(ticket.id)
        if proposal is not None:
            handoffs.accept_handoff(proposal.id, actor=agent_actor, now=opened + timedelta(minutes=1))
    if spec["outcome"] != "open" or spec["conversation"]:
        tickets.assign(ticket.id, agent.id, actor=agent_actor, now=opened + timedelta(minutes=2))
    last = opened + timedelta(minutes=2)
    vendor: Actor | None = None
    for step in spec["conversation"]:
        at = opened + timedelta(minutes=max(3, step["minutes_after_open"]))
        if at >= now:
            break
        if step["kind"] == "requester_reply":
            tickets.add_message(ticket.id, MessageKind.PUBLIC_REPLY, step["body"],
                                actor=requester_actor, now=at)
        elif step["by"] == "vendor" and ticket.type is not TicketType.SECURITY:
            if vendor is None:
                vendor = _escalate(ticket, spec, requester, agent_actor, staff, after=last, at=at)
            handoffs.post_party_note(ticket.id, step["body"], actor=vendor, now=at)
        elif step["by"] == "vendor":
            tickets.add_message(ticket.id, MessageKind.INTERNAL_NOTE, step["body"], actor=agent_actor,
                                now=at)
        else:
            kind = MessageKind(step["kind"])
            tickets.add_message(ticket.id, kind, step["body"], actor=agent_actor, now=at,
                                call_direction="inbound" if kind is MessageKind.PHONE_CALL else None,
                                caller_name=requester.display_name
                                if kind is MessageKind.PHONE_CALL else None)
        last = at
    outcome = spec["outcome"]
    if outcome == "pending_requester":
        tickets.change_status(ticket.id, TicketStatus.PENDING, actor=agent_actor,
                              now=last + timedelta(minutes=1))
    elif spec["resolution"] and (outcome == "first_line" or now - opened > ESCALATION_SETTLED):
        # Escalated tickets older than two days were fixed by the other party, handed back,
        # taken back by the desk and confirmed by the requester.
        resolved = last + timedelta(minutes=5)
        if vendor is not None and resolved < now:
            back = handoffs.hand_back(ticket.id, handoffs.Handback(
                f"demo-back-{ticket.id}", cause=str(spec["resolution"])[:200],
                action=str(spec["resolution"]),
                restored_at=last + timedelta(minutes=1)), actor=vendor, now=last + timedelta(minutes=2))
            handoffs.accept_handoff(back.id, actor=agent_actor, now=last + timedelta(minutes=3))
        if resolved < now:
            tickets.add_message(ticket.id, MessageKind.PUBLIC_REPLY, spec["resolution"],
                                actor=agent_actor, now=resolved)
            tickets.change_status(ticket.id, TicketStatus.RESOLVED, actor=agent_actor, now=resolved)
            confirmed = resolved + timedelta(days=1)
            if confirmed < now:
                tickets.change_status(ticket.id, TicketStatus.CLOSED, actor=requester_actor,
                                      now=confirmed)
