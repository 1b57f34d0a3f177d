"""Every route × every role: who gets the page, who is refused, who is sent to sign in.

A route that is not in MATRIX fails the test, so a new page cannot ship without a
decision about who may see it.
"""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from helpdesk.accounts.models import Role, User
from tests.conftest import LoginAs, MakeTicket, MakeUser, csrf_token

ROLES = ("anonymous", "requester", "agent", "supervisor", "vendor", "security", "admin")
DESK = {"agent", "supervisor", "security"}
WORKERS = {"agent", "supervisor"}
#: Statuses that show the caller was let in (a bare POST may fail validation or the state table).
LET_IN = (200, 302, 409, 422)
SIGNED_IN = set(ROLES) - {"anonymous"}
#: The knowledge base in the console: the desk, security and the ministry's IT office read it;
#: security does not write.
KB_READERS = {"agent", "supervisor", "security", "admin"}
KB_EDITORS = {"agent", "supervisor", "admin"}

#: endpoint → (method, path template, roles that are let in). ``{own}`` is a ticket
#: number of the signed-in requester; ``{user}`` the id of some other user; ``{article}``
#: a published knowledge-base article for staff.
MATRIX: dict[str, tuple[str, str, set[str]]] = {
    "health.healthz": ("GET", "/healthz", set(ROLES)),
    "static": ("GET", "/static/css/app.css", set(ROLES)),
    "account.index": ("GET", "/", set(ROLES)),
    "account.login": ("GET", "/login", set(ROLES)),
    "account.logout": ("POST", "/logout", set(ROLES)),
    "account.set_locale": ("POST", "/locale", set(ROLES)),
    "account.profile": ("GET", "/profile", SIGNED_IN),
    "account.notifications": ("GET", "/notifications", SIGNED_IN),
    "account.mark_notifications_read": ("POST", "/notifications/read", SIGNED_IN),
    "account.set_shortcuts": ("POST", "/profile/shortcuts", DESK),
    "account.set_mail_preference": ("POST", "/profile/mail", SIGNED_IN),
    "portal.home": ("GET", "/portal/", {"requester"}),
    "portal.new_ticket": ("GET", "/portal/tickets/new", {"requester"}),
    "portal.ticket": ("GET", "/portal/tickets/{own}", {"requester"}),
    "portal.reply": ("POST", "/portal/tickets/{own}/reply", {"requester"}),
    "portal.confirm": ("POST", "/portal/tickets/{own}/confirm", {"requester"}),
    "portal.reopen": ("POST", "/portal/tickets/{own}/reopen", {"requester"}),
    "portal.rate": ("POST", "/portal/tickets/{own}/rating", {"requester"}),
    "portal.attachment": ("GET", "/portal/tickets/{own}/attachments/{file}", {"requester"}),
    "portal.kb_home": ("GET", "/portal/kb?q=VPN", {"requester"}),
    "portal.kb_suggest": ("GET", "/portal/kb/suggest?q=VPNに接続できない", {"requester"}),
    "portal.kb_article": ("GET", "/portal/kb/{article}", {"requester"}),
    "portal.kb_solved": ("POST", "/portal/kb/{article}/solved", {"requester"}),
    "portal.kb_rate": ("POST", "/portal/kb/{article}/rating", {"requester"}),
    "console.kb_list": ("GET", "/console/kb", KB_READERS),
    "console.kb_new": ("GET", "/console/kb/new", KB_EDITORS),
    "console.kb_article": ("GET", "/console/kb/{article}", KB_READERS),
    "console.kb_edit": ("GET", "/console/kb/{article}/edit", KB_EDITORS),
    "console.kb_status": ("POST", "/console/kb/{article}/status", KB_EDITORS),
    "console.kb_versions": ("GET", "/console/kb/{article}/versions", KB_READERS),
    "console.kb_version": ("GET", "/console/kb/{article}/versions/1", KB_READERS),
    "console.kb_save_category": ("POST", "/console/kb/categories", {"supervisor", "admin"}),
    # {own} is not resolved yet: editors are let in and told so (409); the rules are in test_knowledge.py.
    "console.kb_draft_from_ticket": ("POST", "/console/tickets/{own}/kb-draft", KB_EDITORS),
    "console.attachment": ("GET", "/console/tickets/{own}/attachments/{file}", DESK),
    "console.queue": ("GET", "/console/", DESK),
    "console.ticket": ("GET", "/console/tickets/{own}", DESK),
    "console.search": ("GET", "/console/search?q=メール", DESK),
    "console.phone": ("GET", "/console/phone?q=山田", WORKERS),
    "console.phone_callers": ("GET", "/console/phone/callers?q=やまだ", WORKERS),
    "console.log_call": ("POST", "/console/phone", WORKERS),
    "console.bulk": ("POST", "/console/bulk", WORKERS),
    "console.canned_responses": ("GET", "/console/canned", {"supervisor"}),
    "console.save_view": ("POST", "/console/views", DESK),
    "console.delete_view": ("POST", "/console/views/999/delete", DESK),
    # The security team reads every ticket but works only confidential ones.
    "console.add_message": ("POST", "/console/tickets/{own}/messages/internal_note", WORKERS),
    "console.assign": ("POST", "/console/tickets/{own}/assign", WORKERS),
    "console.update_fields": ("POST", "/console/tickets/{own}/fields", WORKERS),
    "console.change_status": ("POST", "/console/tickets/{own}/status", WORKERS),
    "console.resolve": ("POST", "/console/tickets/{own}/resolve", WORKERS),
    "console.record_restoration": ("POST", "/console/tickets/{own}/restored", WORKERS),
    "console.sla_overview": ("GET", "/console/sla", {"supervisor"}),
    # The dashboard covers every queue and both contractors: supervisors, like the SLA overview.
    "console.dashboard": ("GET", "/console/dashboard", {"supervisor"}),
    "console.dashboard_panel": ("GET", "/console/dashboard/panel", {"supervisor"}),
    # Downloads of a list go to whoever may see the list (test_ticket_csv.py checks the rows).
    "console.queue_csv": ("GET", "/console/queue.csv?view=open", DESK),
    "console.search_csv": ("GET", "/console/search.csv?q=メール", DESK),
    "portal.tickets_csv": ("GET", "/portal/tickets.csv", {"requester"}),
    # Held mail: the call centre reviews it. No mail 999 is held, so everyone is refused here
    # (tests/web/test_console_mail.py has the real ones).
    "console.held_mail": ("GET", "/console/mail", WORKERS),
    "console.release_mail_as_ticket": ("POST", "/console/mail/999/ticket", set()),
    "console.release_mail_as_note": ("POST", "/console/mail/999/note", set()),
    "console.discard_mail": ("POST", "/console/mail/999/discard", set()),
    "console.relate": ("POST", "/console/tickets/{own}/relations", WORKERS),
    # Presence is for everyone in the console who may see the ticket, readers included.
    "console.presence_heartbeat": ("POST", "/console/tickets/{own}/presence", DESK),
    "console.escalate": ("POST", "/console/tickets/{own}/handoffs", WORKERS),
    # Only for confidential tickets, which {own} is not: 404 for everyone (test_console_confidential.py).
    "console.break_glass": ("POST", "/console/tickets/{own}/break-glass", set()),
    "console.post_party_note": ("POST", "/console/tickets/{own}/party-notes", WORKERS),
    # No handoff 999 exists: everyone is refused (tests/web/test_console_handoffs.py has the real ones).
    "console.withdraw_handoff": ("POST", "/console/handoffs/999/withdraw", set()),
    "console.accept_handback": ("POST", "/console/handoffs/999/accept", set()),
    "console.reject_handback": ("POST", "/console/handoffs/999/reject", set()),
    # Major incidents: the desk and security follow them; supervisors declare; the ministry
    # registers serious ones (重大障害).
    "console.incidents_home": ("GET", "/console/incidents", DESK),
    "console.declare_incident": ("GET", "/console/incidents/new", {"supervisor"}),
    "console.incident": ("GET", "/console/incidents/{incident}", DESK),
    "console.incident_report": ("GET", "/console/incidents/{incident}/report", DESK),
    "console.post_incident_update": ("POST", "/console/incidents/{incident}/updates", WORKERS),
    "console.restore_incident": ("POST", "/console/incidents/{incident}/restoration", WORKERS),
    "console.resolve_incident": ("POST", "/console/incidents/{incident}/resolve", WORKERS),
    "console.change_incident_notice": ("POST", "/console/incidents/{incident}/notice", {"supervisor"}),
    "console.link_to_incident": ("POST", "/console/incidents/{incident}/link", WORKERS),
    "console.link_selected_to_incident": ("POST", "/console/incidents/link-selected", WORKERS),
    "console.unlink_from_incident": ("POST", "/console/incidents/{incident}/unlink/999", set()),
    "console.link_ticket_to_incident": ("POST", "/console/tickets/{own}/incident", WORKERS),
    # No proposal 999 exists: everyone is refused (tests/web/test_incident_pages.py has the real ones).
    "console.declare_proposal": ("POST", "/console/incidents/proposals/999/declare", set()),
    "console.dismiss_proposal": ("POST", "/console/incidents/proposals/999/dismiss", set()),
    "portal.status": ("GET", "/portal/status", {"requester"}),
    "portal.report_affected": ("POST", "/portal/incidents/{incident}/affected", {"requester"}),
    "portal.subscribe": ("POST", "/portal/incidents/{incident}/subscribe", {"requester"}),
    "portal.unsubscribe": ("POST", "/portal/incidents/{incident}/unsubscribe", {"requester"}),
    # Monthly service-level reports: supervisors in the console, the ministry in admin. No job or
    # snapshot 999 exists: everyone is refused (tests/web/test_report_pages.py has the real ones).
    "console.reports_home": ("GET", "/console/reports", {"supervisor"}),
    "console.request_report": ("POST", "/console/reports", {"supervisor"}),
    "console.report_job": ("GET", "/console/reports/jobs/999", set()),
    "console.report_job_status": ("GET", "/console/reports/jobs/999.json", set()),
    "console.report": ("GET", "/console/reports/999", set()),
    "console.report_download": ("GET", "/console/reports/999/service-level.xlsx", set()),
    "admin.reports_home": ("GET", "/admin/reports", {"admin"}),
    "admin.request_report": ("POST", "/admin/reports", {"admin"}),
    "admin.report_job": ("GET", "/admin/reports/jobs/999", set()),
    "admin.report_job_status": ("GET", "/admin/reports/jobs/999.json", set()),
    "admin.report": ("GET", "/admin/reports/999", set()),
    "admin.report_download": ("GET", "/admin/reports/999/service-level.xlsx", set()),
    # The full data export: the ministry's IT office only. No export job 999 exists: everyone is
    # refused (tests/web/test_export_pages.py has the real ones).
    "admin.export_home": ("GET", "/admin/export", {"admin"}),
    "admin.request_export": ("POST", "/admin/export", {"admin"}),
    "admin.export_job": ("GET", "/admin/export/jobs/999", set()),
    "admin.export_job_status": ("GET", "/admin/export/jobs/999.json", set()),
    "admin.export_download": ("GET", "/admin/export/jobs/999/helpdesk-export.zip", set()),
    "admin.delete_export": ("POST", "/admin/export/jobs/999/delete", set()),
    "admin.incidents_list": ("GET", "/admin/incidents", {"admin"}),
    "admin.incident": ("GET", "/admin/incidents/{incident}", {"admin"}),
    "admin.incident_report": ("GET", "/admin/incidents/{incident}/report", {"admin"}),
    "admin.register_serious": ("POST", "/admin/incidents/{incident}/serious", {"admin"}),
    "vendor.queue": ("GET", "/vendor/", {"vendor", "security"}),
    "vendor.held_tickets_csv": ("GET", "/vendor/tickets.csv", {"vendor", "security"}),
    # A ticket that was never handed to the caller's party: 404 for vendors, 403 for the rest
    # (tests/web/test_vendor.py covers the handed-over side).
    "vendor.ticket": ("GET", "/vendor/tickets/{own}", set()),
    "vendor.post_note": ("POST", "/vendor/tickets/{own}/notes", set()),
    "vendor.hand_back": ("POST", "/vendor/tickets/{own}/handback", set()),
    "vendor.attachment": ("GET", "/vendor/tickets/{own}/attachments/{file}", set()),
    "vendor.handoff": ("GET", "/vendor/handoffs/999", set()),
    "vendor.accept": ("POST", "/vendor/handoffs/999/accept", set()),
    "vendor.reject": ("POST", "/vendor/handoffs/999/reject", set()),
    "admin.users": ("GET", "/admin/users", {"admin"}),
    "admin.webhooks": ("GET", "/admin/webhooks", {"admin"}),
    "admin.demarcation": ("GET", "/admin/demarcation", {"admin"}),
    "admin.parties": ("GET", "/admin/parties", {"admin"}),
    "admin.sla_policy": ("GET", "/admin/sla", {"admin"}),
    "admin.calendars": ("GET", "/admin/calendars", {"admin"}),
    "admin.outbound_mail": ("GET", "/admin/mail", {"admin"}),
    "admin.set_calendar_hours": ("POST", "/admin/calendars/1/hours", {"admin"}),
    "admin.add_closure": ("POST", "/admin/closures", {"admin"}),
    "admin.remove_closure": ("POST", "/admin/closures/999/delete", {"admin"}),
    "admin.update_party": ("POST", "/admin/parties/2", {"admin"}),
    "admin.add_party_member": ("POST", "/admin/parties/2/members", {"admin"}),
    "admin.remove_party_member": ("POST", "/admin/parties/2/members/1/remove", {"admin"}),
    "admin.demarcation_csv": ("GET", "/admin/demarcation.csv", {"admin"}),
    "admin.set_demarcation_row": ("POST", "/admin/demarcation/row", {"admin"}),
    "admin.import_demarcation": ("POST", "/admin/demarcation/import", {"admin"}),
    "admin.save_webhook": ("POST", "/admin/webhooks/2", {"admin"}),
    "admin.replay_webhook": ("POST", "/admin/webhooks/deliveries/999/replay", set()),
    "admin.deactivate": ("POST", "/admin/users/{user}/deactivate", {"admin"}),
    "admin.reactivate": ("POST", "/admin/users/{user}/reactivate", {"admin"}),
    # The API answers API keys only, never a browser session (tests/web/test_api_tickets.py has its matrix).
    "api.me": ("GET", "/api/v1/me", set()),
    "api.create_ticket": ("POST", "/api/v1/tickets", set()),
    "api.list_tickets": ("GET", "/api/v1/tickets", set()),
    "api.get_ticket": ("GET", "/api/v1/tickets/{own}", set()),
    "api.update_ticket": ("PATCH", "/api/v1/tickets/{own}", set()),
    "api.add_message": ("POST", "/api/v1/tickets/{own}/messages", set()),
    "api.add_attachments": ("POST", "/api/v1/tickets/{own}/attachments", set()),
    "api.get_attachment": ("GET", "/api/v1/tickets/{own}/attachments/{file}", set()),
    "api.list_handoffs": ("GET", "/api/v1/handoffs", set()),
    "api.get_handoff": ("GET", "/api/v1/handoffs/999", set()),
    "api.accept_handoff": ("POST", "/api/v1/handoffs/999/accept", set()),
    "api.reject_handoff": ("POST", "/api/v1/handoffs/999/reject", set()),
    "api.withdraw_handoff": ("POST", "/api/v1/handoffs/999/withdraw", set()),
    "api.request_handoff": ("POST", "/api/v1/tickets/{own}/handoffs", set()),
    "api.hand_back": ("POST", "/api/v1/tickets/{own}/handback", set()),
    "api.responsibility": ("GET", "/api/v1/tickets/{own}/responsibility", set()),
    "api.openapi_document": ("GET", "/api/v1/openapi.json", set(ROLES)),
    "api.docs": ("GET", "/api/v1/docs", set(ROLES)),
}


