"""Held mail reviewed by an agent: a new ticket for the right person, a note on a ticket, or nothing."""

from __future__ import annotations

from email.message import EmailMessage
from typing import Any

from flask import Flask
from sqlalchemy import select

from helpdesk.accounts.models import Role
from helpdesk.audit.models import AuditEvent
from helpdesk.core.time import utcnow
from helpdesk.mail import services as mail
from helpdesk.mail.models import MailMessage, MailStatus
from helpdesk.tickets.models import Message, Ticket
from helpdesk.tickets.states import Channel, MessageKind
from tests.conftest import LoginAs, MakeTicket, MakeUser, csrf_token


def _hold(app: Flask, sender: str, subject: str, body: str, message_id: str) -> int:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = sender, "helpdesk@example.go.jp", subject
    message["Message-ID"] = f"<{message_id}>"
    message.set_content(body)
    result = mail.ingest(message.as_bytes(), now=utcnow(), settings=mail.settings_from(app.config))
    assert result.status is MailStatus.QUARANTINED
    return result.mail_id


def test_an_agent_turns_a_strangers_mail_into_a_ticket_for_a_member_of_staff(
    app: Flask, make_user: MakeUser, login_as: LoginAs, db: Any
) -> None:
    staff = make_user(email="jiro@example.go.jp")
    held = _hold(app, "jiro.private@example.com", "自宅から送信", "VPNがつながりません", "h1@x")
    desk = login_as(app.test_client(), make_user(Role.AGENT))
    page = desk.get("/console/").get_data(as_text=True)
    assert "保留中のメール" in page
    listing = desk.get("/console/mail").get_data(as_text=True)
    assert "自宅から送信" in listing and "登録されていない差出人" in listing
    token = csrf_token(desk, "/console/mail")
    wrong = desk.post(
        f"/console/mail/{held}/ticket",
        data={"csrf_token": token, "requester": "nobody@x"},
        follow_redirects=True,
    )
    assert "職員のメールアドレスを入力してください。" in wrong.get_data(as_text=True)
    done = desk.post(f"/console/mail/{held}/ticket", data={"csrf_token": token, "requester": staff.email})
    assert done.status_code == 302
    db.session.expire_all()
    ticket = db.session.scalar(select(Ticket).where(Ticket.requester_id == staff.id))
    assert (ticket.channel, ticket.subject, ticket.description) == (
        Channel.MAIL,
        "自宅から送信",
        "VPNがつながりません",
    )
    row = db.session.get(MailMessage, held)
    assert (row.status, row.ticket_id) == (MailStatus.ACCEPTED, ticket.id)
    assert db.session.scalar(select(AuditEvent.action).where(AuditEvent.action == "mail.reviewed"))
    assert "自宅から送信" not in desk.get("/console/mail").get_data(as_text=True)


def test_a_reply_from_someone_else_becomes_an_internal_note_or_is_discarded(
    app: Flask, make_user: MakeUser, make_ticket: MakeTicket, login_as: LoginAs, db: Any
) -> None:
    requester = make_user(email="owner@example.go.jp")
    make_user(email="colleague@example.go.jp")
    ticket = make_ticket(requester=requester)
    held = _hold(app, "colleague@example.go.jp", f"Re: [{ticket.number}]", "同じ症状です", "h2@x")
    spam = _hold(app, "spam@example.com", "広告", "買ってください", "h3@x")
    desk = login_as(app.test_client(), make_user(Role.AGENT))
    listing = desk.get("/console/mail").get_data(as_text=True)
    assert f'value="{ticket.number}"' in listing  # the ticket the reply was aimed at, filled in
    token = csrf_token(desk, "/console/mail")
    assert (
        desk.post(
            f"/console/mail/{held}/note", data={"csrf_token": token, "number": ticket.number}
        ).status_code
        == 302
    )
    assert desk.post(f"/console/mail/{spam}/discard", data={"csrf_token": token}).status_code == 302
    db.session.expire_all()
    note = db.session.scalar(
        select(Message).where(Message.ticket_id == ticket.id, Message.kind == MessageKind.INTERNAL_NOTE)
    )
    assert "colleague@example.go.jp" in note.body and "同じ症状です" in note.body
    assert db.session.get(MailMessage, spam).status is MailStatus.IGNORED
    staff_view = (
        login_as(app.test_client(), requester).get(f"/portal/tickets/{ticket.number}").get_data(as_text=True)
    )
    assert "同じ症状です" not in staff_view
