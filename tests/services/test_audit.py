"""The audit trail is hash-chained: edits, insertions and deletions are all detected."""

from __future__ import annotations

import threading
from typing import Any

from click.testing import Result
from flask import Flask
from sqlalchemy import delete, select, update

from helpdesk.audit import queries as audit_queries
from helpdesk.audit import services as audit
from helpdesk.audit.models import AuditEvent
from helpdesk.core.actor import SYSTEM
from helpdesk.core.db import db as db_ext
from helpdesk.core.db import unit_of_work
from tests.conftest import T0, MakeTicket


def _chain(n: int) -> None:
    for i in range(n):
        with unit_of_work():
            audit.record(
                SYSTEM,
                "test.event",
                subject_type="thing",
                subject_id=i,
                now=T0,
                data={"i": i, "名前": "監査"},
            )


def _verify(app: Flask) -> Result:
    return app.test_cli_runner().invoke(args=["audit", "verify"])


def test_every_service_call_leaves_a_chained_event(make_ticket: MakeTicket) -> None:
    ticket = make_ticket()
    events = audit_queries.list_for_ticket(ticket.id)
    assert [e.action for e in events] == ["ticket.opened"]
    checked, problems = audit_queries.verify_chain()
    assert problems == []
    assert checked >= 2  # the user's creation and the ticket's opening


def test_intact_chain_verifies(app: Flask, db: Any) -> None:
    _chain(5)
    result = _verify(app)
    assert result.exit_code == 0
    assert "intact: 5 events" in result.output


def test_edited_event_is_reported(app: Flask, db: Any) -> None:
    _chain(5)
    with unit_of_work() as session:
        session.execute(update(AuditEvent).where(AuditEvent.seq == 3).values(action="test.forged"))
    result = _verify(app)
    assert result.exit_code == 1
    assert "#3 edited" in result.output


def test_deleted_event_is_reported(app: Flask, db: Any) -> None:
    _chain(5)
    with unit_of_work() as session:
        session.execute(delete(AuditEvent).where(AuditEvent.seq == 2))
    result = _verify(app)
    assert result.exit_code == 1
    assert "missing" in result.output


def test_deleting_the_newest_events_is_reported(app: Flask, db: Any) -> None:
    _chain(5)
    with unit_of_work() as session:
        session.execute(delete(AuditEvent).where(AuditEvent.seq >= 4))
    result = _verify(app)
    assert result.exit_code == 1
    assert "head" in result.output


def test_inserted_event_is_reported(app: Flask, db: Any) -> None:
    _chain(3)
    with unit_of_work() as session:
        last = session.scalars(select(AuditEvent).order_by(AuditEvent.seq.desc())).first()
        assert last is not None
        forged = AuditEvent(
            seq=2,
            occurred_at=T0,
            actor_role="system",
            action="test.inserted",
            subject_type="thing",
            subject_id="x",
            data={},
            prev_hash=last.hash,
            hash="0" * 64,
        )
        session.execute(update(AuditEvent).where(AuditEvent.seq >= 2).values(seq=AuditEvent.seq + 10))
        session.add(forged)
    _, problems = audit_queries.verify_chain()
    kinds = {p.kind for p in problems}
    assert "inserted" in kinds or "edited" in kinds


def test_audit_record_refuses_to_run_outside_a_unit_of_work(db: Any) -> None:
    import pytest

    with pytest.raises(RuntimeError):
        audit.record(SYSTEM, "test.event", subject_type="thing", subject_id=1, now=T0)
    db.session.rollback()


def test_concurrent_appends_from_many_connections_form_one_linear_chain(app: Flask, db: Any) -> None:
    failures: list[BaseException] = []
    start = threading.Barrier(4)

    def append(worker: int) -> None:
        with app.app_context():
            try:
                start.wait()
                for i in range(10):
                    with unit_of_work():
                        audit.record(SYSTEM, "test.concurrent", subject_type="thing",
                                     subject_id=f"{worker}-{i}", now=T0)
            except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
                failures.append(exc)
            finally:
                db_ext.session.remove()

    threads = [threading.Thread(target=append, args=(w,)) for w in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert audit_queries.verify_chain() == (40, [])


def test_a_batch_of_events_is_the_same_chain_as_one_at_a_time(db: Any) -> None:
    _chain(2)
    with unit_of_work():
        batch = audit.record_many(SYSTEM, [audit.Entry("sla.breach", "ticket", f"HD-{n}", data={"n": n})
                                           for n in range(5)], now=T0)
    assert [e.seq for e in batch] == [3, 4, 5, 6, 7]
    assert [e.prev_hash for e in batch[1:]] == [e.hash for e in batch[:-1]]
    _chain(1)  # a single append after the batch continues from its last link
    checked, problems = audit_queries.verify_chain()
    assert (checked, problems) == (8, [])
    with unit_of_work():
        assert audit.record_many(SYSTEM, [], now=T0) == []
