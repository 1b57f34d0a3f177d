"""The outbox with a real Celery worker on a real (private) Redis.

- a committed change runs its task exactly once, even when the message is delivered twice;
- a rolled-back change runs none;
- with Redis stopped the web request still succeeds, and the task runs once Redis is back.
"""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from helpdesk.accounts.models import Role
from helpdesk.core import outbox
from helpdesk.core.db import db, unit_of_work
from helpdesk.core.outbox import OutboxMessage, ProcessedKey
from helpdesk.core.time import utcnow
from helpdesk.notifications.models import Notification
from helpdesk.tickets.models import Ticket
from tests.conftest import MakeTicket, MakeUser, csrf_token
from tests.support import RedisServer, wait_for
from tests.workers.conftest import WAIT, count_rows
from workers import names

pytestmark = pytest.mark.worker


def _notified(ticket: Ticket) -> int:
    return count_rows(Notification, Notification.ticket_id == ticket.id)


def test_committed_change_runs_its_task_exactly_once(
    worker: Any, worker_app: Flask, make_ticket: MakeTicket
) -> None:
    ticket = make_ticket()
    wait_for(lambda: _notified(ticket) == 1, timeout=WAIT, message="the notification")
    row = db.session.scalars(select(OutboxMessage).where(OutboxMessage.task == names.TICKET_OPENED)).one()
    # The broker delivers the same message again (a redelivery after a lost ack).
    worker_app.extensions["celery"].send_task(
        row.task, kwargs={"outbox_id": row.id}, task_id=f"outbox-{row.id}-dup"
    )
    sentinel = make_ticket()
    wait_for(lambda: _notified(sentinel) == 1, timeout=WAIT, message="the sentinel")
    assert _notified(ticket) == 1
    # Two openings, each processed once, and each one's mail to the requester once.
    wait_for(lambda: count_rows(ProcessedKey) == 4, timeout=WAIT, message="the mails")
    assert count_rows(OutboxMessage, OutboxMessage.task == names.MAIL_SEND) == 2


def test_rolled_back_change_runs_no_task(
    worker: Any, worker_app: Flask, make_ticket: MakeTicket, make_user: MakeUser
) -> None:
    requester = make_user()
    with pytest.raises(RuntimeError, match="changed my mind"), unit_of_work():
        make_ticket(requester=requester, subject="取り消される起票")
        raise RuntimeError("changed my mind")
    sentinel = make_ticket(requester=requester)
    wait_for(lambda: _notified(sentinel) == 1, timeout=WAIT, message="the sentinel")
    assert count_rows(Ticket) == 1
    assert count_rows(OutboxMessage, OutboxMessage.task == names.TICKET_OPENED) == 1
    assert count_rows(Notification) == 1


def test_broker_outage_never_fails_the_request_and_the_task_runs_once_it_returns(
    worker: Any, worker_app: Flask, redis_server: RedisServer, make_user: MakeUser
) -> None:
    requester = make_user(Role.REQUESTER)
    client = worker_app.test_client()
    token = csrf_token(client, "/login")
    client.post(
        "/login",
        data={"email": requester.email, "password": "correct horse battery staple", "csrf_token": token},
    )
    form_token = csrf_token(client, "/portal/tickets/new")

    redis_server.stop()
    response = client.post(
        "/portal/tickets/new",
        data={
            "csrf_token": form_token,
            "type": "fault",
            "impact": "person",
            "urgency": "high",
            "subject": "Redis停止中の起票",
            "description": "ブローカー停止中でも受け付けられること。",
            "service": "mail",
        },
    )
    assert response.status_code == 302
    ticket = db.session.scalars(select(Ticket)).one()
    row = db.session.scalars(select(OutboxMessage).where(OutboxMessage.task == names.TICKET_OPENED)).one()
    assert row.published_at is None, "the publish should have failed while Redis was down"

    redis_server.start()
    # What the beat scheduler's sweep does every OUTBOX_SWEEP_SECONDS:
    assert (
        outbox.relay_pending(now=utcnow(), redeliver_after=worker_app.config["OUTBOX_REDELIVER_AFTER"]) == 1
    )
    wait_for(lambda: _notified(ticket) == 1, timeout=WAIT, message="the notification after recovery")
    # A second sweep finds nothing left to do.
    assert (
        outbox.relay_pending(now=utcnow(), redeliver_after=worker_app.config["OUTBOX_REDELIVER_AFTER"]) == 0
    )
    assert _notified(ticket) == 1
