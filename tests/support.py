"""Which real services this test run has, and how to reach them.

``HELPDESK_TEST_DATABASE_URL`` names a PostgreSQL database the suite may wipe;
``redis-server`` on PATH lets tests start private Redis instances. Under ``CI=true``
a missing service is an error, never a skip.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

CI = os.environ.get("CI", "").lower() == "true"
ROOT = Path(__file__).resolve().parent.parent


def postgres_url() -> str | None:
    """The PostgreSQL URL the suite may use, or None when there is none."""
    url = os.environ.get("HELPDESK_TEST_DATABASE_URL")
    if not url:
        return None
    try:
        import psycopg

        plain = url.replace("postgresql+psycopg://", "postgresql://")
        with psycopg.connect(plain, connect_timeout=3) as conn:
            conn.execute("SELECT 1")
    except Exception as exc:  # noqa: BLE001 - reported below
        if CI:
            raise RuntimeError(f"PostgreSQL at HELPDESK_TEST_DATABASE_URL is unreachable: {exc}") from exc
        return None
    return url


def redis_server_binary() -> str | None:
    """Path of ``redis-server``, or None."""
    return shutil.which("redis-server")


def require_or_skip(available: bool, what: str) -> None:
    """Skip (laptop) or fail (CI) when a real service is missing."""
    if available:
        return
    if CI:
        pytest.fail(f"CI=true but {what} is not available", pytrace=False)
    pytest.skip(f"needs {what}; set it up as .ci/run does to run this test")


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(predicate, timeout: float, interval: float = 0.1, message: str = "condition") -> None:  # type: ignore[no-untyped-def]
    """Poll ``predicate`` until true; fail the test after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(interval)
    pytest.fail(f"timed out after {timeout}s waiting for {message}")


class RedisServer:
    """A private redis-server on a loopback port that a test may stop and start."""

    def __init__(self, binary: str, workdir: Path) -> None:
        self.binary = binary
        self.port = free_port()
        self.workdir = workdir
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                self.binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.workdir),
                "--maxmemory-policy",
                "noeviction",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for(self._answers, timeout=10, message=f"redis on port {self.port}")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None

    def _answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False


@contextmanager
def running_redis(workdir: Path) -> Iterator[RedisServer]:
    """A private Redis for the duration of the block."""
    binary = redis_server_binary()
    require_or_skip(binary is not None, "redis-server")
    assert binary is not None
    server = RedisServer(binary, workdir)
    server.start()
    try:
        yield server
    finally:
        server.stop()
