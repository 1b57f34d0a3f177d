"""An outage storm (issue #7): thousands of staff report the same outage through the portal at once.

Usage::

    BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/helpdesk_storm .venv/bin/python bench/storm.py
    .venv/bin/python bench/storm.py                       # SQLite, as ``make run`` ships
    .venv/bin/python bench/storm.py --quick               # the same burst, quiet phases shortened

``BENCH_DATABASE_URL`` names a PostgreSQL database the script wipes; without it a SQLite file under
the temporary directory is used (WAL, as the embedded default).

The scenario (the issue's figures are the defaults): 5,000 different members of staff, already signed
in, report "mail does not work" through the portal's new-ticket form within 10 minutes: a third of the
rest before the burst, a one-minute burst at 50 requests/s, the remainder after it. 8 % of them send
the same form twice (a double click or a client retry after a lost answer: the same idempotency
token). Meanwhile 40 other members of staff file unrelated tickets (other services, and questions
about mail), which must never be linked.

Background work as in production, in this process: the outage detector runs every 10 s (the beat
runs it every 60 s; more often is harsher on overlap) with the shipped settings (5 reports of one
service in 10 minutes); 30 s after the first proposal the bench, acting as the supervisor, declares
it with the console's one-click "declare and link"; later reports link themselves as they arrive.
Staff sessions are created set-wise beforehand (signing 5,000 people in through argon2 would measure
the password hash, not the storm).

The app runs under gunicorn with production settings (rate limits off, as in the tests) on a free
local port; arrivals are open-loop (each report starts at its scheduled second whatever the server
is doing), so queueing shows in the latencies. Prints the figures and writes
``bench/results/storm-<engine>-<staff>.json``; asserts nothing.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import re
import secrets
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import flask_migrate  # noqa: E402
import tickets as bench_tickets  # noqa: E402  - bench/tickets.py: gunicorn, the HTTP client, wipe
from flask import Flask  # noqa: E402
from sqlalchemy import func, select  # noqa: E402

from helpdesk import create_app  # noqa: E402
from helpdesk.accounts import services as accounts  # noqa: E402
from helpdesk.accounts.models import LoginSession, Role, User  # noqa: E402
from helpdesk.core.actor import SYSTEM  # noqa: E402
from helpdesk.core.db import db, unit_of_work  # noqa: E402
from helpdesk.core.time import utcnow  # noqa: E402
from helpdesk.demo import content  # noqa: E402
from helpdesk.demo import loader as demo  # noqa: E402
from helpdesk.incidents import detection  # noqa: E402
from helpdesk.incidents.models import IncidentProposal, MajorIncident  # noqa: E402
from helpdesk.tickets.models import Service, Ticket  # noqa: E402

STORM_SUBJECT = "メールが送受信できない"
#: Other staff filing other things meanwhile: a busy ten minutes of ordinary work (a few times the
#: usual rate), faults of other services spread thinly, and questions and requests about mail.
UNRELATED = 40
#: One cycle of that work: three faults of other services (each stays under the detector's five in ten
#: minutes, as ordinary faults do), the rest questions and requests, mail ones included.
_OTHER_WORK = (
    ("printer", "fault"), ("mail", "inquiry"), ("vpn", "inquiry"), ("mail", "request"),
    ("vpn", "fault"), ("fileserver", "inquiry"), ("mail", "inquiry"), ("printer", "request"),
    ("network", "fault"), ("mail", "request"), ("wifi", "inquiry"), ("mail", "inquiry"),
)
#: The app's session cookie name, read once the app is built.
COOKIE_NAME = ["helpdesk_session"]
_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
_TOKEN = re.compile(r'name="idempotency_token"[^>]*value="([^"]+)"')


@dataclass
class Arrival:
    """One person's report: when it starts, who sends it, what, and whether it is sent twice."""

    at: float
    cookie: str
    storm: bool
    retry: bool
    service: str = "mail"
    type: str = "fault"


@dataclass
class Outcome:
    """What the clients saw."""

    latencies: list[float] = field(default_factory=list)
    late: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    retried: int = 0
    lock = threading.Lock()

    def add(self, status: int, latency: float | None, late: float) -> None:
        with self.lock:
            self.statuses[status] = self.statuses.get(status, 0) + 1
            if latency is not None:
                self.latencies.append(latency)
            self.late.append(late)


