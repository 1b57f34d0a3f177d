"""``GET /healthz``: database, broker, worker heartbeat and outbox backlog, 200 or 503."""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, Response, current_app, jsonify

from helpdesk.core import health
from helpdesk.core.time import utcnow
from helpdesk.extensions import limiter

bp = Blueprint("health", __name__)


@bp.get("/healthz")
@limiter.exempt
def healthz() -> tuple[Response, int]:
    """Report each dependency; 503 when any is unhealthy. Reveals no data."""
    config, now = current_app.config, utcnow()
    checks = {
        "database": health.check_database(),
        "broker": health.check_broker(current_app.extensions["celery"],
                                      timeout=float(config["BROKER_PUBLISH_TIMEOUT"])),
        "worker": health.check_worker(
            now=now, stale_after=timedelta(seconds=3 * float(config["WORKER_HEARTBEAT_SECONDS"]))),
        "outbox": health.check_outbox(now=now, limit=int(config["OUTBOX_BACKLOG_LIMIT"])),
    }
    healthy = all(c["ok"] for c in checks.values())
    response = jsonify({"status": "ok" if healthy else "unhealthy", "checks": checks})
    response.headers["Cache-Control"] = "no-store"
    return response, 200 if healthy else 503
