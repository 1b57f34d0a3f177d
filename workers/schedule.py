"""The beat schedule: every periodic task and its interval, in one table."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from workers.names import HEARTBEAT, OUTBOX_RELAY, PRUNE_IDEMPOTENCY_KEYS


def beat_schedule(config: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Periodic tasks; intervals come from the settings."""
    return {
        "outbox-relay": {"task": OUTBOX_RELAY, "schedule": float(config["OUTBOX_SWEEP_SECONDS"])},
        "worker-heartbeat": {
            "task": HEARTBEAT, "schedule": float(config["WORKER_HEARTBEAT_SECONDS"])
        },
        # Keys live 24 hours; an hourly sweep keeps the table small with one DELETE.
        "prune-idempotency-keys": {"task": PRUNE_IDEMPOTENCY_KEYS, "schedule": 3600.0},
    }