def _pct(values: list[float], p: float) -> float | None:
    ordered = sorted(values)
    if not ordered:
        return None
    return round(ordered[min(len(ordered) - 1, max(0, int(round(p * len(ordered))) - 1))] * 1000, 1)


def schedule(rng: random.Random, *, staff: int, rate: float, burst: float, duration: float) -> list[float]:
    """Start seconds of ``staff`` reports: a third of the rest before the burst, the rest after it."""
    in_burst = min(staff, int(rate * burst))
    rest = staff - in_burst
    before = rest // 3
    burst_start = max(0.0, (duration - burst) * 0.4)
    times = [rng.uniform(0, burst_start) for _ in range(before)]
    times += [burst_start + i / rate for i in range(in_burst)]
    times += [rng.uniform(burst_start + burst, duration) for _ in range(rest - before)]
    return sorted(times)


def seed_people(app: Flask, *, staff: int) -> list[str]:
    """Reference data, ``staff`` + UNRELATED people of staff, and a live login session for each; return
    the session cookies (what their browsers already hold)."""
    now = utcnow()
    demo.load(ticket_count=0, now=now)
    departments = [d["code"] for d in content.DEPARTMENTS]
    sites_of = {d["code"]: d["site"] for d in content.DEPARTMENTS}
    rows = [
        {
            "email": f"storm{i:05d}@example.go.jp",
            "family_name": "職員",
            "given_name": f"{i:05d}",
            "family_kana": "ショクイン",
            "given_kana": "イチ",
            "site": sites_of[departments[i % len(departments)]],
            "department": departments[i % len(departments)],
            "extension": str(2000 + i % 7000),
        }
        for i in range(staff + UNRELATED)
    ]
    report = accounts.import_directory(rows, actor=SYSTEM, now=now)
    assert not report.errors, report.errors[:3]
    serializer = app.session_interface.get_signing_serializer(app)  # type: ignore[attr-defined]
    assert serializer is not None
    cookies: list[str] = []
    with unit_of_work() as session:
        users = session.scalars(
            select(User).where(User.email.like("storm%@example.go.jp")).order_by(User.email)
        )
        for user in users:
            token = secrets.token_urlsafe(32)
            session.add(
                LoginSession(
                    token_hash=hashlib.sha256(token.encode()).hexdigest(),
                    user_id=user.id,
                    created_at=now,
                    last_seen_at=now,
                    expires_at=now + timedelta(hours=12),
                    remote_addr="127.0.0.1",
                    user_agent="bench",
                )
            )
            # What Flask-Login writes at sign-in (session protection is off: sessions are server-side).
            cookies.append(serializer.dumps({"_user_id": token, "_fresh": True, "_permanent": True}))
    return cookies


def report_once(port: int, arrival: Arrival, started: float, outcome: Outcome, rng: random.Random) -> None:
    """GET the form, POST it (timed); a retrying client POSTs the same form again at once."""
    late = time.perf_counter() - started - arrival.at
    browser = bench_tickets.Browser(port)
    browser.cookies[COOKIE_NAME[0]] = arrival.cookie
    try:
        status, page = browser.request("GET", "/portal/tickets/new")
        csrf, token = _CSRF.search(page), _TOKEN.search(page)
        if status != 200 or csrf is None or token is None:
            outcome.add(status, None, late)
            return
        subject = (
            STORM_SUBJECT
            if arrival.storm
            else rng.choice(
                ("プリンタで印刷できない", "VPNの申請方法", "共有フォルダの容量", "メールの署名の設定方法")
            )
        )
        form = {
            "csrf_token": csrf.group(1),
            "idempotency_token": token.group(1),
            "type": arrival.type,
            "service": arrival.service,
            "impact": "person",
            "urgency": "high",
            "subject": subject,
            "description": "9時過ぎから Outlook でメールの送受信ができません。"
            if arrival.storm
            else "手順を教えてください。",
        }
        sends = 2 if arrival.retry else 1
        for attempt in range(sends):
            begun = time.perf_counter()
            status, body = browser.request("POST", "/portal/tickets/new", form=form)
            outcome.add(status, time.perf_counter() - begun, late if attempt == 0 else 0.0)
            if status >= 422 or "database is locked" in body:
                problems = re.findall(r'class="field-error"[^>]*>([^<]*)<', body) or [body[:200]]
                with outcome.lock:
                    outcome.errors.append(f"{status} {arrival.type}/{arrival.service}: {problems}")
        if arrival.retry:
            with outcome.lock:
                outcome.retried += 1
    except Exception as exc:  # noqa: BLE001 - a failed request is a figure, not a crash
        with outcome.lock:
            outcome.errors.append(f"{type(exc).__name__}: {exc}")
    finally:
        browser.connection.close()


