"""Celery settings that make delivery safe, and the task names that are a wire contract."""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path

import pytest
from flask import Flask

import helpdesk
from helpdesk.core.celery import celery_config
from helpdesk.tickets.services import TASK_TICKET_OPENED
from workers import names
from workers.schedule import beat_schedule


def test_redis_broker_settings_bound_redelivery_below_the_restoration_target(app: Flask) -> None:
    config = celery_config({**app.config, "BROKER_URL": "redis://127.0.0.1:6379/0"})
    assert config["task_acks_late"] is True
    assert config["task_reject_on_worker_lost"] is True
    assert config["worker_prefetch_multiplier"] == 1
    assert config["broker_transport_options"]["visibility_timeout"] <= 600
    assert config["task_time_limit"] < config["broker_transport_options"]["visibility_timeout"]


def test_the_worker_registers_every_task_the_app_emits(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("HELPDESK_ENV", "testing")
    monkeypatch.setenv("HELPDESK_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("HELPDESK_DATABASE_URL", f"sqlite:///{tmp_path / 'unused.sqlite'}")
    celery_app = importlib.import_module("workers.app").celery_app
    registered = set(celery_app.tasks)
    assert {names.OUTBOX_RELAY, names.HEARTBEAT} <= registered
    assert _emitted_task_names() - registered == set()


def _emitted_task_names() -> set[str]:
    """Every ``TASK_*`` constant of every domain module: what the outbox may carry."""
    found: set[str] = set()
    for info in pkgutil.walk_packages(helpdesk.__path__, "helpdesk."):
        if not info.name.startswith(("helpdesk.web", "helpdesk.migrations")):
            module = importlib.import_module(info.name)
            found |= {v for k, v in vars(module).items() if k.startswith("TASK_") and isinstance(v, str)}
    assert TASK_TICKET_OPENED in found
    return found


def test_beat_sweeps_the_outbox_and_beats(app: Flask) -> None:
    schedule = beat_schedule(app.config)
    tasks = {entry["task"]: entry["schedule"] for entry in schedule.values()}
    assert tasks[names.OUTBOX_RELAY] == app.config["OUTBOX_SWEEP_SECONDS"]
    assert names.HEARTBEAT in tasks


def test_beat_sweeps_sla_clocks_and_polls_the_mailbox_every_minute(app: Flask) -> None:
    tasks = {entry["task"]: entry["schedule"] for entry in beat_schedule(app.config).values()}
    assert tasks[names.SLA_SWEEP] == 60.0
    assert tasks[names.MAIL_POLL] == 60.0
