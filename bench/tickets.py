"""Tickets at scale (issue #3): seed N tickets, serve them with gunicorn, measure with concurrent clients.

Usage::

    BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/helpdesk_bench \\
        .venv/bin/python bench/tickets.py [--tickets 1000000] [--reseed]
    .venv/bin/python bench/tickets.py --tickets 20000          # SQLite, for a laptop

``BENCH_DATABASE_URL`` names a PostgreSQL database the script may wipe; without it a
SQLite file under the temporary directory is used. ``BENCH_BROKER_URL`` (e.g.
``redis://127.0.0.1:6379/13``) is the broker the served app publishes its outbox to;
without it an embedded SQLite broker is used. Nothing consumes the broker: the figures
are the web tier's, outbox rows included.

Seeding. Reference data and the demo people go through the real services (the demo
loader, dated three years back); 5,000 staff through the directory import; 40 agents
through ``create_user``. Tickets are written set-wise (``COPY`` on PostgreSQL,
``executemany`` on SQLite) with every row the services would have written for them:
the ticket with its ``search_text``, its responsibility segments (and, for open
escalated tickets, the accepted handoff that moved them to the other party), its
messages, number counters, and the audit events the workspace timeline reads, hash-chained
in time order so ``flask audit verify`` passes. Historical tickets have no outbox rows and
no notifications (both belong to background work that finished long ago), and no audit
events for handoffs (their service is a later issue). Texts come from the demo
scenarios (``helpdesk.demo.content``). An audit event ``bench.seeded`` closes a finished
seed; a later run finding one for the same N skips seeding and only applies pending
migrations, so re-runs measure without reseeding. ``--reseed`` starts over.

Measuring. The app runs under gunicorn (``HELPDESK_ENV=production``, rate limits off)
on a free local port; threads with ``http.client`` sign in through the real login form
and time ticket creation through the portal form and ``POST /api/v1/tickets``, the
console queue's first page, the ticket workspace and search. Prints a table, writes
``bench/results/tickets-<engine>-<N>.json``; asserts nothing.
"""

from __future__ import annotations

import argparse
import hashlib
import heapq
import http.client
import json
import os
import random
import re
import secrets
import socket
import subprocess
import sys
import tempfile
import threading
import time
import types
import urllib.parse
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import flask_migrate  # noqa: E402
from flask import Flask  # noqa: E402
from sqlalchemy import Table, func, select, text  # noqa: E402

from helpdesk import create_app  # noqa: E402
from helpdesk.accounts import passwords  # noqa: E402
from helpdesk.accounts import services as accounts  # noqa: E402
from helpdesk.accounts.models import Party, Role, User  # noqa: E402
from helpdesk.audit import services as audit  # noqa: E402
from helpdesk.audit.models import AuditChainHead, AuditEvent  # noqa: E402
from helpdesk.core.actor import SYSTEM  # noqa: E402
from helpdesk.core.db import db, unit_of_work  # noqa: E402
from helpdesk.core.time import TOKYO  # noqa: E402
from helpdesk.demo import content  # noqa: E402
from helpdesk.demo import loader as demo  # noqa: E402
from helpdesk.handoff.models import Handoff  # noqa: E402
from helpdesk.responsibility.models import ResponsibilitySegment  # noqa: E402
from helpdesk.tickets.models import Message, Service, Ticket, TicketNumberCounter  # noqa: E402
from helpdesk.tickets.search import normalise  # noqa: E402
from helpdesk.tickets.states import Impact, TicketType, Urgency, compute_priority  # noqa: E402

STAFF = 5000
AGENTS = 40
HISTORY = timedelta(days=3 * 365)
SEED = 2026
PASSWORD = demo.DEMO_PASSWORD
#: Bench staff that sign in to the portal get this password (the directory gives none).
PORTAL_USERS = 16
SEARCH_TERMS = ("プリンタ", "パスワード", "VPN接続", "共有フォルダ", "メール", "ログイン")
SHORT_TERMS = ("障害", "印刷", "無線", "接続")
#: Two-character words the seeded text never contains: the worst case, a scan of every ticket.
ABSENT_SHORT_TERMS = ("吉田", "岡山", "福岡")
SEGMENT_ESCALATION = {"escalate_operations": "operations", "escalate_terminal_vendor": "terminal_vendor",
                      "escalate_security": "security"}
RESOLUTION_CODES = {"inquiry": "answered", "fault": "fixed", "request": "fulfilled", "security": "fixed"}
DAY = timedelta(days=1)


# --- seeding -------------------------------------------------------------------------------------


@dataclass
class People:
    """Ids the generator draws from."""

    staff: list[tuple[int, int | None, str]]  # (id, site id, display name)
    agents: list[int]
    security: list[int]
    vendors_by_party: dict[int, list[int]]
    parties: dict[str, int]
    services: dict[str, int]


