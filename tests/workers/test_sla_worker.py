"""The SLA sweep with two real Celery workers sweeping at the same time.

Each warning and breach must be recorded once and alerted once, however the sweeps overlap.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from helpdesk.accounts.models import Role
from helpdesk.core.actor import SYSTEM
from helpdesk.core.db import db
from helpdesk.core.outbox import OutboxMessage
from helpdesk.core.time import utcnow
from helpdesk.notifications.models import Notification, NotificationKind
from helpdesk.sla import services as sla
from helpdesk.sla.models import SlaClock, SlaEvent, SlaEventKind
from helpdesk.tickets.states import Impact, TicketType, Urgency
from tests.conftest import MakeTicket, MakeUser
from tests.support import RedisServer, wait_for
from tests.workers.conftest import WAIT, count_rows, running_worker
from workers import names

pytestmark = pytest.mark.worker

TICKETS = 60
SWEEPS = 12


def test_two_workers_sweeping_at_once_record_and_alert_each_breach_exactly_once(
    worker: Any, worker_app: Flask, database_url: str, redis_server: RedisServer, tmp_path: Path,
    make_ticket: MakeTicket, make_user: MakeUser,
) -> None:
    sla.install_defaults(actor=SYSTEM, now=utcnow())
    supervisor = make_user(Role.SUPERVISOR)
    opened = utcnow() - timedelta(hours=2)  # every P1 clock (15 and 60 minutes) has run out
    for _ in range(TICKETS):
        make_ticket(type=TicketType.FAULT, impact=Impact.MINISTRY, urgency=Urgency.HIGH, now=opened)
    assert count_rows(SlaClock) == 2 * TICKETS
    with running_worker(database_url, redis_server, tmp_path, {}, name="second") as second:
        celery = worker_app.extensions["celery"]
        for n in range(SWEEPS):
            celery.send_task(names.SLA_SWEEP, task_id=f"sweep-{n}")
        wait_for(lambda: count_rows(SlaEvent) == 2 * TICKETS, timeout=WAIT, message="every breach")
        wait_for(lambda: _supervisor_alerts(supervisor.id) == 2 * TICKETS, timeout=WAIT,
                 message="every alert")
        wait_for(lambda: _sweeps_run(tmp_path) == SWEEPS, timeout=WAIT, message="every sweep")
        assert second.poll() is None
    db.session.rollback()
    kinds = db.session.execute(select(SlaEvent.kind, func.count()).group_by(SlaEvent.kind)).all()
    assert dict(kinds) == {SlaEventKind.BREACH: 2 * TICKETS}  # warnings claimed with their breaches
    per_clock = db.session.execute(select(SlaEvent.clock_id, func.count()).group_by(SlaEvent.clock_id)
                                   .having(func.count() > 1)).all()
    assert per_clock == []
    assert count_rows(OutboxMessage, OutboxMessage.task == names.SLA_EVENT) == 2 * TICKETS
    assert _supervisor_alerts(supervisor.id) == 2 * TICKETS
    # Both workers took sweeps, so they really did run side by side.
    assert all(_sweeps_run(tmp_path, log) > 0 for log in ("worker", "second"))


def _supervisor_alerts(user_id: int) -> int:
    return count_rows(Notification, Notification.user_id == user_id,
                      Notification.kind == NotificationKind.SLA_BREACH)


def _sweeps_run(tmp_path: Path, name: str | None = None) -> int:
    logs = [tmp_path / f"{name}.log"] if name else list(tmp_path.glob("*.log"))
    return sum(
        line.count(f"Task {names.SLA_SWEEP}[sweep-") for log in logs if log.exists()
        for line in log.read_text(errors="replace").splitlines() if "succeeded" in line
    )
