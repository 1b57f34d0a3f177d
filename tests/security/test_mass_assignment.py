"""S13: mass assignment — an attacker adds fields a write operation does not offer.

The API operations come from the OpenAPI document, so a new POST/PATCH is covered the day
it is published (and fails here until it has a valid request below). The API's input models
forbid unknown fields, so every extra must be refused with a problem+json 4xx and no row may
change; the same request without the extras must then succeed, which proves the refusal was
about the extras and not a broken fixture. The portal and console forms read named fields
only, so there the extras must be ignored: the rows change exactly as for a twin request
without them.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import datetime
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import inspect

from helpdesk.accounts import services as accounts
from helpdesk.accounts.models import Party, PartyKind, Role, User
from helpdesk.core.db import db, unit_of_work
from helpdesk.tickets.models import Ticket
from helpdesk.tickets.states import TicketType
from tests import files
from tests.conftest import T0, LoginAs, MakeTicket, MakeUser, actor_of, csrf_token

Row = dict[str, Any]
Snapshot = dict[tuple[str, int], Row]


def attacker_fields(victim: User, ticket: Ticket) -> dict[str, Any]:
    """What an attacker adds: identity, ownership, state, confidentiality and outbound targets."""
    return {
        "role": "admin", "is_admin": True, "requester_id": victim.id, "assignee_id": victim.id,
        "is_confidential": False, "status": "closed", "priority": "P1",
        "party_id": 1, "number": "HD-EVIL-1", "id": ticket.id + 1000,
        "created_at": "2000-01-01T00:00:00+00:00",
        "webhook_url": "http://127.0.0.1:9/hook", "password_hash": "pbkdf2:sha256:1$x$y",
    }


def snapshot() -> Snapshot:
    """Every ticket and user row, column by column, read fresh from the database."""
    db.session.expire_all()
    rows: Snapshot = {}
    for model in (Ticket, User):
        columns = [c.key for c in inspect(model).column_attrs]
        for item in db.session.query(model):
            rows[(model.__tablename__, item.id)] = {c: getattr(item, c) for c in columns}
    return rows


def diff(before: Snapshot, after: Snapshot) -> dict[tuple[str, int], dict[str, Any]]:
    """Changed columns per row (new rows in full)."""
    changed: dict[tuple[str, int], dict[str, Any]] = {}
    for key, row in after.items():
        old = before.get(key, {})
        delta = {c: v for c, v in row.items() if old.get(c, object()) != v}
        if delta:
            changed[key] = delta
    return changed


def comparable(delta: dict[str, Any]) -> dict[str, Any]:
    """A row change without what differs between two honest runs anyway: clocks, identities and the
    search text (derived, and it grows with each reply to the same ticket)."""
    identity = {"id", "number", "intake_key", "search_vector", "search_text"}
    return {c: v for c, v in delta.items() if c not in identity and not isinstance(v, datetime)}


# --- API --------------------------------------------------------------------------------------


class Key:
    """A client presenting one API key."""

    def __init__(self, client: FlaskClient, key: str) -> None:
        self.client, self.key = client, key

    def __call__(self, method: str, path: str, **kwargs: Any) -> Any:
        return self.client.open(f"/api/v1{path}", method=method,
                                headers={"Authorization": f"Bearer {self.key}"}, **kwargs)


def _body_fields(document: dict[str, Any], operation: dict[str, Any]) -> set[str]:
    """The properties the operation's request body offers (so they are not counted as extras)."""
    content = operation.get("requestBody", {}).get("content", {})
    schema = next(iter(content.values()), {}).get("schema", {})
    while "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return set(schema.get("properties", {}))


#: A valid request: (key name, path with {number}/{handoff_id} filled, JSON body or multipart form).
Prepared = tuple[str, str, dict[str, Any]]