class Sink:
    """Buffers rows per table and writes them set-wise: COPY on PostgreSQL, executemany on SQLite."""

    def __init__(self, connection: Any, tables: Iterable[Table], *, flush_every: int = 20_000) -> None:
        self.connection = connection
        self.is_postgresql = connection.dialect.name == "postgresql"
        self.columns = {t.name: [c.name for c in t.columns] for t in tables}
        self.defaults = {t.name: {c.name: _scalar_default(c) for c in t.columns} for t in tables}
        self.rows: dict[str, list[tuple[Any, ...]]] = {name: [] for name in self.columns}
        self.flush_every = flush_every
        self.written = dict.fromkeys(self.columns, 0)

    def add(self, table: str, values: dict[str, Any]) -> None:
        defaults = self.defaults[table]
        self.rows[table].append(tuple(values[c] if c in values else defaults[c] for c in self.columns[table]))

    def maybe_flush(self) -> None:
        """Write everything once any table has a batch; called between tickets, so keys resolve."""
        if any(len(rows) >= self.flush_every for rows in self.rows.values()):
            self.flush()

    def flush(self) -> None:
        """Write every buffered row, tables in the order given (referenced tables first)."""
        for name in list(self.rows):
            rows, self.rows[name] = self.rows[name], []
            if not rows:
                continue
            columns = self.columns[name]
            raw = self.connection.connection.driver_connection
            if self.is_postgresql:
                with raw.cursor() as cursor, cursor.copy(
                    f"COPY {name} ({', '.join(columns)}) FROM STDIN"
                ) as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                marks = ", ".join("?" for _ in columns)
                raw.executemany(f"INSERT INTO {name} ({', '.join(columns)}) VALUES ({marks})",  # noqa: S608
                                [tuple(_sqlite_value(v) for v in row) for row in rows])
            self.written[name] += len(rows)


def _scalar_default(column: Any) -> Any:
    default = column.default
    if default is not None and default.is_scalar:
        return default.arg
    return None


def _sqlite_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    return value


def _seeded_count() -> int | None:
    stmt = (select(AuditEvent.subject_id).where(AuditEvent.action == "bench.seeded")
            .order_by(AuditEvent.seq.desc()).limit(1))
    try:
        value = db.session.scalar(stmt)
    except Exception:  # noqa: BLE001 - no schema yet
        db.session.rollback()
        return None
    return int(value) if value is not None else None


def wipe() -> None:
    """Drop everything in the bench database (PostgreSQL schema, or SQLite tables)."""
    db.session.remove()  # let go of what this session read, or the DROP waits on it forever
    engine = db.engine
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    else:
        engine.dispose()
        for suffix in ("", "-wal", "-shm"):
            Path(f"{engine.url.database}{suffix}").unlink(missing_ok=True)


def seed(count: int, *, reseed: bool) -> float | None:
    """Seed ``count`` tickets unless a finished seed of that size is there; return seconds taken."""
    if not reseed and _seeded_count() == count:
        flask_migrate.upgrade()  # a new migration is applied to the data set as it would be in production
        print(f"seed: database already holds the {count:,} seeded tickets; not reseeding")
        return None
    started = time.perf_counter()
    wipe()
    flask_migrate.upgrade()
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    history_start = now - HISTORY
    demo.load(ticket_count=0, now=history_start)
    people = _people(history_start)
    print(f"seed: reference data and {len(people.staff):,} staff, {len(people.agents)} agents "
          f"in {time.perf_counter() - started:.1f} s")
    _bulk_tickets(count, people, now=now, history_start=history_start)
    with unit_of_work():
        audit.record(SYSTEM, "bench.seeded", subject_type="bench", subject_id=count, now=now,
                     data={"tickets": count, "note": "bulk-loaded history for bench/tickets.py"})
    elapsed = time.perf_counter() - started
    print(f"seed: {count:,} tickets in {elapsed:.0f} s")
    return elapsed


def _people(now: datetime) -> People:
    rng = random.Random(SEED)
    names = [(p["family_name"], p["family_kana"]) for p in content.PEOPLE]
    givens = [(p["given_name"], p["given_kana"]) for p in content.PEOPLE]
    departments = [d["code"] for d in content.DEPARTMENTS]
    sites_of = {d["code"]: d["site"] for d in content.DEPARTMENTS}
    rows = []
    for i in range(STAFF):
        (family, family_kana), (given, given_kana) = rng.choice(names), rng.choice(givens)
        department = rng.choice(departments)
        rows.append({"email": f"staff{i:05d}@example.go.jp", "family_name": family, "given_name": given,
                     "family_kana": family_kana, "given_kana": given_kana, "site": sites_of[department],
                     "department": department, "extension": str(rng.randint(2000, 9899))})
    report = accounts.import_directory(rows, actor=SYSTEM, now=now)
    assert not report.errors, report.errors[:3]
    existing_agents = db.session.scalar(select(func.count()).select_from(User).where(User.role == Role.AGENT))
    for i in range(AGENTS - int(existing_agents or 0)):
        (family, family_kana), (given, given_kana) = rng.choice(names), rng.choice(givens)
        accounts.create_user(accounts.UserFields(
            email=f"agent{i:02d}@helpdesk.example.co.jp", family_name=family, given_name=given,
            family_kana=family_kana, given_kana=given_kana, role=Role.AGENT, site_code="hq",
            extension=str(5100 + i), party_codes=("helpdesk",)), actor=SYSTEM, now=now, password=PASSWORD)
    with unit_of_work() as session:
        # What an administrator's password reset would do, for the staff the bench signs in as.
        hashed = passwords.hash_password(PASSWORD)
        for user in session.scalars(select(User).where(User.email.in_(
                [f"staff{i:05d}@example.go.jp" for i in range(PORTAL_USERS)]))):
            user.password_hash = hashed
    return _load_people()


def _load_people() -> People:
    users = list(db.session.scalars(select(User)))
    parties = {p.code: p.id for p in db.session.scalars(select(Party))}
    vendors: dict[int, list[int]] = {}
    for user in users:
        if user.role in (Role.VENDOR, Role.SECURITY):
            for membership in user.memberships:
                vendors.setdefault(membership.party_id, []).append(user.id)
    return People(
        staff=sorted((u.id, u.site_id, u.display_name) for u in users if u.role is Role.REQUESTER),
        agents=sorted(u.id for u in users if u.role is Role.AGENT),
        security=sorted(u.id for u in users if u.role is Role.SECURITY),
        vendors_by_party=vendors, parties=parties,
        services={s.code: s.id for s in db.session.scalars(select(Service))},
    )


