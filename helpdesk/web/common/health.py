"""``GET /healthz``: database, broker, worker heartbeat and outbox backlog, 200 or 503."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Blueprint, Response, current_app, jsonify
from sqlalchemy import text

from helpdesk.core import outbox
from helpdesk.core.db import db
from helpdesk.core.time import utcnow
from helpdesk.extensions import limiter

bp = Blueprint("health", __name__)


def _check_database() -> dict[str, Any]:
    try:
        db.session.execute(text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001 - reported, not raised
        db.session.rollback()
        return {"ok": False, "error": type(exc).__name__}
    return {"ok": True, "dialect": db.engine.dialect.name}


def _check_broker() -> dict[str, Any]:
    celery_app = current_app.extensions["celery"]
    timeout = float(current_app.config["BROKER_PUBLISH_TIMEOUT"])
    try:
        with celery_app.connection_for_write() as connection:
            connection.ensure_connection(max_retries=1, interval_start=0, interval_step=0,
                                         timeout=timeout)
            transport = connection.transport_cls
    except Exception as exc:  # noqa: BLE001 - reported, not raised
        return {"ok": False, "error": type(exc).__name__}
    return {"ok": True, "transport": str(transport)}


def _check_worker() -> dict[str, Any]:
    try:
        beat = outbox.latest_heartbeat()
    except Exception as exc:  # noqa: BLE001
        db.session.rollback()
        return {"ok": False, "error": type(exc).__name__}
    limit = timedelta(seconds=3 * float(current_app.config["WORKER_HEARTBEAT_SECONDS"]))
    if beat is None:
        return {"ok": False, "last_heartbeat": None}
    age = (utcnow() - beat).total_seconds()
    return {"ok": age <= limit.total_seconds(), "last_heartbeat": beat.isoformat(),
            "age_seconds": round(age, 1)}


def _check_outbox() -> dict[str, Any]:
    try:
        backlog = outbox.count_backlog(older_than=utcnow() - timedelta(minutes=1))
    except Exception as exc:  # noqa: BLE001
        db.session.rollback()
        return {"ok": False, "error": type(exc).__name__}
    return {"ok": backlog <= int(current_app.config["OUTBOX_BACKLOG_LIMIT"]), "backlog": backlog}


@bp.get("/healthz")
@limiter.exempt
def healthz() -> tuple[Response, int]:
    """Report each dependency; 503 when any is unhealthy. Reveals no data."""
    checks = {
        "database": _check_database(),
        "broker": _check_broker(),
        "worker": _check_worker(),
        "outbox": _check_outbox(),
    }
    healthy = all(c["ok"] for c in checks.values())
    body = {"status": "ok" if healthy else "unhealthy", "checks": checks}
    response = jsonify(body)
    response.headers["Cache-Control"] = "no-store"
    return response, 200 if healthy else 503