def _valid_requests(world: dict[str, Any]) -> dict[tuple[str, str], Callable[[], Prepared]]:
    """One valid request per API write; each call sets up a fresh object so it can be sent twice."""
    number = world["ticket"].number

    def escalated(ticket: str | None = None) -> int:
        # A ticket has one open handoff at a time, so every request gets its own ticket.
        ticket = ticket or world["fresh"]()
        response = world["desk"]("POST", f"/tickets/{ticket}/handoffs",
                                 json={"to_party": "operations", "symptom": "VPN 809"})
        assert response.status_code == 201, response.get_json()
        return int(response.get_json()["id"])

    def handed_back() -> Prepared:
        ticket = world["fresh"]()
        handoff = escalated(ticket)
        assert world["ops"]("POST", f"/handoffs/{handoff}/accept", json={}).status_code == 200
        return "ops", f"/tickets/{ticket}/handback", {"json": {"cause": "証明書", "action": "更新"}}

    return {
        ("post", "/tickets"): lambda: ("staff", "/tickets", {"json": {"type": "inquiry", "subject": "質問"}}),
        ("patch", "/tickets/{number}"): lambda: ("desk", f"/tickets/{number}", {"json": {"urgency": "high"}}),
        ("post", "/tickets/{number}/messages"): lambda: (
            "staff", f"/tickets/{number}/messages", {"json": {"body": "補足です"}}),
        ("post", "/tickets/{number}/attachments"): lambda: (
            "staff", f"/tickets/{number}/attachments", {"files": True}),
        ("post", "/tickets/{number}/handoffs"): lambda: (
            "desk", f"/tickets/{world['fresh']()}/handoffs",
            {"json": {"to_party": "operations", "symptom": "VPN"}}),
        ("post", "/tickets/{number}/handback"): handed_back,
        ("post", "/handoffs/{handoff_id}/accept"): lambda: (
            "ops", f"/handoffs/{escalated()}/accept", {"json": {"external_ref": "OPS-1"}}),
        ("post", "/handoffs/{handoff_id}/reject"): lambda: (
            "ops", f"/handoffs/{escalated()}/reject", {"json": {"reason_code": "duplicate"}}),
        ("post", "/handoffs/{handoff_id}/withdraw"): lambda: (
            "desk", f"/handoffs/{escalated()}/withdraw", {"json": {}}),
    }


def _send(key: Key, path: str, request: dict[str, Any], extras: dict[str, Any], method: str) -> Any:
    if "files" in request:  # multipart: the extras ride along as form fields
        form: dict[str, Any] = {name: str(value) for name, value in extras.items()}
        form["files"] = (io.BytesIO(files.PDF), "log.pdf")
        return key(method, path, data=form, content_type="multipart/form-data")
    return key(method, path, json={**request["json"], **extras})


def test_every_api_write_refuses_extra_fields_and_changes_nothing(
    app: Flask, client: FlaskClient, make_user: MakeUser, make_ticket: MakeTicket
) -> None:
    with unit_of_work() as session:  # a second party, so a foreign party_id exists
        session.add(Party(code="carrier", kind=PartyKind.CARRIER, name_ja="回線", name_en="Carrier",
                          is_active=True, created_at=T0))
    admin = actor_of(make_user(Role.ADMIN))
    staff, agent, victim = make_user(Role.REQUESTER), make_user(Role.AGENT), make_user(Role.AGENT)
    ops_party = db.session.query(Party).filter_by(code="operations").one()

    def key(**owner: int) -> Key:
        return Key(client, accounts.create_api_key(actor=admin, now=T0, name="s13", **owner)[1])

    world: dict[str, Any] = {"ticket": make_ticket(requester=staff), "staff": key(user_id=staff.id),
                             "desk": key(user_id=agent.id), "ops": key(party_id=ops_party.id),
                             "fresh": lambda: make_ticket(requester=staff).number}
    document = client.get("/api/v1/openapi.json").get_json()
    writes = [(method, path, op) for path, item in document["paths"].items()
              for method, op in item.items() if method in {"post", "patch"}]
    valid = _valid_requests(world)
    assert len(writes) >= 8, "the OpenAPI enumeration found suspiciously few write operations"
    missing = sorted(f"{m.upper()} {p}" for m, p, _op in writes if (m, p) not in valid)
    assert missing == [], f"new API writes without a valid request in this test: {missing}"

    holes = []
    for method, path, operation in writes:
        caller, url, request = valid[(method, path)]()
        extras = {name: value for name, value in attacker_fields(victim, world["ticket"]).items()
                  if name not in _body_fields(document, operation)}
        before = snapshot()
        refused = _send(world[caller], url, request, extras, method.upper())
        changed = diff(before, snapshot())
        if not (400 <= refused.status_code < 500 and refused.mimetype == "application/problem+json"
                and not changed):
            holes.append(f"{method.upper()} {path} → {refused.status_code} {refused.mimetype} {changed}")
            continue
        # The extras are named, so a client learns which field was wrong.
        assert set(refused.get_json().get("errors") or {}) & set(extras), (path, refused.get_json())
        # Control: the same request without the extras goes through, so the 4xx was about them.
        caller, url, request = valid[(method, path)]()
        accepted = _send(world[caller], url, request, {}, method.upper())
        assert 200 <= accepted.status_code < 300, (path, accepted.get_json())
    assert holes == []


