"""The backup drill (issue #9, the one-hour rule): back up, restore into a fresh database, verify, serve.

Usage::

    .venv/bin/python bench/drill.py \\
        [--source postgresql://postgres@127.0.0.1:5432/helpdesk_bench] \\
        [--target-name helpdesk_drill] [--keep-backup]

The SOURCE database is only read: ``flask backup``'s code path takes its snapshot in a READ ONLY
transaction and ``pg_dump`` reads it. The TARGET is a throwaway database on the same server,
created (dropped first if a previous drill left it) and dropped again at the end. It is never the
source.

Phases, as an operator at the DR centre would live them, the backup already at hand:

1. dump — ``backup.back_up`` (``pg_dump -Fc`` + the attachment store + manifest); in production this
   ran last night, so it is reported but not part of detect-to-serving;
2. restore — ``createdb`` of the target, then ``backup.restore``: every SHA-256 checked, ``pg_restore
   --jobs 2``, attachment files placed;
3. verify — row counts against the manifest, the audit hash chain, the attachment files (all inside
   ``backup.restore``), then a smoke test through the app's test client: the agent signs in through the
   login form and opens the console.

detect-to-serving = restore + verify + smoke (from "we decide to restore" to "an agent is signed in").
Writes ``bench/results/drill-postgresql-<tickets>.json``; asserts nothing but exits 1 if anything failed.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from flask import Flask  # noqa: E402
from sqlalchemy import create_engine, make_url, text  # noqa: E402

from helpdesk import create_app  # noqa: E402
from helpdesk.core.db import db  # noqa: E402
from helpdesk.core.storage import FileStore  # noqa: E402
from helpdesk.demo import loader  # noqa: E402
from helpdesk.portability import backup  # noqa: E402

WORKDIR = Path(tempfile.gettempdir()) / "helpdesk-drill"
DEFAULT_SOURCE = "postgresql://postgres@127.0.0.1:5432/helpdesk_bench"
#: The bench seeding (bench/tickets.py) gives its agents the demo password.
SMOKE_USER = "agent00@helpdesk.example.co.jp"
_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
_NAME = re.compile(r"^[a-z_][a-z0-9_]*$")


def build_app(url: str, attachments: Path) -> Flask:
    """The app on ``url`` with its own attachment store and a broker nobody reads."""
    app = create_app("production", SQLALCHEMY_DATABASE_URI=url, SECRET_KEY="bench-drill",  # noqa: S106
                     BROKER_URL=f"sqla+sqlite:///{WORKDIR / 'broker.sqlite'}",
                     ATTACHMENT_ROOT=str(attachments))
    app.extensions["outbox_publisher"] = lambda task, oid, attempt: None
    return app


def admin_execute(source: str, statement: str) -> None:
    """Run CREATE/DROP DATABASE from the server's ``postgres`` database (outside a transaction)."""
    admin = make_url(source).set(drivername="postgresql+psycopg", database="postgres")
    engine = create_engine(admin, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.execute(text(statement))
    finally:
        engine.dispose()


def smoke(app: Flask, user: str) -> dict[str, Any]:
    """Sign ``user`` (an agent, demo password) in through the login form, open the console; status codes."""
    client = app.test_client()
    page = client.get("/login", base_url="https://localhost").get_data(as_text=True)
    match = _CSRF.search(page)
    if match is None:
        raise RuntimeError("the login page has no CSRF token")
    # Over https Flask-WTF also checks the Referer, as a browser would send it.
    login = client.post("/login", base_url="https://localhost", headers={"Referer": "https://localhost/login"},
                        data={
        "csrf_token": match.group(1), "email": user, "password": loader.DEMO_PASSWORD, "next": ""})
    console = client.get("/console/", base_url="https://localhost")
    if login.status_code != 302 or console.status_code != 200:
        raise RuntimeError(f"smoke test failed: login {login.status_code}, console {console.status_code}")
    return {"user": user, "login_status": login.status_code, "console_status": console.status_code}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--source", default=DEFAULT_SOURCE, help="Database to back up (only read).")
    parser.add_argument("--target-name", default="helpdesk_drill", help="Throwaway database to restore into.")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--smoke-user", default=SMOKE_USER, help="Agent that signs in (demo password).")
    parser.add_argument("--keep-backup", action="store_true", help="Keep the backup directory afterwards.")
    args = parser.parse_args()

    source = make_url(args.source)
    if not _NAME.match(args.target_name) or args.target_name == source.database:
        parser.error("--target-name must be a plain name other than the source database's")
    target_url = source.set(database=args.target_name).render_as_string(hide_password=False)
    shutil.rmtree(WORKDIR, ignore_errors=True)
    WORKDIR.mkdir(parents=True)
    directory = WORKDIR / "backup"
    result: dict[str, Any] = {"engine": "postgresql", "source": source.database, "target": args.target_name,
                              "jobs": args.jobs, "started_at": datetime.now(UTC).isoformat(),
                              "gaps": ["the source's tickets have no attachment files (bench seeding adds "
                                       "none and the source is read-only), so the attachment copy, "
                                       "placement and hash checks ran over 0 files"]}
    ok = False
    try:
        source_app = build_app(args.source, WORKDIR / "source-attachments")
        with source_app.app_context():
            print(f"dump: backing up {source.database} into {directory} …", flush=True)
            made = backup.back_up(directory, store=FileStore(WORKDIR / "source-attachments"),
                                  now=datetime.now(UTC))
            db.engine.dispose()
        manifest = made.manifest
        tickets = manifest.row_counts.get("tickets", 0)
        result.update(tickets=tickets, rows=sum(manifest.row_counts.values()), row_counts=manifest.row_counts,
                      dump_bytes=manifest.database.bytes, attachment_files=len(manifest.attachments),
                      dump_seconds=round(made.dump_seconds, 1), copy_seconds=round(made.copy_seconds, 1))
        print(f"dump: {manifest.database.bytes / 1e9:.2f} GB, {result['rows']:,} rows "
              f"({tickets:,} tickets) in {made.dump_seconds:.1f} s; "
              f"files copied in {made.copy_seconds:.1f} s", flush=True)

        detected = time.perf_counter()
        admin_execute(args.source, f"DROP DATABASE IF EXISTS {args.target_name} WITH (FORCE)")
        admin_execute(args.source, f"CREATE DATABASE {args.target_name} TEMPLATE template0 ENCODING 'UTF8' "
                                   "LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8'")
        target_app = build_app(target_url, WORKDIR / "target-attachments")
        with target_app.app_context():
            print(f"restore: pg_restore --jobs {args.jobs} into {args.target_name} …", flush=True)
            restored = backup.restore(directory, store=FileStore(WORKDIR / "target-attachments"),
                                      jobs=args.jobs)
            result.update(check_seconds=round(restored.check_seconds, 1),
                          restore_seconds=round(restored.restore_seconds + restored.check_seconds, 1),
                          audit_events_checked=restored.audit_events_checked)
            print(f"restore: {result['restore_seconds']:.1f} s "
                  f"(of which checksums {restored.check_seconds:.1f} s)", flush=True)
            smoke_started = time.perf_counter()
            result["smoke"] = smoke(target_app, args.smoke_user)
            smoke_seconds = time.perf_counter() - smoke_started
            db.session.remove()
            db.engine.dispose()
        serving = time.perf_counter() - detected
        result.update(verify_seconds=round(restored.verify_seconds + smoke_seconds, 1),
                      detect_to_serving_seconds=round(serving, 1))
        print(f"verify: {result['verify_seconds']:.1f} s (row counts, "
              f"{restored.audit_events_checked:,} audit events, attachment files, smoke login)")
        print(f"detect-to-serving: {serving:.1f} s ({serving / 60:.1f} min); dump beforehand: "
              f"{made.dump_seconds:.1f} s")
        ok = True
    except Exception as exc:  # noqa: BLE001 - recorded in the result file, then the exit code
        result["error"] = f"{type(exc).__name__}: {exc}"
        print(f"drill FAILED: {result['error']}", file=sys.stderr)
    finally:
        result["ok"] = ok
        result["finished_at"] = datetime.now(UTC).isoformat()
        admin_execute(args.source, f"DROP DATABASE IF EXISTS {args.target_name} WITH (FORCE)")
        if not args.keep_backup:
            shutil.rmtree(WORKDIR, ignore_errors=True)
    out = ROOT / "bench" / "results" / f"drill-postgresql-{result.get('tickets', 0)}.json"
    out.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n")
    print(f"wrote {out}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
