"""Entry point for ``celery -A workers.app worker|beat``."""

from __future__ import annotations

import logging
import socket

from celery.signals import worker_ready

from helpdesk import create_app
from helpdesk.core import health, outbox
from helpdesk.core.time import utcnow
from workers.schedule import beat_schedule

log = logging.getLogger(__name__)
WORKER_SOCKET_TIMEOUT = 10.0
flask_app = create_app()
celery_app = flask_app.extensions["celery"]
if "socket_timeout" in celery_app.conf.broker_transport_options:
    # The worker waits on the queue (BRPOP, one second at a time): its reads need a longer time-out
    # than a web request's publish may wait.
    celery_app.conf.broker_transport_options = {**celery_app.conf.broker_transport_options,
                                                "socket_timeout": WORKER_SOCKET_TIMEOUT}
celery_app.conf.beat_schedule = beat_schedule(flask_app.config)
celery_app.conf.beat_schedule_filename = f"{flask_app.instance_path}/celerybeat-schedule"
import workers.tasks  # noqa: E402,F401 - registers the tasks

app = celery_app


@worker_ready.connect
def _announce(**_kwargs: object) -> None:
    """Beat once at start so /healthz turns green without waiting for the first sweep."""
    with flask_app.app_context():
        outbox.record_heartbeat(socket.gethostname(), now=utcnow())
        database = health.check_database()
        if database.get("japanese_search_indexed") is False:
            log.warning("database ctype is %s: Japanese text search cannot use its trigram index; "
                        "create the database with a UTF-8 locale such as C.UTF-8", database["ctype"])
