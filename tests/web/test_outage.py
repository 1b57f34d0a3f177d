"""While the database is unreachable every front door answers 503 with ``Retry-After`` and a clear
message in the reader's language — never a stack trace, never a 500 — and writes nothing.

The "down" database is an app pointed at a port where nothing listens; the signed-in session and the
API key come from the real database, as they would be during a restart.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from helpdesk import create_app
from helpdesk.accounts import services as accounts
from helpdesk.accounts.models import Role
from helpdesk.core.db import db
from helpdesk.tickets.models import Ticket
from tests.conftest import T0, IsolatedClient, LoginAs, MakeUser, actor_of, csrf_token
from tests.support import free_port


@pytest.fixture
def down(app: Flask) -> Iterator[Flask]:
    """The same application, configured the same, whose database does not answer."""
    dead = f"postgresql://postgres@127.0.0.1:{free_port()}/helpdesk"
    broken = create_app("testing", SQLALCHEMY_DATABASE_URI=dead, BROKER_URL=app.config["BROKER_URL"],
                        ATTACHMENT_ROOT=app.config["ATTACHMENT_ROOT"])
    broken.test_client_class = IsolatedClient
    yield broken
    with broken.app_context():
        db.engine.dispose()


def _signed_in_cookie(app: Flask, login_as: LoginAs, user: Any) -> str:
    client = login_as(app.test_client(), user)
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"])
    assert cookie is not None
    return cookie.value


def _as(down: Flask, cookie: str) -> FlaskClient:
    client = down.test_client()
    client.set_cookie(down.config["SESSION_COOKIE_NAME"], cookie)
    return client


@pytest.mark.parametrize("path", ["/portal/", "/console/", "/portal/tickets/new"])
def test_pages_answer_503_with_retry_after_and_a_message(
    app: Flask, down: Flask, login_as: LoginAs, make_user: MakeUser, path: str
) -> None:
    cookie = _signed_in_cookie(app, login_as, make_user(Role.AGENT if "console" in path else Role.REQUESTER))

    response = _as(down, cookie).get(path)

    body = response.get_data(as_text=True)
    assert response.status_code == 503, body
    assert response.headers["Retry-After"] == "15" and response.headers["Cache-Control"] == "no-store"
    assert "データベースに接続できないため、このページを表示できません" in body
    assert "Traceback" not in body and "psycopg" not in body and "127.0.0.1" not in body
    assert "Content-Security-Policy" in response.headers  # the usual headers still apply


def test_english_readers_get_english_and_a_form_post_writes_nothing(
    app: Flask, down: Flask, login_as: LoginAs, make_user: MakeUser
) -> None:
    signed_in = login_as(app.test_client(), make_user(Role.REQUESTER))
    token = csrf_token(signed_in, "/portal/tickets/new")  # the form was opened before the outage
    cookie = signed_in.get_cookie(app.config["SESSION_COOKIE_NAME"])
    assert cookie is not None
    client = _as(down, cookie.value)
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    before = db.session.query(Ticket).count()

    response = client.post("/portal/tickets/new", data={"csrf_token": token, "subject": "印刷できない"})

    assert response.status_code == 503
    assert "Nothing you entered was saved" in response.get_data(as_text=True)
    assert db.session.query(Ticket).count() == before

    stale = client.post("/portal/tickets/new", data={"csrf_token": "expired"})  # an error page of its own
    assert stale.status_code == 503 and "could not reach its database" in stale.get_data(as_text=True)


def test_the_api_answers_a_problem_with_retry_after(
    app: Flask, down: Flask, make_user: MakeUser
) -> None:
    agent = make_user(Role.AGENT)
    admin = actor_of(make_user(Role.ADMIN))
    _row, key = accounts.create_api_key(actor=admin, now=T0, name="k", user_id=agent.id)

    response = down.test_client().post("/api/v1/tickets", json={"subject": "x"},
                                       headers={"Authorization": f"Bearer {key}", "Idempotency-Key": "k-1"})

    assert response.status_code == 503 and response.mimetype == "application/problem+json"
    # At least our 15 s; the API's rate limiter may stretch it to the end of its window.
    assert int(response.headers["Retry-After"]) >= 15
    problem = response.get_json()
    assert problem["status"] == 503 and problem["type"].endswith("#unavailable")
    assert "データベース" in problem["detail"]
