"""S8: cross-site writes, cookie replay, session fixation, CORS and cookie flags.

The routes come from ``app.url_map`` and the roles from the role matrix, so a new
state-changing route is covered the day it is added (and one missing from the matrix
fails here as well as there).
"""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from helpdesk import create_app
from helpdesk.accounts import services as accounts
from helpdesk.accounts.models import Role, User
from helpdesk.audit.models import AuditEvent
from tests.conftest import T0, LoginAs, MakeTicket, MakeUser, actor_of, csrf_token
from tests.web.test_role_matrix import MATRIX, declare_incident, publish_article

WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
EVIL = "https://evil.example"
COOKIE = "helpdesk_session"


def state_changing_endpoints(app: Flask) -> dict[str, set[str]]:
    """Every endpoint that takes a write method, with those methods; the API is left out.

    The API (blueprint ``api``) is CSRF-exempt on purpose: it reads only
    ``Authorization: Bearer <key>`` and never the session cookie, and a browser does not
    attach that header to a cross-site request by itself. ``test_api_ignores_the_session_cookie``
    keeps that premise true.
    """
    found: dict[str, set[str]] = {}
    for rule in app.url_map.iter_rules():
        methods = (rule.methods or set()) & WRITES
        if methods and not rule.endpoint.startswith("api."):
            found.setdefault(rule.endpoint, set()).update(methods)
    return found


def _audit_count() -> int:
    from helpdesk.core.db import db

    return int(db.session.scalar(select(func.count()).select_from(AuditEvent)) or 0)


def _signed_in(client: FlaskClient) -> bool:
    response = client.get("/profile")
    return response.status_code == 200


def test_every_state_changing_route_refuses_a_post_without_csrf_token(
    app: Flask, people: dict[str, User], make_ticket: MakeTicket, login_as: LoginAs
) -> None:
    own = make_ticket(requester=people["requester"])
    article = publish_article(people["agent"])
    incident = declare_incident(people["supervisor"])
    clients: dict[str, FlaskClient] = {}
    endpoints = state_changing_endpoints(app)
    assert len(endpoints) > 50, "the route enumeration found suspiciously few write routes"
    accepted = []
    for endpoint, methods in sorted(endpoints.items()):
        assert endpoint in MATRIX, f"{endpoint} is not in tests/web/test_role_matrix.py MATRIX"
        _method, template, allowed = MATRIX[endpoint]
        # A role that may use the route; where nobody may (the matrix's "no such object" rows)
        # the admin, since CSRF is checked before the view looks at the caller or the object.
        role = sorted(allowed - {"anonymous"})[0] if allowed - {"anonymous"} else "admin"
        if role not in clients:
            clients[role] = login_as(app.test_client(), people[role])
        client = clients[role]
        path = template.format(own=own.number, user=people["agent"].id, file=0, article=article,
                               incident=incident)
        for method in sorted(methods):
            before = _audit_count()
            response = client.open(path, method=method, data={"email": "x@example.go.jp", "locale": "en"},
                                   headers={"Origin": EVIL, "Referer": f"{EVIL}/attack"})
            if response.status_code != 400 or _audit_count() != before:
                accepted.append(f"{role} {method} {path} → {response.status_code}")
        assert _signed_in(client), f"{endpoint} without a token signed {role} out"
    assert accepted == []


def test_every_api_write_ignores_the_session_cookie(
    app: Flask, make_user: MakeUser, make_ticket: MakeTicket, login_as: LoginAs
) -> None:
    """The premise of the API's CSRF exemption: a signed-in browser alone cannot write through it."""
    admin = make_user(Role.ADMIN)
    own = make_ticket(requester=admin)
    client = login_as(app.test_client(), admin)
    writes = [(rule.endpoint, method) for rule in app.url_map.iter_rules() if rule.endpoint.startswith("api.")
              for method in sorted((rule.methods or set()) & WRITES)]
    assert len(writes) >= 8
    let_in = []
    for endpoint, method in writes:
        path = MATRIX[endpoint][1].format(own=own.number)
        before = _audit_count()
        response = client.open(path, method=method, json={"subject": "cross-site"}, headers={"Origin": EVIL})
        if response.status_code != 401 or _audit_count() != before:
            let_in.append(f"{method} {path} → {response.status_code}")
    assert let_in == []


