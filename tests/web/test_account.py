"""Signing in and out: sessions held server-side, lockout, CSRF, language."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from helpdesk.accounts import services as accounts
from helpdesk.accounts.models import LoginSession, Role, User
from helpdesk.audit.models import AuditEvent
from helpdesk.core.db import db
from tests.conftest import PASSWORD, T0, LoginAs, MakeUser, actor_of, csrf_token


def test_login_page_is_japanese_by_default(client: FlaskClient) -> None:
    response = client.get("/login")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert '<html lang="ja">' in html
    assert "ログイン" in html and "メールアドレス" in html


def test_agent_signs_in_and_lands_on_the_console(client: FlaskClient, make_user: MakeUser) -> None:
    agent = make_user(Role.AGENT)
    token = csrf_token(client, "/login")
    response = client.post(
        "/login", data={"email": agent.email.upper(), "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/console/")
    assert client.get("/console/").status_code == 200


def test_wrong_password_gets_the_same_message_as_an_unknown_email(
    client: FlaskClient, make_user: MakeUser
) -> None:
    user = make_user()
    token = csrf_token(client, "/login")
    wrong = client.post("/login", data={"email": user.email, "password": "x" * 12, "csrf_token": token})
    unknown = client.post(
        "/login", data={"email": "nobody@example.go.jp", "password": "x" * 12, "csrf_token": token}
    )
    assert wrong.status_code == unknown.status_code == 401
    message = "メールアドレスまたはパスワードが正しくありません。"
    assert message in wrong.get_data(as_text=True)
    assert message in unknown.get_data(as_text=True)


def test_login_without_csrf_token_is_refused(client: FlaskClient, make_user: MakeUser) -> None:
    user = make_user()
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 400
    assert client.get("/portal/").status_code == 302


def test_five_failures_lock_the_account_even_for_the_right_password(
    client: FlaskClient, make_user: MakeUser
) -> None:
    user = make_user()
    token = csrf_token(client, "/login")
    for _ in range(5):
        client.post("/login", data={"email": user.email, "password": "wrong-password!", "csrf_token": token})
    response = client.post("/login", data={"email": user.email, "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 401
    # Locked, but worded as any refused sign-in: "locked" would confirm that the account exists.
    assert "ロック" not in response.get_data(as_text=True)
    assert "しばらくの間ログインできなくなります" in response.get_data(as_text=True)
    locked = db.session.get(User, user.id)
    assert locked is not None and locked.locked_until is not None
    failures = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "auth.login_failed")).all()
    assert len(failures) == 5


def test_login_starts_a_new_session_and_drops_the_old_cookie_content(
    client: FlaskClient, make_user: MakeUser, login_as: LoginAs
) -> None:
    user = make_user()
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
    login_as(client, user)
    with client.session_transaction() as session:
        assert "planted" not in session


def test_logout_ends_the_session_on_the_server(
    app: Flask, client: FlaskClient, make_user: MakeUser, login_as: LoginAs
) -> None:
    user = make_user()
    login_as(client, user)
    with client.session_transaction() as session:
        stolen = dict(session)
    client.post("/logout", data={"csrf_token": csrf_token(client, "/portal/")})
    replay = app.test_client()
    with replay.session_transaction() as session:
        session.update(stolen)
    assert replay.get("/portal/").status_code == 302
    ended = db.session.scalars(select(LoginSession)).one()
    assert ended.ended_reason == "logout"


def test_deactivation_ends_every_session_at_once(
    app: Flask, client: FlaskClient, make_user: MakeUser, login_as: LoginAs
) -> None:
    user, admin = make_user(), make_user(Role.ADMIN)
    login_as(client, user)
    assert client.get("/portal/").status_code == 200
    accounts.deactivate_user(user.id, actor=actor_of(admin), now=T0)
    assert client.get("/portal/").status_code == 302


def test_login_throttle_answers_429_after_the_limit(app: Flask, make_user: MakeUser, db: Any) -> None:
    from helpdesk.extensions import limiter

    user = make_user()
    app.config["LOGIN_RATE_LIMIT"] = "3 per minute"
    limiter.reset()
    try:
        client = app.test_client()
        token = csrf_token(client, "/login")
        codes = [
            client.post(
                "/login", data={"email": user.email, "password": "bad-password!", "csrf_token": token}
            ).status_code
            for _ in range(4)
        ]
    finally:
        limiter.reset()
        app.config["LOGIN_RATE_LIMIT"] = "10000 per minute"
    assert codes == [401, 401, 401, 429]


def test_language_switch_shows_english(client: FlaskClient) -> None:
    token = csrf_token(client, "/login")
    client.post("/locale", data={"locale": "en", "next": "/login", "csrf_token": token})
    html = client.get("/login").get_data(as_text=True)
    assert '<html lang="en">' in html
    assert "Sign in" in html


def test_open_redirect_after_login_is_ignored(client: FlaskClient, make_user: MakeUser) -> None:
    user = make_user()
    token = csrf_token(client, "/login")
    response = client.post(
        "/login",
        data={"email": user.email, "password": PASSWORD, "csrf_token": token, "next": "//evil.example/"},
    )
    assert response.headers["Location"].endswith("/portal/")


def test_security_headers_are_set(client: FlaskClient) -> None:
    response = client.get("/login")
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def _change_password(client: FlaskClient, current: str, new: str, confirm: str | None = None) -> Any:
    token = csrf_token(client, "/profile")
    return client.post(
        "/profile",
        data={
            "csrf_token": token,
            "current": current,
            "password": new,
            "confirm": confirm if confirm is not None else new,
        },
    )


def test_password_change_needs_the_current_password(
    client: FlaskClient, make_user: MakeUser, login_as: LoginAs
) -> None:
    login_as(client, make_user())
    response = _change_password(client, "not-my-password", "a-brand-new-password")
    assert response.status_code == 422
    assert "正しくありません" in response.get_data(as_text=True)


def test_password_change_ends_the_other_sessions_but_keeps_this_one(
    app: Flask, make_user: MakeUser, login_as: LoginAs
) -> None:
    user = make_user()
    here, elsewhere = login_as(app.test_client(), user), login_as(app.test_client(), user)
    response = _change_password(here, PASSWORD, "a-brand-new-password")
    assert response.status_code == 302
    assert here.get("/portal/").status_code == 200
    assert elsewhere.get("/portal/").status_code == 302


def test_short_new_password_is_refused(client: FlaskClient, make_user: MakeUser, login_as: LoginAs) -> None:
    login_as(client, make_user())
    response = _change_password(client, PASSWORD, "short")
    assert response.status_code == 422
    assert "12文字以上" in response.get_data(as_text=True)


def test_error_pages_are_generic_and_japanese(client: FlaskClient) -> None:
    response = client.get("/no/such/page")
    html = response.get_data(as_text=True)
    assert response.status_code == 404
    assert "ページが見つかりません" in html
    assert "Traceback" not in html


def test_unexpected_errors_show_a_generic_page(app: Flask, db: Any) -> None:
    from helpdesk import create_app

    broken = create_app(
        "testing",
        SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
        BROKER_URL=app.config["BROKER_URL"],
    )

    def explode() -> str:
        raise RuntimeError("secret internals: password=hunter2")

    broken.add_url_rule("/explode", view_func=explode)
    response = broken.test_client().get("/explode")
    html = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "システムエラーが発生しました" in html
    assert "hunter2" not in html
    broken.extensions["celery"].close()


def test_staff_choose_whether_notifications_also_come_by_mail(
    app: Flask, make_user: MakeUser, login_as: LoginAs
) -> None:
    staff = make_user()
    client = login_as(app.test_client(), staff)
    page = client.get("/profile").get_data(as_text=True)
    assert "お知らせをメールでも受け取る" in page and 'name="receives_mail"' in page and "checked" in page
    token = csrf_token(client, "/profile")
    response = client.post("/profile/mail", data={"csrf_token": token}, follow_redirects=True)
    assert "メールでは送りません" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, staff.id).receives_mail is False
    changed = select(AuditEvent.action).where(AuditEvent.action == "user.mail_preference_changed")
    assert db.session.scalar(changed)