# --- portal and console forms -----------------------------------------------------------------


def _post(client: FlaskClient, page: str, path: str, data: dict[str, Any]) -> Any:
    return client.post(path, data={"csrf_token": csrf_token(client, page), **data})


def _twin_diff(run: Callable[[dict[str, Any]], Any], extras: dict[str, Any]) -> tuple[Any, Any]:
    """The comparable row changes of ``run`` without and with the extras, for one honest twin each."""
    results = []
    for added in ({}, extras):
        before = snapshot()
        response = run(added)
        assert response.status_code in (302, 303), (response.status_code, added)
        changed = diff(before, snapshot())
        results.append(sorted((key[0], repr(comparable(delta))) for key, delta in changed.items()))
    return results[0], results[1]


def test_portal_forms_ignore_extra_fields(
    app: Flask, make_user: MakeUser, make_ticket: MakeTicket, login_as: LoginAs
) -> None:
    staff, victim = make_user(Role.REQUESTER), make_user(Role.AGENT)
    client = login_as(app.test_client(), staff)
    # The reply goes to the caller's own confidential (security) ticket, so is_confidential=false is tempting.
    secret = make_ticket(requester=staff, type=TicketType.SECURITY)
    extras = attacker_fields(victim, secret)

    def new_ticket(added: dict[str, Any]) -> Any:
        return _post(client, "/portal/tickets/new", "/portal/tickets/new",
                     {"type": "inquiry", "impact": "person", "urgency": "medium", "service": "",
                      "subject": "PCが遅い", "description": "朝から", **added})

    def reply(added: dict[str, Any]) -> Any:
        page = f"/portal/tickets/{secret.number}"
        return _post(client, page, f"{page}/reply", {"body": "追記します", **added})

    honest, attacked = _twin_diff(new_ticket, extras)
    assert attacked == honest
    honest, attacked = _twin_diff(reply, extras)
    assert attacked == honest
    db.session.expire_all()
    assert db.session.get(Ticket, secret.id).is_confidential  # type: ignore[union-attr]
    assert {t.requester_id for t in db.session.query(Ticket)} == {staff.id}


def test_console_forms_ignore_extra_fields(
    app: Flask, make_user: MakeUser, make_ticket: MakeTicket, login_as: LoginAs
) -> None:
    agent, victim = make_user(Role.AGENT), make_user(Role.AGENT)
    client = login_as(app.test_client(), agent)
    twins = iter([make_ticket() for _ in range(6)])

    def form(action: str, data: dict[str, Any]) -> Callable[[dict[str, Any]], Any]:
        def run(added: dict[str, Any]) -> Any:
            page = f"/console/tickets/{next(twins).number}"
            return _post(client, page, f"{page}/{action}", {**data, **added})
        return run

    actions = {
        "fields": {"type": "fault", "impact": "division", "urgency": "high", "priority": "auto",
                   "service": "mail", "site": ""},
        "assign": {"assignee": str(agent.id)},
        "status": {"target": "pending"},
    }
    for action, data in actions.items():
        extras = {name: value for name, value in attacker_fields(victim, make_ticket()).items()
                  if name not in data}
        honest, attacked = _twin_diff(form(action, data), extras)
        assert attacked == honest, action
        assert honest, f"the honest {action} changed nothing, so the comparison proves nothing"