def test_a_cookie_replayed_after_logout_is_refused(
    app: Flask, client: FlaskClient, make_user: MakeUser, login_as: LoginAs
) -> None:
    login_as(client, make_user())
    stolen = client.get_cookie(COOKIE)
    assert stolen is not None
    client.post("/logout", data={"csrf_token": csrf_token(client, "/portal/")})

    replay = app.test_client()
    replay.set_cookie(COOKIE, stolen.value)
    page = replay.get("/portal/")
    assert page.status_code == 302 and "/login" in page.headers["Location"]
    assert replay.post("/notifications/read", data={"csrf_token": "x"}).status_code in (302, 400)
    assert not _signed_in(replay)


def test_every_sign_in_gets_a_new_session_id(
    app: Flask, make_user: MakeUser, login_as: LoginAs
) -> None:
    user = make_user()
    first, second = app.test_client(), app.test_client()
    csrf_token(first, "/login")  # an anonymous session cookie, as an attacker would plant it
    planted = first.get_cookie(COOKIE)
    assert planted is not None
    login_as(first, user)
    login_as(second, user)
    with first.session_transaction() as one, second.session_transaction() as two:
        assert one["_user_id"] != two["_user_id"]
    # The cookie an attacker planted before the sign-in stays anonymous.
    fixed = app.test_client()
    fixed.set_cookie(COOKIE, planted.value)
    assert not _signed_in(fixed)
    # Signing in again while signed in rotates the id too.
    with first.session_transaction() as session:
        old = session["_user_id"]
    login_as(first, user)
    with first.session_transaction() as session:
        assert session["_user_id"] != old


def test_a_deactivated_users_cookie_is_dead(
    client: FlaskClient, make_user: MakeUser, login_as: LoginAs
) -> None:
    user, admin = make_user(Role.AGENT), make_user(Role.ADMIN)
    login_as(client, user)
    accounts.deactivate_user(user.id, actor=actor_of(admin), now=T0)
    assert not _signed_in(client)


@pytest.mark.parametrize(
    ("method", "path", "bearer"),
    [("GET", "/api/v1/me", True), ("POST", "/api/v1/tickets", True), ("OPTIONS", "/api/v1/tickets", False),
     ("GET", "/login", False), ("GET", "/portal/", False), ("OPTIONS", "/logout", False),
     ("GET", "/api/v1/openapi.json", False)],
)
def test_no_origin_is_granted_cross_origin_access(
    client: FlaskClient, make_user: MakeUser, login_as: LoginAs, method: str, path: str, bearer: bool
) -> None:
    user = make_user()
    login_as(client, user)
    headers = {"Origin": EVIL, "Access-Control-Request-Method": "POST",
               "Access-Control-Request-Headers": "authorization, content-type"}
    if bearer:
        admin = make_user(Role.ADMIN)
        _row, key = accounts.create_api_key(actor=actor_of(admin), now=T0, name="cors", user_id=user.id)
        headers["Authorization"] = f"Bearer {key}"
    response = client.open(path, method=method, headers=headers, json={} if method == "POST" else None)
    granted = {name: value for name, value in response.headers.items()
               if name.lower().startswith("access-control-allow")}
    assert granted == {}, f"{method} {path} answered a foreign origin with {granted}"


def _cookie_header_after_login_page(app: Flask) -> str:
    client = app.test_client()
    response = client.get("/login")
    headers = [v for v in response.headers.getlist("Set-Cookie")
               if v.startswith(f"{app.config['SESSION_COOKIE_NAME']}=")]
    assert len(headers) == 1, response.headers
    return headers[0]


def test_session_cookie_is_httponly_and_samesite(app: Flask, db: Any) -> None:
    header = _cookie_header_after_login_page(app)
    assert "HttpOnly" in header
    assert "SameSite=Lax" in header or "SameSite=Strict" in header


def test_production_session_cookie_is_secure_httponly_and_samesite(
    app: Flask, db: Any, tmp_path: Any
) -> None:
    production = create_app(
        "production",
        SECRET_KEY="x" * 40,
        SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
        BROKER_URL=app.config["BROKER_URL"],
        ATTACHMENT_ROOT=str(tmp_path),
        REDIS_URL=None,
        RATELIMIT_STORAGE_URI="memory://",
    )
    assert production.debug is False and production.config["TESTING"] is False
    header = _cookie_header_after_login_page(production)
    attributes = {part.strip().split("=")[0].lower() for part in header.split(";")[1:]}
    assert {"secure", "httponly", "samesite"} <= attributes, header
    assert "domain" not in attributes  # host-only: a sibling host cannot receive or overwrite it
    assert header.startswith("__Host-") and "Path=/" in header  # the browser enforces both


def test_no_remember_me_cookie_outlives_the_session(
    client: FlaskClient, make_user: MakeUser, login_as: LoginAs
) -> None:
    login_as(client, make_user())
    assert client.get_cookie("remember_token") is None

