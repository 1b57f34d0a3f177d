"""Fixtures of the resilience suite: the whole system as processes, on PostgreSQL and a private Redis."""

from __future__ import annotations

import os
import signal
import subprocess
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from helpdesk.accounts import services as accounts
from helpdesk.accounts.models import Role, User
from helpdesk.core.db import db
from helpdesk.core.outbox import OutboxMessage
from helpdesk.core.time import utcnow
from helpdesk.webhooks import services as webhooks
from tests.conftest import T0, MakeUser, actor_of
from tests.resilience.stack import running_beat, running_web, stack_env
from tests.support import (
    CI,
    Inbox,
    RedisServer,
    free_port,
    postgres_url,
    require_or_skip,
    running_redis,
    running_smtp,
)
from tests.webhook_receiver import Receiver, running_receiver
from tests.workers.conftest import running_worker


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.resilience)


@dataclass
class System:
    """The running system and the handles a test breaks it with."""

    base: str
    database_url: str
    redis: RedisServer
    receiver: Receiver
    inbox: Inbox
    env: dict[str, str]
    instance: Path
    requester_key: str
    agent_key: str
    vendor: User
    vendor_key: str
    workers: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    _stack: ExitStack = field(default_factory=ExitStack)

    def start_worker(self, name: str = "worker", *, pool: str = "prefork", concurrency: int = 2) -> None:
        """Start (or start again) a worker (prefork: its tasks run in child processes)."""
        self.workers[name] = self._stack.enter_context(running_worker(
            self.database_url, self.redis, self.instance, {k: v for k, v in self.env.items()
                                                          if k.startswith("HELPDESK_")},
            name=name, pool=pool, concurrency=concurrency))

    def kill_pool(self, name: str = "worker") -> int:
        """``kill -9`` the worker's pool children only (the parent starts new ones); how many died."""
        children = children_of(self.workers[name].pid)
        for child in children:
            os.kill(child, signal.SIGKILL)
        return len(children)

    def kill_worker(self, name: str = "worker") -> None:
        """``kill -9`` the worker and every child of it: no clean-up, no acknowledgement."""
        process = self.workers.pop(name)
        for child in children_of(process.pid):
            os.kill(child, signal.SIGKILL)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)


def children_of(pid: int) -> list[int]:
    """Process ids whose parent is ``pid`` (read from /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found.append(int(entry.name))
    return found


def outbox_pending() -> int:
    """Outbox rows no worker has processed yet (as committed by any process)."""
    db.session.rollback()
    return int(db.session.scalar(select(func.count()).select_from(OutboxMessage)
                                 .where(OutboxMessage.processed_at.is_(None))) or 0)


@pytest.fixture
def system(db: Any, database_url: str, base_data: dict[str, Any], make_user: MakeUser,
           tmp_path: Path) -> Iterator[System]:
    """Web, a worker, the beat, private Redis, vendor receiver and SMTP sink, all on loopback."""
    require_or_skip(postgres_url() is not None or not CI, "PostgreSQL")
    if postgres_url() is None:
        pytest.skip("the resilience suite runs the system as in production, on PostgreSQL; "
                    "set HELPDESK_TEST_DATABASE_URL as .ci/run does")
    admin = actor_of(make_user(Role.ADMIN))
    requester, agent = make_user(Role.REQUESTER), make_user(Role.AGENT)
    vendor = make_user(Role.VENDOR, party="operations")
    _row, requester_key = accounts.create_api_key(actor=admin, now=T0, name="staff", user_id=requester.id)
    _row, agent_key = accounts.create_api_key(actor=admin, now=T0, name="desk", user_id=agent.id)
    _row, vendor_key = accounts.create_api_key(actor=admin, now=T0, name="vendor", user_id=vendor.id)
    with ExitStack() as stack:
        (tmp_path / "redis").mkdir()
        redis = stack.enter_context(running_redis(tmp_path / "redis"))
        receiver = stack.enter_context(running_receiver())
        smtp_port = free_port()
        inbox = stack.enter_context(running_smtp(smtp_port))
        endpoint_settings = webhooks.settings_from({"WEBHOOK_ALLOWED_HOSTS": ("127.0.0.1",),
                                                    "WEBHOOK_ALLOW_HTTP": True})
        _endpoint, secret = webhooks.save_endpoint(base_data["parties"]["operations"].id, receiver.url,
                                                   actor=admin, now=utcnow(), settings=endpoint_settings)
        receiver.secret = secret or ""
        instance = tmp_path / "instance"
        instance.mkdir()
        env = stack_env(database_url, redis, instance, smtp_port)
        base = stack.enter_context(running_web(env, tmp_path / "web.log"))
        system = System(base, database_url, redis, receiver, inbox, env, instance, requester_key, agent_key,
                        vendor, vendor_key)
        stack.enter_context(system._stack)
        stack.enter_context(running_beat(env, instance))
        system.start_worker()
        yield system
