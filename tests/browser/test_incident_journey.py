"""A supervisor declares an outage in the console; staff see the banner and report "me too" in one click."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from helpdesk.accounts.models import Role, User
from helpdesk.core.db import db
from helpdesk.incidents.models import MajorIncident
from helpdesk.tickets.models import Ticket
from tests.conftest import PASSWORD, MakeUser

pytestmark = pytest.mark.browser


def _sign_in(page: Page, live_server: str, user: User) -> None:
    page.goto(f"{live_server}/login")
    page.get_by_label("メールアドレス").fill(user.email)
    page.get_by_label("パスワード").fill(PASSWORD)
    page.get_by_role("button", name="ログイン").click()


def test_the_banner_appears_once_declared_and_me_too_files_a_linked_report(
    page: Page, browser: Browser, live_server: str, base_data: dict[str, Any], make_user: MakeUser,
    screenshot_dir: Path,
) -> None:
    supervisor, staff = make_user(Role.SUPERVISOR), make_user()
    _sign_in(page, live_server, staff)
    page.goto(f"{live_server}/portal/")
    expect(page.get_by_role("button", name="私も影響を受けています")).to_have_count(0)

    console = browser.new_context(locale="ja-JP").new_page()
    _sign_in(console, live_server, supervisor)
    console.goto(f"{live_server}/console/incidents")
    console.get_by_role("link", name="大規模障害を宣言する").click()
    console.get_by_label("件名").fill("本省でメールが使えない")
    console.get_by_label("影響サービス").select_option("mail")
    console.get_by_label("ポータルのお知らせ（日本語、空欄なら自動）").fill("現在、本省でメールが利用できません。")
    console.get_by_role("button", name="宣言する").click()
    expect(console.get_by_role("heading", level=1)).to_contain_text("本省でメールが使えない")
    console.screenshot(path=str(screenshot_dir / "console-incident.png"), full_page=True)

    page.goto(f"{live_server}/portal/tickets/new")
    banner = page.locator(".outage")
    expect(banner).to_contain_text("現在、本省でメールが利用できません。")
    page.screenshot(path=str(screenshot_dir / "portal-outage-banner.png"), full_page=True)
    page.get_by_role("button", name="私も影響を受けています").click()
    heading = page.get_by_role("heading", name="この報告は障害「本省でメールが使えない」として対応しています")
    expect(heading).to_be_visible()

    db.session.expire_all()
    incident = db.session.scalars(select(MajorIncident)).one()
    reports = db.session.scalars(select(Ticket).where(Ticket.requester_id == staff.id)).all()
    assert [t.parent_id for t in reports] == [incident.ticket_id]
    assert reports[0].service is not None and reports[0].service.code == "mail"
