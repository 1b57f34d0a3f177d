"""R2 / R2b: Redis goes away for a minute while staff file tickets at 10 a second.

R2 freezes Redis (``SIGSTOP``: connections hang, the worst kind of outage) and thaws it with its data;
R2b kills it and starts an empty one (everything queued in it is lost). Either way every request must
succeed, and once Redis is back every notification, mail and vendor webhook must arrive — each exactly
once. The outbox in PostgreSQL is what makes that true: Redis holds nothing that cannot be made again.

The latencies during the outage and the time to catch up are printed, not asserted (they depend on
the machine; the issue's targets are p95 <= 2 s and <= 120 s): what keeps requests from waiting on
the broker is the publish breaker, whose behaviour tests/services/test_tickets.py pins down.
"""

from __future__ import annotations

import os
import signal
import threading
import time

import pytest
from sqlalchemy import func, select

from helpdesk.core.db import db
from helpdesk.handoff.models import Handoff
from helpdesk.mail.models import MailDirection, MailMessage, MailStatus
from helpdesk.notifications.models import Notification, NotificationKind
from helpdesk.tickets.models import Ticket
from helpdesk.webhooks.models import WebhookDelivery
from tests.resilience.conftest import System, outbox_pending
from tests.resilience.stack import Intake, mails_by_id
from tests.support import wait_for

#: The outage; the issue's figure is 60 s (``HELPDESK_RESILIENCE_OUTAGE_SECONDS`` changes it).
OUTAGE = float(os.environ.get("HELPDESK_RESILIENCE_OUTAGE_SECONDS", "60"))
RATE = 10.0
BEFORE = AFTER = 10.0
#: A bound on waiting for everything queued during the outage (the target is 120 s; see the docstring).
CATCH_UP = 600.0


def _count(model: type, *where: object) -> int:
    db.session.rollback()
    return int(db.session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


@pytest.mark.parametrize("outage", ["frozen", "wiped"])
def test_intake_survives_a_broker_outage_and_everything_arrives_once_afterwards(
    system: System, outage: str
) -> None:
    intake = Intake(system.base, system.requester_key, system.agent_key, prefix=f"r2-{outage}")
    redis = system.redis
    assert redis.process is not None
    marks: dict[str, float] = {}

    def break_and_mend() -> None:
        time.sleep(BEFORE)
        marks["down"] = time.monotonic()
        assert redis.process is not None
        if outage == "frozen":
            redis.process.send_signal(signal.SIGSTOP)
            time.sleep(OUTAGE)
            redis.process.send_signal(signal.SIGCONT)
        else:
            redis.process.kill()  # no save, no goodbye: what was queued in it is gone
            redis.process.wait()
            time.sleep(OUTAGE)
            redis.start()  # empty
        marks["up"] = time.monotonic()

    saboteur = threading.Thread(target=break_and_mend)
    saboteur.start()
    intake.run(RATE, BEFORE + OUTAGE + AFTER)
    saboteur.join()
    print(f"\nR2 {outage}: {intake.summary()}; during the outage p95 "
          f"{intake.p95(marks['down'], marks['up']) * 1000:.0f} ms")

    created, handed = intake.of("create"), intake.of("handoff")
    failures = [a.error for a in intake.answers if a.status != 201]
    assert intake.statuses() == {201: len(intake.answers)}, failures[:5]
    assert len(created) == int(RATE * (BEFORE + OUTAGE + AFTER))
    numbers = {a.number for a in created}
    assert len(numbers) == len(created) == _count(Ticket)  # every acknowledged ticket, once

    restarts: list[int] = []

    def all_arrived() -> bool:
        worker = system.workers["worker"]
        if worker.poll() is not None:  # kombu can die reconnecting to a new Redis: restart it as systemd does
            restarts.append(worker.returncode)
            system.workers.pop("worker")
            system.start_worker()
        return (outbox_pending() == 0
                and _count(WebhookDelivery, WebhookDelivery.delivered_at.is_not(None)) == len(handed)
                and _count(MailMessage, MailMessage.direction == MailDirection.OUTBOUND,
                           MailMessage.status == MailStatus.QUEUED) == 0)

    wait_for(all_arrived, timeout=CATCH_UP, interval=1.0,
             message=f"everything queued during the outage (pending outbox rows: {outbox_pending()})")
    caught_up = time.monotonic() - marks["up"]
    print(f"R2 {outage}: worker restarted after exiting with {restarts}" if restarts else "")
    print(f"R2 {outage}: all notifications, mails and webhooks delivered {caught_up:.1f} s after Redis "
          "returned")

    # Notifications: the requester heard of each ticket once; the vendor of each handoff once.
    assert _count(Notification, Notification.kind == NotificationKind.TICKET_RECEIVED) == len(created)
    assert _count(Notification, Notification.kind == NotificationKind.HANDOFF_REQUESTED,
                  Notification.user_id == system.vendor.id) == len(handed) == _count(Handoff)
    # Mails: every mail written was handed to SMTP exactly once.
    sent = _count(MailMessage, MailMessage.direction == MailDirection.OUTBOUND,
                  MailMessage.status == MailStatus.SENT)
    by_id = mails_by_id(system.inbox)
    assert sent >= len(created) and len(by_id) == sent
    assert max(by_id.values()) == 1, "a mail reached the SMTP server twice"
    # Webhooks: each handoff took effect at the vendor exactly once.
    assert len(system.receiver.effects) == len(handed)
    number_of = {a.key: a.number for a in created}
    escalated = sorted(str(number_of[a.key.removesuffix("-handoff")]) for a in handed)
    assert sorted(p["data"]["ticket_number"] for p in system.receiver.effects.values()) == escalated
