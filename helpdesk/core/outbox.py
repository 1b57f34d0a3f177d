"""Transactional outbox: background work leaves only after the change that caused it commits.

A service calls :func:`emit` inside its unit of work; the row is written in the same
transaction as the change. After the commit the relay publishes the new rows to the
broker (best effort: a broker outage is logged, never raised into the request).
:func:`relay_pending` — run by the beat scheduler — publishes whatever was not
published, or was published but never processed (a lost message, a wiped Redis).
Workers run each row at most once with :func:`run_once`, which records a processed
key in the same transaction as the task's effect.

A broker that fails (down, or hung so that every publish waits for its time-out) opens a
per-process breaker: for ``BROKER_RETRY_SECONDS`` requests leave their rows to the sweep at once
instead of each waiting on the broker, so intake stays fast while Redis is away.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any, Protocol

from flask import Flask, current_app
from sqlalchemy import JSON, ForeignKey, Index, String, func, inspect, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from helpdesk.core.db import Model, after_commit, db, is_postgresql, transaction_state, unit_of_work

log = logging.getLogger(__name__)


class OutboxMessage(Model):
    """One piece of background work, written in the transaction that caused it."""

    __tablename__ = "outbox_messages"
    id: Mapped[int] = mapped_column(primary_key=True)
    #: Stable Celery task name, ``"<domain>.<verb_object>"``: a wire contract.
    task: Mapped[str] = mapped_column(String(100))
    #: Ids and small values only: no ticket text travels through the broker.
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime]
    #: Last time the relay handed it to the broker; None until the first success.
    published_at: Mapped[datetime | None]
    publish_attempts: Mapped[int] = mapped_column(default=0)
    #: Set by the worker in the same transaction as the task's effect.
    processed_at: Mapped[datetime | None]

    __table_args__ = (
        Index("ix_outbox_messages_pending", "processed_at", "published_at"),
    )


class ProcessedKey(Model):
    """Keys of work already done; the unique key makes a redelivery a no-op."""

    __tablename__ = "processed_keys"
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    processed_at: Mapped[datetime]
    outbox_id: Mapped[int | None] = mapped_column(
        ForeignKey("outbox_messages.id", ondelete="SET NULL"), index=True
    )


class WorkerHeartbeat(Model):
    """The last sign of life of each worker (written by a beat-driven task)."""

    __tablename__ = "worker_heartbeats"
    worker: Mapped[str] = mapped_column(String(200), primary_key=True)
    beat_at: Mapped[datetime]


class Publisher(Protocol):
    """Hands one outbox row to the broker; raises on any broker failure."""

    def __call__(self, task: str, outbox_id: int, attempt: int) -> None: ...


def set_publisher(app: Flask, publisher: Publisher | None) -> None:
    """Install the function that sends ``app``'s rows to the broker (``init_celery`` does)."""
    app.extensions["outbox_publisher"] = publisher


def emit(task: str, payload: Mapping[str, Any], *, now: datetime) -> OutboxMessage:
    """Write an outbox row in the current unit of work; it is published after commit.

    The row is written as already published (attempt 1), so the happy path costs no
    second write; if the publish after commit fails the mark is taken back and the next
    sweep publishes it. Only a crash between commit and publish leaves a marked row
    unpublished, and the sweep resends it after ``OUTBOX_REDELIVER_AFTER``.

    :raises RuntimeError: outside a unit of work.
    """
    state = transaction_state()
    message = OutboxMessage(task=task, payload=dict(payload), created_at=now, published_at=now,
                            publish_attempts=1)
    db.session.add(message)
    pending: list[tuple[OutboxMessage, str]] = state.setdefault("outbox_pending", [])
    if not pending:
        after_commit(lambda: _publish_committed(pending))
    pending.append((message, task))
    return message


def _publish_committed(messages: list[tuple[OutboxMessage, str]]) -> None:
    """Publish the rows of the transaction that just committed; never raise."""
    session = db.session()
    # The identity key holds the id even though the commit expired the objects: no reload.
    rows = [(_row_id(m), m_task) for m, m_task in messages]
    failed = [oid for oid, task in rows if not _try_publish(task, oid, attempt=1)]
    if not failed:
        return
    try:
        # Hand the rows to the next sweep at once instead of after the redelivery delay.
        session.execute(
            update(OutboxMessage).where(OutboxMessage.id.in_(failed)).values(published_at=None)
        )
        session.commit()
    except Exception:  # noqa: BLE001 - the business change is committed; the sweep repairs this
        session.rollback()
        log.exception("outbox: could not unmark %d unpublished rows", len(failed))


