"""Fixtures: one app and schema per run (PostgreSQL when available, else SQLite), real commits,
tables emptied after every test, and factories that go through the real services."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import flask_migrate
import pytest
from flask import Flask
from flask.globals import _cv_app
from flask.testing import FlaskClient
from sqlalchemy import text

from helpdesk import create_app
from helpdesk.accounts import services as accounts
from helpdesk.accounts.models import Party, PartyKind, Role, Site, SiteKind, User
from helpdesk.core.actor import SYSTEM, Actor
from helpdesk.core.db import db as _db
from helpdesk.core.db import unit_of_work
from helpdesk.tickets import services as tickets
from helpdesk.tickets.models import Service, Ticket
from helpdesk.tickets.states import Channel, Impact, TicketType, Urgency
from tests.support import postgres_url

T0 = datetime(2026, 11, 27, 1, 0, tzinfo=UTC)  # Friday 10:00 in Tokyo
PASSWORD = "correct horse battery staple"  # noqa: S105 - test constant


class IsolatedClient(FlaskClient):
    """A test client whose every request runs in its own app context, as in production.

    The test itself holds an app context (services need one); without this, requests
    would reuse it and share ``g`` — the cached user, CSRF token and actor — across
    requests and clients.
    """

    def open(self, *args: Any, **kwargs: Any) -> Any:
        # A streamed body (``stream_with_context``) is read here too, inside the request's
        # own context, as the server does; read later, it would pop the test's context.
        kwargs.setdefault("buffered", True)
        token = _cv_app.set(None)  # type: ignore[arg-type]
        try:
            return super().open(*args, **kwargs)
        finally:
            _cv_app.reset(token)
            _db.session.expire_all()


def pytest_report_header() -> str:
    url = postgres_url()
    return f"helpdesk database: {'PostgreSQL' if url else 'SQLite (no HELPDESK_TEST_DATABASE_URL)'}"


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """PostgreSQL if the run has one, else a SQLite file."""
    url = postgres_url()
    if url:
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'helpdesk.sqlite'}"


@pytest.fixture(scope="session")
def app(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """One app and one schema per run, built from the migrations."""
    instance = tmp_path_factory.mktemp("instance")
    app = create_app(
        "testing",
        SQLALCHEMY_DATABASE_URI=database_url,
        BROKER_URL=f"sqla+sqlite:///{Path(instance) / 'broker.sqlite'}",
        ATTACHMENT_ROOT=str(Path(instance) / "attachments"),
    )
    app.instance_path = str(instance)
    app.test_client_class = IsolatedClient
    with app.app_context():
        reset_schema()
        flask_migrate.upgrade()
        yield app
        _db.session.remove()
        _db.engine.dispose()


def reset_schema() -> None:
    """Drop every table (and Alembic's version row) in the test database."""
    engine = _db.engine
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    else:
        _db.metadata.drop_all(engine)
        with engine.begin() as conn:
            conn.execute(text("DROP TABLE IF EXISTS alembic_version"))


@pytest.fixture
def db(app: Flask) -> Iterator[Any]:
    """Real commits; every table is emptied after the test."""
    published: list[tuple[str, int, int]] = []
    app.extensions["test_published"] = published
    previous = app.extensions.get("outbox_publisher")
    app.extensions["outbox_publisher"] = lambda task, oid, attempt: published.append((task, oid, attempt))
    yield _db
    app.extensions["outbox_publisher"] = previous
    _db.session.remove()
    empty_tables()


def empty_tables() -> None:
    """Delete every row of every table, keeping the schema."""
    tables = [t.name for t in reversed(_db.metadata.sorted_tables)]
    with _db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            names = ", ".join(f'"{name}"' for name in tables)
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for name in tables:
                conn.execute(text(f'DELETE FROM "{name}"'))


@pytest.fixture
def published(db: Any, app: Flask) -> list[tuple[str, int, int]]:
    """Outbox rows handed to the (captured) broker after commit: (task, outbox id, attempt)."""
    result: list[tuple[str, int, int]] = app.extensions["test_published"]
    return result


@pytest.fixture
def base_data(db: Any) -> dict[str, Any]:
    """The parties, a site and a service every ticket test needs."""
    return seed_base_data()


def seed_base_data() -> dict[str, Any]:
    """Write the parties, the site and the service of :func:`base_data` into the app's database."""
    with unit_of_work() as session:
        parties = {
            code: Party(code=code, kind=kind, name_ja=code, name_en=code, is_active=True, created_at=T0)
            for code, kind in (
                ("helpdesk", PartyKind.HELPDESK),
                ("operations", PartyKind.OPERATIONS),
                ("security", PartyKind.SECURITY),
            )
        }
        session.add_all(parties.values())
        site = Site(code="hq", kind=SiteKind.HQ, name_ja="本省", name_en="HQ", is_active=True)
        service = Service(
            code="mail",
            name_ja="メール",
            name_en="Mail",
            category="communication",
            sort_order=0,
            is_active=True,
        )
        session.add_all([site, service])
    return {"parties": parties, "site": site, "service": service}


_counter = itertools.count(1)
MakeUser = Callable[..., User]


@pytest.fixture
def make_user(base_data: dict[str, Any]) -> MakeUser:
    """Create a user through the real service (:func:`new_user`), once the base data exists."""
    return new_user


def new_user(role: Role = Role.REQUESTER, *, party: str | None = None, **fields: Any) -> User:
    """Create a user through the real service; vendor and security users join a party."""
    n = next(_counter)
    default_party = {
        Role.AGENT: "helpdesk",
        Role.SUPERVISOR: "helpdesk",
        Role.VENDOR: "operations",
        Role.SECURITY: "security",
    }.get(role)
    chosen = party or default_party
    data = accounts.UserFields(
        email=fields.pop("email", f"user{n}@example.go.jp"),
        family_name=fields.pop("family_name", "山田"),
        given_name=fields.pop("given_name", f"太郎{n}"),
        family_kana="ヤマダ",
        given_kana="タロウ",
        role=role,
        site_code="hq",
        party_codes=(chosen,) if chosen else (),
        locale=fields.pop("locale", "ja"),
        is_security_cleared=role in (Role.SECURITY, Role.ADMIN),
        **fields,
    )
    return accounts.create_user(data, actor=SYSTEM, now=T0, password=PASSWORD)


def actor_of(user: User) -> Actor:
    """The actor a user acts as (re-reads memberships)."""
    return accounts.actor_for(_db.session.get(User, user.id) or user)


MakeTicket = Callable[..., Ticket]


@pytest.fixture
def people(make_user: MakeUser) -> dict[str, User]:
    """One user of every role, keyed by the role's value (the role matrix's callers)."""
    return {role.value: make_user(role) for role in Role}


@pytest.fixture
def make_ticket(make_user: MakeUser) -> MakeTicket:
    """Open tickets through the real service."""

    def _make(
        *,
        requester: User | None = None,
        type: TicketType = TicketType.FAULT,
        now: datetime = T0,
        **fields: Any,
    ) -> Ticket:
        requester = requester or make_user(Role.REQUESTER)
        data = tickets.NewTicket(
            type=type,
            subject=fields.pop("subject", "メールが送信できません"),
            description=fields.pop("description", "9時頃からOutlookで送信エラーになります。"),
            impact=fields.pop("impact", Impact.PERSON),
            urgency=fields.pop("urgency", Urgency.MEDIUM),
            channel=fields.pop("channel", Channel.PORTAL),
            service_code=fields.pop("service_code", "mail"),
            **fields,
        )
        return tickets.open_ticket(data, actor=actor_of(requester), now=now)

    return _make


@pytest.fixture
def client(app: Flask, db: Any) -> FlaskClient:
    """A test client with a fresh cookie jar."""
    return app.test_client()


LoginAs = Callable[[FlaskClient, User], FlaskClient]


@pytest.fixture
def login_as(app: Flask) -> LoginAs:
    """Sign a client in through the real login form (CSRF is on, so fetch a token first)."""

    def _login(client: FlaskClient, user: User) -> FlaskClient:
        token = csrf_token(client, "/login")
        response = client.post(
            "/login", data={"email": user.email, "password": PASSWORD, "csrf_token": token}
        )
        assert response.status_code == 302, response.get_data(as_text=True)
        return client

    return _login


def csrf_token(client: FlaskClient, path: str) -> str:
    """The CSRF token rendered on the page at ``path``."""
    import re

    html = client.get(path, follow_redirects=True).get_data(as_text=True)
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html) or re.search(
        r'id="csrf_token"[^>]*value="([^"]+)"', html
    )
    assert match, f"no CSRF token on {path}"
    return match.group(1)
