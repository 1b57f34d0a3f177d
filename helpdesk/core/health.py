"""Dependency checks behind ``/healthz``; each returns a small dict and never raises."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from celery import Celery
from sqlalchemy import text

from helpdesk.core import outbox
from helpdesk.core.db import db


def check_database() -> dict[str, Any]:
    """Can we run a query? On PostgreSQL, also: can trigram search see Japanese?"""
    try:
        db.session.execute(text("SELECT 1"))
        result: dict[str, Any] = {"ok": True, "dialect": db.engine.dialect.name}
        if db.engine.dialect.name == "postgresql":
            ctype = db.session.scalar(
                text("SELECT datctype FROM pg_database WHERE datname = current_database()")
            )
            # With the C ctype pg_trgm extracts no trigrams from Japanese: search degrades
            # to full scans. Reported, not fatal: the service still works.
            result.update(ctype=ctype, japanese_search_indexed=ctype not in ("C", "POSIX"))
    except Exception as exc:  # noqa: BLE001 - reported, not raised
        db.session.rollback()
        return {"ok": False, "error": type(exc).__name__}
    return result


def check_broker(celery_app: Celery, *, timeout: float) -> dict[str, Any]:
    """Can we connect to the broker within ``timeout`` seconds?"""
    try:
        with celery_app.connection_for_write() as connection:
            connection.ensure_connection(max_retries=1, interval_start=0, interval_step=0,
                                         timeout=timeout)
            transport = connection.transport_cls
    except Exception as exc:  # noqa: BLE001 - reported, not raised
        return {"ok": False, "error": type(exc).__name__}
    return {"ok": True, "transport": str(transport)}


def check_worker(*, now: datetime, stale_after: timedelta) -> dict[str, Any]:
    """Has a worker beaten recently?"""
    try:
        beat = outbox.latest_heartbeat()
    except Exception as exc:  # noqa: BLE001 - reported, not raised
        db.session.rollback()
        return {"ok": False, "error": type(exc).__name__}
    if beat is None:
        return {"ok": False, "last_heartbeat": None}
    age = (now - beat).total_seconds()
    return {"ok": age <= stale_after.total_seconds(), "last_heartbeat": beat.isoformat(),
            "age_seconds": round(age, 1)}


def check_outbox(*, now: datetime, limit: int) -> dict[str, Any]:
    """Is undelivered background work piling up (rows older than a minute)?"""
    try:
        backlog = outbox.count_backlog(older_than=now - timedelta(minutes=1))
    except Exception as exc:  # noqa: BLE001 - reported, not raised
        db.session.rollback()
        return {"ok": False, "error": type(exc).__name__}
    return {"ok": backlog <= limit, "backlog": backlog}