def _creation_times(rng: random.Random, count: int, *, start: datetime, end: datetime) -> list[datetime]:
    """Sorted opening times: weekdays in business hours mostly, volume growing over the years."""
    days = (end - start).days
    day_weights = []
    for d in range(days):
        day = (start + timedelta(days=d)).astimezone(TOKYO).date()
        weekday = day.weekday() < 5 and not (day.month == 1 and day.day <= 3) and not (
            day.month == 12 and day.day >= 29)
        day_weights.append((1.0 if weekday else 0.08) * (0.8 + 0.4 * d / days))
    picked_days = rng.choices(range(days), weights=day_weights, k=count)
    blocks = [(8 * 60 + 30, 10 * 60, 1.6), (10 * 60, 12 * 60, 1.3), (12 * 60, 13 * 60, 0.5),
              (13 * 60, 17 * 60, 1.1), (17 * 60, 18 * 60 + 15, 0.6),
              (18 * 60 + 15, 32 * 60 + 30, 0.02)]  # the night runs into the next morning
    block_weights = [(b - a) * w for a, b, w in blocks]
    midnight = datetime.combine(start.astimezone(TOKYO).date(), datetime.min.time(), tzinfo=TOKYO)
    times = []
    for d, (a, b, _) in zip(picked_days, rng.choices(blocks, weights=block_weights, k=count), strict=True):
        at = midnight + timedelta(days=d, minutes=rng.randrange(a, b), seconds=rng.randrange(60))
        times.append(min(max(at.astimezone(UTC), start), end - timedelta(minutes=1)))
    times.sort()
    return times


def _still_open(rng: random.Random, age: timedelta) -> bool:
    hours = age.total_seconds() / 3600
    for limit, chance in ((8, 0.8), (72, 0.45), (168, 0.15), (720, 0.04)):
        if hours < limit:
            return rng.random() < chance
    return rng.random() < 0.006  # the odd ticket forgotten for weeks


class _Chain:
    """Appends audit events in time order, hash-chained exactly as ``audit.record`` does."""

    def __init__(self, sink: Sink, seq: int, prev_hash: str) -> None:
        self.sink, self.seq, self.prev_hash = sink, seq, prev_hash

    def append(self, at: datetime, actor: tuple[int | None, str], action: str, subject_type: str,
               subject_id: object, ticket_id: int, data: dict[str, Any]) -> None:
        self.seq += 1
        event = types.SimpleNamespace(
            seq=self.seq, occurred_at=at, actor_user_id=actor[0], actor_api_key_id=None, actor_role=actor[1],
            action=action, subject_type=subject_type, subject_id=str(subject_id), ticket_id=ticket_id,
            data=data, prev_hash=self.prev_hash)
        event.hash = hashlib.sha256(audit.canonical(event)).hexdigest()  # type: ignore[arg-type]
        self.sink.add("audit_events", {**vars(event), "id": self.seq, "data": json.dumps(
            data, ensure_ascii=False)})
        self.prev_hash = event.hash


@dataclass(order=True)
class _Pending:
    """Something that happens to a ticket after it opened, waiting for its turn in time."""

    at: datetime
    order: int
    apply: Callable[[], None] = field(compare=False)


def _bulk_tickets(count: int, people: People, *, now: datetime, history_start: datetime) -> None:
    rng = random.Random(SEED + 1)
    specs = content.generate_ticket_specs(SEED, count=min(count, 20_000), now=now)
    times = _creation_times(rng, count, start=history_start, end=now)
    helpdesk_id = people.parties["helpdesk"]
    staff_weights = [1 / (i + 200) for i in range(len(people.staff))]  # a few staff call far more often
    requesters = rng.choices(people.staff, weights=staff_weights, k=count)
    tables = [Ticket.__table__, Handoff.__table__, ResponsibilitySegment.__table__, Message.__table__,
              AuditEvent.__table__]
    connection = db.session.connection()
    is_postgresql = connection.dialect.name == "postgresql"
    dropped = _drop_indexes(connection, [t.name for t in tables]) if is_postgresql else []
    if is_postgresql:
        # The rows are consistent by construction: skip the per-row foreign key triggers.
        connection.execute(text("SET session_replication_role = replica"))
    sink = Sink(connection, tables)  # type: ignore[arg-type]
    head = db.session.get(AuditChainHead, 1)
    assert head is not None
    chain = _Chain(sink, head.seq, head.hash)
    pending: list[_Pending] = []
    counters: dict[int, int] = {}
    ids = {"message": 0, "segment": 0, "handoff": 0}
    order = 0
    started = time.perf_counter()

    def later(at: datetime, apply: Callable[[], None]) -> None:
        nonlocal order
        order += 1
        heapq.heappush(pending, _Pending(at, order, apply))

    for ticket_id, (created, requester) in enumerate(zip(times, requesters, strict=True), start=1):
        while pending and pending[0].at <= created:
            heapq.heappop(pending).apply()
        spec = specs[rng.randrange(len(specs))]
        year = created.astimezone(TOKYO).year
        counters[year] = counters.get(year, 0) + 1
        sink.maybe_flush()
        _one_ticket(ticket_id, f"HD-{year}-{counters[year]:06d}", spec, requester, created, people,
                    rng=rng, now=now, helpdesk_id=helpdesk_id, sink=sink, chain=chain, later=later, ids=ids)
        if ticket_id % 100_000 == 0:
            rate = ticket_id / (time.perf_counter() - started)
            print(f"seed: {ticket_id:,} tickets written ({rate:,.0f}/s)", flush=True)
    while pending:
        heapq.heappop(pending).apply()
    sink.flush()
    head.seq, head.hash = chain.seq, chain.prev_hash
    for year, last in counters.items():
        db.session.merge(TicketNumberCounter(year=year, last_value=last))
    print(f"seed: rows {sink.written} in {time.perf_counter() - started:.0f} s", flush=True)
    if is_postgresql:
        connection.execute(text("SET session_replication_role = origin"))
        for table in ("tickets", "messages", "audit_events", "responsibility_segments", "handoffs"):
            connection.execute(text(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
                f"(SELECT coalesce(max(id), 1) FROM {table}))"))
    else:
        connection.execute(text("DELETE FROM ticket_search"))
        connection.execute(text(
            "INSERT INTO ticket_search(rowid, search_text) SELECT id, search_text FROM tickets"))
    db.session.commit()
    if is_postgresql:
        _restore_indexes(dropped)


