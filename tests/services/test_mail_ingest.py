"""Inbound mail into tickets: new tickets, threaded replies, quarantine, machines, bounces, the rate limit."""

from __future__ import annotations

import dataclasses
import zlib
from datetime import timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from helpdesk.accounts.models import Role
from helpdesk.core.outbox import OutboxMessage
from helpdesk.mail import services as mail
from helpdesk.mail import tokens
from helpdesk.mail.models import MailAddress, MailDirection, MailMessage, MailStatus
from helpdesk.tickets import services as tickets
from helpdesk.tickets.attachments import AttachmentLimits
from helpdesk.tickets.models import Attachment, Message, Ticket
from helpdesk.tickets.states import Channel, MessageKind, TicketStatus
from tests.conftest import T0, MakeTicket, MakeUser, actor_of
from tests.files import EXE, ooxml

CORPUS = Path(__file__).resolve().parent.parent / "mail_corpus"
KEY = tokens.key_from("test-secret")


@pytest.fixture
def settings(app: Flask, tmp_path: Path) -> mail.IngestSettings:
    limits = AttachmentLimits.from_settings({**app.config, "ATTACHMENT_ROOT": str(tmp_path / "files")})
    return mail.IngestSettings(token_key=KEY, limits=limits, rate_limit=20, rate_window=timedelta(minutes=10))


def _mail(
    sender: str,
    subject: str,
    body: str,
    *,
    message_id: str,
    to: str = "helpdesk@example.go.jp",
    in_reply_to: str = "",
    files: tuple[tuple[str, bytes], ...] = (),
) -> bytes:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = sender, to, subject
    message["Message-ID"] = f"<{message_id}>"
    if in_reply_to:
        message["In-Reply-To"] = f"<{in_reply_to}>"
    message.set_content(body)
    for name, content in files:
        message.add_attachment(content, maintype="application", subtype="octet-stream", filename=name)
    return message.as_bytes()


def test_a_staff_mail_opens_a_ticket_once_and_keeps_the_raw_mail(
    settings: mail.IngestSettings, make_user: MakeUser, db: Any
) -> None:
    make_user(email="taro.yamada@example.go.jp")
    raw = (CORPUS / "ja-01-outlook-cp50220.eml").read_bytes()
    first = mail.ingest(raw, now=T0, settings=settings)
    again = mail.ingest(raw, now=T0 + timedelta(minutes=1), settings=settings)
    assert (first.status, first.reason, again.is_duplicate, again.ticket_id) == (
        MailStatus.ACCEPTED,
        "new ticket",
        True,
        first.ticket_id,
    )
    ticket = db.session.get(Ticket, first.ticket_id)
    assert (ticket.channel, ticket.subject) == (Channel.MAIL, "【障害】メール送信①が不可（㈱髙﨑）")
    assert "②㈱髙﨑商事宛てのみ〜です。" in ticket.description
    assert db.session.scalar(select(func.count()).select_from(Ticket)) == 1
    row = db.session.get(MailMessage, first.mail_id)
    assert zlib.decompress(row.raw_compressed) == raw
    assert row.direction is MailDirection.INBOUND


def test_unknown_senders_and_machines_open_nothing(settings: mail.IngestSettings, db: Any) -> None:
    unknown = mail.ingest(
        _mail("stranger@example.com", "hello", "hi", message_id="u1@x"), now=T0, settings=settings
    )
    assert (unknown.status, unknown.reason) == (MailStatus.QUARANTINED, "unknown sender")
    auto = mail.ingest((CORPUS / "auto-01-out-of-office.eml").read_bytes(), now=T0, settings=settings)
    assert auto.status is MailStatus.IGNORED
    bounce = mail.ingest((CORPUS / "bounce-01-postfix-dsn.eml").read_bytes(), now=T0, settings=settings)
    assert (bounce.status, bounce.reason) == (MailStatus.IGNORED, "bounce: gone.user@example.go.jp")
    marked = db.session.scalar(select(MailAddress).where(MailAddress.address == "gone.user@example.go.jp"))
    assert (marked.bounce_count, marked.bounced_at) == (1, T0)
    assert db.session.scalar(select(func.count()).select_from(Ticket)) == 0


