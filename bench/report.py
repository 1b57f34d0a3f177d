"""The monthly service-level report (issue #8) over the 1,000,000-ticket database: seconds per section.

Usage::

    BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/helpdesk_bench .venv/bin/python bench/report.py

Reads the data set seeded by ``bench/tickets.py`` (never seeds or wipes it; applies pending migrations
as that script does), picks the Japan month with the most tickets received, and builds its report
once the way the worker does (section by section), timing each. Prints a table and writes
``bench/results/report-<engine>-<N>.json``; asserts nothing. Target: the whole report in ≤ 10 s.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import flask_migrate  # noqa: E402
from sqlalchemy import func, select  # noqa: E402

from helpdesk import create_app  # noqa: E402
from helpdesk.core.db import db  # noqa: E402
from helpdesk.reports import monthly  # noqa: E402
from helpdesk.tickets.models import Ticket  # noqa: E402


def busiest_month() -> str:
    """The Japan month with the most tickets received (one GROUP BY over the creation index)."""
    month = func.to_char(func.timezone("Asia/Tokyo", Ticket.created_at), "YYYY-MM")
    stmt = select(month, func.count()).group_by(month).order_by(func.count().desc()).limit(1)
    row = db.session.execute(stmt).one()
    return str(row[0])


def main() -> None:
    url = os.environ.get("BENCH_DATABASE_URL")
    if not url or not url.startswith("postgresql"):
        sys.exit("set BENCH_DATABASE_URL to the seeded PostgreSQL database")
    workdir = Path(tempfile.gettempdir()) / "helpdesk-bench"
    # Nothing is published or stored: the broker and the attachment root only satisfy the settings.
    app = create_app("production", SQLALCHEMY_DATABASE_URI=url, SECRET_KEY="bench-report",  # noqa: S106
                     BROKER_URL=f"sqla+sqlite:///{workdir / 'broker.sqlite'}",
                     ATTACHMENT_ROOT=str(workdir / "attachments"))
    with app.app_context():
        flask_migrate.upgrade()
        tickets = int(db.session.scalar(select(func.count()).select_from(Ticket)) or 0)
        month = busiest_month()
        marks: list[tuple[str, float]] = []
        started = time.perf_counter()

        def progress(done: int, total: int, name: str) -> None:
            marks.append((name, time.perf_counter()))

        report = monthly.build(month, as_of=datetime.now(UTC), progress=progress)
        total = time.perf_counter() - started
        sections = {name: round(marks[i + 1][1] - at, 3) for i, (name, at) in enumerate(marks[:-1])}
    print(f"monthly report of {month} over {tickets:,} tickets "
          f"(received that month: {report.intake.total:,})")
    for name, seconds in sections.items():
        print(f"  {name:<20} {seconds:>8.3f} s")
    print(f"  {'total':<20} {total:>8.3f} s  (target ≤ 10 s)")
    result = {"month": month, "tickets": tickets, "received_in_month": report.intake.total,
              "seconds_per_section": sections, "total_seconds": round(total, 3), "target_seconds": 10,
              "measured_at": datetime.now(UTC).isoformat(timespec="seconds")}
    # Named by the seeded size (other benchmarks add a few hundred tickets to the data set).
    out = ROOT / "bench" / "results" / f"report-postgresql-{round(tickets, -5) or tickets}.json"
    out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    print(f"wrote {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
