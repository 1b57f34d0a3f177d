"""Outage detection and incident updates with real Celery workers.

Two workers run the detector at the same time over a storm of reports: one proposal, one alert per
supervisor. An update posted on the declared incident reaches each requester once, in the app and in
the mail catcher.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from helpdesk.accounts.models import Role
from helpdesk.core.time import utcnow
from helpdesk.incidents import detection
from helpdesk.incidents import services as incidents
from helpdesk.incidents.models import IncidentProposal, ProposalState
from helpdesk.mail.models import MailDirection, MailMessage
from helpdesk.notifications.models import Notification, NotificationKind
from tests.conftest import MakeTicket, MakeUser, actor_of
from tests.support import RedisServer, wait_for
from tests.workers.conftest import WAIT, count_rows, running_worker
from workers import names

pytestmark = pytest.mark.worker

REPORTS = 12
RUNS = 8


def test_detection_by_two_workers_proposes_once_and_an_update_reaches_each_requester_once(
    worker: Any, worker_app: Flask, database_url: str, redis_server: RedisServer, tmp_path: Path,
    make_ticket: MakeTicket, make_user: MakeUser,
) -> None:
    supervisors = [make_user(Role.SUPERVISOR), make_user(Role.SUPERVISOR)]
    start = utcnow() - timedelta(minutes=5)
    requesters = [make_user() for _ in range(REPORTS // 2)]
    for n in range(REPORTS):  # every requester reports twice
        make_ticket(requester=requesters[n % len(requesters)], subject="メールが送れない",
                    now=start + timedelta(seconds=10 * n))
    celery = worker_app.extensions["celery"]
    with running_worker(database_url, redis_server, tmp_path, {}, name="second"):
        for n in range(RUNS):
            celery.send_task(names.INCIDENT_DETECT, task_id=f"detect-{n}")
        wait_for(lambda: count_rows(IncidentProposal) == 1, timeout=WAIT, message="the proposal")
        wait_for(lambda: _alerts(NotificationKind.INCIDENT_PROPOSED) == len(supervisors), timeout=WAIT,
                 message="each supervisor alerted")
        wait_for(lambda: _runs(tmp_path) == RUNS, timeout=WAIT, message="every detector run")
    assert count_rows(IncidentProposal) == 1
    assert _alerts(NotificationKind.INCIDENT_PROPOSED) == len(supervisors)

    [proposal_id] = [p.id for p in _all(IncidentProposal)]
    incident = detection.declare_from_proposal(
        proposal_id, actor=actor_of(supervisors[0]), now=utcnow(), settings=detection.DetectionSettings())
    assert _all(IncidentProposal)[0].state is ProposalState.DECLARED
    incidents.post_update(incident.id, "11:00 に復旧する見込みです。", actor=actor_of(supervisors[0]),
                          now=utcnow())
    wait_for(lambda: _alerts(NotificationKind.INCIDENT_UPDATE) == len(requesters), timeout=WAIT,
             message="one update notification per requester")
    wait_for(lambda: count_rows(MailMessage, MailMessage.direction == MailDirection.OUTBOUND,
                                MailMessage.subject.like("%障害情報の更新%")) == len(requesters),
             timeout=WAIT, message="one update mail per requester")


def _alerts(kind: NotificationKind) -> int:
    return count_rows(Notification, Notification.kind == kind)


def _all(model: type[Any]) -> list[Any]:
    from sqlalchemy import select

    from helpdesk.core.db import db

    db.session.rollback()
    return list(db.session.scalars(select(model)))


def _runs(tmp_path: Path) -> int:
    return sum(
        line.count(f"Task {names.INCIDENT_DETECT}[detect-") for log in tmp_path.glob("*.log")
        for line in log.read_text(errors="replace").splitlines() if "succeeded" in line
    )
