"""S12: security headers on every page each role can reach, and error pages that give nothing away.

The pages and who may open them come from the role matrix (tests/web/test_role_matrix.py), so a
new page is checked here the day it is added there.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.exc import ProgrammingError
from werkzeug.test import TestResponse

from helpdesk import create_app
from helpdesk.accounts.models import Role, User
from tests.conftest import LoginAs, MakeTicket, MakeUser
from tests.web.test_role_matrix import MATRIX, ROLES, matrix_objects

#: Strings that only show up when an error page leaks internals.
LEAKS = ("Traceback", "File \"", "SELECT ", "sqlalchemy", "psycopg", "werkzeug", "/work/", ".py",
         "postgresql://", "SECRET")


def _directives(policy: str) -> dict[str, list[str]]:
    parsed: dict[str, list[str]] = {}
    for part in policy.split(";"):
        words = part.split()
        if words:
            parsed[words[0].lower()] = words[1:]
    return parsed


def header_problems(response: TestResponse, *, signed_in: bool) -> list[str]:
    """What is missing from one HTML response; an empty list when it is well protected."""
    problems = []
    policy = _directives(response.headers.get("Content-Security-Policy", ""))
    scripts = policy.get("script-src", policy.get("default-src"))
    if scripts is None or "'unsafe-inline'" in scripts or "'unsafe-eval'" in scripts:
        problems.append(f"script-src {scripts}")
    if policy.get("frame-ancestors") != ["'none'"]:
        problems.append(f"frame-ancestors {policy.get('frame-ancestors')}")
    if response.headers.get("X-Content-Type-Options") != "nosniff":
        problems.append("nosniff")
    if not response.headers.get("Referrer-Policy"):
        problems.append("Referrer-Policy")
    # Every signed-in page may show ticket content (a queue, a subject, an incident), so none
    # may be kept by a shared browser or proxy; a rule with no page-by-page exceptions.
    if signed_in and "no-store" not in response.headers.get("Cache-Control", ""):
        problems.append(f"Cache-Control {response.headers.get('Cache-Control')}")
    server = response.headers.get("Server", "")
    if re.search(r"\d", server):
        problems.append(f"Server {server}")
    return problems


@pytest.mark.parametrize("role", ROLES)
def test_every_page_a_role_may_open_carries_the_security_headers(
    role: str, app: Flask, people: dict[str, User], make_ticket: MakeTicket, login_as: LoginAs
) -> None:
    client = app.test_client()
    if role != "anonymous":
        login_as(client, people[role])
    objects = matrix_objects(app, people, make_ticket)
    checked, problems = 0, []
    for endpoint, (method, template, allowed) in sorted(MATRIX.items()):
        if method != "GET" or role not in allowed:
            continue
        path = template.format(**objects, user=people["agent"].id)
        response = client.get(path)
        response.close()  # static files are streamed from an open file
        if response.mimetype != "text/html":
            continue
        checked += 1
        found = header_problems(response, signed_in=role != "anonymous")
        if found:
            problems.append(f"{role} {endpoint} {path} → {response.status_code}: {found}")
    assert checked >= 2, "the matrix gave this role suspiciously few pages"
    assert problems == []


def _generic(response: TestResponse, app: Flask) -> list[str]:
    body = response.get_data(as_text=True)
    secrets = [str(app.config[name]) for name in ("SECRET_KEY", "SQLALCHEMY_DATABASE_URI", "ATTACHMENT_ROOT")]
    return [leak for leak in (*LEAKS, *secrets) if leak and leak in body]


@pytest.mark.parametrize(("method", "path", "status"), [
    ("GET", "/console/tickets/999999999", 404),  # a missing ticket
    ("DELETE", "/console/", 405),
])
def test_http_errors_get_a_generic_page(
    app: Flask, client: FlaskClient, make_user: MakeUser, login_as: LoginAs, method: str, path: str,
    status: int
) -> None:
    login_as(client, make_user(Role.AGENT))
    response = client.open(path, method=method)
    assert response.status_code == status and response.mimetype == "text/html"
    assert _generic(response, app) == [] and header_problems(response, signed_in=True) == []


@pytest.mark.parametrize("accept", ["text/html", "application/json"])
def test_a_failing_service_gets_a_generic_500(
    app: Flask, client: FlaskClient, make_user: MakeUser, login_as: LoginAs,
    monkeypatch: pytest.MonkeyPatch, accept: str
) -> None:
    from helpdesk.tickets import queries as tickets

    def broken(*_args: Any, **_kwargs: Any) -> Any:
        # An error whose text carries SQL, a path and a config value, as a real driver error would.
        raise ProgrammingError(f"SELECT * FROM users -- {app.config['SQLALCHEMY_DATABASE_URI']}",
                               {"secret": app.config["SECRET_KEY"]},
                               Exception(f"{__file__}: relation does not exist"))

    login_as(client, make_user(Role.REQUESTER))
    monkeypatch.setattr(tickets, "list_requester_tickets", broken)
    # The testing config re-raises so tests see failures; production renders the error page.
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)
    response = client.get("/portal/", headers={"Accept": accept})
    assert response.status_code == 500
    assert _generic(response, app) == []
    if accept == "text/html":
        assert header_problems(response, signed_in=True) == []


def test_production_config_turns_debugging_off(app: Flask, tmp_path: Any) -> None:
    production = create_app(
        "production", SECRET_KEY="x" * 40, SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
        BROKER_URL=app.config["BROKER_URL"], ATTACHMENT_ROOT=str(tmp_path), REDIS_URL=None,
        RATELIMIT_STORAGE_URI="memory://",
    )
    assert production.debug is False and production.config["DEBUG"] is False
    assert production.config["TESTING"] is False and not production.config.get("PROPAGATE_EXCEPTIONS")
    assert production.config.get("EXPLAIN_TEMPLATE_LOADING") is False
