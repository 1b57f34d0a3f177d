"""The handoff across two companies in the browser: escalate, accept, hand back, take back, close."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from helpdesk.accounts.models import Role
from tests.conftest import PASSWORD, MakeTicket, MakeUser

pytestmark = pytest.mark.browser


def _sign_in(page: Page, base: str, email: str) -> None:
    page.goto(f"{base}/login")
    page.get_by_label("メールアドレス").fill(email)
    page.get_by_label("パスワード").fill(PASSWORD)
    page.get_by_role("button", name="ログイン").click()


def test_escalate_accept_hand_back_and_close(
    browser: Any, live_server: str, make_user: MakeUser, make_ticket: MakeTicket, screenshot_dir: Path
) -> None:
    requester = make_user(family_name="佐藤", given_name="美咲", extension="2314")
    agent = make_user(Role.AGENT, family_name="石川", given_name="真由美")
    vendor = make_user(Role.VENDOR, family_name="桐生", given_name="大地")
    ticket = make_ticket(requester=requester, subject="共有フォルダに接続できない")
    desk = browser.new_context(locale="ja-JP", viewport={"width": 1400, "height": 1000}).new_page()
    ops = browser.new_context(locale="ja-JP", viewport={"width": 1400, "height": 1000}).new_page()
    staff = browser.new_context(locale="ja-JP").new_page()

    _sign_in(desk, live_server, agent.email)
    desk.goto(f"{live_server}/console/tickets/{ticket.number}")
    desk.get_by_text("他の事業者へ引き継ぐ（エスカレーション）").click()
    expect(desk.get_by_label("依頼者の連絡先")).to_have_value("佐藤 美咲 / 内線 2314 / " + requester.email)
    desk.get_by_label("実施済みの対応").fill("端末の再起動、別端末での確認（同症状）")
    desk.get_by_role("button", name="引き継ぎを依頼する").click()
    expect(desk.get_by_text("受領されるまで対応責任はヘルプデスクにあります。")).to_be_visible()

    _sign_in(ops, live_server, vendor.email)
    ops.goto(f"{live_server}/vendor/")
    ops.get_by_role("link", name=ticket.number).click()
    expect(ops.get_by_text("端末の再起動、別端末での確認（同症状）")).to_be_visible()
    expect(ops.get_by_text("佐藤 美咲 / 内線 2314")).to_be_visible()  # shared by the summary only
    ops.get_by_label("自社の管理番号（任意）").fill("OPS-5521")
    ops.get_by_role("button", name="受領する").click()
    expect(ops.get_by_text("このチケットの対応責任は貴社にあります。")).to_be_visible()
    ops.get_by_label("本文").fill("FS-02 を再起動します。10分ほど共有フォルダが使えません。")
    ops.get_by_role("button", name="ヘルプデスクへ連絡する").click()
    expect(ops.get_by_text("ヘルプデスクへ連絡しました。")).to_be_visible()
    ops.get_by_label("原因").fill("ファイルサーバFS-02のディスク満杯")
    ops.get_by_label("対応内容").fill("不要な一時ファイルを削除し、容量監視の閾値を見直しました。")
    ops.get_by_role("button", name="返却を依頼する").click()
    expect(ops.get_by_text("ヘルプデスクへ返却を依頼しました。")).to_be_visible()

    desk.reload()
    expect(desk.get_by_text("FS-02 を再起動します。10分ほど共有フォルダが使えません。")).to_be_visible()
    expect(desk.get_by_text("ファイルサーバFS-02のディスク満杯")).to_be_visible()
    desk.get_by_role("button", name="返却を受領する").click()
    expect(desk.get_by_text("対応責任はヘルプデスクに戻りました。")).to_be_visible()
    desk.get_by_label("解決区分").select_option("fixed")
    desk.get_by_label("解決内容（依頼者に表示されます）").fill("ファイルサーバの容量不足を解消しました。")
    desk.get_by_role("button", name="解決済みにする").click()
    timeline = desk.get_by_role("region", name="対応責任の推移")
    expect(timeline.get_by_role("cell", name="operations")).to_be_visible()
    expect(desk.get_by_text("引き継ぎが受領されました (OPS-5521)")).to_be_visible()  # in the timeline
    timeline.screenshot(path=str(screenshot_dir / "console-responsibility-timeline.png"))
    desk.screenshot(path=str(screenshot_dir / "console-after-handback.png"), full_page=True)

    _sign_in(staff, live_server, requester.email)
    staff.goto(f"{live_server}/portal/tickets/{ticket.number}")
    expect(staff.get_by_text("FS-02 を再起動します")).to_have_count(0)  # party notes stay between parties
    staff.get_by_role("button", name="解決した").click()
    expect(staff.get_by_text("完了", exact=True)).to_be_visible()
