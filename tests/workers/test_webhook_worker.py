"""Webhooks end to end: a real Celery worker on Redis delivers to a real receiver on loopback.

The receiver verifies every signature, answers 500 to the first delivery of each event and
200 after; every event must take effect exactly once, even when the outbox row is delivered
to the worker twice.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from helpdesk.accounts.models import Party, Role
from helpdesk.core.db import db
from helpdesk.core.outbox import OutboxMessage
from helpdesk.core.time import utcnow
from helpdesk.handoff import services as handoffs
from helpdesk.webhooks import services as webhooks
from helpdesk.webhooks.models import WebhookDelivery
from tests.conftest import MakeTicket, MakeUser, actor_of
from tests.support import wait_for
from tests.webhook_receiver import Receiver, running_receiver
from tests.workers.conftest import WAIT, count_rows
from workers import names

pytestmark = pytest.mark.worker


@pytest.fixture
def worker_env() -> dict[str, str]:
    return {"HELPDESK_WEBHOOK_FIRST_RETRY_SECONDS": "1"}


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with running_receiver() as server:
        yield server


def test_every_event_arrives_and_takes_effect_once(
    worker: Any, worker_app: Flask, receiver: Receiver, make_user: MakeUser, make_ticket: MakeTicket
) -> None:
    operations = db.session.scalar(select(Party).where(Party.code == "operations"))
    admin = actor_of(make_user(Role.ADMIN))
    _endpoint, secret = webhooks.save_endpoint(operations.id, receiver.url, actor=admin, now=utcnow(),
                                               settings=webhooks.settings_from(worker_app.config))
    receiver.secret = secret or ""
    receiver.fail_first = True
    agent, vendor = actor_of(make_user(Role.AGENT)), actor_of(make_user(Role.VENDOR))
    ticket = make_ticket()

    handoff = handoffs.request_handoff(ticket.id, handoffs.HandoffRequest(operations.id, "k1", "症状"),
                                       actor=agent, now=utcnow())
    handoffs.accept_handoff(handoff.id, actor=vendor, now=utcnow())
    wait_for(lambda: count_rows(WebhookDelivery) == 2, timeout=WAIT, message="two deliveries recorded")

    celery = worker_app.extensions["celery"]
    rows = list(db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.task == names.WEBHOOK_HANDOFF_EVENT)))
    for row in rows:  # the broker delivers the same outbox rows again
        celery.send_task(row.task, kwargs={"outbox_id": row.id}, task_id=f"outbox-{row.id}-again")

    def all_delivered() -> bool:
        celery.send_task(names.WEBHOOK_SWEEP)  # what the beat does every 30 s
        time.sleep(0.5)
        return count_rows(WebhookDelivery, WebhookDelivery.delivered_at.is_not(None)) == 2

    wait_for(all_delivered, timeout=WAIT, message="both deliveries after the 500s")
    assert count_rows(WebhookDelivery) == 2
    assert sorted(p["type"] for p in receiver.effects.values()) == ["handoff.accepted", "handoff.requested"]
    ids = [event_id for event_id, _payload, _valid in receiver.requests]
    assert all(valid for _id, _payload, valid in receiver.requests)
    assert len(set(ids)) == 2 and all(ids.count(i) >= 2 for i in set(ids))  # each failed once, then arrived
