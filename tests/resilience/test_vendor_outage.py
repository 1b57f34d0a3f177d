"""R4: the vendor's system is down for half an hour (500s and time-outs), time compressed.

The deliveries run against a real HTTP receiver on loopback; only the clock is simulated: the sweep
runs every 30 simulated seconds, as the beat does, with the production backoff (first retry 30 s,
doubling with ±20 % jitter, here capped at 10 minutes). The event must arrive exactly once after the
vendor recovers, on-call must hear of the outage once (and of the recovery), the unanswered escalation
must be flagged overdue meanwhile, and responsibility must move at the vendor's real acknowledgement —
never at our first attempt to tell it.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Flask
from sqlalchemy import select

from helpdesk.accounts.models import Role
from helpdesk.core.actor import SYSTEM
from helpdesk.core.db import db, unit_of_work
from helpdesk.core.outbox import OutboxMessage
from helpdesk.handoff import services as handoffs
from helpdesk.handoff.models import Handoff
from helpdesk.responsibility.services import find_open_segment
from helpdesk.sla.models import Metric, PartyTarget
from helpdesk.tickets.states import Impact, Priority, Urgency
from helpdesk.webhooks import services as webhooks
from helpdesk.webhooks.models import WebhookDelivery
from tests.conftest import T0, MakeTicket, MakeUser, actor_of
from tests.webhook_receiver import running_receiver

SWEEP = timedelta(seconds=30)
OUTAGE = timedelta(minutes=30)


def _tasks(task: str) -> list[dict[str, Any]]:
    rows = db.session.scalars(select(OutboxMessage).where(OutboxMessage.task == task)
                              .order_by(OutboxMessage.id))
    return [dict(row.payload) for row in rows]


def test_a_half_hour_vendor_outage_delivers_once_alerts_once_and_moves_responsibility_at_acceptance(
    app: Flask, base_data: dict[str, Any], make_user: MakeUser, make_ticket: MakeTicket
) -> None:
    settings = webhooks.DeliverySettings(allowed_hosts=frozenset({"127.0.0.1"}), allow_http=True,
                                         timeout_seconds=0.5, max_backoff=timedelta(minutes=10))
    operations = base_data["parties"]["operations"]
    admin, agent = actor_of(make_user(Role.ADMIN)), actor_of(make_user(Role.AGENT))
    vendor = actor_of(make_user(Role.VENDOR))
    with unit_of_work() as session:  # the contract: the vendor acknowledges a P1 within 15 minutes
        session.add(PartyTarget(party_id=operations.id, priority=Priority.P1, metric=Metric.ACKNOWLEDGE,
                                minutes=15))
    ticket = make_ticket(impact=Impact.MINISTRY, urgency=Urgency.HIGH)
    assert ticket.priority is Priority.P1
    with running_receiver() as receiver:
        _endpoint, secret = webhooks.save_endpoint(operations.id, receiver.url, actor=admin, now=T0,
                                                   settings=settings)
        receiver.secret = secret or ""
        handoff = handoffs.request_handoff(
            ticket.id, handoffs.HandoffRequest(operations.id, "r4", "全館でメール不通"), actor=agent, now=T0)
        webhooks.record_handoff_event(handoff.id, "handoff.requested", source_key="outbox:r4", now=T0)

        attempts: list[tuple[timedelta, int | None]] = []
        now = T0
        while now < T0 + OUTAGE + timedelta(minutes=20) and not any(s == 200 for _t, s in attempts):
            down = now < T0 + OUTAGE
            for delivery_id in webhooks.list_due(now=now):
                # The vendor answers 500, or (every third attempt) holds the request past our time-out.
                timing_out = down and len(attempts) % 3 == 2
                receiver.hold = 1.0 if timing_out else 0.0
                receiver.answers = [(500, {})] if down else [(200, {})]
                outcome = webhooks.deliver(delivery_id, now=now, settings=settings)
                attempts.append((now - T0, outcome.status))
            handoffs.mark_overdue_acknowledgements(now=now, actor=SYSTEM)
            now += SWEEP
        delivered_at = now - SWEEP
        accepted_at = delivered_at + timedelta(minutes=2)  # the vendor's operator reads it and accepts
        handoffs.accept_handoff(handoff.id, actor=vendor, now=accepted_at)

    times = [at.total_seconds() for at, _status in attempts]
    gaps = [later - earlier for earlier, later in zip(times, times[1:], strict=False)]
    print(f"\nR4: attempts at {[round(t) for t in times]} s; statuses {[s for _t, s in attempts]}")
    # Delivered exactly once, after the vendor came back; nothing was lost or sent twice.
    assert len(receiver.effects) == 1 and [s for _t, s in attempts].count(200) == 1
    assert attempts[-1][1] == 200 and attempts[-1][0] >= OUTAGE
    assert all(status is None for _t, status in attempts[2:-1:3])  # the time-outs counted as failures
    delivery = db.session.scalars(select(WebhookDelivery)).one()
    assert delivery.delivered_at is not None and delivery.attempts == len(attempts)
    # Backoff: gaps grow until the cap (jitter included), never beyond it, never in lock-step.
    cap = settings.max_backoff.total_seconds() * 1.2 + SWEEP.total_seconds()
    below_cap = [g for g in gaps if g < settings.max_backoff.total_seconds() * 0.8]
    assert below_cap == sorted(below_cap) and max(gaps) <= cap
    assert len({round(g / (30 * 2 ** i), 2) for i, g in enumerate(below_cap)}) > 1  # jitter present
    # On-call heard of it once when it kept failing, and once when it recovered.
    alerts = _tasks(webhooks.TASK_WEBHOOK_ALERT)
    assert [a["event"] for a in alerts] == ["failing", "recovered"]
    # Meanwhile the unanswered escalation was flagged overdue to both parties' leads (once).
    assert len(_tasks(handoffs.TASK_HANDOFF_OVERDUE)) == 1
    # Responsibility: the desk held the ticket through the outage; the vendor from its acceptance.
    db.session.expire_all()
    assert db.session.get(Handoff, handoff.id).decided_at == accepted_at
    segment = find_open_segment(ticket.id)
    assert segment is not None and segment.party_id == operations.id and segment.started_at == accepted_at


def test_a_throttling_vendor_is_given_the_time_it_asks_for(
    app: Flask, base_data: dict[str, Any], make_user: MakeUser, make_ticket: MakeTicket
) -> None:
    settings = webhooks.settings_from(app.config)
    operations = base_data["parties"]["operations"]
    admin, agent = actor_of(make_user(Role.ADMIN)), actor_of(make_user(Role.AGENT))
    with running_receiver() as receiver:
        _endpoint, secret = webhooks.save_endpoint(operations.id, receiver.url, actor=admin, now=T0,
                                                   settings=settings)
        receiver.secret = secret or ""
        handoff = handoffs.request_handoff(
            make_ticket().id, handoffs.HandoffRequest(operations.id, "k", "x"), actor=agent, now=T0)
        webhooks.record_handoff_event(handoff.id, "handoff.requested", source_key="outbox:429", now=T0)
        receiver.answers = [(429, {"Retry-After": "120"})]
        delivery_id = webhooks.list_due(now=T0)[0]
        webhooks.deliver(delivery_id, now=T0, settings=settings)
        assert webhooks.list_due(now=T0 + timedelta(seconds=119)) == []
        assert webhooks.list_due(now=T0 + timedelta(seconds=120)) == [delivery_id]
        assert webhooks.deliver(delivery_id, now=T0 + timedelta(seconds=120), settings=settings).delivered
