"""The beat schedule: every periodic task and its interval, in one table."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from workers.names import (
    HANDOFF_SWEEP,
    HEARTBEAT,
    INCIDENT_DETECT,
    MAIL_POLL,
    OUTBOX_RELAY,
    PRUNE_IDEMPOTENCY_KEYS,
    SLA_SWEEP,
    WEBHOOK_SWEEP,
)


def beat_schedule(config: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Periodic tasks; intervals come from the settings."""
    return {
        "outbox-relay": {"task": OUTBOX_RELAY, "schedule": float(config["OUTBOX_SWEEP_SECONDS"])},
        "worker-heartbeat": {
            "task": HEARTBEAT, "schedule": float(config["WORKER_HEARTBEAT_SECONDS"])
        },
        "handoff-acknowledgements": {
            "task": HANDOFF_SWEEP, "schedule": float(config["HANDOFF_SWEEP_SECONDS"])
        },
        "mail-poll": {"task": MAIL_POLL, "schedule": float(config["MAIL_IMAP_POLL_SECONDS"])},
        "incident-detection": {
            "task": INCIDENT_DETECT, "schedule": float(config["INCIDENT_DETECT_SECONDS"])
        },
        "sla-clocks": {"task": SLA_SWEEP, "schedule": float(config["SLA_SWEEP_SECONDS"])},
        "webhook-retries": {"task": WEBHOOK_SWEEP, "schedule": float(config["WEBHOOK_SWEEP_SECONDS"])},
        # Keys live 24 hours; an hourly sweep keeps the table small with one DELETE.
        "prune-idempotency-keys": {"task": PRUNE_IDEMPOTENCY_KEYS, "schedule": 3600.0},
    }
