"""The beat schedule: every periodic task and its interval, in one table."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from workers.names import HEARTBEAT, OUTBOX_RELAY


def beat_schedule(config: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Periodic tasks; intervals come from the settings."""
    return {
        "outbox-relay": {"task": OUTBOX_RELAY, "schedule": float(config["OUTBOX_SWEEP_SECONDS"])},
        "worker-heartbeat": {
            "task": HEARTBEAT, "schedule": float(config["WORKER_HEARTBEAT_SECONDS"])
        },
    }
