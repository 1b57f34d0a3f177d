"""Celery wiring: one Celery app per Flask app, configured from Flask settings.

The web process only publishes (through the outbox relay); the worker process
imports ``workers.app``, which builds the Flask app and registers the tasks.
"""

from __future__ import annotations

from typing import Any

from celery import Celery, Task
from flask import Flask

from helpdesk.core import outbox


def celery_config(config: dict[str, Any]) -> dict[str, Any]:
    """Celery settings that make at-least-once delivery safe and bounded."""
    broker_url: str = config["BROKER_URL"]
    publish_timeout = float(config["BROKER_PUBLISH_TIMEOUT"])
    transport_options: dict[str, Any] = {}
    if broker_url.startswith(("redis://", "rediss://")):
        transport_options = {
            # An unacknowledged message comes back after this; far below the 1 h target.
            "visibility_timeout": int(config["BROKER_VISIBILITY_TIMEOUT"]),
            "socket_connect_timeout": publish_timeout,
            # A request publishing after its commit waits at most this on a hung Redis; the
            # worker, which blocks on the queue, raises it for itself (workers/app.py).
            "socket_timeout": publish_timeout,
            # One immediate retry (a pooled connection that died with a Redis restart), then give
            # up: the row waits for the sweep instead of the request waiting on the broker.
            "max_retries": 1,
            "interval_start": 0,
            "interval_step": 0.2,
            "interval_max": 0.5,
        }
    return {
        "broker_url": broker_url,
        "broker_transport_options": transport_options,
        "broker_connection_timeout": publish_timeout,
        "broker_connection_retry_on_startup": True,
        "task_acks_late": True,
        "task_reject_on_worker_lost": True,
        "worker_prefetch_multiplier": 1,
        "task_ignore_result": True,
        "result_backend": None,
        "task_time_limit": 300,
        "task_soft_time_limit": 240,
        "task_serializer": "json",
        "accept_content": ["json"],
        "timezone": "UTC",
        "enable_utc": True,
        "worker_hijack_root_logger": False,
        "broker_channel_error_retry": True,
    }


def init_celery(app: Flask) -> Celery:
    """Create the Celery app for ``app`` and install the outbox publisher."""

    class FlaskTask(Task):  # type: ignore[misc]
        """Runs every task inside the Flask app context, so services find the database."""

        def __call__(self, *args: object, **kwargs: object) -> object:
            with app.app_context():
                return self.run(*args, **kwargs)

    celery_app = Celery(app.import_name, task_cls=FlaskTask)
    celery_app.config_from_object(celery_config(app.config))
    celery_app.set_default()
    app.extensions["celery"] = celery_app

    def publish(task: str, outbox_id: int, attempt: int) -> None:
        celery_app.send_task(
            task,
            kwargs={"outbox_id": outbox_id},
            task_id=f"outbox-{outbox_id}-{attempt}",
            retry=False,
        )

    outbox.set_publisher(app, publish)
    return celery_app
