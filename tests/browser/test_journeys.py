"""What a person does first: sign in, find their work, file a ticket."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from helpdesk.accounts.models import Role
from tests.conftest import PASSWORD, MakeTicket, MakeUser

pytestmark = pytest.mark.browser


def _sign_in(page: Page, base: str, email: str, password: str = PASSWORD) -> None:
    page.goto(f"{base}/login")
    page.get_by_label("メールアドレス").fill(email)
    page.get_by_label("パスワード").fill(password)
    page.get_by_role("button", name="ログイン").click()


def test_agent_signs_in_and_sees_the_queue(
    page: Page, live_server: str, make_user: MakeUser, make_ticket: MakeTicket, screenshot_dir: Path
) -> None:
    agent = make_user(Role.AGENT, family_name="石川", given_name="真由美")
    make_ticket(subject="3階の複合機で印刷できません")
    _sign_in(page, live_server, agent.email)
    expect(page).to_have_url(re.compile(r"/console/$"))
    expect(page.get_by_role("heading", name="対応キュー")).to_be_visible()
    expect(page.get_by_role("cell", name="3階の複合機で印刷できません")).to_be_visible()
    page.screenshot(path=str(screenshot_dir / "console-queue.png"), full_page=True)


def test_wrong_password_is_explained_and_the_email_is_kept(
    page: Page, live_server: str, make_user: MakeUser, screenshot_dir: Path
) -> None:
    user = make_user()
    _sign_in(page, live_server, user.email, password="not-the-password")
    expect(page.get_by_role("alert")).to_have_text(
        re.compile("メールアドレスまたはパスワードが正しくありません")
    )
    expect(page.get_by_label("メールアドレス")).to_have_value(user.email)
    page.screenshot(path=str(screenshot_dir / "login-error.png"), full_page=True)


def test_requester_files_a_fault_on_a_phone_sized_screen(
    page: Page, live_server: str, make_user: MakeUser, screenshot_dir: Path
) -> None:
    page.set_viewport_size({"width": 390, "height": 844})
    requester = make_user()
    _sign_in(page, live_server, requester.email)
    page.get_by_role("link", name="新しい問い合わせ").click()
    page.get_by_label("障害の連絡（使えない・つながらない）").check()
    page.get_by_label("対象のサービス").select_option("mail")
    page.get_by_label("業務が止まっている").check()
    page.get_by_role("button", name="送信する").click()
    expect(page.get_by_role("alert")).to_be_visible()
    expect(page.get_by_text("件名を入力してください。")).to_be_visible()
    page.screenshot(path=str(screenshot_dir / "portal-new-ticket-error.png"), full_page=True)
    page.get_by_label("件名").fill("メールが送信できません")
    page.get_by_label("内容").fill("今朝9時頃から「送信できませんでした」と表示されます。")
    page.get_by_role("button", name="送信する").click()
    expect(page.get_by_role("status")).to_contain_text("受け付けました。受付番号は HD-")
    page.screenshot(path=str(screenshot_dir / "portal-submitted.png"), full_page=True)


def test_switching_to_english(page: Page, live_server: str, screenshot_dir: Path) -> None:
    page.goto(f"{live_server}/login")
    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.screenshot(path=str(screenshot_dir / "login-en.png"), full_page=True)
