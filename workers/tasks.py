"""Thin, idempotent tasks: each re-reads state and calls one domain service."""

from __future__ import annotations

import socket

from celery import shared_task
from flask import current_app
from sqlalchemy.exc import OperationalError

from helpdesk.core import outbox
from helpdesk.core.time import utcnow
from helpdesk.notifications import services as notifications
from workers import names


@shared_task(name=names.OUTBOX_RELAY, acks_late=True, ignore_result=True)
def relay_outbox() -> int:
    """Publish outbox rows the post-commit relay could not, or that were lost on the way."""
    return outbox.relay_pending(
        now=utcnow(), redeliver_after=current_app.config["OUTBOX_REDELIVER_AFTER"]
    )


@shared_task(name=names.HEARTBEAT, ignore_result=True)
def heartbeat() -> None:
    """Prove that beat, broker, worker and database work together (read by /healthz)."""
    outbox.record_heartbeat(socket.gethostname(), now=utcnow())


@shared_task(
    name=names.TICKET_OPENED, acks_late=True, ignore_result=True,
    autoretry_for=(OperationalError,), retry_backoff=True, retry_backoff_max=300, max_retries=8,
)
def ticket_opened(outbox_id: int) -> bool:
    """Tell the requester their ticket was received (once, however often delivered)."""

    def handle(message: outbox.OutboxMessage) -> None:
        # The notification tells of the moment the ticket was opened, not of our delivery.
        notifications.notify_ticket_opened(
            int(message.payload["ticket_id"]), source_key=f"outbox:{outbox_id}",
            now=message.created_at,
        )

    return outbox.run_once(outbox_id, handle, now=utcnow())
