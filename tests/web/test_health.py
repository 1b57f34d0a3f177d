"""/healthz reports each dependency and answers 503 when one is down."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from helpdesk import create_app
from helpdesk.core import outbox
from helpdesk.core.db import db as db_ext
from helpdesk.core.time import utcnow
from tests.conftest import IsolatedClient
from tests.support import free_port


def test_healthy_when_database_broker_and_worker_answer(client: FlaskClient, db: Any) -> None:
    outbox.record_heartbeat("worker-1", now=utcnow())
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json["status"] == "ok"
    assert set(response.json["checks"]) == {"database", "broker", "worker", "outbox"}


def test_no_worker_heartbeat_is_unhealthy(client: FlaskClient, db: Any) -> None:
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json["checks"]["worker"]["ok"] is False


def test_stale_heartbeat_is_unhealthy(client: FlaskClient, db: Any) -> None:
    outbox.record_heartbeat("worker-1", now=utcnow() - timedelta(minutes=10))
    assert client.get("/healthz").status_code == 503


def test_unreachable_broker_is_unhealthy(app: Flask, db: Any, database_url: str, tmp_path: Path) -> None:
    broken = create_app(
        "testing", SQLALCHEMY_DATABASE_URI=database_url, BROKER_URL=f"redis://127.0.0.1:{free_port()}/0"
    )
    broken.test_client_class = IsolatedClient
    response = broken.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json["checks"]["broker"]["ok"] is False
    assert response.json["checks"]["database"]["ok"] is True
    broken.extensions["celery"].close()
    with broken.app_context():
        db_ext.engine.dispose()