def test_a_reply_threads_by_subject_tag_reference_or_token_and_only_from_the_requester(
    settings: mail.IngestSettings, make_user: MakeUser, make_ticket: MakeTicket, db: Any
) -> None:
    requester = make_user(email="hanako@example.go.jp")
    other = make_user(email="other@example.go.jp")
    ticket = make_ticket(requester=requester)
    by_tag = mail.ingest(
        _mail("hanako@example.go.jp", f"Re: [{ticket.number}] 件名", "再起動しました。", message_id="r1@x"),
        now=T0,
        settings=settings,
    )
    assert (by_tag.status, by_tag.ticket_id) == (MailStatus.ACCEPTED, ticket.id)
    replies = db.session.scalars(
        select(Message).where(Message.ticket_id == ticket.id, Message.kind == MessageKind.PUBLIC_REPLY)
    ).all()
    assert [m.body for m in replies] == ["再起動しました。"]
    by_reference = mail.ingest(
        _mail("hanako@example.go.jp", "Re: 件名", "まだです。", message_id="r2@x", in_reply_to="r1@x"),
        now=T0,
        settings=settings,
    )
    assert by_reference.ticket_id == ticket.id
    good = tokens.make(ticket.id, requester.id, key=KEY)
    by_token = mail.ingest(
        _mail(
            "hanako@example.go.jp",
            "Re: 件名",
            "トークン経由",
            message_id="r3@x",
            to=f"helpdesk+{good}@example.go.jp",
        ),
        now=T0,
        settings=settings,
    )
    assert (by_token.status, by_token.ticket_id) == (MailStatus.ACCEPTED, ticket.id)
    forged = mail.ingest(
        _mail(
            "hanako@example.go.jp",
            "Re: 件名",
            "偽物",
            message_id="r4@x",
            to=f"helpdesk+t{ticket.id}-u{requester.id}-0000000000000000@example.go.jp",
        ),
        now=T0,
        settings=settings,
    )
    assert (forged.status, forged.reason) == (MailStatus.QUARANTINED, "forged reply token")
    stranger = mail.ingest(
        _mail("other@example.go.jp", f"Re: [{ticket.number}]", "割り込み", message_id="r5@x"),
        now=T0,
        settings=settings,
    )
    assert (stranger.status, stranger.ticket_id) == (MailStatus.QUARANTINED, ticket.id)
    forwarded = mail.ingest(
        _mail("other@example.go.jp", "Fwd", "転送", message_id="r6@x", to=f"helpdesk+{good}@example.go.jp"),
        now=T0,
        settings=settings,
    )
    assert forwarded.status is MailStatus.QUARANTINED  # the token was issued to the requester
    assert other.id != requester.id
    bodies = [
        m.body
        for m in db.session.scalars(
            select(Message).where(Message.ticket_id == ticket.id, Message.kind == MessageKind.PUBLIC_REPLY)
        )
    ]
    assert bodies == ["再起動しました。", "まだです。", "トークン経由"]


def test_a_reply_to_a_closed_ticket_is_held_for_an_agent(
    settings: mail.IngestSettings, make_user: MakeUser, make_ticket: MakeTicket, db: Any
) -> None:
    requester = make_user(email="closed@example.go.jp")
    ticket = make_ticket(requester=requester)
    agent = actor_of(make_user(Role.AGENT))
    tickets.change_status(ticket.id, TicketStatus.RESOLVED, actor=agent, now=T0)
    tickets.change_status(ticket.id, TicketStatus.CLOSED, actor=agent, now=T0)
    result = mail.ingest(
        _mail("closed@example.go.jp", f"Re: [{ticket.number}]", "追伸", message_id="c1@x"),
        now=T0,
        settings=settings,
    )
    assert (result.status, result.reason) == (MailStatus.QUARANTINED, "reply to a closed ticket")


def test_files_pass_the_portals_checks_one_by_one(
    settings: mail.IngestSettings, make_user: MakeUser, db: Any
) -> None:
    make_user(email="files@example.go.jp")
    raw = _mail(
        "files@example.go.jp",
        "資料",
        "添付します",
        message_id="f1@x",
        files=(("報告書①.docx", ooxml("docx")), ("setup.exe", EXE)),
    )
    result = mail.ingest(raw, now=T0, settings=settings)
    names = list(
        db.session.scalars(select(Attachment.filename).where(Attachment.ticket_id == result.ticket_id))
    )
    assert names == ["報告書①.docx"]
    note = db.session.scalar(
        select(Message.body).where(Message.ticket_id == result.ticket_id, Message.kind == MessageKind.SYSTEM)
    )
    assert "setup.exe" in note


def test_a_flooding_sender_is_held_and_the_supervisors_hear_of_it_once(
    settings: mail.IngestSettings, make_user: MakeUser, db: Any
) -> None:
    make_user(email="loop@example.go.jp")
    strict = dataclasses.replace(settings, rate_limit=3)
    results = [
        mail.ingest(
            _mail("loop@example.go.jp", f"ループ{n}", "本文", message_id=f"loop{n}@x"),
            now=T0 + timedelta(seconds=n),
            settings=strict,
        )
        for n in range(6)
    ]
    assert [r.status for r in results] == [MailStatus.ACCEPTED] * 3 + [MailStatus.QUARANTINED] * 3
    alerts = db.session.scalars(select(OutboxMessage).where(OutboxMessage.task == mail.TASK_MAIL_STORM)).all()
    assert [a.payload for a in alerts] == [{"address": "loop@example.go.jp", "count": 4}]


def test_flask_mail_ingest_reads_a_file_or_standard_input(app: Flask, make_user: MakeUser, db: Any) -> None:
    make_user(email="cli@example.go.jp")
    raw = _mail("cli@example.go.jp", "CLIから", "パイプで受信", message_id="cli1@x")
    runner = app.test_cli_runner()
    first = runner.invoke(args=["mail", "ingest", "-"], input=raw)
    second = runner.invoke(args=["mail", "ingest", "-"], input=raw)
    assert first.exit_code == 0, first.output
    assert "accepted (new ticket)" in first.output
    assert "[already ingested]" in second.output