class Supervisor(threading.Thread):
    """The detector every 10 s, and a supervisor who declares the first proposal 30 s after it."""

    def __init__(self, app: Flask, stop: threading.Event) -> None:
        super().__init__(daemon=True)
        self.app, self.stop = app, stop
        self.proposed_at: float | None = None
        self.declared_at: float | None = None
        self.runs = 0

    def run(self) -> None:
        settings = detection.DetectionSettings()
        with self.app.app_context():
            lead = db.session.scalar(select(User).where(User.role == Role.SUPERVISOR).order_by(User.id))
            assert lead is not None
            actor = accounts.actor_for(lead)
            while not self.stop.wait(10):
                detection.detect(now=utcnow(), settings=settings)
                detection.link_stragglers(now=utcnow())  # as the worker's task does after detecting
                self.runs += 1
                pending = db.session.scalars(select(IncidentProposal.id)).all()
                if pending and self.proposed_at is None:
                    self.proposed_at = time.perf_counter()
                if (
                    pending
                    and self.declared_at is None
                    and time.perf_counter() - (self.proposed_at or 0) >= 30
                ):
                    detection.declare_from_proposal(pending[0], actor=actor, now=utcnow(), settings=settings)
                    self.declared_at = time.perf_counter()
                db.session.remove()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--staff", type=int, default=5000)
    parser.add_argument("--rate", type=float, default=50.0, help="burst arrivals per second")
    parser.add_argument("--burst", type=float, default=60.0, help="burst seconds")
    parser.add_argument("--duration", type=float, default=600.0, help="seconds the storm lasts")
    parser.add_argument("--retry-share", type=float, default=0.08)
    parser.add_argument("--quick", action="store_true", help="quiet phases shortened: 180 s in all")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=4, help="threads per gunicorn worker")
    parser.add_argument("--clients", type=int, default=200, help="client threads (open loop)")
    args = parser.parse_args()
    duration = 180.0 if args.quick else args.duration

    url = os.environ.get("BENCH_DATABASE_URL")
    workdir = Path(tempfile.gettempdir()) / "helpdesk-storm"
    workdir.mkdir(exist_ok=True)
    url = url or f"sqlite:///{workdir / 'storm.sqlite'}"
    secret_key = secrets.token_urlsafe(32)
    app = create_app(
        "production",
        SQLALCHEMY_DATABASE_URI=url,
        SECRET_KEY=secret_key,
        BROKER_URL=f"sqla+sqlite:///{workdir / 'broker.sqlite'}",
        ATTACHMENT_ROOT=str(workdir / "attachments"),
    )
    app.extensions["outbox_publisher"] = lambda task, oid, attempt: None
    COOKIE_NAME[0] = str(app.config["SESSION_COOKIE_NAME"])
    with app.app_context():
        engine = db.engine.dialect.name
        bench_tickets.wipe()
        flask_migrate.upgrade()
        cookies = seed_people(app, staff=args.staff)
    rng = random.Random(2026)
    storm_cookies, other_cookies = cookies[: args.staff], cookies[args.staff :]
    arrivals = [
        Arrival(at, cookie, storm=True, retry=rng.random() < args.retry_share)
        for at, cookie in zip(
            schedule(rng, staff=args.staff, rate=args.rate, burst=args.burst, duration=duration),
            storm_cookies,
            strict=True,
        )
    ]
    for n, cookie in enumerate(other_cookies):
        service, kind = _OTHER_WORK[n % len(_OTHER_WORK)]
        arrivals.append(
            Arrival(rng.uniform(0, duration), cookie, storm=False, retry=False, service=service, type=kind)
        )
    arrivals.sort(key=lambda a: a.at)
    process, port = bench_tickets.serve(
        url,
        workdir,
        workers=args.workers,
        threads=args.threads,
        secret_key=secret_key,
        log=workdir / "gunicorn.log",
    )
    outcome = Outcome()
    stop = threading.Event()
    supervisor = Supervisor(app, stop)
    load_before = os.getloadavg()
    try:
        supervisor.start()
        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=args.clients) as pool:
            for n, arrival in enumerate(arrivals):
                delay = arrival.at - (time.perf_counter() - started)
                if delay > 0:
                    time.sleep(delay)
                pool.submit(report_once, port, arrival, started, outcome, random.Random(n))
        elapsed = time.perf_counter() - started
        # Wait for one more detector run and the declaration, then stop.
        deadline = time.perf_counter() + 60
        while supervisor.declared_at is None and time.perf_counter() < deadline:
            time.sleep(1)
    finally:
        stop.set()
        process.terminate()
        process.wait(timeout=30)
    log = (
        (workdir / "gunicorn.log").read_text(errors="replace") if (workdir / "gunicorn.log").exists() else ""
    )
    with app.app_context():
        figures = _count(args.staff)
    report = {
        "engine": engine,
        "staff": args.staff,
        "unrelated": UNRELATED,
        "duration_s": duration,
        "burst": f"{args.rate:g}/s for {args.burst:g} s",
        "retry_share": args.retry_share,
        "elapsed_s": round(elapsed, 1),
        "gunicorn": f"{args.workers}×{args.threads}",
        "cpus": os.cpu_count(),
        "load_average": [round(load_before[0], 2), round(os.getloadavg()[0], 2)],
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "commit": subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=False
        ).stdout.strip(),
        "requests": sum(outcome.statuses.values()),
        "statuses": {str(k): v for k, v in sorted(outcome.statuses.items())},
        "http_5xx": sum(v for k, v in outcome.statuses.items() if k >= 500),
        "client_errors": len(outcome.errors),
        "retried_clients": outcome.retried,
        "post_p50_ms": _pct(outcome.latencies, 0.50),
        "post_p95_ms": _pct(outcome.latencies, 0.95),
        "post_p99_ms": _pct(outcome.latencies, 0.99),
        "post_max_ms": _pct(outcome.latencies, 1.0),
        "start_lateness_p95_ms": _pct(outcome.late, 0.95),
        "database_is_locked_in_log": log.count("database is locked"),
        "detector_runs": supervisor.runs,
        "declared_after_first_proposal_s": round(supervisor.declared_at - supervisor.proposed_at, 1)
        if supervisor.declared_at and supervisor.proposed_at
        else None,
        **figures,
        "first_errors": outcome.errors[:5],
    }
    for key, value in report.items():
        print(f"{key:34} {value}")
    out = ROOT / "bench" / "results" / f"storm-{engine}-{args.staff}.json"
    out.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    print(f"written: {out.relative_to(ROOT)}")


