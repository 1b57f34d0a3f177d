"""Task names: a wire contract between the outbox rows and the worker; never rename."""

from __future__ import annotations

from helpdesk.tickets.services import (
    TASK_PUBLIC_REPLY,
    TASK_TICKET_ASSIGNED,
    TASK_TICKET_OPENED,
    TASK_TICKET_RESOLVED,
)

OUTBOX_RELAY = "outbox.relay_pending"
HEARTBEAT = "workers.heartbeat"
PRUNE_IDEMPOTENCY_KEYS = "core.prune_idempotency_keys"
TICKET_OPENED = TASK_TICKET_OPENED  # "notifications.ticket_opened"
PUBLIC_REPLY = TASK_PUBLIC_REPLY  # "notifications.public_reply_added"
TICKET_RESOLVED = TASK_TICKET_RESOLVED  # "notifications.ticket_resolved"
TICKET_ASSIGNED = TASK_TICKET_ASSIGNED  # "notifications.ticket_assigned"