def _one_ticket(
    ticket_id: int, number: str, spec: content.TicketSpec, requester: tuple[int, int | None, str],
    created: datetime, people: People, *, rng: random.Random, now: datetime, helpdesk_id: int, sink: Sink,
    chain: _Chain, later: Callable[[datetime, Callable[[], None]], None], ids: dict[str, int],
) -> None:
    requester_id, site_id, requester_name = requester
    ticket_type, channel = spec["type"], spec["channel"]
    priority = compute_priority(TicketType(ticket_type), Impact(spec["impact"]), Urgency(spec["urgency"]))
    pool = people.security if ticket_type == "security" else people.agents
    agent = rng.choice(pool)
    agent_actor = (agent, "security" if ticket_type == "security" else "agent")
    requester_actor = (requester_id, "requester")
    intake_agent = rng.choice(people.agents)
    opener = requester_actor if channel == "portal" else (intake_agent, "agent") if channel == "phone" else (
        None, "system")
    still_open = _still_open(rng, now - created)
    steps = [s for s in spec["conversation"]
             if not still_open or created + timedelta(minutes=max(3, s["minutes_after_open"])) < now]
    fresh = still_open and not steps and rng.random() < 0.7  # nobody has picked it up yet
    assignee = None if fresh or (still_open and rng.random() < 0.1) else agent

    ticket: dict[str, Any] = {
        "id": ticket_id, "number": number, "type": ticket_type, "channel": channel, "status": "new",
        "impact": spec["impact"], "urgency": spec["urgency"], "priority": priority.value,
        "subject": spec["subject"], "description": spec["description"], "requester_id": requester_id,
        "assignee_id": assignee, "site_id": site_id, "service_id": people.services[spec["service"]],
        "is_confidential": ticket_type == "security", "created_by_id": opener[0], "created_at": created,
        "updated_at": created, "reopened_count": 0,
        "intake_key": secrets.token_urlsafe(16) if channel == "portal" else None,
    }
    bodies = [normalise(spec["subject"], spec["description"])]
    chain.append(created, opener, "ticket.opened", "ticket", number, ticket_id,
                 {"type": ticket_type, "channel": channel, "priority": priority.value})
    last = created
    if assignee is not None:
        last = created + timedelta(minutes=2)
        ticket["updated_at"] = last

        def assigned(at: datetime = last) -> None:
            chain.append(at, agent_actor, "ticket.assigned", "ticket", number, ticket_id,
                         {"from": None, "to": assignee})
        later(last, assigned)
    for step in steps:
        at = created + timedelta(minutes=max(3, step["minutes_after_open"]), seconds=rng.randrange(60))
        if at <= last:
            at = last + timedelta(seconds=30)
        if step["kind"] == "requester_reply":
            kind, author = "public_reply", requester_actor
        elif step["by"] == "vendor":
            kind, author = "internal_note", agent_actor
        else:
            kind, author = step["kind"], agent_actor
            if kind != "internal_note" and ticket["status"] == "new":
                ticket["status"] = "open"
            if kind == "public_reply" and ticket.get("first_responded_at") is None:
                ticket["first_responded_at"] = at
        if author is agent_actor and ticket["status"] == "new":
            ticket["status"] = "open"
        _message(sink, chain, later, ids, ticket_id, kind, author, step["body"], at,
                 caller=requester_name if kind == "phone_call" else None,
                 duration=rng.randint(60, 900) if kind == "phone_call" else None)
        bodies.append(normalise(step["body"]))
        last = at
    segment_start = created
    if still_open:
        if spec["outcome"] == "pending_requester" and steps and assignee is not None:
            pended = last + timedelta(minutes=1)
            if pended < now:
                _status(chain, later, pended, agent_actor, number, ticket_id, ticket["status"], "pending", "")
                ticket["status"], last = "pending", pended
        party_code = SEGMENT_ESCALATION.get(spec["outcome"])
        if party_code and assignee is not None and any(s["by"] == "vendor" for s in steps):
            segment_start = _handoff(sink, ids, ticket_id, people, rng, party_code, created, helpdesk_id,
                                     agent, spec)
    else:
        resolved = last + timedelta(minutes=rng.randint(5, 90))
        if resolved >= now:
            resolved = now - timedelta(seconds=1)
        summary = spec["resolution"] or "ご案内により解決しました。"
        code = RESOLUTION_CODES[ticket_type]
        _message(sink, chain, later, ids, ticket_id, "public_reply", agent_actor, summary, resolved)
        bodies.append(normalise(summary))
        if ticket.get("first_responded_at") is None:
            ticket["first_responded_at"] = resolved
        _status(chain, later, resolved, agent_actor, number, ticket_id, "open", "resolved",
                f"{code}: {summary[:200]}")
        ticket.update(status="resolved", resolved_at=resolved, resolution_code=code,
                      resolution_summary=summary, restored_at=resolved if ticket_type == "fault" else None,
                      is_first_contact_resolution=channel == "phone" and spec["outcome"] == "first_line"
                      and rng.random() < 0.3)
        last = resolved
        confirmed = resolved + timedelta(hours=rng.randint(2, 72))
        if confirmed < now and rng.random() > 0.003:
            _status(chain, later, confirmed, requester_actor, number, ticket_id, "resolved", "closed",
                    "confirmed")
            ticket.update(status="closed", closed_at=confirmed)
            last = confirmed
            if rng.random() < 0.25:
                rated = confirmed + timedelta(minutes=rng.randint(1, 600))
                if rated < now:
                    rating = rng.choices((5, 4, 3, 2, 1), weights=(45, 35, 12, 5, 3))[0]
                    ticket.update(satisfaction_rating=rating, satisfaction_comment="", rated_at=rated)
                    last = rated

                    def rate(at: datetime = rated, value: int = rating) -> None:
                        chain.append(at, requester_actor, "ticket.rated", "ticket", number, ticket_id,
                                     {"rating": value})
                    later(rated, rate)
    ticket["updated_at"] = last
    ticket["search_text"] = "\n".join(bodies)
    sink.add("tickets", ticket)
    ids["segment"] += 1
    sink.add("responsibility_segments", {
        "id": ids["segment"], "ticket_id": ticket_id, "party_id": helpdesk_id, "started_at": created,
        "ended_at": ticket.get("closed_at") if segment_start == created else segment_start,
        "reason": "opened", "handoff_id": None})
    if segment_start != created:
        ids["segment"] += 1
        sink.add("responsibility_segments", {
            "id": ids["segment"], "ticket_id": ticket_id, "party_id": people.parties[
                SEGMENT_ESCALATION[spec["outcome"]]], "started_at": segment_start, "ended_at": None,
            "reason": "handoff", "handoff_id": ids["handoff"]})