def _count(staff: int) -> dict[str, Any]:
    """Stored, lost, duplicated, proposed and linked, read back from the database."""
    storm = select(Ticket).where(Ticket.subject == STORM_SUBJECT)
    stored = db.session.scalar(select(func.count()).select_from(storm.subquery())) or 0
    reporters = (
        db.session.scalar(
            select(func.count(func.distinct(Ticket.requester_id))).where(Ticket.subject == STORM_SUBJECT)
        )
        or 0
    )
    incident = db.session.scalars(select(MajorIncident)).first()
    linked = unrelated_linked = 0
    if incident is not None:
        linked = (
            db.session.scalar(
                select(func.count()).where(
                    Ticket.subject == STORM_SUBJECT, Ticket.parent_id == incident.ticket_id
                )
            )
            or 0
        )
        unrelated_linked = (
            db.session.scalar(
                select(func.count()).where(
                    Ticket.subject != STORM_SUBJECT, Ticket.parent_id == incident.ticket_id
                )
            )
            or 0
        )
    return {
        "stored": stored,
        "lost": staff - reporters,
        "duplicates": stored - reporters,
        "proposals": db.session.scalar(select(func.count()).select_from(IncidentProposal)),
        "proposals_for_mail": db.session.scalar(
            select(func.count())
            .select_from(IncidentProposal)
            .join(Service, Service.id == IncidentProposal.service_id)
            .where(Service.code == "mail")
        ),
        "incidents": db.session.scalar(select(func.count()).select_from(MajorIncident)),
        "linked": linked,
        "linked_share": round(linked / stored, 4) if stored else None,
        "unrelated_linked": unrelated_linked,
    }


if __name__ == "__main__":
    main()