def test_every_route_has_a_matrix_entry(app: Flask) -> None:
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert endpoints - MATRIX.keys() == set(), "add the new routes to MATRIX"
    assert MATRIX.keys() - endpoints == set(), "MATRIX names routes that no longer exist"


@pytest.mark.parametrize("role", ROLES)
def test_role_sees_exactly_what_it_may(
    role: str, app: Flask, people: dict[str, User], make_ticket: MakeTicket, login_as: LoginAs, db: Any
) -> None:
    client = app.test_client()
    if role != "anonymous":
        login_as(client, people[role])
    objects = matrix_objects(app, people, make_ticket)
    victim = people["vendor"] if role == "admin" else people["agent"]
    surprises = []
    # Signing out last, so every other route is called while signed in.
    for endpoint, (method, template, allowed) in sorted(
        MATRIX.items(), key=lambda i: i[0] == "account.logout"
    ):
        path = template.format(**objects, user=victim.id)
        status = _call(client, method, path)
        if role in allowed:
            ok = status in LET_IN or (endpoint == "health.healthz" and status == 503)
        elif role == "anonymous":
            ok = status in (302, 401) and (status != 302 or _goes_to_login(client, method, path))
        else:
            ok = status in (401, 403, 404)
        if not ok:
            surprises.append(f"{role} {method} {path} → {status}")
    assert surprises == []