def _message(sink: Sink, chain: _Chain, later: Callable[[datetime, Callable[[], None]], None],
             ids: dict[str, int], ticket_id: int, kind: str, author: tuple[int | None, str], body: str,
             at: datetime, *, caller: str | None = None, duration: int | None = None) -> None:
    def write() -> None:
        ids["message"] += 1
        sink.add("messages", {
            "id": ids["message"], "ticket_id": ticket_id, "kind": kind, "author_id": author[0],
            "author_party_id": None, "body": body.strip(), "created_at": at,
            "call_direction": "inbound" if kind == "phone_call" else None, "caller_name": caller,
            "call_duration_seconds": duration})
        chain.append(at, author, f"message.{kind}", "message", ids["message"], ticket_id, {})
    later(at, write)


def _status(chain: _Chain, later: Callable[[datetime, Callable[[], None]], None], at: datetime,
            actor: tuple[int | None, str], number: str, ticket_id: int, before: str, after: str,
            reason: str) -> None:
    def write() -> None:
        chain.append(at, actor, "ticket.status_changed", "ticket", number, ticket_id,
                     {"from": before, "to": after, "reason": reason[:500]})
    later(at, write)


def _handoff(sink: Sink, ids: dict[str, int], ticket_id: int, people: People, rng: random.Random,
             party_code: str, created: datetime, helpdesk_id: int, agent: int,
             spec: content.TicketSpec) -> datetime:
    """An accepted escalation: the other party holds the ticket from the acceptance on."""
    party_id = people.parties[party_code]
    requested = created + timedelta(minutes=rng.randint(5, 30))
    accepted = requested + timedelta(minutes=rng.randint(2, 14))
    receivers = people.vendors_by_party.get(party_id) or [None]
    ids["handoff"] += 1
    sink.add("handoffs", {
        "id": ids["handoff"], "ticket_id": ticket_id, "kind": "escalation", "state": "accepted",
        "from_party_id": helpdesk_id, "to_party_id": party_id, "idempotency_key": secrets.token_hex(8),
        "summary_symptom": spec["description"], "summary_impact": spec["impact"],
        "summary_steps_taken": "一次切り分け済み", "summary_requester_contact": "内線で連絡可",
        "requested_by_id": agent, "requested_at": requested, "ack_due_at": requested + timedelta(minutes=30),
        "decided_by_id": rng.choice(receivers), "decided_at": accepted,
        "receiver_reference": f"OPS-{ticket_id:07d}"})
    return accepted


def _drop_indexes(connection: Any, tables: list[str]) -> list[str]:
    """Drop the secondary indexes of the bulk tables (not those behind constraints); return their DDL."""
    rows = connection.execute(text(
        "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.schemaname = 'public' "
        "AND i.tablename = ANY(:tables) AND NOT EXISTS (SELECT 1 FROM pg_constraint c "
        "WHERE c.conname = i.indexname)"), {"tables": tables}).all()
    for name, _ in rows:
        connection.execute(text(f'DROP INDEX "{name}"'))
    return [definition for _, definition in rows]


def _restore_indexes(definitions: list[str]) -> None:
    started = time.perf_counter()
    with db.engine.connect() as conn:
        conn = conn.execution_options(isolation_level="AUTOCOMMIT")
        conn.execute(text("SET maintenance_work_mem = '1GB'"))
        conn.execute(text("SET max_parallel_maintenance_workers = 2"))
        for definition in definitions:
            conn.execute(text(definition))
        conn.execute(text("VACUUM (ANALYZE)"))  # every table: the people and reference data too
    print(f"seed: {len(definitions)} indexes rebuilt and tables analysed in "
          f"{time.perf_counter() - started:.0f} s", flush=True)


