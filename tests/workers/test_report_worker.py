"""The monthly report job with a real Celery worker: progress to the end, one snapshot however often sent."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from helpdesk.accounts.models import Role
from helpdesk.core.db import db
from helpdesk.core.outbox import OutboxMessage
from helpdesk.core.time import utcnow
from helpdesk.jobs.models import JobState
from helpdesk.reports import monthly
from helpdesk.reports import services as reports
from helpdesk.reports.models import ReportSnapshot
from tests.conftest import MakeTicket, MakeUser, actor_of
from tests.support import wait_for
from tests.workers.conftest import WAIT, count_rows, fresh_job
from workers import names

pytestmark = pytest.mark.worker


def test_a_requested_report_is_generated_by_the_worker_once(
    worker: Any, worker_app: Flask, make_user: MakeUser, make_ticket: MakeTicket
) -> None:
    month = monthly.previous_month(utcnow())
    start, _end = monthly.month_bounds(monthly.parse_month(month))
    for hours in (1, 30, 200):
        make_ticket(now=start + timedelta(hours=hours))
    supervisor = make_user(Role.SUPERVISOR)

    job = reports.request_report(month, actor=actor_of(supervisor), now=utcnow())
    wait_for(lambda: fresh_job(job.id).is_finished, timeout=WAIT, message="the report job to finish")

    done = fresh_job(job.id)
    assert done.state is JobState.DONE, done.message
    assert done.done == done.total == len(monthly.SECTIONS)
    snapshot = db.session.scalar(select(ReportSnapshot).where(ReportSnapshot.job_id == job.id))
    assert snapshot is not None and snapshot.content["intake"]["total"] == 3
    assert done.result_ref == f"report_snapshot:{snapshot.id}"

    # The same outbox row delivered again (a redelivery after a lost ack): the job is not redone.
    row = db.session.scalar(select(OutboxMessage).where(OutboxMessage.task == names.REPORT_GENERATE))
    assert row is not None
    wait_for(
        lambda: (db.session.expire_all(), db.session.get(OutboxMessage, row.id).processed_at)[1] is not None,
        timeout=WAIT,
        message="the outbox row to be processed",
    )
    worker_app.extensions["celery"].send_task(names.REPORT_GENERATE, args=[row.id])
    worker_app.extensions["celery"].send_task(names.REPORT_GENERATE, args=[row.id])
    # A later job on the same queue proves the worker got past the two redeliveries.
    second = reports.request_report(month, actor=actor_of(supervisor), now=utcnow())
    wait_for(lambda: fresh_job(second.id).is_finished, timeout=WAIT, message="the second job to finish")
    assert count_rows(ReportSnapshot, ReportSnapshot.job_id == job.id) == 1
    assert count_rows(ReportSnapshot) == 2
