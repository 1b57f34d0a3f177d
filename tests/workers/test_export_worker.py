"""The full data export job with a real Celery worker: a verified directory, once however often sent."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from helpdesk.accounts.models import Role
from helpdesk.core.db import db
from helpdesk.core.outbox import OutboxMessage
from helpdesk.core.time import utcnow
from helpdesk.jobs.models import JobState
from helpdesk.portability import jobs as export_jobs
from helpdesk.portability import loading
from tests.conftest import MakeTicket, MakeUser, actor_of
from tests.support import wait_for
from tests.workers.conftest import WAIT, fresh_job
from workers import names

pytestmark = pytest.mark.worker


@pytest.fixture
def export_root(tmp_path: Path) -> Path:
    return tmp_path / "exports"


@pytest.fixture
def worker_env(export_root: Path) -> dict[str, str]:
    return {"HELPDESK_EXPORT_ROOT": str(export_root)}


def test_a_requested_export_is_written_by_the_worker_once(
    worker: Any, worker_app: Flask, make_user: MakeUser, make_ticket: MakeTicket, export_root: Path
) -> None:
    for n in range(3):
        make_ticket(subject=f"プリンタが動かない（{n + 1}）")
    admin = make_user(Role.ADMIN)

    job = export_jobs.request_export(actor=actor_of(admin), now=utcnow())
    wait_for(lambda: fresh_job(job.id).is_finished, timeout=WAIT, message="the export job to finish")

    done = fresh_job(job.id)
    assert done.state is JobState.DONE, done.message
    name = export_jobs.directory_name(done)
    assert done.result_ref == f"data_export:{name}" and done.done == done.total > 0
    manifest = loading.verify_export(export_root / name)
    assert manifest.rows_of("tickets") == 3

    # The same outbox row delivered again (a redelivery after a lost ack): the export is not redone.
    row = db.session.scalar(select(OutboxMessage).where(OutboxMessage.task == names.DATA_EXPORT))
    assert row is not None
    wait_for(
        lambda: (db.session.expire_all(), db.session.get(OutboxMessage, row.id).processed_at)[1] is not None,
        timeout=WAIT,
        message="the outbox row to be processed",
    )
    written = (export_root / name / "manifest.json").stat().st_mtime_ns
    worker_app.extensions["celery"].send_task(names.DATA_EXPORT, args=[row.id])
    worker_app.extensions["celery"].send_task(names.DATA_EXPORT, args=[row.id])
    # A later export on the same queue proves the worker got past the two redeliveries.
    second = export_jobs.request_export(actor=actor_of(admin), now=utcnow())
    wait_for(lambda: fresh_job(second.id).is_finished, timeout=WAIT, message="the second export to finish")
    assert fresh_job(second.id).state is JobState.DONE
    assert (export_root / name / "manifest.json").stat().st_mtime_ns == written
    second_name = export_jobs.directory_name(fresh_job(second.id))
    assert sorted(p.name for p in export_root.iterdir()) == sorted([name, second_name])
