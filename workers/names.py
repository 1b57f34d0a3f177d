"""Task names: a wire contract between the outbox rows and the worker; never rename."""

from __future__ import annotations

from helpdesk.handoff.services import (
    TASK_HANDOFF_DECIDED,
    TASK_HANDOFF_OVERDUE,
    TASK_HANDOFF_REQUESTED,
    TASK_WEBHOOK_HANDOFF_EVENT,
    TASK_WEBHOOK_MESSAGE_SHARED,
    TASK_WEBHOOK_TICKET_CLOSED,
)
from helpdesk.incidents.detection import TASK_INCIDENT_PROPOSED
from helpdesk.incidents.services import TASK_INCIDENT_UPDATE
from helpdesk.mail.delivery import TASK_MAIL_SEND
from helpdesk.mail.services import TASK_MAIL_STORM
from helpdesk.portability.jobs import TASK_EXPORT_DATA
from helpdesk.reports.services import TASK_GENERATE_REPORT
from helpdesk.sla.calendar_settings import TASK_SLA_RECOMPUTE
from helpdesk.sla.services import TASK_SLA_EVENT
from helpdesk.tickets.services import (
    TASK_MENTIONED,
    TASK_PUBLIC_REPLY,
    TASK_STATUS_CHANGED,
    TASK_TICKET_ASSIGNED,
    TASK_TICKET_OPENED,
    TASK_TICKET_RESOLVED,
)
from helpdesk.webhooks.services import TASK_WEBHOOK_ALERT

OUTBOX_RELAY = "outbox.relay_pending"
HEARTBEAT = "workers.heartbeat"
PRUNE_IDEMPOTENCY_KEYS = "core.prune_idempotency_keys"
TICKET_OPENED = TASK_TICKET_OPENED  # "notifications.ticket_opened"
PUBLIC_REPLY = TASK_PUBLIC_REPLY  # "notifications.public_reply_added"
TICKET_RESOLVED = TASK_TICKET_RESOLVED  # "notifications.ticket_resolved"
TICKET_ASSIGNED = TASK_TICKET_ASSIGNED  # "notifications.ticket_assigned"
STATUS_CHANGED = TASK_STATUS_CHANGED  # "notifications.status_changed"
MENTIONED = TASK_MENTIONED  # "notifications.mentioned"
HANDOFF_REQUESTED = TASK_HANDOFF_REQUESTED  # "notifications.handoff_requested"
HANDOFF_DECIDED = TASK_HANDOFF_DECIDED  # "notifications.handoff_decided"
HANDOFF_OVERDUE = TASK_HANDOFF_OVERDUE  # "notifications.handoff_overdue"
HANDOFF_SWEEP = "handoff.sweep_acknowledgements"
WEBHOOK_HANDOFF_EVENT = TASK_WEBHOOK_HANDOFF_EVENT  # "webhooks.record_handoff_event"
WEBHOOK_TICKET_CLOSED = TASK_WEBHOOK_TICKET_CLOSED  # "webhooks.record_ticket_closed"
WEBHOOK_MESSAGE_SHARED = TASK_WEBHOOK_MESSAGE_SHARED  # "webhooks.record_message_shared"
WEBHOOK_SWEEP = "webhooks.deliver_due"
WEBHOOK_ALERT = TASK_WEBHOOK_ALERT  # "notifications.webhook_alert"
SLA_EVENT = TASK_SLA_EVENT  # "notifications.sla_event"
SLA_SWEEP = "sla.sweep_clocks"
SLA_RECOMPUTE = TASK_SLA_RECOMPUTE  # "sla.recompute_calendar"
MAIL_STORM = TASK_MAIL_STORM  # "notifications.mail_storm"
MAIL_SEND = TASK_MAIL_SEND  # "mail.send"
MAIL_POLL = "mail.poll_imap"
INCIDENT_UPDATE = TASK_INCIDENT_UPDATE  # "notifications.incident_update"
INCIDENT_PROPOSED = TASK_INCIDENT_PROPOSED  # "notifications.incident_proposed"
INCIDENT_DETECT = "incidents.detect"
REPORT_GENERATE = TASK_GENERATE_REPORT  # "reports.generate_monthly"
DATA_EXPORT = TASK_EXPORT_DATA  # "portability.export_all"
