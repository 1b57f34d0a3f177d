"""Outbound mail from notifications: who gets which mail, in which language, threaded; sent once."""

from __future__ import annotations

import email
import zlib
from email import policy
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from helpdesk.accounts import services as accounts
from helpdesk.accounts.models import Role
from helpdesk.core.db import unit_of_work
from helpdesk.core.errors import PermissionDenied
from helpdesk.core.outbox import OutboxMessage
from helpdesk.mail import delivery, parsing, tokens
from helpdesk.mail.models import MailAddress, MailDirection, MailMessage, MailStatus
from helpdesk.notifications import services as notifications
from helpdesk.tickets import services as tickets
from helpdesk.tickets.states import ResolutionCode, TicketStatus, TicketType
from tests.conftest import T0, MakeTicket, MakeUser, actor_of


@pytest.fixture
def settings(app: Flask) -> delivery.DeliverySettings:
    return delivery.delivery_settings_from({**app.config, "MAIL_SMTP_HOST": None})


def _mails(db: Any) -> list[MailMessage]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            select(MailMessage)
            .where(MailMessage.direction == MailDirection.OUTBOUND)
            .order_by(MailMessage.id)
        )
    )


def test_the_requester_gets_a_threaded_mail_in_their_language_once(
    settings: delivery.DeliverySettings, make_user: MakeUser, make_ticket: MakeTicket, db: Any
) -> None:
    requester = make_user(email="hanako@example.go.jp")
    english = make_user(email="john@example.go.jp", locale="en")
    first = make_ticket(requester=requester, subject="VPNに接続できません")
    second = make_ticket(requester=english, subject="VPN does not connect")
    for ticket, key in ((first, "k1"), (second, "k2")):
        notifications.notify_ticket_opened(ticket.id, source_key=key, now=T0)
        delivery.queue_for_notifications(key, now=T0, settings=settings)
    assert delivery.queue_for_notifications("k1", now=T0, settings=settings) == []  # once per notification
    japanese, other = _mails(db)
    assert japanese.subject == f"[{first.number}] お問い合わせを受け付けました"
    assert f"/portal/tickets/{first.number}" in japanese.body_text
    assert "このメールに返信すると" in japanese.body_text
    assert other.subject == f"[{second.number}] We have received your request"
    token = tokens.find([japanese.reply_to], key=settings.token_key)
    assert token == tokens.ReplyToken(first.id, requester.id)
    assert delivery.send(japanese.id, now=T0, settings=settings) is True
    assert delivery.send(japanese.id, now=T0, settings=settings) is False  # never sent twice
    sent = _mails(db)[0]
    assert (sent.status, sent.status_reason) == (MailStatus.SENT, "catcher")
    raw = zlib.decompress(sent.raw_compressed)
    parsed = email.message_from_bytes(raw, policy=policy.default)
    assert parsed["Auto-Submitted"] == "auto-generated"
    assert parsing.parse(raw).subject == japanese.subject


def test_a_reply_is_threaded_under_the_earlier_mail(
    settings: delivery.DeliverySettings, make_user: MakeUser, make_ticket: MakeTicket, db: Any
) -> None:
    ticket = make_ticket(requester=make_user())
    notifications.notify_ticket_opened(ticket.id, source_key="a", now=T0)
    delivery.queue_for_notifications("a", now=T0, settings=settings)
    notifications.notify_ticket_resolved(ticket.id, source_key="b", now=T0)
    delivery.queue_for_notifications("b", now=T0, settings=settings)
    opened, resolved = _mails(db)
    assert (resolved.in_reply_to, resolved.references) == (opened.message_id, opened.message_id)


def test_confidential_tickets_say_only_their_number_and_bounced_addresses_get_nothing(
    settings: delivery.DeliverySettings, make_user: MakeUser, make_ticket: MakeTicket, db: Any
) -> None:
    secret = make_ticket(
        requester=make_user(),
        type=TicketType.SECURITY,
        subject="不審なメールを開いた",
        description="添付を開いてしまいました",
    )
    gone = make_user(email="gone@example.go.jp")
    with unit_of_work() as session:
        session.add(MailAddress(address="gone@example.go.jp", bounce_count=1, bounced_at=T0))
    notifications.notify_ticket_opened(secret.id, source_key="s", now=T0)
    notifications.notify_ticket_opened(make_ticket(requester=gone).id, source_key="g", now=T0)
    delivery.queue_for_notifications("s", now=T0, settings=settings)
    assert delivery.queue_for_notifications("g", now=T0, settings=settings) == []
    [mail] = _mails(db)
    assert "不審" not in mail.subject + mail.body_text and "添付" not in mail.body_text
    assert secret.number in mail.subject
    assert mail.reply_to == ""  # no reply address: nothing about it travels by mail


def test_people_who_chose_no_mail_get_none_but_keep_the_notification(
    settings: delivery.DeliverySettings, make_user: MakeUser, make_ticket: MakeTicket, db: Any
) -> None:
    quiet = make_user(email="quiet@example.go.jp")
    accounts.set_mail_preference(quiet.id, False, actor=actor_of(quiet), now=T0)
    ticket = make_ticket(requester=quiet)
    assert notifications.notify_ticket_opened(ticket.id, source_key="q", now=T0) == 1
    assert delivery.queue_for_notifications("q", now=T0, settings=settings) == []
    with pytest.raises(PermissionDenied):
        accounts.set_mail_preference(quiet.id, True, actor=actor_of(make_user()), now=T0)


def test_the_requester_hears_when_the_desk_waits_on_them_reopens_or_closes_with_a_rating_request(
    settings: delivery.DeliverySettings, make_user: MakeUser, make_ticket: MakeTicket, db: Any
) -> None:
    requester = make_user(email="status@example.go.jp")
    agent = actor_of(make_user(Role.AGENT))
    ticket = make_ticket(requester=requester)
    tickets.change_status(ticket.id, TicketStatus.PENDING, actor=agent, now=T0)
    tickets.resolve(ticket.id, ResolutionCode.ANSWERED, "手順をご案内しました。", actor=agent, now=T0)
    tickets.change_status(ticket.id, TicketStatus.CLOSED, actor=agent, now=T0)
    events = db.session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.task == tickets.TASK_STATUS_CHANGED)
        .order_by(OutboxMessage.id)
    ).all()
    assert [e.payload["to"] for e in events] == ["pending", "closed"]  # the resolution has its own mail
    for event in events:
        key = f"outbox:{event.id}"
        notifications.notify_status_changed(
            ticket.id, event.payload["from"], event.payload["to"], source_key=key, now=T0
        )
        delivery.queue_for_notifications(key, now=T0, settings=settings)
    waiting, closed = _mails(db)
    assert waiting.subject == f"[{ticket.number}] ヘルプデスクからの確認にご回答ください"
    assert closed.subject == f"[{ticket.number}] チケットを完了しました"
    assert "満足度（1〜5）を評価してください" in closed.body_text
    # The requester's own confirmation is not announced back to them.
    other = make_ticket(requester=requester)
    tickets.resolve(other.id, ResolutionCode.ANSWERED, "済み", actor=agent, now=T0)
    tickets.confirm_resolution(other.id, actor=actor_of(requester), now=T0)
    assert (
        len(
            db.session.scalars(
                select(OutboxMessage).where(OutboxMessage.task == tickets.TASK_STATUS_CHANGED)
            ).all()
        )
        == 2
    )
