"""A private PostgreSQL cluster on a loopback port, which a test may crash and start again.

The shared test server is never touched: the cluster lives in its own directory (owned by the
``postgres`` user when the tests run as root, as ``initdb`` refuses root) and goes away afterwards.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from tests.support import free_port, require_or_skip


def _bin(name: str) -> str | None:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return found[-1] if found else shutil.which(name)


class PrivatePostgres:
    """``initdb`` + ``pg_ctl``; ``crash()`` is ``pg_ctl stop -m immediate`` (no checkpoint: recovery
    from the WAL at the next start, as after a power cut)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.data = directory / "data"
        self.port = free_port()
        self.as_postgres = os.geteuid() == 0

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/helpdesk"

    def _run(self, *command: str) -> None:
        prefix = ["runuser", "-u", "postgres", "--"] if self.as_postgres else []
        subprocess.run([*prefix, *command], check=True, capture_output=True, timeout=120)

    def create(self) -> None:
        initdb = _bin("initdb")
        assert initdb is not None
        if self.as_postgres:
            shutil.chown(self.directory, "postgres", "postgres")
        self._run(initdb, "-D", str(self.data), "-A", "trust", "-U", "postgres", "--encoding=UTF8",
                  "--locale=C.UTF-8")
        self.start()
        self._run(_bin("psql") or "psql", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "-q",
                  "-c", "CREATE DATABASE helpdesk TEMPLATE template0 ENCODING 'UTF8' "
                        "LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8'")
        self._run(_bin("psql") or "psql", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "-q",
                  "-d", "helpdesk", "-c", "CREATE EXTENSION pg_trgm")

    def start(self) -> None:
        self._run(_bin("pg_ctl") or "pg_ctl", "-D", str(self.data), "-l", str(self.directory / "server.log"),
                  "-o", f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.directory}", "-w", "start")

    def crash(self) -> None:
        self._run(_bin("pg_ctl") or "pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")

    def stop(self) -> None:
        with suppress(subprocess.CalledProcessError):  # not running
            self._run(_bin("pg_ctl") or "pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")


@contextmanager
def private_postgres() -> Iterator[PrivatePostgres]:
    """A new cluster with an empty ``helpdesk`` database (UTF-8, pg_trgm) for the block."""
    require_or_skip(_bin("initdb") is not None and _bin("pg_ctl") is not None, "PostgreSQL server binaries")
    directory = Path(tempfile.mkdtemp(prefix="helpdesk-pg-"))
    cluster = PrivatePostgres(directory)
    try:
        cluster.create()
        yield cluster
    finally:
        cluster.stop()
        shutil.rmtree(directory, ignore_errors=True)
