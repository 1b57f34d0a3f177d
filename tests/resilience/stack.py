"""The whole system as separate processes on loopback, for tests that break parts of it on purpose.

A gunicorn web server (as deployed: docs/operations.md), Celery workers and the beat run against the
test database, a private Redis (broker and rate-limit counters, as in production), a vendor webhook
receiver and an SMTP sink. Intervals are compressed (sweeps every 2 s, redelivery after 15 s) so a
recovery that takes minutes in production takes seconds here; the mechanisms are the production ones."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from tests.support import ROOT, Inbox, RedisServer, free_port, wait_for

#: Settings every process of the stack gets: production mechanisms, compressed intervals.
COMPRESSED = {
    "HELPDESK_ENV": "testing",
    "HELPDESK_TRUSTED_PROXIES": "1",  # clients are told apart by X-Forwarded-For, as behind the proxy
    "HELPDESK_BROKER_RETRY_SECONDS": "5",
    "HELPDESK_OUTBOX_SWEEP_SECONDS": "2",
    "HELPDESK_OUTBOX_REDELIVER_AFTER": "15",
    "HELPDESK_BROKER_VISIBILITY_TIMEOUT": "30",
    "HELPDESK_WEBHOOK_SWEEP_SECONDS": "2",
    "HELPDESK_WEBHOOK_FIRST_RETRY_SECONDS": "1",
    "HELPDESK_WEBHOOK_MAX_BACKOFF_SECONDS": "4",
    "HELPDESK_WEBHOOK_LEASE_SECONDS": "8",
    "HELPDESK_WEBHOOK_TIMEOUT_SECONDS": "6",
    "HELPDESK_WORKER_HEARTBEAT_SECONDS": "5",
    "HELPDESK_MAIL_IMAP_POLL_SECONDS": "3600",
    "HELPDESK_INCIDENT_DETECT_SECONDS": "5",
    "HELPDESK_PUBLIC_URL": "https://helpdesk.example.go.jp",
}


def stack_env(database_url: str, redis: RedisServer, instance: Path, smtp_port: int,
              **extra: str) -> dict[str, str]:
    """The environment of every process of the stack."""
    return {
        **os.environ, **COMPRESSED,
        "HELPDESK_DATABASE_URL": database_url,
        "HELPDESK_BROKER_URL": redis.url,
        "HELPDESK_REDIS_URL": redis.url,
        "HELPDESK_INSTANCE_PATH": str(instance),
        "HELPDESK_ATTACHMENT_ROOT": str(instance / "attachments"),
        "HELPDESK_MAIL_SMTP_HOST": "127.0.0.1",
        "HELPDESK_MAIL_SMTP_PORT": str(smtp_port),
        **extra,
    }


@contextmanager
def running_web(env: dict[str, str], log_path: Path) -> Iterator[str]:
    """The web application under gunicorn, as production runs it; yields its base URL.

    (Not waitress: unless told which proxy to trust, it strips ``X-Forwarded-For``, and every
    simulated caller would share one address and one rate limit.)
    """
    port = free_port()
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--workers=2", "--threads=8", f"--bind=127.0.0.1:{port}",
             "--timeout=60", "--keep-alive=30", "--graceful-timeout=5", "wsgi:app"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        base = f"http://127.0.0.1:{port}"
        try:
            wait_for(lambda: _answers(base), timeout=60, message="the web server")
            yield base
        finally:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=20)  # reap it: an unreaped child is a ResourceWarning later


@contextmanager
def running_beat(env: dict[str, str], instance: Path) -> Iterator[subprocess.Popen[bytes]]:
    """The one beat scheduler (its sweeps at the stack's compressed intervals)."""
    with (instance / "beat.log").open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "workers.app", "beat", "--loglevel=INFO",
             f"--schedule={instance / 'beat-schedule'}"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            yield process
        finally:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=20)  # reap it: an unreaped child is a ResourceWarning later


def _answers(base: str) -> bool:
    try:
        httpx.get(f"{base}/healthz", timeout=2)
    except httpx.HTTPError:
        return False
    return True


@dataclass
class Answer:
    """One client request and what came of it."""

    kind: str  # "create" or "handoff"
    key: str  # the Idempotency-Key, unique per intended effect
    started: float  # monotonic
    seconds: float
    status: int | None  # None: no HTTP answer (refused, timed out)
    attempts: int = 1
    number: str | None = None
    error: str = ""
    #: The status of every attempt, first to last (None: no HTTP answer).
    history: list[int | None] = field(default_factory=list)
    #: 503 answers that did not say when to come back (``Retry-After``).
    without_retry_after: int = 0