def matrix_objects(app: Flask, people: dict[str, User], make_ticket: MakeTicket) -> dict[str, Any]:
    """What the matrix's paths name, made through the real services: the requester's own ticket
    (``{own}``) with a file (``{file}``), a published article and a declared major incident."""
    own = make_ticket(requester=people["requester"])
    return {"own": own.number, "file": attach(app, own, people["requester"]),
            "article": publish_article(people["agent"]), "incident": declare_incident(people["supervisor"])}


def attach(app: Flask, ticket: Any, author: User) -> int:
    """Put a public PDF on the ticket through the real service; return its id."""
    import io

    from helpdesk.core.storage import FileStore
    from helpdesk.tickets import services as tickets
    from helpdesk.tickets.attachments import AttachmentLimits, Upload
    from helpdesk.tickets.states import MessageKind
    from tests import files
    from tests.conftest import T0, actor_of

    limits = AttachmentLimits(FileStore(app.config["ATTACHMENT_ROOT"]), 1024 * 1024, 5)
    message = tickets.add_message(
        ticket.id,
        MessageKind.PUBLIC_REPLY,
        "資料です",
        actor=actor_of(author),
        now=T0,
        uploads=[Upload("資料.pdf", io.BytesIO(files.PDF))],
        limits=limits,
    )
    return int(message.attachments[0].id)


