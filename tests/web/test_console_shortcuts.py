"""Keyboard shortcuts over HTTP: the profile switch, and the script, sheet and hint it governs."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient

from helpdesk.accounts.models import Role
from tests.conftest import LoginAs, MakeTicket, MakeUser, csrf_token

PAGES = ("/console/", "/console/search?q=メール", "/console/tickets/{number}")


def _pages(client: FlaskClient, number: str) -> list[str]:
    return [client.get(path.format(number=number)).get_data(as_text=True) for path in PAGES]


def test_console_pages_offer_shortcuts_by_default(
    app: Flask, make_user: MakeUser, make_ticket: MakeTicket, login_as: LoginAs
) -> None:
    ticket = make_ticket()
    client = login_as(app.test_client(), make_user(Role.AGENT))
    for html in _pages(client, ticket.number):
        assert "js/shortcuts.js" in html
        assert 'id="shortcut-sheet"' in html
        assert "? でショートカット一覧" in html


def test_turning_shortcuts_off_removes_script_sheet_and_hint(
    app: Flask, make_user: MakeUser, make_ticket: MakeTicket, login_as: LoginAs
) -> None:
    ticket = make_ticket()
    client = login_as(app.test_client(), make_user(Role.AGENT))
    response = client.post("/profile/shortcuts", data={"csrf_token": csrf_token(client, "/profile")})
    assert response.status_code == 302
    assert "キーボードショートカットを無効にしました。" in client.get("/profile").get_data(as_text=True)
    for html in _pages(client, ticket.number):
        assert "shortcuts.js" not in html
        assert "shortcut-sheet" not in html
        assert "ショートカット一覧" not in html
    client.post("/profile/shortcuts", data={"csrf_token": csrf_token(client, "/profile"), "enabled": "y"})
    assert all("js/shortcuts.js" in html for html in _pages(client, ticket.number))


def test_profile_shows_the_switch_checked_for_console_users_only(
    app: Flask, make_user: MakeUser, login_as: LoginAs
) -> None:
    agent_profile = login_as(app.test_client(), make_user(Role.AGENT)).get("/profile").get_data(as_text=True)
    assert "コンソールでキーボードショートカットを使う" in agent_profile
    assert re.search(r'<input[^>]* checked [^>]*name="enabled"', agent_profile)
    staff_profile = login_as(app.test_client(), make_user()).get("/profile").get_data(as_text=True)
    assert "キーボードショートカット" not in staff_profile


def test_shortcut_switch_needs_the_csrf_token(app: Flask, make_user: MakeUser, login_as: LoginAs) -> None:
    client = login_as(app.test_client(), make_user(Role.AGENT))
    assert client.post("/profile/shortcuts", data={}).status_code == 400
    assert "js/shortcuts.js" in client.get("/console/").get_data(as_text=True)
