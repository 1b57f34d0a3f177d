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
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

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


@contextmanager
def empty_postgres_database() -> Iterator[str]:
    """A new, empty PostgreSQL database (UTF-8, ``C.UTF-8``) for this block; dropped afterwards.

    Needs ``HELPDESK_TEST_ADMIN_DATABASE_URL`` (a database of the same server to issue
    ``CREATE DATABASE`` from); skips without it, fails under ``CI=true``.
    """
    from sqlalchemy import create_engine, text

    admin = os.environ.get("HELPDESK_TEST_ADMIN_DATABASE_URL")
    require_or_skip(bool(admin and postgres_url()), "PostgreSQL (HELPDESK_TEST_ADMIN_DATABASE_URL)")
    assert admin is not None
    name = f"helpdesk_tmp_{uuid.uuid4().hex[:8]}"
    engine = create_engine(admin.replace("postgresql://", "postgresql+psycopg://"),
                           isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f"CREATE DATABASE {name} TEMPLATE template0 ENCODING 'UTF8' "
                          "LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8'"))
    try:
        yield admin.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with engine.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        engine.dispose()


@contextmanager
def second_instance(tmp_path: Path) -> Iterator[Flask]:
    """Another app on a new, empty database of this run's engine (PostgreSQL: as ``createdb`` makes
    it, not migrated; SQLite: no file yet), with its own broker file and empty attachment store;
    its database (PostgreSQL) and its connections are gone afterwards."""
    from helpdesk import create_app
    from helpdesk.core.db import db

    with ExitStack() as stack:
        url = (stack.enter_context(empty_postgres_database()) if postgres_url()
               else f"sqlite:///{tmp_path / 'target.sqlite'}")
        target = create_app("testing", SQLALCHEMY_DATABASE_URI=url,
                            BROKER_URL=f"sqla+sqlite:///{tmp_path / 'target-broker.sqlite'}",
                            ATTACHMENT_ROOT=str(tmp_path / "target-attachments"))
        try:
            yield target
        finally:
            with target.app_context():
                db.session.remove()
                db.engine.dispose()


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


class Inbox:
    """What a loopback SMTP server received, raw: (recipients, message bytes) in arrival order."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], bytes]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd API
        self.messages.append((list(envelope.rcpt_tos), bytes(envelope.original_content or b"")))
        return "250 OK"


@contextmanager
def running_smtp(port: int) -> Iterator[Inbox]:
    """A real SMTP server (aiosmtpd) on 127.0.0.1:``port`` for the length of the block."""
    from aiosmtpd.controller import Controller

    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox
    finally:
        controller.stop()


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


@dataclass(frozen=True)
class ImapServer:
    """A private Dovecot IMAP server on loopback, one mailbox ``helpdesk`` / ``secret``."""

    port: int
    user: str = "helpdesk"
    password: str = "secret"  # noqa: S105 - a test mailbox on loopback


DOVECOT_CONF = """\
protocols = imap
listen = 127.0.0.1
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain
mail_location = maildir:{root}/mail/%u
first_valid_uid = 1
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/users
}}
userdb {{
  driver = static
  args = uid=mail gid=mail home={root}/home/%u
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
}}
"""


@contextmanager
def running_dovecot(workdir: Path) -> Iterator[ImapServer]:
    """Debian's dovecot as a private instance for the block (root, as in CI, to serve mail as ``mail``)."""
    binary = shutil.which("dovecot") or ("/usr/sbin/dovecot" if Path("/usr/sbin/dovecot").exists() else None)
    require_or_skip(binary is not None and os.geteuid() == 0, "dovecot-imapd, run as root")
    assert binary is not None
    # Dovecot's own users (dovecot, mail) must reach the files: pytest's temporary folders are 0700.
    root = Path(tempfile.mkdtemp(prefix="helpdesk-dovecot-", dir="/tmp"))
    root.chmod(0o755)
    for name in ("run", "state", "mail", "home"):
        (root / name).mkdir(parents=True, exist_ok=True)
    server = ImapServer(port=free_port())
    (root / "users").write_text(f"{server.user}:{{PLAIN}}{server.password}\n")
    (root / "dovecot.conf").write_text(DOVECOT_CONF.format(root=root, port=server.port))
    subprocess.run(["chown", "-R", "mail:mail", str(root / "mail"), str(root / "home")], check=True)
    subprocess.run([binary, "-c", str(root / "dovecot.conf")], check=True, timeout=20)
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                with socket.create_connection(("127.0.0.1", server.port), timeout=0.5):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        yield server
    finally:
        subprocess.run(["doveadm", "-c", str(root / "dovecot.conf"), "stop"], check=False, timeout=20,
                       capture_output=True)
        if (root / "dovecot.log").exists():
            shutil.copy(root / "dovecot.log", workdir / "dovecot.log")  # kept with the test's files
        shutil.rmtree(root, ignore_errors=True)