def publish_article(author: User) -> int:
    """A published staff article written through the real services; return its id."""
    from helpdesk.knowledge import services as kb
    from tests.conftest import T0, actor_of

    article = kb.create_article(
        kb.ArticleFields(title="VPNに接続できない時", body="証明書の期限を確認してください。"),
        actor=actor_of(author), now=T0)
    kb.publish(article.id, actor=actor_of(author), now=T0)
    return int(article.id)


def declare_incident(supervisor: User) -> int:
    """A public major incident declared through the real service; return its id."""
    from helpdesk.incidents import services as incidents
    from tests.conftest import T0, actor_of

    draft = incidents.IncidentDraft(title="本省でメールが使えない", service_code="mail")
    return int(incidents.declare(draft, actor=actor_of(supervisor), now=T0).id)


def _call(client: FlaskClient, method: str, path: str) -> int:
    if method == "GET":
        response = client.get(path)
        response.close()  # static files are streamed from an open file
        return response.status_code
    token = csrf_token(client, "/login")
    return client.open(path, method=method, data={"csrf_token": token}).status_code


def _goes_to_login(client: FlaskClient, method: str, path: str) -> bool:
    response = (
        client.get(path)
        if method == "GET"
        else client.open(path, method=method, data={"csrf_token": csrf_token(client, "/login")})
    )
    return "/login" in response.headers.get("Location", "")


def test_requester_cannot_open_another_requesters_ticket(
    app: Flask, make_user: MakeUser, make_ticket: MakeTicket, login_as: LoginAs
) -> None:
    alice, bob = make_user(), make_user()
    ticket = make_ticket(requester=alice)
    client = login_as(app.test_client(), bob)
    assert client.get(f"/portal/tickets/{ticket.number}").status_code == 404
    assert ticket.subject not in client.get("/portal/").get_data(as_text=True)


def test_agents_queue_hides_confidential_subjects(
    app: Flask, make_user: MakeUser, make_ticket: MakeTicket, login_as: LoginAs
) -> None:
    from helpdesk.tickets.states import TicketType

    make_ticket(type=TicketType.SECURITY, subject="不審メールの添付を開いてしまった")
    agent_page = login_as(app.test_client(), make_user(Role.AGENT)).get("/console/").get_data(as_text=True)
    security_page = (
        login_as(app.test_client(), make_user(Role.SECURITY)).get("/console/").get_data(as_text=True)
    )
    assert "不審メール" not in agent_page
    assert "不審メール" in security_page
