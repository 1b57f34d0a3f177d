"""Outbound mail from notifications: who gets which mail, in which language, threaded; sent once."""

from __future__ import annotations

import dataclasses
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
from helpdesk.handoff import services as handoffs
from helpdesk.mail import delivery, parsing, tokens
from helpdesk.mail.models import MailAddress, MailDirection, MailMessage, MailStatus
from helpdesk.notifications import services as notifications
from helpdesk.tickets import services as tickets
from helpdesk.tickets.states import MessageKind, ResolutionCode, TicketStatus, TicketType
from tests.conftest import T0, MakeTicket, MakeUser, actor_of
from tests.support import free_port


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


def test_a_partys_shared_address_hears_of_a_handoff_once_and_a_bad_address_fails_quietly(
    settings: delivery.DeliverySettings,
    make_user: MakeUser,
    make_ticket: MakeTicket,
    base_data: dict[str, Any],
    db: Any,
) -> None:
    operations = base_data["parties"]["operations"]
    with unit_of_work() as session:
        session.get(type(operations), operations.id).contact_email = "noc@ops.example.co.jp"
    ticket = make_ticket(subject="基幹スイッチ故障")
    handoff = handoffs.request_handoff(
        ticket.id,
        handoffs.HandoffRequest(to_party_id=operations.id, idempotency_key="p1", symptom="全館で通信不可"),
        actor=actor_of(make_user(Role.AGENT)),
        now=T0,
    )
    first = delivery.queue_party_mail(handoff.id, "requested", now=T0, settings=settings)
    assert delivery.queue_party_mail(handoff.id, "requested", now=T0, settings=settings) is None
    [mail] = [m for m in _mails(db) if m.id == first]
    assert (mail.to_addresses, mail.subject) == (
        "noc@ops.example.co.jp",
        f"[{ticket.number}] 引き継ぎの依頼が届きました",
    )
    assert f"/vendor/handoffs/{handoff.id}" in mail.body_text and "基幹スイッチ故障" in mail.body_text
    with unit_of_work() as session:
        session.get(MailMessage, first).to_addresses = "noc@ops.example.co.jp\r\nBcc: x@y.jp"
    assert delivery.send(first, now=T0, settings=settings) is False
    failed = _mails(db)[-1]
    assert failed.status is MailStatus.FAILED and failed.status_reason.startswith("unsafe address")


def test_a_name_written_with_at_in_an_internal_note_notifies_that_colleague_and_mails_them(
    settings: delivery.DeliverySettings, make_user: MakeUser, make_ticket: MakeTicket, db: Any
) -> None:
    author = make_user(Role.AGENT, family_name="石川", given_name="真由美", email="mayumi@hd.example.co.jp")
    named = make_user(
        Role.AGENT, family_name="堤", given_name="康弘", email="yasuhiro.tsutsumi@hd.example.co.jp"
    )
    by_address = make_user(Role.SUPERVISOR, email="chief@hd.example.co.jp")
    make_user(Role.AGENT, family_name="石川", given_name="健", email="ken@hd.example.co.jp")
    requester = make_user(email="req@example.go.jp")
    ticket = make_ticket(requester=requester)
    note = tickets.add_message(
        ticket.id,
        MessageKind.INTERNAL_NOTE,
        "@堤康弘 さん確認を。@chief も。@石川 (曖昧) @石川真由美",
        actor=actor_of(author),
        now=T0,
    )
    [event] = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.task == tickets.TASK_MENTIONED)
    ).all()
    assert event.payload == {"message_id": note.id}
    assert notifications.notify_mentions(note.id, source_key="m", now=T0) == 2  # not the author, not "@石川"
    delivery.queue_for_notifications("m", now=T0, settings=settings)
    assert sorted(m.recipient_user_id for m in _mails(db)) == sorted([named.id, by_address.id])
    assert all(m.subject.endswith("内部メモであなたの名前が挙がりました") for m in _mails(db))


def test_an_unreachable_smtp_server_counts_attempts_then_marks_the_mail_failed(
    settings: delivery.DeliverySettings, make_user: MakeUser, make_ticket: MakeTicket, db: Any
) -> None:
    ticket = make_ticket(requester=make_user())
    notifications.notify_ticket_opened(ticket.id, source_key="down", now=T0)
    [mail_id] = delivery.queue_for_notifications("down", now=T0, settings=settings)
    down = dataclasses.replace(settings, smtp_host="127.0.0.1", smtp_port=free_port(), smtp_timeout=2.0,
                               max_attempts=2)
    with pytest.raises(delivery.DeliveryFailed):
        delivery.send(mail_id, now=T0, settings=down)
    first = _mails(db)[0]
    assert (first.status, first.attempts) == (MailStatus.QUEUED, 1)  # kept for the retry
    assert first.status_reason.startswith("ConnectionRefusedError")
    assert delivery.send(mail_id, now=T0, settings=down) is False  # the last attempt: no more retries
    assert (_mails(db)[0].status, _mails(db)[0].attempts) == (MailStatus.FAILED, 2)
