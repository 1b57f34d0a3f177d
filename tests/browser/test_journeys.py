"""What a person does first: sign in, find their work, file a ticket."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from helpdesk.accounts.models import Role
from tests.conftest import PASSWORD, MakeTicket, MakeUser
from tests.files import ooxml

pytestmark = pytest.mark.browser
REPORT_NAME = "障害報告①.docx"


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


def test_fault_from_filing_to_rated_closure(
    browser: Any, live_server: str, make_user: MakeUser, screenshot_dir: Path
) -> None:
    """Staff file a fault with a Japanese-named report; an agent finds it by queue and by search,
    answers, reprioritises and resolves; staff confirm and rate."""
    requester = make_user(family_name="佐藤", given_name="美咲")
    agent = make_user(Role.AGENT, family_name="石川", given_name="真由美")
    staff = browser.new_context(locale="ja-JP").new_page()
    desk = browser.new_context(locale="ja-JP", viewport={"width": 1400, "height": 1000}).new_page()

    _sign_in(staff, live_server, requester.email)
    staff.get_by_role("link", name="新しい問い合わせ").click()
    staff.get_by_label("障害の連絡（使えない・つながらない）").check()
    staff.get_by_label("対象のサービス").select_option("mail")
    staff.get_by_label("件名").fill("共有フォルダに接続できません")
    staff.get_by_label("内容").fill("10時頃から「ネットワークパスが見つかりません」と表示されます。")
    staff.get_by_label("添付ファイル（任意・複数可）").set_input_files(
        [{"name": REPORT_NAME, "mimeType": "application/octet-stream", "buffer": ooxml("docx")}]
    )
    staff.get_by_role("button", name="送信する").click()
    number = re.search(r"HD-\d{4}-\d{6}", staff.get_by_role("status").inner_text()).group(0)

    _sign_in(desk, live_server, agent.email)
    expect(desk.get_by_role("link", name=number)).to_be_visible()  # found in the queue
    desk.get_by_label("検索・番号").fill("ネットワークパス")
    desk.get_by_role("button", name="検索", exact=True).click()
    expect(desk.get_by_role("link", name=number)).to_have_count(1)  # found by full-text search
    desk.screenshot(path=str(screenshot_dir / "console-search.png"), full_page=True)
    desk.get_by_role("link", name=number).click()
    expect(desk.get_by_role("heading", name=re.compile("共有フォルダに接続できません"))).to_be_visible()
    expect(desk.get_by_role("link", name=REPORT_NAME)).to_be_visible()  # the name exactly as given
    with desk.expect_download() as download:
        desk.get_by_role("link", name=REPORT_NAME).click()
    assert download.value.suggested_filename == REPORT_NAME
    desk.get_by_role("button", name="自分が担当する").click()
    desk.get_by_label("優先度").select_option("P2")
    desk.get_by_role("button", name="分類を保存").click()
    expect(desk.get_by_text("優先度を手動設定")).to_be_visible()
    desk.locator("#internal_note-body").fill("ファイルサーバFS-02の負荷を確認中")
    desk.get_by_role("button", name="内部メモを保存").click()
    desk.locator("#public_reply-body").fill("ただいま確認しております。しばらくお待ちください。")
    desk.get_by_role("button", name="依頼者に返信する").click()
    expect(desk.get_by_text("公開返信を送信しました。")).to_be_visible()
    desk.get_by_label("解決区分").select_option("fixed")
    desk.get_by_label("解決内容（依頼者に表示されます）").fill(
        "ファイルサーバを再起動し、接続できることを確認しました。"
    )
    desk.get_by_role("button", name="解決済みにする").click()
    expect(desk.get_by_text("解決済みにしました。")).to_be_visible()
    desk.screenshot(path=str(screenshot_dir / "console-workspace.png"), full_page=True)

    staff.reload()
    expect(staff.get_by_text("ただいま確認しております。")).to_be_visible()
    expect(staff.get_by_text("ファイルサーバFS-02")).to_have_count(0)  # internal notes stay internal
    staff.screenshot(path=str(screenshot_dir / "portal-resolved.png"), full_page=True)
    staff.get_by_role("button", name="解決した").click()
    staff.get_by_label("5 とても満足").check()
    staff.get_by_label("ご意見（任意）").fill("迅速な対応ありがとうございました。")
    staff.get_by_role("button", name="評価を送信").click()
    expect(staff.get_by_text("評価: 5 / 5")).to_be_visible()
    expect(staff.get_by_text("完了", exact=True)).to_be_visible()
    staff.screenshot(path=str(screenshot_dir / "portal-closed-rated.png"), full_page=True)


def test_agent_logs_a_call_for_an_existing_caller(
    page: Page, live_server: str, make_user: MakeUser, make_ticket: MakeTicket, screenshot_dir: Path
) -> None:
    caller = make_user(family_name="髙橋", given_name="花子", extension="2314")
    make_ticket(requester=caller, subject="共有フォルダの権限申請")
    agent = make_user(Role.AGENT)
    _sign_in(page, live_server, agent.email)
    page.get_by_role("link", name="電話受付").click()
    page.get_by_label("氏名・よみがな・内線番号・メールアドレス").press_sequentially("231")
    page.get_by_role("link", name=re.compile("髙橋 花子")).click()  # found while typing, no submit
    expect(page.get_by_text("共有フォルダの権限申請", exact=True)).to_be_visible()
    expect(page.get_by_label("通話時間（分:秒）")).not_to_have_value("0:00", timeout=5000)  # the timer runs
    page.get_by_label("通話の要点").fill("印刷の向きが変わらないとの問い合わせ。プリンタのプロパティを案内。")
    page.get_by_label("件名（新規チケット）").fill("印刷の向きを横にしたい")
    page.get_by_label("通話中に解決した（一次解決）").check()
    page.get_by_label("解決内容（依頼者に表示されます）").fill("プリンタのプロパティで横向きを選ぶ手順を案内")
    page.screenshot(path=str(screenshot_dir / "console-phone.png"), full_page=True)
    page.get_by_role("button", name="通話を記録する").click()
    expect(page.get_by_text(re.compile("通話を HD-\\d{4}-\\d{6} に記録しました。"))).to_be_visible()
    expect(page.locator(".badges")).to_contain_text("完了")
    expect(page.get_by_text("通話記録")).to_be_visible()
