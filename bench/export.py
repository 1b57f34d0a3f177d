"""Contractor-neutral export at scale (issue #8): ``flask export`` of N tickets with attachments.

Usage::

    BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/helpdesk_exportbench \\
        .venv/bin/python bench/export.py [--tickets 100000] [--reseed]
    .venv/bin/python bench/export.py --tickets 10000          # SQLite, for a laptop

``BENCH_DATABASE_URL`` names a PostgreSQL database the script may wipe; without it a SQLite file
under the temporary directory is used.

Data. The ticket data set is the one ``bench/tickets.py`` seeds (seeded here the same way if it is
missing: staff, agents, tickets with messages, segments, handoffs and the hash-chained audit
trail). Every tenth ticket then gets one attachment: a row and a small file (2–34 KB) in the
attachment store, written set-wise.

Measuring. The export runs in a child process, so its peak RSS is the export's alone and not the
seeding's: rows per second, seconds, bytes written, peak RSS (``getrusage``), and the RSS before
the export started, which says how much the export itself added. Writes
``bench/results/export-<engine>-<N>.json``; asserts nothing. The export directory is deleted
afterwards.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from flask import Flask  # noqa: E402
from sqlalchemy import func, insert, select  # noqa: E402

from bench import tickets as ticket_bench  # noqa: E402
from helpdesk import create_app  # noqa: E402
from helpdesk.core.actor import SYSTEM  # noqa: E402
from helpdesk.core.db import db, unit_of_work  # noqa: E402
from helpdesk.core.storage import FileStore  # noqa: E402
from helpdesk.portability import export  # noqa: E402
from helpdesk.tickets.models import Attachment, Ticket  # noqa: E402

WORKDIR = Path(tempfile.gettempdir()) / "helpdesk-exportbench"
ATTACH_EVERY = 10
BATCH = 5000


def build_app(url: str) -> Flask:
    """The app on the bench database, with its own attachment store and a broker nobody reads."""
    app = create_app("production", SQLALCHEMY_DATABASE_URI=url, SECRET_KEY="bench-export",  # noqa: S106
                     BROKER_URL=f"sqla+sqlite:///{WORKDIR / 'broker.sqlite'}",
                     ATTACHMENT_ROOT=str(WORKDIR / "attachments"))
    app.extensions["outbox_publisher"] = lambda task, oid, attempt: None
    return app


def add_attachments(store: FileStore) -> int:
    """One attachment (row and file) on every tenth ticket that has none yet; returns how many were added."""
    existing = db.session.scalar(select(func.count()).select_from(Attachment)) or 0
    if existing:
        return 0
    attachments = db.metadata.tables[Attachment.__tablename__]
    ticket_rows = db.session.execute(
        select(Ticket.id, Ticket.requester_id, Ticket.created_at).where(Ticket.id % ATTACH_EVERY == 0)
        .order_by(Ticket.id)).all()
    added = 0
    for start in range(0, len(ticket_rows), BATCH):
        rows: list[dict[str, Any]] = []
        for ticket_id, requester_id, created_at in ticket_rows[start:start + BATCH]:
            content = b"%PDF-1.4\n" + secrets.token_bytes(2048 + (ticket_id * 7919) % 32768) + b"\n%%EOF\n"
            key = secrets.token_hex(20)
            target = store.path(key)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content)
            rows.append({"ticket_id": ticket_id, "message_id": None, "filename": f"障害報告_{ticket_id}.pdf",
                         "content_type": "application/pdf", "size": len(content),
                         "sha256": hashlib.sha256(content).hexdigest(), "storage_key": key,
                         "uploaded_by_id": requester_id, "is_public": True, "created_at": created_at})
        with unit_of_work() as session:
            session.execute(insert(attachments), rows)
        added += len(rows)
    return added


def measure(url: str, directory: Path) -> dict[str, Any]:
    """Run one export (in this process) and return its figures."""
    app = build_app(url)
    with app.app_context():
        rss_before_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        started = time.perf_counter()
        manifest = export.export_all(directory, now=datetime.now(UTC), actor=SYSTEM,
                                     store=FileStore(app.config["ATTACHMENT_ROOT"]))
        seconds = time.perf_counter() - started
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {"seconds": round(seconds, 1), "rows": manifest.row_count,
            "rows_per_s": round(manifest.row_count / seconds),
            "attachment_files": len(manifest.attachments), "bytes": manifest.byte_count,
            "peak_rss_mb": round(peak_kb / 1024, 1), "rss_before_export_mb": round(rss_before_kb / 1024, 1),
            "largest_tables": {t.table: t.rows for t in sorted(manifest.tables, key=lambda t: -t.rows)[:6]}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tickets", type=int, default=None,
                        help="tickets to seed (default 100,000 on PostgreSQL, 10,000 on SQLite)")
    parser.add_argument("--reseed", action="store_true", help="wipe and seed even if the data set is there")
    parser.add_argument("--measure-into", type=Path, help=argparse.SUPPRESS)  # the child process
    args = parser.parse_args()

    url = os.environ.get("BENCH_DATABASE_URL")
    count = args.tickets or (100_000 if url else 10_000)
    WORKDIR.mkdir(exist_ok=True)
    url = url or f"sqlite:///{WORKDIR / f'export-{count}.sqlite'}"
    if args.measure_into:
        print(json.dumps(measure(url, args.measure_into)))
        return

    app = build_app(url)
    with app.app_context():
        engine = db.engine.dialect.name
        print(f"database: {engine}, {count:,} tickets")
        seeded_in = ticket_bench.seed(count, reseed=args.reseed)
        if seeded_in is not None:
            shutil.rmtree(WORKDIR / "attachments", ignore_errors=True)  # files of the wiped data set
        added = add_attachments(FileStore(app.config["ATTACHMENT_ROOT"]))
        print(f"attachments: {added:,} added")
        db.session.remove()
        db.engine.dispose()

    directory = WORKDIR / f"export-{os.getpid()}"
    try:
        command = [sys.executable, __file__, "--tickets", str(count), "--measure-into", str(directory)]
        environment = {**os.environ, "BENCH_DATABASE_URL": url if engine == "postgresql" else ""}
        child = subprocess.run(command, capture_output=True, text=True, check=True, env=environment)
        figures = json.loads(child.stdout.strip().splitlines()[-1])
    finally:
        shutil.rmtree(directory, ignore_errors=True)
    load_before = os.getloadavg()[0]
    report = {"engine": engine, "tickets": count, "cpus": os.cpu_count(),
              "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
              "load_average": round(load_before, 2),
              "commit": subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                                       text=True, check=False).stdout.strip(),
              "target_seconds": 120, **figures}
    for name, value in report.items():
        print(f"  {name:<22} {value}")
    out = ROOT / "bench" / "results" / f"export-{engine}-{count}.json"
    out.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    print(f"written: {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