def _row_id(message: OutboxMessage) -> int:
    identity = inspect(message).identity
    assert identity is not None  # committed rows always have one
    return int(identity[0])


def _try_publish(task: str, outbox_id: int, attempt: int, *, through_breaker: bool = True) -> bool:
    """Hand one row to the broker; False on failure (never raises).

    ``through_breaker``: skip the attempt while a recent failure holds the breaker open (the
    sweep passes False: it is the repair path, and its success closes the breaker again).
    """
    publisher: Publisher | None = current_app.extensions.get("outbox_publisher")
    if publisher is None:
        log.warning("outbox: no publisher configured; row %s waits for the sweep", outbox_id)
        return False
    breaker: dict[str, float] = current_app.extensions.setdefault("outbox_breaker", {"open_until": 0.0})
    if through_breaker and time.monotonic() < breaker["open_until"]:
        return False
    try:
        publisher(task, outbox_id, attempt)
    except Exception as exc:  # noqa: BLE001 - a broker outage must not fail the caller
        breaker["open_until"] = time.monotonic() + float(current_app.config.get("BROKER_RETRY_SECONDS", 10.0))
        log.warning("outbox: publish of row %s (%s) failed, rows go to the sweep for a while: %s",
                    outbox_id, task, exc)
        return False
    breaker["open_until"] = 0.0
    return True


def relay_pending(*, now: datetime, redeliver_after: timedelta, limit: int = 500) -> int:
    """Publish rows never published, or published but unprocessed for ``redeliver_after``.

    Safe to run concurrently: on PostgreSQL rows are claimed with ``SKIP LOCKED``.
    Returns how many rows were handed to the broker.
    """
    stale = now - redeliver_after
    with unit_of_work() as session:
        stmt = (
            select(OutboxMessage)
            .where(OutboxMessage.processed_at.is_(None))
            .where((OutboxMessage.published_at.is_(None)) | (OutboxMessage.published_at < stale))
            .order_by(OutboxMessage.id)
            .limit(limit)
        )
        if is_postgresql():
            stmt = stmt.with_for_update(skip_locked=True)
        rows = list(session.scalars(stmt))
        sent = 0
        for row in rows:
            if not _try_publish(row.task, row.id, attempt=row.publish_attempts + 1, through_breaker=False):
                break  # the broker is down: stop, the next sweep tries again
            row.published_at = now
            row.publish_attempts += 1
            sent += 1
    return sent


def run_once(outbox_id: int, handler: Callable[[OutboxMessage], None], *, now: datetime) -> bool:
    """Run ``handler`` with the row unless it already ran; one transaction.

    The handler reads ``payload`` and, where the moment of the original change matters
    (a notification's time), ``created_at``.

    The processed key is inserted first, so a concurrent duplicate blocks on the
    unique key and then fails; the handler's effect and the key commit together.
    Returns False if the row was already processed or does not exist.
    """
    try:
        with unit_of_work() as session:
            row = session.get(OutboxMessage, outbox_id)
            if row is None or row.processed_at is not None:
                return False
            session.add(ProcessedKey(key=f"outbox:{outbox_id}", processed_at=now, outbox_id=row.id))
            session.flush()
            handler(row)
            row.processed_at = now
    except IntegrityError:
        log.info("outbox: row %s already processed by another worker", outbox_id)
        return False
    return True


def payload_of(outbox_id: int) -> dict[str, Any] | None:
    """A row's payload, for tasks whose effect cannot share the processed key's transaction
    (a mail handed to an SMTP server); None when there is no such row."""
    row = db.session.get(OutboxMessage, outbox_id)
    return dict(row.payload) if row is not None else None


def count_backlog(*, older_than: datetime) -> int:
    """Count unprocessed rows created before ``older_than``."""
    stmt = (
        select(func.count())
        .select_from(OutboxMessage)
        .where(OutboxMessage.processed_at.is_(None))
        .where(OutboxMessage.created_at < older_than)
    )
    return int(db.session.scalar(stmt) or 0)


def record_heartbeat(worker: str, *, now: datetime) -> None:
    """Upsert the worker's heartbeat."""
    with unit_of_work() as session:
        beat = session.get(WorkerHeartbeat, worker)
        if beat is None:
            session.add(WorkerHeartbeat(worker=worker, beat_at=now))
        else:
            beat.beat_at = now


def latest_heartbeat() -> datetime | None:
    """The most recent heartbeat of any worker, or None if none ever beat."""
    return db.session.scalar(select(func.max(WorkerHeartbeat.beat_at)))