# --- serving -------------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def serve(url: str, workdir: Path, *, workers: int, threads: int, secret_key: str | None = None,
          log: Path | None = None) -> tuple[subprocess.Popen[bytes], int]:
    """Start gunicorn on a free local port with production settings; wait until it answers.

    ``secret_key`` signs the sessions (a client that minted its own cookies passes the one it used);
    ``log`` receives gunicorn's output (else it goes to this terminal).
    """
    port = _free_port()
    env = {**os.environ, "HELPDESK_ENV": "production",
           "HELPDESK_SECRET_KEY": secret_key or secrets.token_urlsafe(32),
           "HELPDESK_DATABASE_URL": url,
           "HELPDESK_BROKER_URL": os.environ.get("BENCH_BROKER_URL")
           or f"sqla+sqlite:///{workdir / 'broker.sqlite'}",
           "HELPDESK_ATTACHMENT_ROOT": str(workdir / "attachments"),
           "HELPDESK_INSTANCE_PATH": str(workdir / "instance"),
           # As in the tests: the throttles would measure themselves, not the app.
           "HELPDESK_RATELIMIT_ENABLED": "false", "HELPDESK_LOGIN_RATE_LIMIT": '"100000 per minute"'}
    for name in ("DATABASE_URL", "REDIS_URL", "HELPDESK_REDIS_URL"):
        env.pop(name, None)
    command = [str(Path(sys.executable).parent / "gunicorn"), "--bind", f"127.0.0.1:{port}",
               "--workers", str(workers), "--threads", str(threads), "--worker-class",
               "gthread" if threads > 1 else "sync", "--log-level", "warning", "--timeout", "120",
               "wsgi:app"]
    output = log.open("wb") if log is not None else None
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=output,
                               stderr=subprocess.STDOUT if output else None)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", "/healthz")
            connection.getresponse().read()
            return process, port
        except OSError:
            time.sleep(0.3)
    process.terminate()
    raise RuntimeError("gunicorn did not answer within 60 s")


# --- clients -------------------------------------------------------------------------------------

_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
_TOKEN = re.compile(r'name="idempotency_token"[^>]*value="([^"]+)"')


class Browser:
    """One signed-in person over one keep-alive connection, cookies carried by hand."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, *, form: dict[str, str] | None = None,
                body: bytes | None = None, headers: dict[str, str] | None = None) -> tuple[int, str]:
        sent = dict(headers or {})
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if form is not None:
            body = urllib.parse.urlencode(form).encode()
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        for attempt in range(2):
            try:
                self.connection.request(method, path, body=body, headers=sent)
                response = self.connection.getresponse()
                data = response.read().decode("utf-8", "replace")
                break
            except (http.client.RemoteDisconnected, ConnectionError, http.client.CannotSendRequest):
                self.connection.close()
                if attempt:
                    raise
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name.strip()] = rest.split(";", 1)[0]
        if response.getheader("Connection", "").lower() == "close":
            self.connection.close()
        return response.status, data

    def sign_in(self, email: str, password: str) -> None:
        _, page = self.request("GET", "/login")
        status, _ = self.request("POST", "/login", form={
            "csrf_token": _CSRF.search(page).group(1), "email": email, "password": password, "next": ""})  # type: ignore[union-attr]
        if status != 302:
            raise RuntimeError(f"sign-in of {email} answered {status}")


@dataclass
class Measure:
    """Latencies of one kind of request."""

    name: str
    concurrency: int
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    elapsed: float = 0.0
    note: str = ""
    #: CPU seconds the web workers and the database backends spent during the measure.
    cpu: tuple[float, float | None] | None = None

    def summary(self) -> dict[str, Any]:
        ordered = sorted(self.latencies)

        def pct(p: float) -> float | None:
            if not ordered:
                return None
            return round(ordered[min(len(ordered) - 1, max(0, int(round(p * len(ordered))) - 1))] * 1000, 1)
        done = len(ordered) + self.errors
        web, database = self.cpu if self.cpu and done else (None, None)
        return {"requests": done, "concurrency": self.concurrency,
                "per_second": round(len(ordered) / self.elapsed, 1) if self.elapsed and ordered else None,
                "p50_ms": pct(0.50), "p95_ms": pct(0.95), "p99_ms": pct(0.99), "errors": self.errors,
                "web_cpu_ms": round(web * 1000 / done, 1) if web is not None else None,
                "db_cpu_ms": round(database * 1000 / done, 1) if database is not None else None,
                "note": self.note}


class CpuMeter:
    """CPU time of the gunicorn workers and of their database backends, from ``/proc`` (Linux).

    Load-independent where latency is not: on a shared machine the figures per request say
    what the work costs, the latencies say what the machine had to spare.
    """

    def __init__(self, master_pid: int, database_url: str | None) -> None:
        self.master_pid, self.database_url = master_pid, database_url
        self.available = Path("/proc/self/stat").exists()

    def read(self) -> tuple[float, float | None] | None:
        """(web, database) CPU seconds so far; database None on SQLite (it runs inside the web)."""
        if not self.available:
            return None
        workers = [pid for pid in _pids() if _stat(pid)[1] == self.master_pid]
        web = sum(_stat(pid)[0] for pid in [self.master_pid, *workers])
        if not self.database_url:
            return web, None
        return web, sum(_stat(pid)[0] for pid in self._backends())

    def _backends(self) -> list[int]:
        import psycopg

        with psycopg.connect(self.database_url) as conn:
            return [row[0] for row in conn.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                "AND pid <> pg_backend_pid() AND backend_type = 'client backend'")]


def _pids() -> list[int]:
    return [int(p.name) for p in Path("/proc").iterdir() if p.name.isdigit()]


def _stat(pid: int) -> tuple[float, int]:
    """(user + system CPU seconds, parent pid) of a process; (0, 0) once it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0, 0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK"), int(fields[1])


