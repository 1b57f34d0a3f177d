"""Task names: a wire contract between the outbox rows and the worker; never rename."""

from __future__ import annotations

from helpdesk.tickets.services import TASK_TICKET_OPENED

OUTBOX_RELAY = "outbox.relay_pending"
HEARTBEAT = "workers.heartbeat"
TICKET_OPENED = TASK_TICKET_OPENED  # "notifications.ticket_opened"
