"""Fixtures for tests with a real Celery worker on a private Redis."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from helpdesk import create_app
from helpdesk.core.db import db
from helpdesk.core.outbox import WorkerHeartbeat
from helpdesk.jobs.models import BackgroundJob
from tests.conftest import IsolatedClient
from tests.support import ROOT, RedisServer, running_redis, wait_for

WAIT = 60.0


@pytest.fixture
def worker_env() -> dict[str, str]:
    """Environment variables a test wants the worker process to have."""
    return {}


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    with running_redis(tmp_path) as server:
        yield server


@pytest.fixture
def worker_app(db: Any, database_url: str, redis_server: RedisServer, tmp_path: Path) -> Iterator[Flask]:
    """An app whose outbox publishes to the private Redis, with its context pushed."""
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=database_url, BROKER_URL=redis_server.url)
    app.test_client_class = IsolatedClient
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()
    celery_app = app.extensions["celery"]
    celery_app.pool.force_close_all()
    celery_app.close()


@contextmanager
def running_worker(database_url: str, redis_server: RedisServer, tmp_path: Path, env_extra: dict[str, str],
                   *, name: str = "worker", pool: str = "solo", concurrency: int = 1,
                   ) -> Iterator[subprocess.Popen[bytes]]:
    """A real ``celery worker`` process on the same database and broker, until the block ends.

    ``pool="prefork"`` runs the tasks in ``concurrency`` child processes.
    """
    env = {
        **os.environ,
        "HELPDESK_ENV": "testing",
        "HELPDESK_DATABASE_URL": database_url,
        "HELPDESK_BROKER_URL": redis_server.url,
        "HELPDESK_INSTANCE_PATH": str(tmp_path),
        **env_extra,
    }
    log_path = tmp_path / f"{name}.log"
    log = log_path.open("wb")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "workers.app",
            "worker",
            f"--pool={pool}",
            f"--concurrency={concurrency}",
            "--without-gossip",
            "--without-mingle",
            "--loglevel=INFO",
            "-n",
            f"{name}-{uuid.uuid4().hex[:6]}@%h",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        # "ready." once it consumes; the heartbeat proves beat-free database access (one row per host).
        wait_for(lambda: b" ready." in log_path.read_bytes() and count_rows(WorkerHeartbeat) > 0,
                 timeout=WAIT, message=f"{name} to start")
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=20)  # reap it: an unreaped child is a ResourceWarning later
        log.close()
        if process.returncode not in (0, -15, -9):  # -9: a test killed it on purpose
            sys.stderr.write(log_path.read_text())


@pytest.fixture
def worker(
    worker_app: Flask, database_url: str, redis_server: RedisServer, tmp_path: Path,
    worker_env: dict[str, str],
) -> Iterator[subprocess.Popen[bytes]]:
    """A real ``celery worker`` process on the same database and broker."""
    with running_worker(database_url, redis_server, tmp_path, worker_env) as process:
        yield process


def count_rows(model: type[Any], *where: Any) -> int:
    """Rows of ``model`` as committed by any process."""
    db.session.rollback()  # see other processes' commits
    return int(db.session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def fresh_job(job_id: int) -> BackgroundJob:
    """A background job as committed by any process (the worker moves it along)."""
    db.session.expire_all()
    job = db.session.get(BackgroundJob, job_id)
    assert job is not None
    return job
