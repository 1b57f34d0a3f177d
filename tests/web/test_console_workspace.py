"""The ticket workspace over HTTP: stale replies, validation, internal notes stay internal."""

from __future__ import annotations

import re
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from helpdesk.accounts.models import Role
from helpdesk.tickets import services as tickets
from helpdesk.tickets.states import MessageKind, TicketType
from tests.conftest import T0, LoginAs, MakeTicket, MakeUser, actor_of, csrf_token


def _seen(client: FlaskClient, number: str) -> str:
    html = client.get(f"/console/tickets/{number}").get_data(as_text=True)
    match = re.search(r'name="public_reply-seen_up_to" type="hidden" value="(\d*)"', html)
    assert match, "the reply form carries what it has seen"
    return match.group(1)


def test_agent_replies_and_the_requester_sees_only_the_public_part(
    app: Flask, make_user: MakeUser, make_ticket: MakeTicket, login_as: LoginAs
) -> None:
    requester, agent = make_user(), make_user(Role.AGENT)
    ticket = make_ticket(requester=requester)
    desk = login_as(app.test_client(), agent)
    token = csrf_token(desk, f"/console/tickets/{ticket.number}")
    desk.post(
        f"/console/tickets/{ticket.number}/messages/internal_note",
        data={"csrf_token": token, "internal_note-body": "社内メモ: サーバ再起動予定"},
    )
    response = desk.post(
        f"/console/tickets/{ticket.number}/messages/public_reply",
        data={
            "csrf_token": token,
            "public_reply-body": "確認いたします。",
            "public_reply-seen_up_to": _seen(desk, ticket.number),
        },
    )
    assert response.status_code == 302
    staff_page = login_as(app.test_client(), requester).get(f"/portal/tickets/{ticket.number}")
    html = staff_page.get_data(as_text=True)
    assert "確認いたします。" in html
    assert "社内メモ" not in html


