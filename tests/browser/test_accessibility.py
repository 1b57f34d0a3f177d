"""axe-core finds no serious or critical violation on the pages people use all day."""

from __future__ import annotations

from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page

from helpdesk.accounts.models import Role
from tests.browser.test_journeys import _sign_in
from tests.conftest import MakeTicket, MakeUser

pytestmark = pytest.mark.browser
SERIOUS = {"serious", "critical"}


def _serious(page: Page) -> list[str]:
    results: Any = Axe().run(page)
    return [
        f"{v['id']}: {v['help']} ({len(v['nodes'])} nodes)"
        for v in results.response["violations"]
        if v.get("impact") in SERIOUS
    ]


def test_portal_new_ticket_page(page: Page, live_server: str, make_user: MakeUser) -> None:
    _sign_in(page, live_server, make_user().email)
    page.goto(f"{live_server}/portal/tickets/new")
    assert _serious(page) == []
    page.get_by_role("button", name="送信する").click()  # the page with errors, too
    assert _serious(page) == []


def test_console_queue_and_workspace(
    page: Page, live_server: str, make_user: MakeUser, make_ticket: MakeTicket
) -> None:
    ticket = make_ticket(subject="VPNに接続できません")
    _sign_in(page, live_server, make_user(Role.AGENT).email)
    assert _serious(page) == []
    page.goto(f"{live_server}/console/tickets/{ticket.number}")
    assert _serious(page) == []


def test_login_and_phone_pages(page: Page, live_server: str, make_user: MakeUser) -> None:
    page.goto(f"{live_server}/login")
    assert _serious(page) == []
    _sign_in(page, live_server, make_user(Role.AGENT).email)
    page.goto(f"{live_server}/console/phone?q=山田")
    assert _serious(page) == []


def test_supervisor_dashboard(
    page: Page, live_server: str, make_user: MakeUser, make_ticket: MakeTicket
) -> None:
    make_ticket(subject="VPNに接続できません")
    _sign_in(page, live_server, make_user(Role.SUPERVISOR).email)
    page.goto(f"{live_server}/console/dashboard")
    assert _serious(page) == []
    page.get_by_text("日別の受付件数（表）").click()  # the table behind the intake chart, opened
    assert _serious(page) == []
