"""Webhooks to a real HTTP receiver on loopback: signed, retried with backoff, never twice at once."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from helpdesk.accounts.models import Role
from helpdesk.core.db import db, unit_of_work
from helpdesk.core.errors import ValidationFailed
from helpdesk.core.outbox import OutboxMessage
from helpdesk.handoff import services as handoffs
from helpdesk.mail import delivery
from helpdesk.mail.models import MailMessage
from helpdesk.notifications import services as notifications
from helpdesk.webhooks import services as webhooks
from helpdesk.webhooks.models import WebhookDelivery, WebhookEndpoint
from tests.conftest import T0, LoginAs, MakeTicket, MakeUser, actor_of
from tests.webhook_receiver import Receiver, running_receiver


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with running_receiver() as server:
        yield server


@pytest.fixture
def setup(app: Flask, base_data: dict[str, Any], make_user: MakeUser, make_ticket: MakeTicket,
          receiver: Receiver) -> dict[str, Any]:
    settings = webhooks.settings_from(app.config)
    admin = actor_of(make_user(Role.ADMIN))
    operations = base_data["parties"]["operations"]
    endpoint, secret = webhooks.save_endpoint(operations.id, receiver.url, actor=admin, now=T0,
                                              settings=settings)
    assert secret is not None and secret.startswith("whsec_")
    receiver.secret = secret
    agent = actor_of(make_user(Role.AGENT))
    ticket = make_ticket()
    handoff = handoffs.request_handoff(ticket.id, handoffs.HandoffRequest(operations.id, "k1", "症状"),
                                       actor=agent, now=T0)
    return {"settings": settings, "admin": admin, "endpoint": endpoint, "handoff": handoff, "ticket": ticket}


@pytest.mark.parametrize(("url", "reason"), [
    ("http://10.1.2.3/hooks", "内部のアドレス"),
    ("http://localhost:8080/hooks", "内部のアドレス"),  # a name that resolves to loopback
    ("http://169.254.169.254/latest/meta-data", "内部のアドレス"),
    ("ftp://vendor.example.com/hooks", "https://"),
    ("http://user:pass@127.0.0.1/hooks", "ホスト名"),
])
def test_internal_and_odd_urls_are_refused(app: Flask, setup: dict[str, Any], url: str, reason: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        webhooks.save_endpoint(setup["endpoint"].party_id, url, actor=setup["admin"], now=T0,
                               settings=setup["settings"])
    assert reason in str(refused.value.fields["url"])


def test_a_failed_delivery_is_retried_with_the_same_id_and_takes_effect_once(
    setup: dict[str, Any], receiver: Receiver
) -> None:
    settings, handoff = setup["settings"], setup["handoff"]
    assert webhooks.record_handoff_event(handoff.id, "handoff.requested", source_key="outbox:1", now=T0) == 1
    assert webhooks.record_handoff_event(handoff.id, "handoff.requested", source_key="outbox:1", now=T0) == 0
    receiver.answers = [(500, {})]
    delivery_id = webhooks.list_due(now=T0)[0]

    failed = webhooks.deliver(delivery_id, now=T0, settings=settings)
    assert (failed.sent, failed.status, failed.delivered) == (True, 500, False)
    delivery = db.session.get(WebhookDelivery, delivery_id)
    assert timedelta(seconds=24) <= delivery.next_attempt_at - T0 <= timedelta(seconds=36)
    assert webhooks.list_due(now=T0 + timedelta(seconds=5)) == []  # backing off

    later = T0 + timedelta(minutes=1)
    assert webhooks.deliver(delivery_id, now=later, settings=settings).delivered
    assert webhooks.deliver(delivery_id, now=later, settings=settings).sent is False  # done: nothing more
    ids = [event_id for event_id, _payload, _valid in receiver.requests]
    assert len(ids) == 2 and len(set(ids)) == 1 and all(valid for _i, _p, valid in receiver.requests)
    effect = receiver.effects[ids[0]]
    assert effect["type"] == "handoff.requested" and effect["data"]["ticket_number"] == setup["ticket"].number
    assert effect["data"]["to_party"] == "operations"


def test_retry_after_410_and_giving_up(setup: dict[str, Any], receiver: Receiver) -> None:
    settings, handoff = setup["settings"], setup["handoff"]
    webhooks.record_handoff_event(handoff.id, "handoff.requested", source_key="outbox:1", now=T0)
    webhooks.record_handoff_event(handoff.id, "handoff.withdrawn", source_key="outbox:2", now=T0)
    first, second = sorted(webhooks.list_due(now=T0))

    receiver.answers = [(503, {"Retry-After": "600"})]
    webhooks.deliver(first, now=T0, settings=settings)
    assert db.session.get(WebhookDelivery, first).next_attempt_at >= T0 + timedelta(seconds=600)

    receiver.answers = [(500, {})]
    webhooks.deliver(second, now=T0 + timedelta(hours=23, minutes=59, seconds=50), settings=settings)
    assert db.session.get(WebhookDelivery, second).gave_up_at is not None  # the 24-hour window is over

    receiver.answers = [(410, {})]
    webhooks.deliver(first, now=T0 + timedelta(minutes=11), settings=settings)
    db.session.expire_all()
    endpoint = db.session.get(WebhookEndpoint, setup["endpoint"].id)
    assert endpoint.is_active is False and "410" in endpoint.disabled_reason

    replayed = webhooks.replay(first, actor=setup["admin"], now=T0 + timedelta(hours=1))
    assert replayed.gave_up_at is None and replayed.endpoint.is_active is True


def test_redirects_are_not_followed(setup: dict[str, Any], receiver: Receiver) -> None:
    webhooks.record_handoff_event(setup["handoff"].id, "handoff.requested", source_key="outbox:1", now=T0)
    receiver.answers = [(302, {"Location": receiver.url + "/elsewhere"})]

    outcome = webhooks.deliver(webhooks.list_due(now=T0)[0], now=T0, settings=setup["settings"])

    assert (outcome.status, outcome.delivered) == (302, False)
    assert len(receiver.requests) == 1  # the Location was never fetched


def test_a_held_delivery_is_not_sent_by_a_second_worker(setup: dict[str, Any], receiver: Receiver) -> None:
    webhooks.record_handoff_event(setup["handoff"].id, "handoff.requested", source_key="outbox:1", now=T0)
    delivery_id = webhooks.list_due(now=T0)[0]
    with unit_of_work() as session:  # another worker holds it
        session.get(WebhookDelivery, delivery_id).locked_until = T0 + timedelta(seconds=30)

    assert webhooks.deliver(delivery_id, now=T0, settings=setup["settings"]).sent is False
    assert receiver.requests == []
    assert webhooks.deliver(delivery_id, now=T0 + timedelta(seconds=31), settings=setup["settings"]).delivered


def test_admin_page_saves_an_endpoint_and_shows_the_secret_once(
    app: Flask, make_user: MakeUser, base_data: dict[str, Any], receiver: Receiver, login_as: Any
) -> None:
    from tests.conftest import csrf_token

    client = login_as(app.test_client(), make_user(Role.ADMIN))
    party = base_data["parties"]["operations"].id
    token = csrf_token(client, "/admin/webhooks")

    refused = client.post(f"/admin/webhooks/{party}", data={"csrf_token": token,
                                                            f"party-{party}-url": "http://192.168.1.10/hooks"})
    saved = client.post(f"/admin/webhooks/{party}",
                        data={"csrf_token": token, f"party-{party}-url": receiver.url}, follow_redirects=True)

    assert refused.status_code == 422 and "内部のアドレス" in refused.get_data(as_text=True)
    page = saved.get_data(as_text=True)
    assert "whsec_" in page and receiver.url in page
    assert "whsec_" not in client.get("/admin/webhooks").get_data(as_text=True)  # shown once


def test_a_party_note_to_the_vendor_becomes_message_shared(setup: dict[str, Any], make_user: MakeUser,
                                                         receiver: Receiver) -> None:
    vendor = actor_of(make_user(Role.VENDOR))
    handoffs.accept_handoff(setup["handoff"].id, actor=vendor, now=T0)
    agent = actor_of(make_user(Role.AGENT))

    note = handoffs.post_party_note(setup["ticket"].id, "ログを送ります", actor=agent, now=T0)

    assert webhooks.record_message_shared(note.id, source_key="outbox:9", now=T0) == 1
    assert webhooks.deliver(webhooks.list_due(now=T0)[0], now=T0, settings=setup["settings"]).delivered
    payload = next(iter(receiver.effects.values()))
    assert payload["type"] == "ticket.message_shared" and payload["data"]["body"] == "ログを送ります"


def _alerts() -> list[dict[str, Any]]:
    rows = db.session.scalars(select(OutboxMessage).where(OutboxMessage.task == webhooks.TASK_WEBHOOK_ALERT)
                              .order_by(OutboxMessage.id))
    return [dict(row.payload) for row in rows]


def test_on_call_is_alerted_once_per_run_of_failures_and_when_it_recovers(
    setup: dict[str, Any], receiver: Receiver
) -> None:
    settings, handoff = setup["settings"], setup["handoff"]
    for key in ("outbox:1", "outbox:2"):
        webhooks.record_handoff_event(handoff.id, "handoff.requested", source_key=key, now=T0)
    first, second = sorted(webhooks.list_due(now=T0))
    receiver.answers = [(500, {}), (503, {}), (500, {}), (500, {})]
    for attempt, delivery_id in enumerate((first, second, first, second)):  # failures over both deliveries
        webhooks.deliver(delivery_id, now=T0 + timedelta(hours=attempt), settings=settings)
        assert len(_alerts()) == (1 if attempt >= 2 else 0)
    failing = _alerts()[0]
    assert failing["event"] == "failing" and failing["failures"] == 3 and failing["status"] == 500
    assert failing["party"] == setup["endpoint"].party.name_ja

    assert webhooks.deliver(first, now=T0 + timedelta(hours=5), settings=settings).delivered
    assert [a["event"] for a in _alerts()] == ["failing", "recovered"]
    endpoint = db.session.get(WebhookEndpoint, setup["endpoint"].id)
    assert (endpoint.consecutive_failures, endpoint.alerted_at) == (0, None)

    receiver.answers = [(410, {})]  # the receiver says the endpoint is gone: switched off, alerted again
    webhooks.deliver(second, now=T0 + timedelta(hours=6), settings=settings)
    assert [a["event"] for a in _alerts()] == ["failing", "recovered", "disabled"]


def test_a_given_up_delivery_alerts_on_call(setup: dict[str, Any], receiver: Receiver) -> None:
    webhooks.record_handoff_event(setup["handoff"].id, "handoff.requested", source_key="outbox:1", now=T0)
    receiver.answers = [(500, {})]
    webhooks.deliver(webhooks.list_due(now=T0)[0], now=T0 + timedelta(hours=23, minutes=59, seconds=50),
                     settings=setup["settings"])
    assert [(a["event"], a["event_type"]) for a in _alerts()] == [("gave_up", "handoff.requested")]


def test_the_alert_reaches_supervisors_and_administrators_by_list_and_mail(
    app: Flask, setup: dict[str, Any], make_user: MakeUser, login_as: LoginAs
) -> None:
    supervisor, agent = make_user(Role.SUPERVISOR), make_user(Role.AGENT)
    data = {"event": "failing", "endpoint_id": setup["endpoint"].id, "party": "運用業者",
            "party_en": "Operations", "failures": 3, "status": 503, "error": "",
            "event_type": "handoff.requested"}
    assert notifications.notify_webhook_alert(data, source_key="outbox:9", now=T0) == 2  # the admin too
    assert notifications.notify_webhook_alert(data, source_key="outbox:9", now=T0) == 0  # redelivered: once
    assert delivery.queue_for_notifications("outbox:9", now=T0,
                                            settings=delivery.delivery_settings_from(app.config)) == [1, 2]
    mails = list(db.session.scalars(select(MailMessage).order_by(MailMessage.id)))
    assert {m.subject for m in mails} == {"運用業者 へのWebhook送信が失敗し続けています"}
    assert any("/admin/webhooks" in m.body_text for m in mails)

    page = login_as(app.test_client(), supervisor).get("/notifications")
    expected = "運用業者 の受信口（Webhook）への送信が3回続けて失敗しています（503）"
    assert expected in page.get_data(as_text=True)
    assert "Webhook" not in login_as(app.test_client(), agent).get("/notifications").get_data(as_text=True)
