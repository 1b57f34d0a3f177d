"""Foundation figures: directory import, ticket intake through the services, audit verification.

Usage: ``.venv/bin/python bench/foundation.py [--rows 5000] [--tickets 1000]``. Runs on a
throw-away SQLite file, or on ``BENCH_DATABASE_URL`` (a PostgreSQL database it may wipe).
Prints one line per figure; asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import flask_migrate  # noqa: E402
from sqlalchemy import text  # noqa: E402

from helpdesk import create_app  # noqa: E402
from helpdesk.accounts import services as accounts  # noqa: E402
from helpdesk.accounts.models import Party, PartyKind, Site, SiteKind  # noqa: E402
from helpdesk.audit import queries as audit_queries  # noqa: E402
from helpdesk.core.actor import SYSTEM  # noqa: E402
from helpdesk.core.db import db, unit_of_work  # noqa: E402
from helpdesk.tickets import services as tickets  # noqa: E402
from helpdesk.tickets.states import Channel, TicketType  # noqa: E402

NOW = datetime(2026, 11, 27, 1, 0, tzinfo=UTC)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--tickets", type=int, default=1000)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="helpdesk-bench-"))
    url = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{workdir / 'bench.sqlite'}"
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=url,
                     BROKER_URL=f"sqla+sqlite:///{workdir / 'broker.sqlite'}")
    app.extensions["outbox_publisher"] = lambda task, oid, attempt: None  # measure our side only
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        flask_migrate.upgrade()
        print(f"database: {db.engine.dialect.name}")
        with unit_of_work() as session:
            session.add(Party(code="helpdesk", kind=PartyKind.HELPDESK, name_ja="ヘルプデスク",
                              name_en="Help desk", is_active=True, created_at=NOW))
            session.add(Site(code="hq", kind=SiteKind.HQ, name_ja="本省", name_en="HQ", is_active=True))

        rows = [{"email": f"staff{i:05d}@example.go.jp", "family_name": "髙橋", "given_name": f"花子{i}",
                 "family_kana": "タカハシ", "given_kana": "ハナコ", "site": "hq",
                 "department": f"第{i % 40}課", "extension": str(2000 + i % 8000)}
                for i in range(args.rows)]
        started = time.perf_counter()
        report = accounts.import_directory(rows, actor=SYSTEM, now=NOW)
        first = time.perf_counter() - started
        started = time.perf_counter()
        again = accounts.import_directory(rows, actor=SYSTEM, now=NOW)
        second = time.perf_counter() - started
        print(f"directory import: {report.created} rows created in {first:.2f} s "
              f"({report.created / first:.0f} rows/s); re-import unchanged={again.unchanged} "
              f"in {second:.2f} s")

        requesters = [row["email"] for row in rows[: min(len(rows), 500)]]
        ids = {u.email: u.id for u in db.session.execute(
            text("SELECT email, id FROM users")).all()}
        latencies = []
        started = time.perf_counter()
        for i in range(args.tickets):
            requester_id = ids[requesters[i % len(requesters)]]
            t0 = time.perf_counter()
            tickets.open_ticket(tickets.NewTicket(
                type=TicketType.FAULT, subject=f"メールが送信できません（{i}）",
                description="今朝9時頃から送信エラーになります。", channel=Channel.PHONE,
                requester_id=requester_id), actor=SYSTEM, now=NOW + timedelta(seconds=i))
            latencies.append(time.perf_counter() - t0)
        total = time.perf_counter() - started
        latencies.sort()
        p50, p95 = latencies[len(latencies) // 2], latencies[int(len(latencies) * 0.95)]
        print(f"open_ticket: {args.tickets} tickets in {total:.2f} s ({args.tickets / total:.0f}/s), "
              f"p50 {p50 * 1000:.1f} ms, p95 {p95 * 1000:.1f} ms (one transaction each: ticket, "
              "segment, audit event, outbox row)")

        started = time.perf_counter()
        checked, problems = audit_queries.verify_chain()
        elapsed = time.perf_counter() - started
        print(f"audit verify: {checked} events in {elapsed:.2f} s ({checked / elapsed:.0f} events/s), "
              f"{len(problems)} problems")


if __name__ == "__main__":
    main()