def test_stale_reply_form_is_refused_with_409_and_keeps_the_text(
    app: Flask, make_user: MakeUser, make_ticket: MakeTicket, login_as: LoginAs
) -> None:
    requester, agent = make_user(), make_user(Role.AGENT)
    ticket = make_ticket(requester=requester)
    desk = login_as(app.test_client(), agent)
    seen = _seen(desk, ticket.number)
    tickets.add_message(
        ticket.id, MessageKind.PUBLIC_REPLY, "追加情報です。", actor=actor_of(requester), now=T0
    )
    response = desk.post(
        f"/console/tickets/{ticket.number}/messages/public_reply",
        data={
            "csrf_token": csrf_token(desk, "/console/"),
            "public_reply-body": "再起動してください。",
            "public_reply-seen_up_to": seen,
        },
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "新しいやりとりがありました" in html
    assert "追加情報です。" in html
    assert "再起動してください。" in html  # what the agent typed is kept


def test_resolve_without_summary_says_why(
    app: Flask, make_user: MakeUser, make_ticket: MakeTicket, login_as: LoginAs
) -> None:
    ticket = make_ticket()
    desk = login_as(app.test_client(), make_user(Role.AGENT))
    response = desk.post(
        f"/console/tickets/{ticket.number}/resolve",
        data={"csrf_token": csrf_token(desk, "/console/"), "code": "fixed", "summary": ""},
    )
    assert response.status_code == 422
    assert "解決内容を入力してください。" in response.get_data(as_text=True)


def test_agent_cannot_open_a_confidential_workspace(
    app: Flask, make_user: MakeUser, make_ticket: MakeTicket, login_as: LoginAs
) -> None:
    ticket = make_ticket(type=TicketType.SECURITY, subject="不審なメールの添付を開いた")
    desk = login_as(app.test_client(), make_user(Role.AGENT))
    stub = desk.get(f"/console/tickets/{ticket.number}").get_data(as_text=True)
    assert "不審なメール" not in stub and "緊急閲覧する" in stub  # a stub, not the workspace
    assert "内部メモを保存" not in stub
    security = login_as(app.test_client(), make_user(Role.SECURITY))
    assert security.get(f"/console/tickets/{ticket.number}").status_code == 200


def test_requester_confirms_rates_and_cannot_rate_twice(
    app: Flask, make_user: MakeUser, make_ticket: MakeTicket, login_as: LoginAs, db: Any
) -> None:
    from helpdesk.tickets.states import ResolutionCode

    requester = make_user()
    ticket = make_ticket(requester=requester)
    tickets.resolve(
        ticket.id, ResolutionCode.FIXED, "復旧しました。", actor=actor_of(make_user(Role.AGENT)), now=T0
    )
    staff = login_as(app.test_client(), requester)
    page = f"/portal/tickets/{ticket.number}"
    assert staff.post(f"{page}/confirm", data={"csrf_token": csrf_token(staff, page)}).status_code == 302
    rated = staff.post(f"{page}/rating", data={"csrf_token": csrf_token(staff, page), "rating": "4"})
    assert rated.status_code == 302
    again = staff.post(f"{page}/rating", data={"csrf_token": csrf_token(staff, page), "rating": "1"})
    assert again.status_code == 409
    db.session.refresh(ticket)
    assert ticket.satisfaction_rating == 4


def test_search_box_opens_a_ticket_number_or_searches_text(
    app: Flask, make_user: MakeUser, make_ticket: MakeTicket, login_as: LoginAs
) -> None:
    ticket = make_ticket(subject="ＶＰＮに接続できません", description="在宅勤務中に証明書エラー")
    make_ticket(subject="プリンタで印刷できない")
    desk = login_as(app.test_client(), make_user(Role.AGENT))
    short = str(int(ticket.number.rsplit("-", 1)[1]))
    assert (
        desk.get(f"/console/search?q={short}")
        .headers["Location"]
        .endswith(f"/console/tickets/{ticket.number}")
    )
    html = desk.get("/console/search?q=vpn 証明書").get_data(as_text=True)
    assert ticket.number in html
    assert "プリンタ" not in html
    assert "一致するチケットはありません。" in desk.get("/console/search?q=HD-2026-999999").get_data(
        as_text=True
    )


def test_queue_filters_render_and_apply(
    app: Flask, make_user: MakeUser, make_ticket: MakeTicket, login_as: LoginAs
) -> None:
    make_ticket(subject="印刷できません", type=TicketType.INQUIRY)
    make_ticket(subject="メールが届きません", type=TicketType.FAULT)
    desk = login_as(app.test_client(), make_user(Role.AGENT))
    html = desk.get("/console/?view=open&type=inquiry").get_data(as_text=True)
    assert "印刷できません" in html
    assert "メールが届きません" not in html
    assert desk.get("/console/?view=nonsense&sort=evil;drop").status_code == 200


def test_bell_counts_unread_notifications_until_read(
    app: Flask, make_user: MakeUser, make_ticket: MakeTicket, login_as: LoginAs
) -> None:
    from helpdesk.notifications import services as notifications

    requester = make_user()
    ticket = make_ticket(requester=requester)
    notifications.notify_ticket_opened(ticket.id, source_key="test:1", now=T0)
    staff = login_as(app.test_client(), requester)
    assert 'class="count"' in staff.get("/portal/").get_data(as_text=True)
    page = staff.get("/notifications").get_data(as_text=True)
    assert f"{ticket.number} を受け付けました。" in page
    staff.post("/notifications/read", data={"csrf_token": csrf_token(staff, "/notifications")})
    assert 'class="count"' not in staff.get("/portal/").get_data(as_text=True)


def test_bulk_assign_from_the_queue(
    app: Flask, make_user: MakeUser, make_ticket: MakeTicket, login_as: LoginAs, db: Any
) -> None:
    first, second = make_ticket(), make_ticket()
    agent = make_user(Role.AGENT)
    desk = login_as(app.test_client(), agent)
    token = csrf_token(desk, "/console/")
    response = desk.post(
        "/console/bulk",
        data={
            "csrf_token": token,
            "ticket": [str(first.id), str(second.id)],
            "action": "assign",
            "assign_value": str(agent.id),
        },
    )
    assert response.status_code == 200
    assert "2件を変更しました。0件は変更できませんでした。" in response.get_data(as_text=True)
    db.session.refresh(first)
    assert first.assignee_id == agent.id


def test_agent_saves_and_reopens_a_view(
    app: Flask, make_user: MakeUser, make_ticket: MakeTicket, login_as: LoginAs
) -> None:
    make_ticket(subject="印刷できません", type=TicketType.INQUIRY)
    make_ticket(subject="メールが届きません", type=TicketType.FAULT)
    desk = login_as(app.test_client(), make_user(Role.AGENT))
    token = csrf_token(desk, "/console/")
    saved = desk.post(
        "/console/views",
        data={"csrf_token": token, "name": "問い合わせだけ", "view": "open", "type": "inquiry"},
    )
    assert saved.status_code == 302
    page = desk.get(saved.headers["Location"]).get_data(as_text=True)
    assert "問い合わせだけ" in page
    assert "印刷できません" in page
    assert "メールが届きません" not in page