def run_measure(name: str, browsers: list[Browser], requests: int,
                one: Callable[[Browser, random.Random], tuple[float, bool]],
                meter: CpuMeter | None = None) -> Measure:
    """``requests`` calls of ``one`` spread over one thread per browser, after a short warm-up."""
    measure = Measure(name, len(browsers))
    lock = threading.Lock()
    remaining = [requests]

    def work(browser: Browser, seed: int) -> None:
        rng = random.Random(seed)
        for _ in range(5):  # every worker has served this page before timing starts
            one(browser, rng)
        barrier.wait()
        while True:
            with lock:
                if remaining[0] <= 0:
                    return
                remaining[0] -= 1
            try:
                latency, ok = one(browser, rng)
            except Exception:  # noqa: BLE001 - a failed request is a figure, not a crash
                latency, ok = 0.0, False
            with lock:
                if ok:
                    measure.latencies.append(latency)
                else:
                    measure.errors += 1

    barrier = threading.Barrier(len(browsers) + 1)
    threads = [threading.Thread(target=work, args=(b, i)) for i, b in enumerate(browsers)]
    for thread in threads:
        thread.start()
    barrier.wait()
    before = meter.read() if meter else None
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    measure.elapsed = time.perf_counter() - started
    after = meter.read() if meter else None
    if before and after:
        database = after[1] - before[1] if after[1] is not None and before[1] is not None else None
        measure.cpu = (after[0] - before[0], database)
    return measure


def timed(browser: Browser, method: str, path: str, expect: int, **kwargs: Any) -> tuple[float, bool, str]:
    started = time.perf_counter()
    status, body = browser.request(method, path, **kwargs)
    return time.perf_counter() - started, status == expect, body


def portal_create(browser: Browser, rng: random.Random) -> tuple[float, bool]:
    """One ticket through the portal form: GET the form, POST it; the POST is what is timed."""
    _, page = browser.request("GET", "/portal/tickets/new")
    csrf, token = _CSRF.search(page), _TOKEN.search(page)
    if csrf is None or token is None:
        return 0.0, False
    subject, description = rng.choice(_TEXTS)
    latency, ok, _ = timed(browser, "POST", "/portal/tickets/new", 302, form={
        "csrf_token": csrf.group(1), "idempotency_token": token.group(1), "type": rng.choice(
            ("inquiry", "fault", "request")), "service": rng.choice(_SERVICE_CODES), "impact": "person",
        "urgency": rng.choice(("low", "medium", "high")), "subject": subject, "description": description})
    return latency, ok


def api_create(key: str) -> Callable[[Browser, random.Random], tuple[float, bool]]:
    def one(browser: Browser, rng: random.Random) -> tuple[float, bool]:
        subject, description = rng.choice(_TEXTS)
        body = json.dumps({"type": rng.choice(("fault", "inquiry", "request")), "subject": subject,
                           "description": description, "impact": "person",
                           "urgency": rng.choice(("low", "medium", "high")),
                           "service": rng.choice(_SERVICE_CODES)}, ensure_ascii=False).encode()
        latency, ok, _ = timed(browser, "POST", "/api/v1/tickets", 201, body=body, headers={
            "Authorization": f"Bearer {key}", "Content-Type": "application/json",
            "Idempotency-Key": secrets.token_hex(12)})
        return latency, ok
    return one


def get(path_of: Callable[[random.Random], str]) -> Callable[[Browser, random.Random], tuple[float, bool]]:
    def one(browser: Browser, rng: random.Random) -> tuple[float, bool]:
        latency, ok, _ = timed(browser, "GET", path_of(rng), 200)
        return latency, ok
    return one


_TEXTS: list[tuple[str, str]] = []
_SERVICE_CODES: list[str] = []


# --- main ----------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tickets", type=int, default=None,
                        help="tickets to seed (default 1,000,000 on PostgreSQL, 20,000 on SQLite)")
    parser.add_argument("--reseed", action="store_true", help="wipe and seed even if the data set is there")
    parser.add_argument("--seed-only", action="store_true", help="seed, then stop without measuring")
    parser.add_argument("--requests", type=int, default=300, help="timed requests per measure")
    parser.add_argument("--concurrency", type=int, default=4, help="concurrent clients per measure")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=1, help="threads per worker (gthread when > 1)")
    parser.add_argument("--only", action="append", default=[],
                        help="measure only those whose name contains this (repeatable), e.g. --only create")
    args = parser.parse_args()

    url = os.environ.get("BENCH_DATABASE_URL")
    count = args.tickets or (1_000_000 if url else 20_000)
    workdir = Path(tempfile.gettempdir()) / "helpdesk-bench"
    workdir.mkdir(exist_ok=True)
    url = url or f"sqlite:///{workdir / f'tickets-{count}.sqlite'}"
    app = create_app("production", SQLALCHEMY_DATABASE_URI=url, SECRET_KEY="bench-seed",  # noqa: S106
                     BROKER_URL=f"sqla+sqlite:///{workdir / 'broker.sqlite'}",
                     ATTACHMENT_ROOT=str(workdir / "attachments"))
    app.extensions["outbox_publisher"] = lambda task, oid, attempt: None
    with app.app_context():
        engine = db.engine.dialect.name
        print(f"database: {engine}, {count:,} tickets")
        seeded_in = seed(count, reseed=args.reseed)
        if args.seed_only:
            return
        setup = _bench_setup(app)
    load_before = os.getloadavg()
    results = measure_all(url, workdir, setup, args)
    report = {"engine": engine, "tickets": count, "seeded_in_s": round(seeded_in, 1) if seeded_in else None,
              "gunicorn_workers": args.workers, "gunicorn_threads": args.threads, "cpus": os.cpu_count(),
              "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
              # The machine may be shared: the 1-minute load before and after says how much.
              "load_average": [round(load_before[0], 2), round(os.getloadavg()[0], 2)],
              "commit": subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                                       text=True, check=False).stdout.strip(),
              "measures": {m.name: m.summary() for m in results}}
    _print_table(report)
    if args.only:
        return  # a partial run does not replace the full figures
    out = ROOT / "bench" / "results" / f"tickets-{engine}-{count}.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    print(f"written: {out.relative_to(ROOT)}")