@dataclass
class Intake:
    """Staff filing tickets through the API at a steady rate, the desk escalating some to the vendor.

    Each simulated caller comes from its own address. ``retry_until`` > 0 makes a caller that got
    no answer or a 5xx send the same request again (same ``Idempotency-Key``) until then, as a
    well-behaved client does; the first answer is what "acknowledged" means for the tests.
    """

    base: str
    requester_key: str
    agent_key: str
    prefix: str
    escalate_every: int = 5
    retry_until: float = 0.0
    #: Every n-th caller sends its report a second time with the same key (a double click, or a
    #: retry after a lost answer); 0: none does. Recorded as kind "again".
    again_every: int = 0
    answers: list[Answer] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _local: threading.local = field(default_factory=threading.local)
    _clients: list[httpx.Client] = field(default_factory=list)

    def run(self, rate: float, seconds: float) -> None:
        """Send ``rate`` new tickets a second for ``seconds`` (each in its own thread), then wait for all."""
        count = int(rate * seconds)
        start = time.monotonic()
        try:
            with ThreadPoolExecutor(max_workers=48) as pool:
                for index in range(count):
                    delay = start + index / rate - time.monotonic()
                    if delay > 0:
                        time.sleep(delay)
                    pool.submit(self._one, index)
        finally:
            for client in self._clients:
                client.close()
            self._clients.clear()

    def _client(self) -> httpx.Client:
        client = getattr(self._local, "client", None)
        if client is None:
            client = self._local.client = httpx.Client(base_url=self.base, timeout=15.0)
            with self._lock:
                self._clients.append(client)
        return client

    def _send(self, kind: str, key: str, path: str, body: dict[str, Any], api_key: str,
              address: str) -> Answer:
        started = time.monotonic()
        attempts = 0
        history: list[int | None] = []
        without_retry_after = 0
        while True:
            attempts += 1
            try:
                response = self._client().post(path, json=body, headers={
                    "Authorization": f"Bearer {api_key}", "Idempotency-Key": key,
                    "X-Forwarded-For": address, "Accept-Language": "ja"})
                status, error = response.status_code, "" if response.is_success else response.text[:300]
                without_retry_after += status == 503 and "retry-after" not in response.headers
                number = response.json().get("number") if status == 201 and kind != "handoff" else None
            except httpx.HTTPError as exc:
                status, error, number = None, f"{type(exc).__name__}: {exc}", None
            history.append(status)
            retry = status is None or status >= 500
            # Any HTTP client resends once, with the same key, when the connection itself failed (a
            # keep-alive connection the server closed just as the request went out).
            resend = status is None and attempts == 1
            if not resend and (not retry or time.monotonic() >= self.retry_until):
                answer = Answer(kind, key, started, time.monotonic() - started, status, attempts, number,
                                error, history, without_retry_after)
                with self._lock:
                    self.answers.append(answer)
                return answer
            time.sleep(0.0 if resend else 1.0)

    def _one(self, index: int) -> None:
        address = f"10.{(index // 250) % 250 + 1}.{index % 250 + 1}.7"
        body = {"type": "fault", "subject": f"メールが送れない（{self.prefix}-{index}）",
                "description": "本省3階。送信ボタンを押すとエラーになります。", "impact": "person",
                "urgency": "high", "service": "mail", "site": "hq"}
        created = self._send("create", f"{self.prefix}-{index}", "/api/v1/tickets", body, self.requester_key,
                             address)
        if self.again_every and index % self.again_every == 0:
            self._send("again", created.key, "/api/v1/tickets", body, self.requester_key, address)
        if created.number and index % self.escalate_every == 0:
            self._send("handoff", f"{self.prefix}-{index}-handoff",
                       f"/api/v1/tickets/{created.number}/handoffs",
                       {"to_party": "operations", "symptom": "メールサーバー応答なし"},
                       self.agent_key, address)

    # --- what came of it --------------------------------------------------------------------

    def of(self, kind: str) -> list[Answer]:
        return [a for a in self.answers if a.kind == kind]

    def statuses(self) -> dict[int | None, int]:
        counts: dict[int | None, int] = {}
        for answer in self.answers:
            counts[answer.status] = counts.get(answer.status, 0) + 1
        return counts

    def p95(self, since: float = 0.0, until: float = float("inf")) -> float:
        window = sorted(a.seconds for a in self.answers if since <= a.started < until)
        return window[int(0.95 * (len(window) - 1))] if window else 0.0

    def summary(self) -> str:
        seconds = [a.seconds for a in self.answers]
        resent = sum(1 for a in self.answers if a.attempts > 1)
        return (f"{len(self.answers)} requests ({resent} sent more than once), statuses {self.statuses()}, "
                f"p50 "
                f"{statistics.median(seconds) * 1000:.0f} ms, p95 {self.p95() * 1000:.0f} ms, max "
                f"{max(seconds) * 1000:.0f} ms")


def mails_by_id(inbox: Inbox) -> dict[str, int]:
    """How often each Message-ID reached the SMTP sink."""
    import email

    counts: dict[str, int] = {}
    for _recipients, raw in list(inbox.messages):
        message_id = str(email.message_from_bytes(raw).get("Message-ID", ""))
        counts[message_id] = counts.get(message_id, 0) + 1
    return counts
