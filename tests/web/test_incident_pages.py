"""Major incidents through the pages: console, portal banner and status page, the ministry's register."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Flask
from sqlalchemy import select

from helpdesk.accounts.models import Role
from helpdesk.core.db import db
from helpdesk.core.time import utcnow
from helpdesk.incidents import detection
from helpdesk.incidents import services as incidents
from helpdesk.incidents.models import IncidentProposal, IncidentSubscription, MajorIncident, ProposalState
from helpdesk.tickets import services as tickets
from helpdesk.tickets.models import Ticket
from helpdesk.tickets.states import ResolutionCode, TicketStatus
from tests.conftest import LoginAs, MakeTicket, MakeUser, actor_of, csrf_token


def _declare(supervisor: Any, **fields: Any) -> MajorIncident:
    draft = incidents.IncidentDraft(title=fields.pop("title", "本省でメールが使えない"),
                                    service_code="mail", **fields)
    return incidents.declare(draft, actor=actor_of(supervisor), now=utcnow())


def test_a_supervisor_declares_from_a_report_and_sees_the_incident(
    app: Flask, make_user: MakeUser, make_ticket: MakeTicket, login_as: LoginAs
) -> None:
    supervisor = make_user(Role.SUPERVISOR)
    report = make_ticket(subject="Outlookでメールが送れない")
    client = login_as(app.test_client(), supervisor)
    workspace = client.get(f"/console/tickets/{report.number}").get_data(as_text=True)
    assert "このチケットから大規模障害を宣言する" in workspace
    form = client.get(f"/console/incidents/new?from={report.number}").get_data(as_text=True)
    assert "Outlookでメールが送れない" in form  # the title is taken from the report
    token = csrf_token(client, "/console/incidents/new")
    response = client.post("/console/incidents/new", data={
        "csrf_token": token, "title": "本省でメールが使えない", "service": "mail", "site": "",
        "notice_ja": "", "notice_en": "", "is_public": "y", "auto_link": "y", "from_ticket": report.number})
    assert response.status_code == 302
    incident = db.session.scalars(select(MajorIncident)).one()
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "本省でメールが使えない" in page and report.number in page
    assert "検知（最初の報告）" in page and "紐付いた報告 1件" in page
    workspace = client.get(f"/console/tickets/{report.number}").get_data(as_text=True)
    assert "大規模障害に紐付いた報告です。" in workspace
    report_page = client.get(f"/console/incidents/{incident.id}/report").get_data(as_text=True)
    assert "障害報告書" in report_page and incident.ticket.number in report_page


def test_declaring_without_a_title_shows_the_error_at_the_field(
    app: Flask, make_user: MakeUser, login_as: LoginAs
) -> None:
    client = login_as(app.test_client(), make_user(Role.SUPERVISOR))
    token = csrf_token(client, "/console/incidents/new")
    response = client.post("/console/incidents/new",
                           data={"csrf_token": token, "title": "", "service": "mail"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "件名を入力してください。" in html and 'aria-invalid="true"' in html
    assert db.session.scalars(select(MajorIncident)).first() is None


def test_a_proposal_is_declared_with_one_click_and_links_the_storm(
    app: Flask, make_user: MakeUser, make_ticket: MakeTicket, login_as: LoginAs
) -> None:
    supervisor = make_user(Role.SUPERVISOR)
    start = utcnow() - timedelta(minutes=4)
    storm = [make_ticket(now=start + timedelta(seconds=15 * n)) for n in range(6)]
    [proposal_id] = detection.detect(now=utcnow(), settings=detection.DetectionSettings())
    client = login_as(app.test_client(), supervisor)
    home = client.get("/console/incidents").get_data(as_text=True)
    assert "検知された障害の候補" in home and "宣言して紐付け" in home
    queue = client.get("/console/").get_data(as_text=True)
    assert "判断待ちの候補 1件" in queue
    token = csrf_token(client, "/console/incidents")
    response = client.post(f"/console/incidents/proposals/{proposal_id}/declare", data={"csrf_token": token})
    assert response.status_code == 302
    incident = db.session.scalars(select(MajorIncident)).one()
    db.session.expire_all()
    parents = db.session.scalars(select(Ticket.parent_id).where(Ticket.id.in_([t.id for t in storm])))
    assert set(parents) == {incident.ticket_id}
    proposal = db.session.get(IncidentProposal, proposal_id)
    assert proposal is not None and proposal.state is ProposalState.DECLARED


def test_agents_link_tickets_from_the_queue_and_by_number(
    app: Flask, make_user: MakeUser, make_ticket: MakeTicket, login_as: LoginAs
) -> None:
    supervisor, agent = make_user(Role.SUPERVISOR), make_user(Role.AGENT)
    incident = _declare(supervisor, auto_link=False)
    first, second, secret = make_ticket(), make_ticket(), make_ticket(type=tickets.TicketType.SECURITY)
    client = login_as(app.test_client(), agent)
    queue = client.get("/console/").get_data(as_text=True)
    assert "大規模障害に紐付ける" in queue
    token = csrf_token(client, "/console/")
    result = client.post("/console/incidents/link-selected", data={
        "csrf_token": token, "ticket": [str(first.id), str(secret.id)], "incident_value": str(incident.id)})
    html = result.get_data(as_text=True)
    assert result.status_code == 200 and "1件を紐付けました。1件は紐付けられませんでした。" in html
    assert "このチケットを操作する権限がありません。" in html  # an agent may not touch a security ticket
    result = client.post(f"/console/incidents/{incident.id}/link", data={
        "csrf_token": token, "numbers": f"{second.number}, HD-1999-000001"})
    html = result.get_data(as_text=True)
    assert "1件を紐付けました。1件は紐付けられませんでした。" in html and "HD-1999-000001" in html
    db.session.expire_all()
    assert db.session.get(Ticket, second.id).parent_id == incident.ticket_id  # type: ignore[union-attr]


def test_staff_see_the_banner_report_with_one_click_and_follow_the_status_page(
    app: Flask, make_user: MakeUser, login_as: LoginAs
) -> None:
    supervisor, agent, staff = make_user(Role.SUPERVISOR), make_user(Role.AGENT), make_user()
    client = login_as(app.test_client(), staff)
    assert "私も影響を受けています" not in client.get("/portal/").get_data(as_text=True)
    incident = _declare(supervisor, notice_ja="現在、本省でメールが利用できません。")
    for path in ("/portal/", "/portal/tickets/new"):
        html = client.get(path).get_data(as_text=True)
        assert "現在、本省でメールが利用できません。" in html and "私も影響を受けています" in html
    token = csrf_token(client, "/portal/")
    response = client.post(f"/portal/incidents/{incident.id}/affected", data={"csrf_token": token})
    assert response.status_code == 302
    mine = db.session.scalars(select(Ticket).where(Ticket.requester_id == staff.id)).one()
    assert mine.parent_id == incident.ticket_id
    # Having reported, the banner shows the report instead of the button.
    home = client.get("/portal/").get_data(as_text=True)
    assert f"報告済みです（{mine.number}）" in home and "私も影響を受けています" not in home
    incidents.post_update(incident.id, "11:00 に復旧する見込みです。", actor=actor_of(agent), now=utcnow())
    ticket_page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "この報告は障害「本省でメールが使えない」として対応しています" in ticket_page
    assert "11:00 に復旧する見込みです。" in ticket_page
    status = client.get("/portal/status").get_data(as_text=True)
    assert f"報告済みです（{mine.number}）" in status and "11:00 に復旧する見込みです。" in status
    client.post(f"/portal/incidents/{incident.id}/subscribe", data={"csrf_token": token})
    assert db.session.scalars(select(IncidentSubscription)).one().user_id == staff.id
    assert "お知らせを停止する" in client.get("/portal/status").get_data(as_text=True)
    client.post(f"/portal/incidents/{incident.id}/unsubscribe", data={"csrf_token": token})
    db.session.expire_all()
    assert db.session.scalars(select(IncidentSubscription)).first() is None
    # Resolved: the banner goes, the status page keeps it as resolved.
    tickets.resolve(incident.ticket_id, ResolutionCode.FIXED, "復旧しました", actor=actor_of(agent),
                    now=utcnow())
    assert "私も影響を受けています" not in client.get("/portal/").get_data(as_text=True)
    assert "解決済み" in client.get("/portal/status").get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Ticket, mine.id).status is TicketStatus.RESOLVED  # type: ignore[union-attr]


def test_a_private_incident_shows_no_banner_and_refuses_me_too(
    app: Flask, make_user: MakeUser, login_as: LoginAs
) -> None:
    incident = _declare(make_user(Role.SUPERVISOR), is_public=False)
    client = login_as(app.test_client(), make_user())
    assert "私も影響を受けています" not in client.get("/portal/").get_data(as_text=True)
    assert incident.title not in client.get("/portal/status").get_data(as_text=True)
    token = csrf_token(client, "/portal/")
    refused = client.post(f"/portal/incidents/{incident.id}/affected", data={"csrf_token": token})
    assert refused.status_code == 404


def test_the_ministry_registers_a_serious_incident_with_a_reason(
    app: Flask, make_user: MakeUser, login_as: LoginAs
) -> None:
    incident = _declare(make_user(Role.SUPERVISOR))
    client = login_as(app.test_client(), make_user(Role.ADMIN))
    assert incident.title in client.get("/admin/incidents").get_data(as_text=True)
    token = csrf_token(client, f"/admin/incidents/{incident.id}")
    refused = client.post(f"/admin/incidents/{incident.id}/serious",
                          data={"csrf_token": token, "serious": "y", "reason": ""})
    assert refused.status_code == 422
    assert '<p class="field-error" id="reason-error">必須です。</p>' in refused.get_data(as_text=True)
    done = client.post(f"/admin/incidents/{incident.id}/serious",
                       data={"csrf_token": token, "serious": "y", "reason": "全庁で2時間メールが停止した"})
    assert done.status_code == 302
    db.session.expire_all()
    row = db.session.get(MajorIncident, incident.id)
    assert row is not None and row.is_serious and row.serious_reason == "全庁で2時間メールが停止した"
    report = client.get(f"/admin/incidents/{incident.id}/report").get_data(as_text=True)
    assert "全庁で2時間メールが停止した" in report


def test_update_notifications_link_to_the_status_page(
    app: Flask, make_user: MakeUser, login_as: LoginAs
) -> None:
    supervisor, staff = make_user(Role.SUPERVISOR), make_user()
    incident = _declare(supervisor)
    incidents.subscribe(incident.id, actor=actor_of(staff), now=utcnow())
    update = incidents.post_update(incident.id, "復旧作業中です。", actor=actor_of(supervisor), now=utcnow())
    incidents.broadcast_update(update.id, source_key="outbox:1", now=utcnow())
    client = login_as(app.test_client(), staff)
    for path in ("/portal/", "/notifications"):
        html = client.get(path).get_data(as_text=True)
        assert "障害情報「本省でメールが使えない」の更新: 復旧作業中です。" in html
        assert 'href="/portal/status"' in html
