"""Outbound mail with a real Celery worker and a real SMTP server (aiosmtpd) on loopback."""

from __future__ import annotations

import email
from collections.abc import Iterator
from email import policy
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from helpdesk.core.db import db
from helpdesk.mail.models import MailMessage, MailStatus
from tests.conftest import MakeTicket, MakeUser
from tests.support import Inbox, free_port, running_smtp, wait_for
from tests.workers.conftest import WAIT, count_rows

pytestmark = pytest.mark.worker


PORT = free_port()


@pytest.fixture
def smtp() -> Iterator[Inbox]:
    with running_smtp(PORT) as inbox:
        yield inbox


@pytest.fixture
def worker_env() -> dict[str, str]:
    return {"HELPDESK_MAIL_SMTP_HOST": "127.0.0.1", "HELPDESK_MAIL_SMTP_PORT": str(PORT),
            "HELPDESK_PUBLIC_URL": "https://helpdesk.example.go.jp"}


def test_a_new_ticket_reaches_the_requester_by_smtp_once(
    smtp: Inbox, worker: Any, worker_app: Flask, make_user: MakeUser, make_ticket: MakeTicket
) -> None:
    requester = make_user(email="hanako.sato@example.go.jp")
    ticket = make_ticket(requester=requester, subject="プリンタ①が動かない")
    wait_for(lambda: len(smtp.messages) == 1, timeout=WAIT, message="the mail at the SMTP server")
    wait_for(lambda: count_rows(MailMessage, MailMessage.status == MailStatus.SENT) == 1, timeout=WAIT,
             message="the mail marked sent")
    recipients, raw = smtp.messages[0]
    assert recipients == ["hanako.sato@example.go.jp"]
    parsed = email.message_from_bytes(raw, policy=policy.default)
    assert str(parsed["Subject"]) == f"[{ticket.number}] お問い合わせを受け付けました"
    assert parsed["Auto-Submitted"] == "auto-generated"
    assert str(parsed["Reply-To"]).startswith("helpdesk+t")
    body = parsed.get_body(preferencelist=("plain",)).get_content()
    assert f"https://helpdesk.example.go.jp/portal/tickets/{ticket.number}" in body
    assert b"\r\nBcc:" not in raw


def test_a_mail_held_back_while_smtp_is_down_is_sent_once_when_it_returns(
    worker: Any, worker_app: Flask, make_user: MakeUser, make_ticket: MakeTicket
) -> None:
    requester = make_user(email="jiro.suzuki@example.go.jp")
    make_ticket(requester=requester, subject="共有フォルダに入れない")
    # Nothing listens on PORT yet: the first attempt is refused and counted, the mail stays queued.
    wait_for(lambda: count_rows(MailMessage, MailMessage.attempts >= 1) == 1, timeout=WAIT,
             message="the first, refused attempt")
    assert count_rows(MailMessage, MailMessage.status == MailStatus.QUEUED) == 1
    with running_smtp(PORT) as inbox:
        # The task's own backoff (first retry within 30 s, jittered) brings it back.
        wait_for(lambda: count_rows(MailMessage, MailMessage.status == MailStatus.SENT) == 1, timeout=WAIT,
                 message="the retried mail marked sent")
        row = db.session.scalars(select(MailMessage)).one()
        assert row.attempts >= 2
        assert row.status_reason == "smtp"
        assert [recipients for recipients, _ in inbox.messages] == [["jiro.suzuki@example.go.jp"]]
