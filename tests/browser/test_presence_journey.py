"""Two agents on one ticket: each sees the other, and sees when the other is typing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import expect

from helpdesk.accounts.models import Role
from tests.browser.test_journeys import _sign_in
from tests.conftest import MakeTicket, MakeUser

pytestmark = pytest.mark.browser


def test_agents_see_each_other_viewing_and_typing(
    browser: Any, app: Flask, live_server: str, make_user: MakeUser, make_ticket: MakeTicket,
    screenshot_dir: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(app.config, "PRESENCE_POLL_SECONDS", 0.5)  # not the 10 s of production
    ticket = make_ticket(subject="共有フォルダに接続できません")
    ishikawa = make_user(Role.AGENT, family_name="石川", given_name="真由美")
    tsutsumi = make_user(Role.SUPERVISOR, family_name="堤", given_name="康弘")
    viewport = {"width": 1400, "height": 1000}
    first = browser.new_context(locale="ja-JP", viewport=viewport).new_page()
    second = browser.new_context(locale="ja-JP", viewport=viewport).new_page()
    url = f"{live_server}/console/tickets/{ticket.number}"

    _sign_in(first, live_server, ishikawa.email)
    first.goto(url)
    _sign_in(second, live_server, tsutsumi.email)
    second.goto(url)

    others_of_first = first.get_by_role("region", name="このチケットを開いている他の担当者")
    others_of_second = second.get_by_role("region", name="このチケットを開いている他の担当者")
    expect(others_of_second).to_contain_text("石川 真由美さんが閲覧中")  # rendered by the server
    expect(others_of_first).to_contain_text("堤 康弘さんが閲覧中")  # arrived by polling
    expect(others_of_first.get_by_text("石川")).to_have_count(0)  # never oneself

    second.locator("#public_reply-body").press_sequentially("確認いたします")
    expect(others_of_first).to_contain_text("堤 康弘さんが入力中")
    first.screenshot(path=str(screenshot_dir / "console-presence.png"), full_page=False)