@dataclass
class Setup:
    """Who the clients are and what they look at."""

    agents: list[str]
    staff: list[str]
    api_key: str
    numbers: list[str]


def _bench_setup(app: Flask) -> Setup:
    now = datetime.now(UTC)
    admin = db.session.scalar(select(User).where(User.role == Role.ADMIN).order_by(User.id))
    api_user = db.session.scalar(select(User).where(User.email == "staff00000@example.go.jp"))
    assert admin is not None
    assert api_user is not None
    _, key = accounts.create_api_key(actor=accounts.actor_for(admin), now=now, name="bench/tickets.py",
                                     user_id=api_user.id)
    agents = list(db.session.scalars(select(User.email).where(User.role == Role.AGENT).order_by(User.id)))
    last_id = int(db.session.scalar(select(func.max(Ticket.id))) or 0)
    rng = random.Random(SEED + 2)
    wanted = [rng.randint(1, last_id) for _ in range(2000)]
    # Agents open what they may see: confidential incidents are the security team's.
    numbers = list(db.session.scalars(select(Ticket.number).where(Ticket.id.in_(wanted),
                                                                  Ticket.is_confidential.is_(False))))
    _TEXTS[:] = [(s["subject"], s["description"]) for s in content.generate_ticket_specs(SEED + 3, count=200)]
    _SERVICE_CODES[:] = list(db.session.scalars(select(Service.code).where(Service.is_active.is_(True))))
    return Setup(agents=agents, staff=[f"staff{i:05d}@example.go.jp" for i in range(PORTAL_USERS)],
                 api_key=key, numbers=numbers)


def measure_all(url: str, workdir: Path, setup: Setup, args: argparse.Namespace) -> list[Measure]:
    process, port = serve(url, workdir, workers=args.workers, threads=args.threads)
    try:
        c = args.concurrency
        console = [Browser(port) for _ in range(c)]
        for browser, email in zip(console, setup.agents, strict=False):
            browser.sign_in(email, PASSWORD)
        portal = [Browser(port) for _ in range(c)]
        for browser, email in zip(portal, setup.staff, strict=False):
            browser.sign_in(email, PASSWORD)
        machines = [Browser(port) for _ in range(c)]
        n = args.requests
        meter = CpuMeter(process.pid, url.replace("+psycopg", "") if url.startswith("postgres") else None)

        def search(terms: tuple[str, ...]) -> Callable[[Browser, random.Random], tuple[float, bool]]:
            return get(lambda rng: "/console/search?" + urllib.parse.urlencode({"q": rng.choice(terms)}))

        plan: list[tuple[str, list[Browser], int, Callable[[Browser, random.Random], tuple[float, bool]]]] = [
            ("queue: first page", console, n, get(lambda rng: "/console/")),
            *((f"queue: {view}", console, n // 3, get(lambda rng, v=view: f"/console/?view={v}"))
              for view in ("mine", "unassigned", "elsewhere")),
            ("workspace", console, n, get(lambda rng: f"/console/tickets/{rng.choice(setup.numbers)}")),
            ("search: 3+ chars", console, n, search(SEARCH_TERMS)),
            ("search: 2 chars", console, n, search(SHORT_TERMS)),
            ("search: 2 chars absent", console, max(8, n // 10), search(ABSENT_SHORT_TERMS)),
            ("create: portal form", portal, n, portal_create),
            ("create: API", machines, n, api_create(setup.api_key)),
        ]
        results = []
        for name, browsers, requests, one in plan:
            if args.only and not any(part in name for part in args.only):
                continue
            if name == "create: API":
                status, _ = Browser(port).request("POST", "/api/v1/tickets", body=b"{}", headers={
                    "Authorization": f"Bearer {setup.api_key}", "Content-Type": "application/json"})
                if status == 404:
                    results.append(Measure(name, c, note="not available (404)"))
                    continue
            results.append(run_measure(name, browsers, requests, one, meter))
        return results
    finally:
        process.terminate()
        process.wait(timeout=30)


def _print_table(report: dict[str, Any]) -> None:
    print(f"\n{report['engine']}, {report['tickets']:,} tickets, gunicorn {report['gunicorn_workers']}"
          f"×{report['gunicorn_threads']}, {report['cpus']} CPUs, load {report['load_average'][0]}"
          f" → {report['load_average'][1]}")
    header = (f"{'measure':<24}{'requests':>9}{'conc':>6}{'per s':>8}{'p50 ms':>9}{'p95 ms':>9}"
              f"{'p99 ms':>9}{'errors':>7}{'web cpu':>9}{'db cpu':>8}")
    print(header)
    print("-" * len(header))
    for name, m in report["measures"].items():
        if m["note"] and not m["p50_ms"]:
            print(f"{name:<24}{m['note']}")
            continue

        def cell(v: Any, width: int = 9) -> str:
            return f"{'—' if v is None else v:>{width}}"
        print(f"{name:<24}{m['requests']:>9}{m['concurrency']:>6}{cell(m['per_second'], 8)}"
              f"{cell(m['p50_ms'])}{cell(m['p95_ms'])}{cell(m['p99_ms'])}{m['errors']:>7}"
              f"{cell(m['web_cpu_ms'])}{cell(m['db_cpu_ms'], 8)}")
    print("web cpu, db cpu: CPU milliseconds per request of the gunicorn workers and of their "
          "PostgreSQL backends\n(a portal creation is the form's GET and its POST)")


if __name__ == "__main__":
    main()
