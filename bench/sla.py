"""SLA engine at scale (issue #5): business-time arithmetic per second, and the 60-second sweep.

Usage::

    .venv/bin/python bench/sla.py --arithmetic-only            # anywhere, no database
    BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/helpdesk_bench \\
        .venv/bin/python bench/sla.py [--tickets 1000000] [--running 100000]
    .venv/bin/python bench/sla.py --tickets 20000 --running 2000   # SQLite, for a laptop

Arithmetic. ``add_business_time``, ``business_time_between`` and a clock's ``due_at`` with two
pauses, on the office calendar (平日 9:00〜18:15, public holidays, the year-end closure), from
random instants over two years with random durations up to five business days; operations per
second on one core.

Sweep. The ticket data set is the one ``bench/tickets.py`` seeds (seeded here the same way if
it is missing). Every ticket gets its two clocks, written set-wise: the newest ``--running``
tickets have a stopped first-response clock and a running resolution clock due at a random
instant over the next seven days (so about one in 10,000 falls due in a given minute, warnings
at 75 % likewise); every other ticket has two stopped clocks. Whether a clock runs does not
depend on the seeded ticket's status: the sweep reads only clocks. Then the real
``sla.services.sweep`` runs as the beat runs it, a minute of simulated time apart: a first sweep
that meets every warning already due when the clocks were written, steady sweeps, then a storm
minute in which 5,000 clocks breach at once (each breach gets its event, its audit entry and its
outbox row). Prints a table and the plan of the breach ``UPDATE``;
writes ``bench/results/sla-<engine>-<N>.json``; asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import delete, select, text, update  # noqa: E402

from bench import tickets as ticket_bench  # noqa: E402
from helpdesk import create_app  # noqa: E402
from helpdesk.core.actor import SYSTEM  # noqa: E402
from helpdesk.core.db import db  # noqa: E402
from helpdesk.sla import services as sla  # noqa: E402
from helpdesk.sla import timing  # noqa: E402
from helpdesk.sla.calendar import (  # noqa: E402
    CalendarRules,
    Closure,
    OpeningHours,
    add_business_time,
    business_time_between,
)
from helpdesk.sla.holidays import japanese_public_holidays  # noqa: E402
from helpdesk.sla.models import BusinessCalendar, Metric, SlaClock, SlaClockPause, SlaEvent, SlaPolicy  # noqa: E402
from helpdesk.tickets.models import Ticket  # noqa: E402
from helpdesk.tickets.states import TicketType  # noqa: E402

OFFICE = CalendarRules(
    hours=tuple(OpeningHours(day, clock_time(9), clock_time(18, 15)) for day in range(5)),
    public_holidays=japanese_public_holidays(2025, 2029),
    closures=(Closure(date(2026, 12, 29), date(2027, 1, 3), is_annual=True),),
)
STORM = 5_000


def arithmetic(operations: int) -> dict[str, float]:
    """Operations per second of the three calendar operations a clock needs."""
    rng = random.Random(5)
    base = datetime(2026, 1, 1, tzinfo=UTC)
    starts = [base + timedelta(seconds=rng.randrange(2 * 365 * 86_400)) for _ in range(operations)]
    lengths = [timedelta(seconds=rng.randrange(5 * 555 * 60)) for _ in range(operations)]
    ends = [s + timedelta(seconds=rng.randrange(7 * 86_400)) for s in starts]
    pauses = [
        [
            timing.Pause(s + timedelta(hours=1), s + timedelta(hours=3)),
            timing.Pause(s + timedelta(days=1), s + timedelta(days=1, hours=2)),
        ]
        for s in starts
    ]
    results: dict[str, float] = {}
    for name, run in (
        ("add_business_time", lambda i: add_business_time(OFFICE, starts[i], lengths[i])),
        ("business_time_between", lambda i: business_time_between(OFFICE, starts[i], ends[i])),
        ("due_at with 2 pauses", lambda i: timing.due_at(OFFICE, starts[i], lengths[i], pauses[i])),
    ):
        started = time.perf_counter()
        for i in range(operations):
            run(i)
        results[name] = operations / (time.perf_counter() - started)
    return results


def seed_clocks(running: int, now: datetime) -> dict[str, Any]:
    """Two clocks per ticket, the newest ``running`` tickets with a running one; returns what was written."""
    started = time.perf_counter()
    db.session.execute(delete(SlaEvent))
    db.session.execute(delete(SlaClockPause))
    db.session.execute(delete(SlaClock))
    db.session.commit()
    sla.install_defaults(actor=SYSTEM, now=now)
    policy = db.session.scalar(select(SlaPolicy).where(SlaPolicy.is_current.is_(True)))
    office = db.session.scalar(select(BusinessCalendar.id).where(BusinessCalendar.code == "office"))
    assert policy is not None
    assert office is not None
    rows = db.session.execute(
        select(Ticket.id, Ticket.type, Ticket.priority, Ticket.created_at).order_by(Ticket.id.desc())
    ).all()
    rng = random.Random(7)
    connection = db.session.connection()
    sink = ticket_bench.Sink(connection, [SlaClock.__table__], flush_every=50_000)  # type: ignore[arg-type]
    next_id = iter(range(1, 2 * len(rows) + 1))  # COPY writes every column, the key included
    for n, (ticket_id, ticket_type, priority, created_at) in enumerate(rows):
        is_running = n < running
        fix = sla.fix_metric(TicketType(ticket_type))
        common = {
            "ticket_id": ticket_id,
            "ticket_type": ticket_type,
            "priority": priority,
            "policy_id": policy.id,
            "calendar_id": office,
            "started_at": created_at,
            "paused_seconds": 0,
            "paused_at": None,
            "party_id": None,
            "segment_id": None,
            "handoff_id": None,
            "warned_at": None,
            "breached_at": None,
        }
        sink.add(
            "sla_clocks",
            {
                **common,
                "id": next(next_id), "metric": Metric.FIRST_RESPONSE.value,
                "target_minutes": 120,
                "due_at": created_at + timedelta(hours=2),
                "warn_at": created_at + timedelta(hours=1),
                "stopped_at": created_at + timedelta(minutes=rng.randrange(5, 180)),
            },
        )
        if is_running:
            due = now + timedelta(seconds=rng.randrange(7 * 86_400))
            sink.add(
                "sla_clocks",
                {
                    **common,
                    "id": next(next_id), "metric": fix.value,
                    "target_minutes": 2400,
                    "due_at": due,
                    "warn_at": due - timedelta(minutes=600),
                    "stopped_at": None,
                },
            )
        else:
            sink.add(
                "sla_clocks",
                {
                    **common,
                    "id": next(next_id), "metric": fix.value,
                    "target_minutes": 2400,
                    "due_at": created_at + timedelta(days=3),
                    "warn_at": created_at + timedelta(days=2),
                    "stopped_at": created_at + timedelta(hours=rng.randrange(1, 120)),
                },
            )
        sink.maybe_flush()
    sink.flush()
    db.session.commit()
    if connection.dialect.name == "postgresql":
        db.session.execute(
            text("SELECT setval(pg_get_serial_sequence('sla_clocks', 'id'), max(id)) FROM sla_clocks"))
        db.session.execute(text("ANALYZE sla_clocks"))
        db.session.commit()
    return {
        "clocks": sink.written["sla_clocks"],
        "running": min(running, len(rows)),
        "seconds": round(time.perf_counter() - started, 1),
    }


def sweeps(now: datetime, minutes: int) -> tuple[list[float], list[int], datetime]:
    """Run the real sweep once per simulated minute; seconds taken and events recorded by each."""
    taken: list[float] = []
    events: list[int] = []
    for _ in range(minutes):
        now += timedelta(seconds=60)
        started = time.perf_counter()
        found = sla.sweep(now=now, actor=SYSTEM)
        taken.append(time.perf_counter() - started)
        events.append(len(found.warned) + len(found.breached))
    return taken, events, now


def storm(now: datetime) -> tuple[float, int]:
    """5,000 running clocks fall due in the same minute; one sweep records them all."""
    ids = list(
        db.session.scalars(
            select(SlaClock.id)
            .where(SlaClock.stopped_at.is_(None), SlaClock.breached_at.is_(None))
            .limit(STORM)
        )
    )
    db.session.execute(
        update(SlaClock).where(SlaClock.id.in_(ids)).values(due_at=now + timedelta(seconds=30), warn_at=now)
    )
    db.session.commit()
    started = time.perf_counter()
    found = sla.sweep(now=now + timedelta(seconds=60), actor=SYSTEM)
    return time.perf_counter() - started, len(found.breached)


def breach_plan(now: datetime) -> str:
    """The plan of the sweep's breach statement (PostgreSQL only)."""
    if db.session.connection().dialect.name != "postgresql":
        return ""
    plan = (
        db.session.execute(
            text(
                "EXPLAIN SELECT id FROM sla_clocks WHERE stopped_at IS NULL AND paused_at IS NULL "
                "AND breached_at IS NULL AND due_at <= :now"
            ),
            {"now": now},
        )
        .scalars()
        .all()
    )
    db.session.rollback()
    return "\n".join(plan)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--tickets",
        type=int,
        default=None,
        help="tickets in the data set (default 1,000,000 on PostgreSQL, 20,000 on SQLite)",
    )
    parser.add_argument(
        "--running", type=int, default=None, help="running clocks (default a tenth of the tickets)"
    )
    parser.add_argument("--operations", type=int, default=200_000, help="arithmetic operations per kind")
    parser.add_argument("--minutes", type=int, default=30, help="steady sweeps, a simulated minute apart")
    parser.add_argument("--arithmetic-only", action="store_true", help="skip the database part")
    args = parser.parse_args()

    report: dict[str, Any] = {
        "cpus": os.cpu_count(),
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "commit": subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=False
        ).stdout.strip(),
    }
    report["arithmetic_ops_per_s"] = {k: round(v) for k, v in arithmetic(args.operations).items()}
    for name, rate in report["arithmetic_ops_per_s"].items():
        print(f"{name:<24} {rate:>10,} ops/s (target >= 100,000)")
    if args.arithmetic_only:
        return

    url = os.environ.get("BENCH_DATABASE_URL")
    count = args.tickets or (1_000_000 if url else 20_000)
    running = args.running or count // 10
    workdir = Path(tempfile.gettempdir()) / "helpdesk-bench"
    workdir.mkdir(exist_ok=True)
    url = url or f"sqlite:///{workdir / f'tickets-{count}.sqlite'}"
    app = create_app(
        "production",
        SQLALCHEMY_DATABASE_URI=url,
        SECRET_KEY="bench-seed",  # noqa: S106
        BROKER_URL=f"sqla+sqlite:///{workdir / 'broker.sqlite'}",
        ATTACHMENT_ROOT=str(workdir / "attachments"),
    )
    app.extensions["outbox_publisher"] = lambda task, oid, attempt: None  # nothing consumes them here
    with app.app_context():
        engine = db.engine.dialect.name
        print(f"database: {engine}, {count:,} tickets, {running:,} running clocks")
        ticket_bench.seed(count, reseed=False)
        now = datetime.now(UTC).replace(microsecond=0)
        report["seeded"] = seed_clocks(running, now)
        print(f"clocks: {report['seeded']['clocks']:,} written in {report['seeded']['seconds']} s")
        # The first sweep meets every warning that fell due before it (clocks seeded at once).
        first_s, first_events, now = sweeps(now, 1)
        taken, events, now = sweeps(now, args.minutes)
        storm_s, stormed = storm(now)
        after_s, _, _ = sweeps(now + timedelta(seconds=60), 5)
        plan = breach_plan(now)
    report.update(
        {
            "engine": engine,
            "tickets": count,
            "running_clocks": running,
            "first_sweep": {"events": first_events[0], "seconds": round(first_s[0], 3)},
            "steady_sweep_s": {
                "p50": round(statistics.median(taken), 4),
                "max": round(max(taken), 4),
                "events_per_sweep_mean": round(statistics.mean(events), 1),
            },
            "storm_sweep": {"breaches": stormed, "seconds": round(storm_s, 3)},
            "sweep_after_storm_s": {"max": round(max(after_s), 4)},
            "breach_plan": plan,
        }
    )
    print(
        f"steady sweep: p50 {report['steady_sweep_s']['p50'] * 1000:.1f} ms, "
        f"max {report['steady_sweep_s']['max'] * 1000:.1f} ms, "
        f"{report['steady_sweep_s']['events_per_sweep_mean']} events a sweep (target <= 1 s)"
    )
    print(f"first sweep: {first_events[0]:,} warnings met at once in {first_s[0]:.2f} s")
    print(f"storm sweep: {stormed:,} breaches recorded in {storm_s:.2f} s")
    print(f"sweeps after the storm: max {max(after_s) * 1000:.1f} ms")
    if plan:
        print("breach statement plan:\n" + plan)
    out = ROOT / "bench" / "results" / f"sla-{engine}-{count}.json"
    out.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    print(f"written: {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
