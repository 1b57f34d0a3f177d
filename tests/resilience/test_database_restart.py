"""R5: PostgreSQL crashes (``pg_ctl stop -m immediate``) during intake at 20 tickets a second and comes
back eight seconds later.

Clients behave as ours do: on no answer or a 5xx they send the same request again (same
``Idempotency-Key``) once a second. Every ticket the system acknowledged with 201 must exist after the
restart, exactly once; while the database is away the answers are 503 with ``Retry-After`` (never a
500 or a stack trace); no ticket is half-written; the web process recovers without a restart (how
soon is printed: it depends on the machine).
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select, text

from helpdesk import create_app
from helpdesk.accounts import services as accounts
from helpdesk.accounts.models import Role
from helpdesk.audit.models import AuditEvent
from helpdesk.core.db import db
from helpdesk.core.outbox import OutboxMessage
from helpdesk.responsibility.models import ResponsibilitySegment
from helpdesk.tickets.models import Ticket
from tests.conftest import T0, actor_of, new_user, seed_base_data
from tests.resilience.postgres import PrivatePostgres, private_postgres
from tests.resilience.stack import Intake, running_web, stack_env
from tests.support import ROOT, running_redis

RATE, SECONDS = 20.0, 24.0
CRASH_AT, DOWN_FOR = 8.0, 8.0


@pytest.fixture
def cluster() -> Iterator[PrivatePostgres]:
    with private_postgres() as cluster:
        yield cluster


@pytest.fixture
def private_app(cluster: PrivatePostgres, tmp_path: Path) -> Iterator[Flask]:
    """The schema (by the real migrations), base data, a requester and an agent with API keys."""
    env = {**os.environ, "HELPDESK_ENV": "testing", "HELPDESK_DATABASE_URL": cluster.url,
           "HELPDESK_INSTANCE_PATH": str(tmp_path), "FLASK_APP": "wsgi.py"}
    subprocess.run([sys.executable, "-m", "flask", "db", "upgrade"], cwd=ROOT, env=env, check=True,
                   capture_output=True, timeout=300)
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=cluster.url,
                     BROKER_URL=f"sqla+sqlite:///{tmp_path / 'broker.sqlite'}")
    with app.app_context():
        app.extensions["outbox_publisher"] = lambda task, outbox_id, attempt: None  # nothing consumes here
        seed_base_data()
        yield app
        db.session.remove()
        db.engine.dispose()


def _count(model: type, *where: Any) -> int:
    db.session.rollback()
    return int(db.session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def test_no_acknowledged_ticket_is_lost_when_the_database_crashes_during_intake(
    cluster: PrivatePostgres, private_app: Flask, tmp_path: Path
) -> None:
    admin = actor_of(new_user(Role.ADMIN))
    requester, agent = new_user(Role.REQUESTER), new_user(Role.AGENT)
    _row, requester_key = accounts.create_api_key(actor=admin, now=T0, name="staff", user_id=requester.id)
    _row, agent_key = accounts.create_api_key(actor=admin, now=T0, name="desk", user_id=agent.id)
    assert db.session.execute(text("SHOW synchronous_commit")).scalar() == "on"  # commits survive a crash
    db.session.remove()  # hold no connection of our own across the crash
    db.engine.dispose()

    (tmp_path / "redis").mkdir()
    with running_redis(tmp_path / "redis") as redis:
        (tmp_path / "instance").mkdir()
        env = stack_env(cluster.url, redis, tmp_path / "instance", 25)
        with running_web(env, tmp_path / "web.log") as base:
            intake = Intake(base, requester_key, agent_key, prefix="r5", escalate_every=10**9,
                            retry_until=time.monotonic() + SECONDS + DOWN_FOR + 60)
            marks: dict[str, float] = {}

            def crash_and_restart() -> None:
                time.sleep(CRASH_AT)
                marks["down"] = time.monotonic()
                cluster.crash()
                time.sleep(DOWN_FOR)
                cluster.start()
                marks["up"] = time.monotonic()

            saboteur = threading.Thread(target=crash_and_restart)
            saboteur.start()
            intake.run(RATE, SECONDS)
            saboteur.join()

    answers = intake.of("create")
    refused = [s for a in answers for s in a.history if s != 201]
    first_after = min((a.started + a.seconds for a in answers
                       if a.started >= marks["up"] and a.status == 201), default=float("inf"))
    print(f"\nR5: {intake.summary()}; answers during the outage {sorted(set(refused), key=str)} "
          f"({len(refused)}); first ticket {first_after - marks['up']:.1f} s after PostgreSQL was back")
    assert len(answers) == int(RATE * SECONDS)
    assert all(a.status == 201 for a in answers), [a.error for a in answers if a.status != 201][:3]
    assert refused, "the crash should have been felt"
    assert set(refused) <= {503, None}, "an outage answers 503 (or no answer while connecting), never a 500"
    assert sum(a.without_retry_after for a in answers) == 0
    assert first_after < float("inf")  # recovered without restarting the web process

    acknowledged = {a.number for a in answers}
    assert len(acknowledged) == len(answers)  # a retried request was one ticket
    stored = set(db.session.scalars(select(Ticket.number)))
    assert acknowledged <= stored, f"lost: {sorted(acknowledged - stored)[:5]}"
    assert stored == acknowledged  # and nothing nobody was told about
    # Nothing half-written: every ticket has its audit event, its holder and its outbox row.
    tickets = _count(Ticket)
    assert _count(AuditEvent, AuditEvent.action == "ticket.opened") == tickets
    assert _count(ResponsibilitySegment, ResponsibilitySegment.ended_at.is_(None)) == tickets
    assert _count(OutboxMessage, OutboxMessage.task == "notifications.ticket_opened") == tickets
