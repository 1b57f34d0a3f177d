"""Major incidents: declaring, linking reports, broadcasting updates, restoring, resolving, detecting."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from helpdesk.accounts.models import Role, Site, SiteKind
from helpdesk.audit import queries as audit_queries
from helpdesk.audit.models import AuditEvent
from helpdesk.core.actor import SYSTEM
from helpdesk.core.db import db, unit_of_work
from helpdesk.core.errors import Conflict, InvalidTransition, NotFound, PermissionDenied, ValidationFailed
from helpdesk.incidents import detection
from helpdesk.incidents import services as incidents
from helpdesk.incidents.models import IncidentProposal, MajorIncident, ProposalState
from helpdesk.mail import delivery
from helpdesk.mail.models import MailMessage
from helpdesk.notifications.models import Notification, NotificationKind
from helpdesk.tickets import services as tickets
from helpdesk.tickets.models import Service, Ticket
from helpdesk.tickets.states import Priority, ResolutionCode, TicketStatus, TicketType
from tests.conftest import T0, MakeTicket, MakeUser, actor_of

SETTINGS = detection.DetectionSettings(threshold=5, window=timedelta(minutes=10))


@pytest.fixture
def supervisor(make_user: MakeUser) -> Any:
    return actor_of(make_user(Role.SUPERVISOR))


@pytest.fixture
def agent(make_user: MakeUser) -> Any:
    return actor_of(make_user(Role.AGENT))


def _declare(supervisor: Any, **fields: Any) -> MajorIncident:
    draft = incidents.IncidentDraft(title=fields.pop("title", "本省でメールが使えない"),
                                    service_code=fields.pop("service_code", "mail"), **fields)
    return incidents.declare(draft, actor=supervisor, now=fields.get("now", T0 + timedelta(minutes=5)))


def _reload(ticket: Ticket) -> Ticket:
    db.session.expire_all()
    fresh = db.session.get(Ticket, ticket.id)
    assert fresh is not None
    return fresh


def _audit_count(action: str) -> int:
    count = select(func.count()).select_from(AuditEvent).where(AuditEvent.action == action)
    return int(db.session.scalar(count) or 0)


def test_declaring_from_a_report_opens_a_p1_parent_and_links_the_report(
    make_ticket: MakeTicket, supervisor: Any
) -> None:
    report = make_ticket(subject="メールが届かない", now=T0)
    incident = incidents.declare(incidents.IncidentDraft(title="本省でメールが使えない", service_code="mail"),
                                 actor=supervisor, now=T0 + timedelta(minutes=7), from_ticket_id=report.id)
    parent = incident.ticket
    assert parent.type is TicketType.FAULT and parent.priority is Priority.P1
    assert parent.subject == "本省でメールが使えない" and parent.parent_id is None
    assert _reload(report).parent_id == parent.id
    assert incident.detected_at == T0  # the first report, not the declaration
    assert incident.declared_at == T0 + timedelta(minutes=7)
    assert incident.public_notice_ja == "現在、メールが利用できません。"
    assert _audit_count("incident.declared") == 1 and _audit_count("ticket.linked_to_incident") == 1


def test_only_supervisors_declare_and_one_incident_covers_a_service(
    agent: Any, supervisor: Any, make_ticket: MakeTicket
) -> None:
    with pytest.raises(PermissionDenied):
        _declare(agent)
    _declare(supervisor)
    with pytest.raises(Conflict):
        _declare(supervisor, title="メール障害（重複）")
    with pytest.raises(ValidationFailed) as refused:
        _declare(supervisor, title=" ", service_code="no-such-service")
    assert set(refused.value.fields) == {"title", "service"}
    assert db.session.scalar(select(func.count()).select_from(MajorIncident)) == 1


def test_linking_reports_reports_each_refusal_and_commits_the_rest(
    make_ticket: MakeTicket, make_user: MakeUser, agent: Any, supervisor: Any
) -> None:
    incident = _declare(supervisor, auto_link=False)
    good, already = make_ticket(), make_ticket()
    secret = make_ticket(type=TicketType.SECURITY, subject="不審なメールを開いた")
    closed = make_ticket()
    tickets.resolve(closed.id, ResolutionCode.FIXED, "再起動で復旧", actor=agent, now=T0)
    tickets.change_status(closed.id, TicketStatus.CLOSED, actor=agent, now=T0)
    incidents.link_reports(incident.id, [already.id], actor=agent, now=T0)
    other = _declare(supervisor, title="VPN障害", service_code=None)
    elsewhere = make_ticket()
    incidents.link_reports(other.id, [elsewhere.id], actor=agent, now=T0)

    report = incidents.link_reports(
        incident.id, [good.id, already.id, secret.id, closed.id, elsewhere.id, incident.ticket_id],
        actor=agent, now=T0 + timedelta(minutes=1))
    assert sorted(report.linked) == sorted([good.number, already.number])
    assert set(report.failed) == {secret.number, closed.number, elsewhere.number, incident.ticket.number}
    assert "別の大規模障害" in report.failed[elsewhere.number]
    assert _reload(good).parent_id == incident.ticket_id
    assert _reload(secret).parent_id is None
    assert _audit_count("ticket.linked_to_incident") == 3  # already, elsewhere, good: never twice
    with pytest.raises(PermissionDenied):
        incidents.link_reports(incident.id, [good.id], actor=actor_of(make_user()), now=T0)


def test_new_reports_of_the_service_join_a_self_linking_incident(
    make_ticket: MakeTicket, make_user: MakeUser, supervisor: Any, base_data: dict[str, Any]
) -> None:
    incident = _declare(supervisor)
    with unit_of_work() as session:
        session.add(Service(code="vpn", name_ja="VPN", name_en="VPN", category="network", sort_order=1,
                            is_active=True))
    joined = make_ticket(now=T0 + timedelta(minutes=8))
    other_service = make_ticket(service_code="vpn")
    question = make_ticket(type=TicketType.INQUIRY)
    assert _reload(joined).parent_id == incident.ticket_id
    linked_event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "ticket.linked_to_incident")).one()
    assert linked_event.subject_id == joined.number  # recorded once the report had its number
    assert _reload(other_service).parent_id is None and _reload(question).parent_id is None
    incidents.change_notice(incident.id, notice_ja="メール障害", notice_en="", is_public=True,
                            auto_link=False, actor=supervisor, now=T0)
    assert _reload(make_ticket()).parent_id is None


def test_an_update_reaches_each_requester_and_subscriber_once(
    make_ticket: MakeTicket, make_user: MakeUser, supervisor: Any, agent: Any, app: Any
) -> None:
    incident = _declare(supervisor)
    twice, once, follower = make_user(), make_user(), make_user()
    first, _second = make_ticket(requester=twice), make_ticket(requester=twice)
    make_ticket(requester=once)
    assert incidents.subscribe(incident.id, actor=actor_of(follower), now=T0) is True
    assert incidents.subscribe(incident.id, actor=actor_of(follower), now=T0) is False
    update = incidents.post_update(incident.id, "10:30 復旧見込みです。", actor=agent, now=T0)
    assert incidents.broadcast_update(update.id, source_key="outbox:1", now=T0) == 3
    assert incidents.broadcast_update(update.id, source_key="outbox:1", now=T0) == 0  # redelivered
    notes = db.session.scalars(select(Notification).where(
        Notification.kind == NotificationKind.INCIDENT_UPDATE)).all()
    assert sorted(n.user_id for n in notes) == sorted([twice.id, once.id, follower.id])
    mine = next(n for n in notes if n.user_id == twice.id)
    assert mine.data["body"] == "10:30 復旧見込みです。" and mine.ticket_id in (first.id, _second.id)
    assert next(n for n in notes if n.user_id == follower.id).ticket_id is None
    with app.app_context():
        queued = delivery.queue_for_notifications(
            "outbox:1", now=T0, settings=delivery.delivery_settings_from(app.config))
    assert len(queued) == 3
    follower_mail = db.session.scalar(select(MailMessage).where(MailMessage.recipient_user_id == follower.id))
    assert follower_mail is not None and "/portal/status" in follower_mail.body_text
    assert "10:30 復旧見込みです。" in follower_mail.body_text
    with pytest.raises(ValidationFailed):
        incidents.post_update(incident.id, "   ", actor=agent, now=T0)


def test_restoring_and_resolving_the_parent_carries_the_children(
    make_ticket: MakeTicket, make_user: MakeUser, supervisor: Any, agent: Any
) -> None:
    incident = _declare(supervisor)
    early = make_ticket(now=T0 + timedelta(minutes=6))
    fixed_already = make_ticket(now=T0 + timedelta(minutes=6))
    tickets.resolve(fixed_already.id, ResolutionCode.WORKAROUND, "Webメールで代替", actor=agent, now=T0)
    restored_at = T0 + timedelta(minutes=40)
    late = make_ticket(now=T0 + timedelta(minutes=45))  # reported after the service came back
    incidents.record_restoration(incident.id, restored_at, actor=agent, now=T0 + timedelta(minutes=50),
                                 message="メールは復旧しました。")
    assert _reload(early).restored_at == restored_at
    assert _reload(late).restored_at is None
    db.session.expire_all()
    assert db.session.get(MajorIncident, incident.id).restored_at == restored_at  # type: ignore[union-attr]
    # Resolving the parent through the ordinary ticket service cascades as well (the workspace form).
    tickets.resolve(incident.ticket_id, ResolutionCode.FIXED, "メールサーバを再起動しました。", actor=agent,
                    now=T0 + timedelta(minutes=55))
    for child in (early, late):
        fresh = _reload(child)
        assert fresh.status is TicketStatus.RESOLVED
        assert fresh.resolution_summary == "メールサーバを再起動しました。"
    assert _reload(fixed_already).resolution_summary == "Webメールで代替"
    # A child still broken is reopened on its own: the parent and its siblings stay resolved.
    tickets.reopen_by_requester(early.id, "まだ送れません", actor=actor_of(early.requester),
                                now=T0 + timedelta(minutes=60))
    assert _reload(early).status is TicketStatus.OPEN and _reload(early).parent_id == incident.ticket_id
    assert _reload(late).status is TicketStatus.RESOLVED
    assert _reload(incident.ticket).status is TicketStatus.RESOLVED
    with pytest.raises(InvalidTransition):
        incidents.link_reports(incident.id, [make_ticket(service_code=None).id], actor=agent, now=T0)


def test_only_the_ministry_registers_a_serious_incident_with_a_reason(
    make_user: MakeUser, supervisor: Any
) -> None:
    incident = _declare(supervisor)
    admin = actor_of(make_user(Role.ADMIN))
    with pytest.raises(PermissionDenied):
        incidents.set_serious(incident.id, True, "全庁でメール停止", actor=supervisor, now=T0)
    with pytest.raises(ValidationFailed):
        incidents.set_serious(incident.id, True, "  ", actor=admin, now=T0)
    incidents.set_serious(incident.id, True, "全庁で2時間メール停止", actor=admin, now=T0)
    db.session.expire_all()
    row = db.session.get(MajorIncident, incident.id)
    assert row is not None and row.is_serious and row.serious_reason == "全庁で2時間メール停止"
    incidents.set_serious(incident.id, False, "", actor=admin, now=T0)
    assert _audit_count("incident.serious_registered") == 1
    assert _audit_count("incident.serious_withdrawn") == 1


def test_me_too_files_one_linked_report_with_service_and_site(
    make_user: MakeUser, supervisor: Any, agent: Any
) -> None:
    incident = _declare(supervisor, auto_link=False)
    staff = make_user()
    report = incidents.report_affected(incident.id, actor=actor_of(staff), now=T0 + timedelta(minutes=9))
    assert report.parent_id == incident.ticket_id and report.requester_id == staff.id
    assert report.service is not None and report.service.code == "mail" and report.site_id == staff.site_id
    again = incidents.report_affected(incident.id, actor=actor_of(staff), now=T0 + timedelta(minutes=10))
    assert again.id == report.id
    incidents.change_notice(incident.id, notice_ja="非公開", notice_en="", is_public=False, auto_link=False,
                            actor=supervisor, now=T0)
    with pytest.raises(NotFound):
        incidents.report_affected(incident.id, actor=actor_of(make_user()), now=T0)
    with pytest.raises(PermissionDenied):
        incidents.report_affected(incident.id, actor=SYSTEM, now=T0)


def _storm(make_ticket: MakeTicket, count: int, *, start: Any, service_code: str = "mail",
           **fields: Any) -> list[Ticket]:
    return [make_ticket(now=start + timedelta(seconds=20 * i), service_code=service_code, **fields)
            for i in range(count)]


def test_a_cluster_of_reports_proposes_one_incident_and_one_click_links_it(
    make_ticket: MakeTicket, make_user: MakeUser, supervisor: Any, base_data: dict[str, Any]
) -> None:
    storm = _storm(make_ticket, 4, start=T0)
    now = T0 + timedelta(minutes=3)
    assert detection.detect(now=now, settings=SETTINGS) == []  # 4 of 5
    storm += _storm(make_ticket, 2, start=now)
    first = detection.detect(now=now + timedelta(minutes=1), settings=SETTINGS)
    assert len(first) == 1
    assert detection.detect(now=now + timedelta(minutes=2), settings=SETTINGS) == []  # pending: no twin
    proposal = db.session.get(IncidentProposal, first[0])
    assert proposal is not None and proposal.report_count == 6 and proposal.site_id == base_data["site"].id
    assert detection.notify_proposed(proposal.id, source_key="outbox:9", now=now) == 1  # one supervisor
    unrelated = make_ticket(type=TicketType.INQUIRY, now=now)
    incident = detection.declare_from_proposal(proposal.id, actor=supervisor, now=now + timedelta(minutes=3),
                                               settings=SETTINGS)
    assert incident.title == "メールの障害（本省）"
    linked = db.session.scalars(select(Ticket.id).where(Ticket.parent_id == incident.ticket_id)).all()
    assert sorted(linked) == sorted(t.id for t in storm)
    assert _reload(unrelated).parent_id is None
    with pytest.raises(InvalidTransition):
        detection.declare_from_proposal(proposal.id, actor=supervisor, now=now, settings=SETTINGS)
    # The service is covered now: more reports join the incident and propose nothing.
    _storm(make_ticket, 5, start=now + timedelta(minutes=4))
    assert detection.detect(now=now + timedelta(minutes=6), settings=SETTINGS) == []


def test_a_dismissed_cluster_is_not_proposed_again_by_the_same_reports(
    make_ticket: MakeTicket, supervisor: Any, agent: Any
) -> None:
    _storm(make_ticket, 5, start=T0)
    [proposal_id] = detection.detect(now=T0 + timedelta(minutes=2), settings=SETTINGS)
    with pytest.raises(PermissionDenied):
        detection.dismiss_proposal(proposal_id, actor=agent, now=T0)
    detection.dismiss_proposal(proposal_id, actor=supervisor, now=T0 + timedelta(minutes=3))
    assert detection.detect(now=T0 + timedelta(minutes=4), settings=SETTINGS) == []
    _storm(make_ticket, 5, start=T0 + timedelta(minutes=4))
    assert len(detection.detect(now=T0 + timedelta(minutes=6), settings=SETTINGS)) == 1
    states = db.session.scalars(select(IncidentProposal.state).order_by(IncidentProposal.id)).all()
    assert states == [ProposalState.DISMISSED, ProposalState.PROPOSED]


def test_reports_from_many_sites_propose_the_whole_service(
    make_ticket: MakeTicket, make_user: MakeUser
) -> None:
    with unit_of_work() as session:
        bureau = Site(code="kanto", kind=SiteKind.REGIONAL, name_ja="関東局", name_en="Kanto", is_active=True)
        session.add(bureau)
    _storm(make_ticket, 3, start=T0)
    _storm(make_ticket, 3, start=T0, site_id=bureau.id)
    [proposal_id] = detection.detect(now=T0 + timedelta(minutes=2), settings=SETTINGS)
    proposal = db.session.get(IncidentProposal, proposal_id)
    assert proposal is not None and proposal.site_id is None and proposal.report_count == 6


def test_reports_opened_at_once_link_themselves_without_deadlock(
    app: Any, make_user: MakeUser, supervisor: Any
) -> None:
    """Opening takes the number, then the audit chain; linking in the same opening must not take the
    chain first (it did once, and a storm of reports deadlocked on PostgreSQL)."""
    incident = _declare(supervisor)
    people = [actor_of(make_user()) for _ in range(4)]
    failures: list[BaseException] = []
    start = threading.Barrier(len(people))

    def report(actor: Any) -> None:
        with app.app_context():
            try:
                start.wait()
                for _ in range(10):
                    tickets.open_ticket(tickets.NewTicket(type=TicketType.FAULT, subject="メールが送れない",
                                                          description="", service_code="mail"),
                                        actor=actor, now=T0 + timedelta(minutes=6))
            except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
                failures.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=report, args=(p,)) for p in people]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).where(Ticket.parent_id == incident.ticket_id)) == 40
    assert audit_queries.verify_chain()[1] == []


def test_a_report_in_flight_during_the_declaration_is_linked_by_the_next_detector_run(
    make_ticket: MakeTicket, supervisor: Any
) -> None:
    declared_at = T0 + timedelta(minutes=10)
    long_before = make_ticket(now=T0)  # a report the supervisor chose not to link
    draft = incidents.IncidentDraft(title="メール障害", service_code="mail", auto_link=False)
    incident = incidents.declare(draft, actor=supervisor, now=declared_at)
    # Opened while the declaration committed: its opening saw no incident (here: self-linking was off).
    in_flight = make_ticket(now=declared_at - timedelta(seconds=5))
    assert _reload(in_flight).parent_id is None
    assert detection.link_stragglers(now=declared_at) == 0  # not self-linking: nothing is taken
    incidents.change_notice(incident.id, notice_ja="メール障害", notice_en="", is_public=True, auto_link=True,
                            actor=supervisor, now=declared_at)
    assert detection.link_stragglers(now=declared_at + timedelta(minutes=1)) == 1
    assert _reload(in_flight).parent_id == incident.ticket_id
    assert _reload(long_before).parent_id is None
    assert detection.link_stragglers(now=declared_at + timedelta(minutes=2)) == 0
