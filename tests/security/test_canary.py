"""S2 confidentiality canary: a security incident's text stays where it is allowed.

A security incident (セキュリティ事案, confidential) carries a unique ``CANARY-<uuid>`` in its subject,
description, an attachment's name and the attachment's content, and in everything cleared people
write about it. It is filed through the portal form, answered, noted, assigned, offered to the
security team, handed on to the operations vendor, written about across the boundary, searched,
exported, reported on, and refused to people who may not touch it. Then every sink is searched.

Where the canary may be (and must be, so that the search is not vacuous):

- the ticket row (subject, description, the search text: the database's search index), its message
  rows, its attachment rows and the stored files; the handoff summaries cleared senders wrote;
- pages and API answers for the requester and for the cleared staff of the parties it was handed to;
- the administrators' full data export: the ministry's own complete take-out of its data.

Where it may not be, and is counted (every count must be 0):

- pages, API answers, CSV downloads, search and autocomplete (phone caller lookup, KB suggestions) for
  another requester, desk staff without clearance, and vendor staff of a party it was not handed to or
  without clearance; for them the ticket's number answers like one that does not exist. (Uncleared
  desk staff may know that it exists: its stub shows number, status and holder, by design, so that
  they can break the glass on the record.)
- every mail (notifications about confidential tickets carry only the number and a link), every
  webhook body (confidential tickets travel as a number only), every notification's ``data``;
- the application's and the Celery worker's logs (SQL echo stays off, as in production);
- every key and value in Redis: it carries ids only, never ticket text;
- outbox payloads: ids and short codes only (the outbox's contract: no ticket text through the broker);
- audit events' ``data``: ids, codes, states, counts, times, and what a person typed as a reason or a
  search criterion; never text copied from a ticket (subject, description, message body, file name);
- every other table of the database (mail rows, report snapshots, jobs, ...).
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import email
import io
import json
import logging
import re
import socket
import threading
import uuid
import zipfile
import zlib
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from email import policy as email_policy
from pathlib import Path
from typing import Any

import pytest
import redis
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import Envelope, Session
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import inspect, select, text

from helpdesk import create_app
from helpdesk.accounts import services as accounts
from helpdesk.accounts.models import Party, PartyKind, Role, User
from helpdesk.core.actor import SYSTEM
from helpdesk.core.db import db, unit_of_work
from helpdesk.core.outbox import OutboxMessage
from helpdesk.core.time import TOKYO, utcnow
from helpdesk.handoff.models import Handoff
from helpdesk.jobs.models import JobState
from helpdesk.mail.models import MailDirection, MailMessage, MailStatus
from helpdesk.notifications.models import Notification
from helpdesk.reports.models import ReportSnapshot
from helpdesk.sla import services as sla
from helpdesk.tickets import services as tickets
from helpdesk.tickets.models import Attachment, Ticket
from helpdesk.webhooks import services as webhooks
from helpdesk.webhooks.models import WebhookDelivery
from tests import files
from tests.conftest import PASSWORD, IsolatedClient, LoginAs, MakeTicket, actor_of, csrf_token
from tests.support import RedisServer, free_port, running_redis, wait_for
from tests.webhook_receiver import Receiver, running_receiver
from tests.workers.conftest import WAIT, count_rows, fresh_job, running_worker

PUBLIC_URL = "https://helpdesk.example.go.jp"
#: (table, column) pairs that may hold the canary: the ticket's own data (see the module's docstring).
ALLOWED_COLUMNS = frozenset({
    ("tickets", "subject"), ("tickets", "description"), ("tickets", "search_text"),
    ("messages", "body"), ("attachments", "filename"),
    ("handoffs", "summary_symptom"), ("handoffs", "summary_impact"), ("handoffs", "summary_steps_taken"),
})
#: SQLite's FTS5 trigram index of the search text and its shadow tables (PostgreSQL indexes the column).
SEARCH_INDEX_TABLES = ("ticket_search",)
#: An outbox payload's values: ids, counts, and short codes (task events, states, addresses).
OUTBOX_VALUE = re.compile(r"^[\w.:@+-]{0,100}$")
#: Leaks in code this test's author may not change, reported to its owners: a pattern of the
#: ledger's "sink: where" → what leaks. They make the test an expected failure until fixed.
KNOWN_LEAKS: dict[str, str] = {}
CSRF_VALUE = re.compile(r'(?<=name="csrf_token" value=")[^"]+')
_ENCODED_RUN = re.compile(rb"[A-Za-z0-9+/_-]{24,}={0,2}")


# --- counting -------------------------------------------------------------------------------


def _expansions(data: bytes, depth: int = 0) -> Iterator[bytes]:
    """``data``, and what its base64 runs and zlib streams decode to (Celery bodies in Redis, signed
    session cookies, a sent mail's stored bytes), two levels deep."""
    yield data
    if data[:1] == b"\x78":
        with contextlib.suppress(zlib.error):
            yield from _expansions(zlib.decompress(data), depth + 1)
    if depth >= 2:
        return
    for run in _ENCODED_RUN.findall(data):
        padded = run + b"=" * (-len(run) % 4)
        decode = base64.urlsafe_b64decode if b"-" in run or b"_" in run else base64.b64decode
        try:
            decoded = decode(padded)
        except (binascii.Error, ValueError):
            continue
        yield from _expansions(decoded, depth + 1)


@dataclass
class Ledger:
    """Counts the canary in every item of every sink; remembers what was scanned and what leaked."""

    canary: str
    #: Items scanned per sink (a page's headers and its body are two items).
    scanned: Counter[str] = field(default_factory=Counter)
    #: Whole things scanned (answers, mails, webhook bodies, Redis keys, log lines).
    units: Counter[str] = field(default_factory=Counter)
    leaks: dict[str, int] = field(default_factory=dict)
    #: Allowed places that must show the canary, else the other counts prove nothing: where → count.
    allowed: dict[str, int] = field(default_factory=dict)
    #: Answers that should look like those for a ticket that does not exist, but do not.
    unlike_missing: dict[str, str] = field(default_factory=dict)

    @property
    def needles(self) -> tuple[bytes, ...]:
        core = self.canary.removeprefix("CANARY-").lower()
        return core.encode(), core.replace("-", "").encode()

    def count(self, value: str | bytes | None) -> int:
        """Occurrences of the canary's uuid (any case, with or without hyphens), decoded ones too."""
        if value is None:
            return 0
        data = value.encode() if isinstance(value, str) else bytes(value)
        return sum(chunk.lower().count(needle) for chunk in _expansions(data) for needle in self.needles)

    def label(self, where: str) -> str:
        """``where`` with the canary masked (search addresses carry it)."""
        return re.sub(re.escape(self.canary), "<canary>", where, flags=re.IGNORECASE)

    def check(self, sink: str, where: str, value: str | bytes | None) -> int:
        """Count the canary in one item of a sink that must not hold it."""
        self.scanned[sink] += 1
        found = self.count(value)
        if found:
            key = f"{sink}: {self.label(where)}"
            self.leaks[key] = self.leaks.get(key, 0) + found
        return found

    def expect(self, where: str, value: str | bytes | None) -> None:
        """An allowed place: it must hold the canary."""
        self.scanned["allowed places"] += 1
        self.allowed[self.label(where)] = self.count(value)

    def assert_clean(self, *sinks: str) -> None:
        """Every sink scanned, no leak, every allowed place showed the canary.

        Leaks listed in :data:`KNOWN_LEAKS` make the test an expected failure, and only when
        nothing else is wrong; once they are fixed the test simply passes.
        """
        summary = ", ".join(f"{sink}: {n}" for sink, n in sorted((self.units + self.scanned).items()))
        print(f"\ncanary sinks scanned: {summary}")  # the figures for the report
        for sink in sinks:
            assert self.scanned[sink] > 0, f"nothing was scanned in the sink {sink!r}"
        known = {where: _known(where) for where in self.leaks if _known(where)}
        problems = {
            "canary occurrences outside the allowed places (sink: where: count)":
                {where: n for where, n in self.leaks.items() if where not in known},
            "answers unlike those for a ticket that does not exist": self.unlike_missing,
            "allowed places without the canary (the search proves nothing)":
                {where: n for where, n in self.allowed.items() if n == 0},
        }
        found = {what: items for what, items in problems.items() if items}
        report = "\n".join(f"{what}:\n" + "\n".join(f"  {where}: {n}" for where, n in items.items())
                           for what, items in found.items())
        assert found == {}, report
        if known:
            pytest.xfail("known leaks, reported to their owners: "
                         + "; ".join(f"{where}: {self.leaks[where]} ({why})" for where, why in known.items()))


def _known(where: str) -> str:
    return next((why for pattern, why in KNOWN_LEAKS.items() if re.search(pattern, where)), "")


def check_response(ledger: Ledger, sink: str, where: str, response: Any) -> int:
    """Count the canary in a response's headers (cookies included) and body."""
    ledger.units[f"{sink} (answers)"] += 1
    headers = "\n".join(f"{k}: {v}" for k, v in response.headers.items())
    return ledger.check(sink, f"{where} (headers)", headers) + ledger.check(sink, where, response.get_data())


def like_missing(ledger: Ledger, sink: str, who: str, client: FlaskClient, path: str, secret: str,
                 stand_in: str, **kwargs: Any) -> None:
    """``path`` with ``secret`` answers exactly as with ``stand_in`` (a ticket or a text nobody has).

    Both answers are compared with the path and a long ``secret`` (a number, a search) blanked, and
    the canary is counted in what is left: the echo of a search is not a leak, anything else is.
    """
    real = client.get(path.format(secret), **kwargs)
    fake = client.get(path.format(stand_in), **kwargs)

    def blanked(response: Any, value: str) -> str:
        body = response.get_data(as_text=True).replace(path.format(value), "PATH")
        body = CSRF_VALUE.sub("CSRF", body)  # signed with the second it was made
        return body.replace(value, "{}") if len(value) > 6 else body

    real_body, fake_body = blanked(real, secret), blanked(fake, stand_in)
    where = f"{who} GET {path.format(secret)}"
    ledger.units[f"{sink} (answers)"] += 1
    ledger.check(sink, where, real_body)
    ledger.check(sink, f"{where} (headers)", "\n".join(f"{k}: {v}" for k, v in real.headers.items()
                                                       if k != "Location"))
    if (real.status_code, real_body) != (fake.status_code, fake_body):
        same_status = real.status_code == fake.status_code
        ledger.unlike_missing[ledger.label(f"{sink}: {where}")] = (
            f"{real.status_code} vs {fake.status_code} for the stand-in"
            + (", bodies differ" if same_status else ""))


# --- the people -----------------------------------------------------------------------------


@dataclass
class Cast:
    """Everyone in the story; ``keys`` are their API keys by the same names."""

    people: dict[str, User]
    keys: dict[str, str]
    parties: dict[str, Party]

    def __getitem__(self, name: str) -> User:
        return self.people[name]


def _person(name: str, role: Role, *, party: str | None = None, cleared: bool = False) -> User:
    fields = accounts.UserFields(
        email=f"{name}@example.go.jp", family_name="山田", given_name=name.replace(".", ""),
        family_kana="ヤマダ", given_kana="タロウ", role=role, site_code="hq",
        party_codes=(party,) if party else (), is_security_cleared=cleared,
    )
    return accounts.create_user(fields, actor=SYSTEM, now=utcnow(), password=PASSWORD)


def cast_of(base_data: dict[str, Any]) -> Cast:
    """The parties (a carrier too, never handed anything), the people, their API keys, SLA targets."""
    now = utcnow()
    with unit_of_work() as session:
        carrier = Party(code="carrier", kind=PartyKind.CARRIER, name_ja="回線事業者", name_en="Carrier",
                        is_active=True, created_at=now)
        session.add(carrier)
        operations = session.merge(base_data["parties"]["operations"])
        operations.contact_email = "ops-desk@vendor.example.jp"  # the party's shared address gets mail too
    sla.install_defaults(actor=SYSTEM, now=now - timedelta(days=1))
    people = {
        "requester": _person("canary.requester", Role.REQUESTER),
        "other_requester": _person("other.requester", Role.REQUESTER),
        "agent": _person("agent.cleared", Role.AGENT, party="helpdesk", cleared=True),
        "assignee": _person("assignee.cleared", Role.AGENT, party="helpdesk", cleared=True),
        "plain_agent": _person("agent.plain", Role.AGENT, party="helpdesk"),
        "plain_supervisor": _person("supervisor.plain", Role.SUPERVISOR, party="helpdesk"),
        "security": _person("security.member", Role.SECURITY, party="security", cleared=True),
        "ops_vendor": _person("ops.cleared", Role.VENDOR, party="operations", cleared=True),
        "ops_plain": _person("ops.plain", Role.VENDOR, party="operations"),
        "carrier_vendor": _person("carrier.cleared", Role.VENDOR, party="carrier", cleared=True),
        "admin": _person("ministry.admin", Role.ADMIN),
    }
    admin = actor_of(people["admin"])
    keys = {name: accounts.create_api_key(actor=admin, now=now, name=name, user_id=user.id)[1]
            for name, user in people.items() if name != "admin"}
    keys["carrier_party"] = accounts.create_api_key(actor=admin, now=now, name="carrier",
                                                    party_id=carrier.id)[1]
    return Cast(people=people, keys=keys, parties={**base_data["parties"], "carrier": carrier})


# --- the workflows --------------------------------------------------------------------------


@dataclass
class Story:
    """What the workflows made: the canary ticket, another ticket of its requester, ids to probe."""

    number: str
    ticket_id: int
    other_number: str
    attachment_id: int
    handoff_ids: list[int]
    clients: dict[str, FlaskClient]
    tokens: dict[str, str]

    @property
    def missing(self) -> str:
        """A number of the same form that no ticket has."""
        return self.number[:-6] + "999999"


def api(app: Flask, cast: Cast, who: str, method: str, path: str, **kwargs: Any) -> Any:
    """One API call with ``who``'s key."""
    return app.test_client().open(f"/api/v1{path}", method=method,
                                  headers={"Authorization": f"Bearer {cast.keys[who]}"}, **kwargs)


#: Where each person lands after signing in (a page with a CSRF token).
HOMES = {"requester": "/portal/", "other_requester": "/portal/", "agent": "/console/",
         "assignee": "/console/", "plain_agent": "/console/", "plain_supervisor": "/console/",
         "security": "/vendor/", "ops_vendor": "/vendor/", "ops_plain": "/vendor/",
         "carrier_vendor": "/vendor/", "admin": "/admin/export"}


def run_workflows(app: Flask, cast: Cast, canary: str, login_as: LoginAs, make_ticket: MakeTicket,
                  ledger: Ledger) -> Story:
    """File, refuse, answer, note, assign, hand on, write across the boundary, restore, search: as the
    real roles through the web and the API."""
    clients = {who: login_as(app.test_client(), cast[who]) for who in HOMES}
    tokens = {who: csrf_token(clients[who], home) for who, home in HOMES.items()}
    other = make_ticket(requester=cast["requester"], subject="プリンタの用紙が詰まる", now=utcnow())

    # The requester files the incident through the portal form, with the file.
    portal = clients["requester"]
    form = portal.get("/portal/tickets/new").get_data(as_text=True)
    intake = re.search(r'name="idempotency_token"[^>]*value="([^"]+)"', form)
    filed = portal.post("/portal/tickets/new", content_type="multipart/form-data", data={
        "csrf_token": tokens["requester"], "idempotency_token": intake.group(1) if intake else "",
        "type": "security", "service": "mail", "impact": "person", "urgency": "high",
        "subject": f"{canary} 不審なメールの添付を開いてしまいました",
        "description": f"件名「請求書」のメールの添付を開きました。識別子 {canary} が画面に出ています。",
        "attachments": [(io.BytesIO(f"画面の表示: {canary}\r\n".encode()), f"{canary}.txt")],
    })
    assert filed.status_code == 302, filed.get_data(as_text=True)
    number = filed.headers["Location"].split("/portal/tickets/")[1].split("?")[0]
    ticket = db.session.scalar(select(Ticket).where(Ticket.number == number))
    assert ticket is not None and ticket.is_confidential
    attachment = db.session.scalar(select(Attachment).where(Attachment.ticket_id == ticket.id))
    assert attachment is not None and canary in attachment.filename
    proposal = db.session.scalar(select(Handoff).where(Handoff.ticket_id == ticket.id))
    assert proposal is not None and proposal.to_party_id == cast.parties["security"].id

    # Refused operations on it: a file of a forbidden kind (the answer names it to its sender only),
    # text with a NUL byte (PostgreSQL refuses it), a second handoff while the first is open, and a
    # knowledge-base draft made of it.
    refused = portal.post(f"/portal/tickets/{number}/reply", content_type="multipart/form-data", data={
        "csrf_token": tokens["requester"], "body": f"追加の資料です {canary}",
        "attachments": [(io.BytesIO(files.EXE), f"{canary}.exe")]})
    assert refused.status_code == 422
    nul = portal.post(f"/portal/tickets/{number}/reply",
                      data={"csrf_token": tokens["requester"], "body": f"{canary}\x00 追記"})
    assert nul.status_code in (302, 400, 422, 500), nul.status_code
    desk = clients["agent"]
    twice = desk.post(f"/console/tickets/{number}/handoffs", data={
        "csrf_token": tokens["agent"], "to_party": str(cast.parties["operations"].id),
        "symptom": f"{canary} 端末の隔離", "idempotency_key": uuid.uuid4().hex})
    assert twice.status_code == 409, twice.status_code
    kb_draft = desk.post(f"/console/tickets/{number}/kb-draft", data={"csrf_token": tokens["agent"]})
    assert kb_draft.status_code in (403, 409, 422), kb_draft.status_code

    # The cleared desk answers, notes (naming a cleared and an uncleared colleague), assigns.
    page = desk.get(f"/console/tickets/{number}").get_data(as_text=True)
    seen = re.search(r'name="public_reply-seen_up_to" type="hidden" value="(\d*)"', page)
    replied = desk.post(f"/console/tickets/{number}/messages/public_reply", data={
        "csrf_token": tokens["agent"], "public_reply-seen_up_to": seen.group(1) if seen else "",
        "public_reply-body": f"受け付けました。LANケーブルを抜いてください（{canary}）。"})
    assert replied.status_code == 302, replied.get_data(as_text=True)
    mentions = " ".join(f"@{cast[who].email.split('@')[0]}" for who in ("assignee", "plain_agent"))
    noted = desk.post(f"/console/tickets/{number}/messages/internal_note", data={
        "csrf_token": tokens["agent"], "internal_note-body": f"{mentions} 感染疑い {canary}"})
    assert noted.status_code == 302
    assigned = desk.post(f"/console/tickets/{number}/assign",
                         data={"csrf_token": tokens["agent"], "assignee": str(cast["assignee"].id)})
    assert assigned.status_code == 302

    # The security team takes it and hands it to the operations vendor (API), sharing the file.
    taken = clients["security"].post(f"/vendor/handoffs/{proposal.id}/accept",
                                     data={"csrf_token": tokens["security"], "receiver_reference": "SEC-1"})
    assert taken.status_code == 302, taken.get_data(as_text=True)
    sent = api(app, cast, "security", "POST", f"/tickets/{number}/handoffs", json={
        "to_party": "operations", "symptom": f"{canary} の端末を隔離してください",
        "shared_attachment_ids": [attachment.id]})
    assert sent.status_code == 201, sent.get_data(as_text=True)
    to_operations = int(sent.get_json()["id"])
    accepted = clients["ops_vendor"].post(f"/vendor/handoffs/{to_operations}/accept",
                                          data={"csrf_token": tokens["ops_vendor"]})
    assert accepted.status_code == 302, accepted.get_data(as_text=True)

    # Across the boundary: the desk writes to the operations vendor with a file, the vendor answers.
    log_file = (io.BytesIO(f"{canary}\n".encode()), f"{canary}-log.txt")
    across = desk.post(f"/console/tickets/{number}/party-notes", content_type="multipart/form-data",
                       data={"csrf_token": tokens["agent"], "body": f"ログを送ります {canary}",
                             "attachments": [log_file]})
    assert across.status_code == 302, across.get_data(as_text=True)
    answered = clients["ops_vendor"].post(f"/vendor/tickets/{number}/notes", data={
        "csrf_token": tokens["ops_vendor"], "body": f"隔離済み {canary}"})
    assert answered.status_code == 302, answered.get_data(as_text=True)
    tickets.record_restoration(ticket.id, ticket.created_at, actor=actor_of(cast["agent"]), now=utcnow())

    # The cleared find it and export what they found (allowed, and proof that the search finds it).
    found = desk.get(f"/console/search?q={canary.split('-')[-1]}")
    ledger.expect("search as the cleared agent", found.get_data())
    ledger.expect("search CSV as the cleared agent", desk.get(f"/console/search.csv?q={canary}").get_data())
    ledger.expect("queue CSV as the cleared agent", desk.get("/console/queue.csv").get_data())
    return Story(number=number, ticket_id=ticket.id, other_number=other.number, attachment_id=attachment.id,
                 handoff_ids=[proposal.id, to_operations], clients=clients, tokens=tokens)


# --- the pages, answers and downloads -------------------------------------------------------


def scan_outsiders(app: Flask, cast: Cast, story: Story, ledger: Ledger) -> None:
    """Every page, answer and download of the people who may not see the ticket: 0 occurrences."""
    number, missing, canary = story.number, story.missing, ledger.canary
    stand_in = f"CANARY-{uuid.uuid4()}"
    fragment = canary.split("-")[-1]
    requester = cast["requester"]
    pages = {
        "other_requester": [
            "/portal/", "/portal/tickets.csv", "/notifications", "/portal/kb", f"/portal/kb?q={fragment}",
            f"/portal/kb/suggest?q={fragment}", "/portal/status",
        ],
        "plain_agent": [
            "/console/", "/console/?view=all", "/console/?view=unassigned", "/console/queue.csv",
            f"/console/search?q={fragment}", f"/console/search.csv?q={canary}", f"/console/search?q={number}",
            f"/console/tickets/{number}", f"/console/tickets/{story.other_number}",
            f"/console/phone?q={requester.email}", f"/console/phone/callers?q={requester.email}",
            f"/console/phone?caller={requester.id}", "/console/kb", f"/console/kb?q={fragment}",
            "/notifications",
        ],
        "plain_supervisor": [
            "/console/", "/console/?view=all", "/console/queue.csv", f"/console/search?q={fragment}",
            f"/console/search.csv?q={canary}", f"/console/tickets/{number}",
            f"/console/tickets/{story.other_number}", f"/console/phone?caller={requester.id}", "/console/sla",
            "/console/dashboard", "/console/dashboard/panel", "/console/reports", "/notifications",
        ],
        "ops_plain": ["/vendor/", "/vendor/tickets.csv", "/notifications"],
        "carrier_vendor": ["/vendor/", "/vendor/tickets.csv", "/notifications"],
    }
    for who, paths in pages.items():
        for path in paths:
            response = story.clients[who].get(path)
            status = response.status_code
            assert status in (200, 302), f"{who} GET {ledger.label(path)}: {status}"
            check_response(ledger, "pages", f"{who} GET {path}", response)
    stub = story.clients["plain_agent"].get(f"/console/tickets/{number}").get_data(as_text=True)
    assert number in stub and "機密チケット" in stub, "the uncleared desk sees the stub"

    # The ticket, its file and its handoffs answer like ones that do not exist.
    file_path = f"/tickets/{{}}/attachments/{story.attachment_id}"
    not_theirs = {
        "other_requester": ["/portal/tickets/{}", f"/portal{file_path}"],
        "plain_agent": [f"/console{file_path}"],
        "plain_supervisor": [f"/console{file_path}"],
        "ops_plain": ["/vendor/tickets/{}", f"/vendor{file_path}"],
        "carrier_vendor": ["/vendor/tickets/{}", f"/vendor{file_path}"],
    }
    for who, paths in not_theirs.items():
        client = story.clients[who]
        for path in paths:
            like_missing(ledger, "pages", who, client, path, number, missing)
        if who in ("ops_plain", "carrier_vendor"):
            for handoff_id in story.handoff_ids:
                like_missing(ledger, "pages", who, client, "/vendor/handoffs/{}", str(handoff_id), "999999")
    for who in ("plain_agent", "plain_supervisor"):
        like_missing(ledger, "search", who, story.clients[who], "/console/search?q={}", canary, stand_in)
    like_missing(ledger, "autocomplete", "other_requester", story.clients["other_requester"],
                 "/portal/kb/suggest?q={}", canary, stand_in)

    # The API, with each outsider's own key and the carrier party's machine key.
    for who in ("other_requester", "plain_agent", "plain_supervisor", "ops_plain", "carrier_vendor",
                "carrier_party"):
        headers = {"Authorization": f"Bearer {cast.keys[who]}"}
        client = app.test_client()
        for path in ("/api/v1/tickets/{}", "/api/v1/tickets/{}/responsibility", f"/api/v1{file_path}"):
            like_missing(ledger, "API", who, client, path, number, missing, headers=headers)
        for handoff_id in story.handoff_ids:
            like_missing(ledger, "API", who, client, "/api/v1/handoffs/{}", str(handoff_id), "999999",
                         headers=headers)
        for path in ("/api/v1/tickets", f"/api/v1/tickets?q={fragment}", f"/api/v1/tickets?q={canary}",
                     "/api/v1/handoffs", "/api/v1/handoffs?state=accepted", "/api/v1/me"):
            check_response(ledger, "API", f"{who} GET {path}", client.get(path, headers=headers))

    # Refused writes on it: a refusal that repeats nothing.
    refusals = [
        ("plain_agent", f"/console/tickets/{number}/messages/public_reply",
         {"public_reply-body": f"{canary} 返信"}),
        ("plain_agent", f"/console/tickets/{number}/assign", {"me": "1"}),
        ("plain_agent", "/console/phone", {"caller_id": str(requester.id), "target": str(story.ticket_id),
                                           "direction": "inbound", "summary": "電話", "duration": "01:00"}),
        ("other_requester", f"/portal/tickets/{number}/reply", {"body": "返信"}),
        ("carrier_vendor", f"/vendor/tickets/{number}/notes", {"body": "メモ"}),
        ("ops_plain", f"/vendor/handoffs/{story.handoff_ids[1]}/accept", {}),
    ]
    for who, path, data in refusals:
        response = story.clients[who].post(path, data={"csrf_token": story.tokens[who], **data})
        assert response.status_code in (403, 404, 409, 422), f"{who} POST {path}: {response.status_code}"
        check_response(ledger, "error paths", f"{who} POST {path}", response)
    for who in ("other_requester", "plain_agent", "carrier_vendor"):
        response = api(app, cast, who, "POST", f"/tickets/{number}/messages",
                       json={"kind": "public_reply", "body": "返信"})
        assert response.status_code in (403, 404), f"{who}: {response.status_code}"
        check_response(ledger, "error paths", f"{who} API POST /tickets/{number}/messages", response)
    response = api(app, cast, "ops_plain", "POST", f"/handoffs/{story.handoff_ids[1]}/reject",
                   json={"reason_code": "duplicate", "reason": "重複"})
    assert response.status_code in (403, 404, 409), response.status_code
    check_response(ledger, "error paths", "ops_plain API POST reject", response)


def expect_insiders(story: Story, ledger: Ledger) -> None:
    """The requester and the cleared staff of the parties it was handed to read it."""
    number = story.number
    for who, path in (("requester", f"/portal/tickets/{number}"), ("requester", "/portal/tickets.csv"),
                      ("agent", f"/console/tickets/{number}"), ("security", f"/vendor/tickets/{number}"),
                      ("ops_vendor", f"/vendor/tickets/{number}"), ("ops_vendor", "/vendor/tickets.csv")):
        ledger.expect(f"{who} GET {path}", story.clients[who].get(path).get_data())


def scan_logs(ledger: Ledger, caplog: pytest.LogCaptureFixture) -> None:
    """The application's log records, each formatted with its traceback."""
    formatter = logging.Formatter("%(name)s %(levelname)s %(message)s")
    ledger.units["app log records"] += len(caplog.records)
    for n, record in enumerate(caplog.records, 1):
        ledger.check("app log", f"record #{n} {record.name} {record.levelname}", formatter.format(record))


def scan_database(ledger: Ledger) -> None:
    """Every column of every table: the canary only in the ticket's own data (``ALLOWED_COLUMNS``);
    outbox payloads only ids and codes; audit data only what a person typed beside ids."""
    db.session.rollback()
    with db.engine.connect() as connection:
        for table_name in sorted(inspect(connection).get_table_names()):
            rows = connection.execute(text(f'SELECT * FROM "{table_name}"')).mappings().all()
            ledger.units["database rows"] += len(rows)
            for row in rows:
                for column, value in row.items():
                    if value is None or isinstance(value, int | float | bool):
                        continue
                    allowed = (table_name, column) in ALLOWED_COLUMNS
                    if allowed or table_name.startswith(SEARCH_INDEX_TABLES):
                        ledger.scanned["database (allowed columns)"] += 1
                        continue
                    action = f" [{row['action']}]" if "action" in row else ""
                    if isinstance(value, bytes | memoryview):
                        content: str | bytes = bytes(value)
                    else:  # JSON columns arrive parsed on PostgreSQL, as text on SQLite
                        content = json.dumps(value, ensure_ascii=False) if isinstance(value, dict | list) \
                            else str(value)
                    if table_name == "audit_events" and column == "data":
                        content = _without_search_criterion(str(row["action"]), content)
                    ledger.check("database", f"{table_name}.{column}{action}", content)
    _check_outbox_contract()
    rows = db.session.execute(select(Ticket.subject, Ticket.search_text)).all()
    ledger.expect("the ticket row", "\n".join(f"{subject}\n{search}" for subject, search in rows))


def _without_search_criterion(action: str, data: str | bytes) -> str | bytes:
    """An audited CSV download of a search records its query, which the searcher typed themselves."""
    if action != "tickets.exported_csv":
        return data
    parsed = json.loads(data)
    parsed.get("criteria", {}).pop("q", None)
    return json.dumps(parsed, ensure_ascii=False)


def _check_outbox_contract() -> None:
    bad = {row.id: row.payload for row in db.session.scalars(select(OutboxMessage))
           if not all(value is None or isinstance(value, int) or OUTBOX_VALUE.match(str(value))
                      for value in row.payload.values())}
    assert bad == {}, "outbox payloads carry ids and short codes only"


# --- in process: pages, API, search, CSV, errors, logs, database ---------------------------


def test_nobody_who_may_not_see_a_security_incident_finds_its_text(
    app: Flask, base_data: dict[str, Any], login_as: LoginAs, make_ticket: MakeTicket,
    published: list[tuple[str, int, int]], caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG, logger="helpdesk")
    canary = f"CANARY-{uuid.uuid4()}"
    ledger = Ledger(canary)
    cast = cast_of(base_data)

    story = run_workflows(app, cast, canary, login_as, make_ticket, ledger)
    scan_outsiders(app, cast, story, ledger)
    expect_insiders(story, ledger)
    scan_logs(ledger, caplog)
    scan_database(ledger)

    assert len(published) >= 10, "the workflows queued their background work (run by the worker test)"
    ledger.assert_clean("pages", "API", "search", "autocomplete", "error paths", "database")


# --- with a real worker: mail, webhooks, notifications, Redis, worker log, exports ---------


class Inbox:
    """What the SMTP server received, raw."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], bytes]] = []

    async def handle_DATA(self, server: Any, session: Session, envelope: Envelope) -> str:  # noqa: N802
        self.messages.append((list(envelope.rcpt_tos), bytes(envelope.original_content or b"")))
        return "250 OK"


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    """A real SMTP server (aiosmtpd) on loopback, and its port."""
    inbox, port = Inbox(), free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[RedisServer]:
    with running_redis(tmp_path) as server:
        yield server


@pytest.fixture
def worker_app(db: Any, database_url: str, private_redis: RedisServer, tmp_path: Path) -> Iterator[Flask]:
    """The web app as deployed: broker and rate limits on the private Redis, files where the worker looks."""
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=database_url, BROKER_URL=private_redis.url,
                     REDIS_URL=private_redis.url, RATELIMIT_STORAGE_URI=private_redis.url,
                     ATTACHMENT_ROOT=str(tmp_path / "attachments"), EXPORT_ROOT=str(tmp_path / "exports"))
    app.instance_path = str(tmp_path)
    app.test_client_class = IsolatedClient
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()
    celery_app = app.extensions["celery"]
    celery_app.pool.force_close_all()
    celery_app.close()


@pytest.fixture
def worker(worker_app: Flask, database_url: str, private_redis: RedisServer, tmp_path: Path,
           smtp: tuple[Inbox, int]) -> Iterator[Path]:
    """A real Celery worker with SMTP, the public URL, the file store and Redis; yields its log file."""
    env = {"HELPDESK_MAIL_SMTP_HOST": "127.0.0.1", "HELPDESK_MAIL_SMTP_PORT": str(smtp[1]),
           "HELPDESK_PUBLIC_URL": PUBLIC_URL, "HELPDESK_REDIS_URL": private_redis.url,
           "HELPDESK_ATTACHMENT_ROOT": str(tmp_path / "attachments"),
           "HELPDESK_EXPORT_ROOT": str(tmp_path / "exports"), "HELPDESK_WEBHOOK_FIRST_RETRY_SECONDS": "1"}
    with running_worker(database_url, private_redis, tmp_path, env):
        yield tmp_path / "worker.log"


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with running_receiver() as server:
        yield server


def _all_done() -> bool:
    """Every outbox row processed, every mail sent, every webhook delivered."""
    return (count_rows(OutboxMessage, OutboxMessage.processed_at.is_(None)) == 0
            and count_rows(MailMessage, MailMessage.direction == MailDirection.OUTBOUND,
                           MailMessage.status == MailStatus.QUEUED) == 0
            and count_rows(WebhookDelivery, WebhookDelivery.delivered_at.is_(None)) == 0)


def _job_id(location: str) -> int:
    match = re.search(r"/jobs/(\d+)", location)
    assert match, location
    return int(match.group(1))


def run_background_workflows(story: Story, ledger: Ledger) -> None:
    """The monthly report (uncleared supervisors read it) and the full export (administrators only)."""
    supervisor, admin = story.clients["plain_supervisor"], story.clients["admin"]
    month = utcnow().astimezone(TOKYO).strftime("%Y-%m")
    asked = supervisor.post("/console/reports",
                            data={"csrf_token": story.tokens["plain_supervisor"], "month": month})
    assert asked.status_code == 303, asked.get_data(as_text=True)
    exported = admin.post("/admin/export", data={"csrf_token": story.tokens["admin"]})
    assert exported.status_code == 302, exported.get_data(as_text=True)
    report_job, export_job = _job_id(asked.headers["Location"]), _job_id(exported.headers["Location"])
    for job_id in (report_job, export_job):
        wait_for(lambda job_id=job_id: fresh_job(job_id).is_finished,
                 timeout=WAIT, message=f"background job {job_id}")
        assert fresh_job(job_id).state is JobState.DONE, fresh_job(job_id).message

    snapshot = db.session.scalar(select(ReportSnapshot).where(ReportSnapshot.job_id == report_job))
    assert snapshot is not None
    report = supervisor.get(f"/console/reports/{snapshot.id}")
    assert story.number in report.get_data(as_text=True), "the incident's restoration is reported, by number"
    check_response(ledger, "monthly report", f"plain_supervisor GET /console/reports/{snapshot.id}", report)
    for extension in ("csv", "xlsx"):
        download = supervisor.get(f"/console/reports/{snapshot.id}/service-level.{extension}")
        assert download.status_code == 200
        body = download.get_data()
        if extension == "xlsx":
            with zipfile.ZipFile(io.BytesIO(body)) as book:
                body = b"\n".join(book.read(name) for name in book.namelist())
        ledger.check("monthly report", f"service-level.{extension}", body)

    archive = admin.get(f"/admin/export/jobs/{export_job}/helpdesk-export.zip")
    assert archive.status_code == 200
    with zipfile.ZipFile(io.BytesIO(archive.get_data())) as export:
        everything = b"\n".join(export.read(name) for name in export.namelist())
    ledger.expect("the administrators' full export", everything)


def scan_mail(ledger: Ledger, inbox: Inbox, number: str) -> None:
    """Every mail the SMTP server got: raw, each header decoded, each part decoded, file names; a mail
    about the incident says its number and links to it."""
    ledger.units["mails"] += len(inbox.messages)
    about = 0
    for n, (recipients, raw) in enumerate(inbox.messages, 1):
        where = f"mail #{n} to {','.join(recipients)}"
        ledger.check("mail", f"{where} raw", raw)
        parsed = email.message_from_bytes(raw, policy=email_policy.default)
        for name, value in parsed.items():
            ledger.check("mail", f"{where} header {name}", str(value))
        for part in parsed.walk():
            if part.is_multipart():
                continue
            kind = part.get_content_type()
            ledger.check("mail", f"{where} {kind} file name", part.get_filename())
            payload = part.get_payload(decode=True)
            ledger.check("mail", f"{where} {kind}", payload if isinstance(payload, bytes) else str(payload))
        if number in str(parsed["Subject"]):
            about += 1
            plain = parsed.get_body(preferencelist=("plain",))
            assert plain is not None and f"{PUBLIC_URL}/" in plain.get_content(), f"{where} links to it"
    assert about >= 6, "the incident's notifications were mailed"


class RedisMonitor:
    """Every command the private Redis runs from now on (``MONITOR``): what passed through it, such as
    the broker's messages the worker has since consumed, and not only what is left in it."""

    def __init__(self, server: RedisServer) -> None:
        self.lines: list[bytes] = []
        self._buffer = b""
        self._socket = socket.create_connection(("127.0.0.1", server.port), timeout=10)
        self._socket.sendall(b"MONITOR\r\n")
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        while True:
            try:
                chunk = self._socket.recv(65536)
            except OSError:
                return
            if not chunk:
                return
            *lines, self._buffer = (self._buffer + chunk).split(b"\r\n")
            self.lines.extend(lines)

    def stop(self) -> list[bytes]:
        """Stop listening; every command line seen."""
        with contextlib.suppress(OSError):
            self._socket.shutdown(socket.SHUT_RDWR)
        self._socket.close()
        self._thread.join(timeout=10)
        return self.lines


def scan_redis(ledger: Ledger, server: RedisServer) -> None:
    """``SCAN`` every database of the private Redis and dump every value by its type."""
    with redis.Redis(host="127.0.0.1", port=server.port) as first:
        databases = [int(name[2:]) for name in first.info("keyspace")]
    for number in databases:
        with redis.Redis(host="127.0.0.1", port=server.port, db=number) as conn:
            for key in conn.scan_iter(count=500):
                ledger.units["redis keys"] += 1
                kind = conn.type(key).decode()
                where = f"db{number} {kind} {key.decode(errors='replace')}"
                ledger.check("redis", f"{where} (key)", key)
                values: list[bytes] = []
                if kind == "string":
                    values = [conn.get(key) or b""]
                elif kind == "list":
                    values = list(conn.lrange(key, 0, -1))
                elif kind == "hash":
                    values = [b"%s=%s" % item for item in conn.hgetall(key).items()]
                elif kind == "set":
                    values = list(conn.smembers(key))
                elif kind == "zset":
                    values = [member for member, _score in conn.zrange(key, 0, -1, withscores=True)]
                elif kind == "stream":
                    values = [repr(entry).encode() for entry in conn.xrange(key)]
                for value in values:
                    ledger.check("redis", where, value)


@pytest.mark.worker
def test_no_mail_webhook_notification_log_or_redis_key_carries_a_security_incidents_text(
    worker: Path, worker_app: Flask, private_redis: RedisServer, smtp: tuple[Inbox, int], receiver: Receiver,
    base_data: dict[str, Any], login_as: LoginAs, make_ticket: MakeTicket, caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG, logger="helpdesk")
    canary = f"CANARY-{uuid.uuid4()}"
    ledger = Ledger(canary)
    cast = cast_of(base_data)
    admin = actor_of(cast["admin"])
    settings = webhooks.settings_from(worker_app.config)
    secrets = [webhooks.save_endpoint(cast.parties[code].id, receiver.url, actor=admin, now=utcnow(),
                                      settings=settings)[1] for code in ("operations", "security")]
    receiver.secret = secrets[0] or ""  # both parties' systems are this receiver

    monitor = RedisMonitor(private_redis)
    story = run_workflows(worker_app, cast, canary, login_as, make_ticket, ledger)
    run_background_workflows(story, ledger)
    wait_for(_all_done, timeout=WAIT, message="every outbox row, mail and webhook to be done")
    commands = monitor.stop()

    assert len(receiver.requests) >= 4, "the handoff events reached the parties' systems"
    scan_mail(ledger, smtp[0], story.number)
    ledger.units["webhook bodies"] += len(receiver.requests)
    for n, (event_id, payload, _valid) in enumerate(receiver.requests, 1):
        ledger.check("webhooks", f"body #{n} {payload.get('type')} {event_id}", json.dumps(payload))
    db.session.rollback()
    for row in db.session.scalars(select(Notification)):
        where = f"#{row.id} {row.kind.value} to user {row.user_id}"
        ledger.check("notifications", where, json.dumps(row.data))
    scan_outsiders(worker_app, cast, story, ledger)
    expect_insiders(story, ledger)
    scan_redis(ledger, private_redis)
    ledger.units["redis commands (MONITOR)"] += len(commands)
    for n, command in enumerate(commands, 1):
        ledger.check("redis", f"command #{n} {command[:60]!r}", command)
    scan_logs(ledger, caplog)
    lines = worker.read_text(errors="replace").splitlines()
    ledger.units["worker log lines"] += len(lines)
    for n, line in enumerate(lines, 1):
        ledger.check("worker log", f"line {n}", line)
    scan_database(ledger)
    store = Path(worker_app.config["ATTACHMENT_ROOT"])
    stored = [path.read_bytes() for path in store.rglob("*") if path.is_file()]
    ledger.expect("the stored attachment files", b"\n".join(stored))

    ledger.assert_clean("mail", "webhooks", "notifications", "redis", "worker log", "database",
                        "monthly report", "pages", "API", "search", "error paths")
