"""Console keyboard shortcuts: the ? sheet, moving through the queue, and never during IME input."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from helpdesk.accounts.models import Role
from tests.browser.test_journeys import _sign_in
from tests.conftest import MakeTicket, MakeUser

pytestmark = pytest.mark.browser


def _ready(page: Page) -> None:
    """Wait for the shortcut script: it reveals the hint once it listens."""
    expect(page.get_by_role("button", name="? でショートカット一覧")).to_be_visible()

#: Each sequence alone must not trigger ``j``: what Chrome sends during a composition, a
#: keydown flagged isComposing, one with keyCode 229, and a plain key between
#: compositionstart and compositionend (the Enter that commits a conversion).
COMPOSITIONS = {
    "composition": ["start", {"key": "j", "isComposing": True, "keyCode": 229}, "end"],
    "is_composing": [{"key": "j", "isComposing": True}],
    "key_code_229": [{"key": "j", "keyCode": 229}],
    "inside_composition": ["start", {"key": "j"}, {"key": "Enter"}, "end"],
}
DISPATCH = """(steps) => {
  for (const step of steps) {
    const event = step === "start" || step === "end"
      ? new CompositionEvent("composition" + step, {bubbles: true, data: "じ"})
      : new KeyboardEvent("keydown", {bubbles: true, cancelable: true, ...step});
    document.body.dispatchEvent(event);
  }
}"""


def test_question_mark_opens_the_sheet_and_escape_closes_it(
    page: Page, live_server: str, make_user: MakeUser, make_ticket: MakeTicket, screenshot_dir: Path
) -> None:
    make_ticket(subject="VPNに接続できません")
    _sign_in(page, live_server, make_user(Role.AGENT).email)
    hint = page.get_by_role("button", name="? でショートカット一覧")
    expect(hint).to_be_visible()
    page.keyboard.press("?")
    sheet = page.get_by_role("dialog", name="キーボードショートカット")
    expect(sheet).to_be_visible()
    expect(sheet.get_by_role("row", name=re.compile("公開返信を書く"))).to_be_visible()
    expect(sheet).to_be_focused()
    page.screenshot(path=str(screenshot_dir / "console-shortcut-sheet.png"))
    page.keyboard.press("Escape")
    expect(sheet).to_be_hidden()
    hint.click()
    expect(sheet).to_be_visible()
    sheet.get_by_role("button", name="閉じる").click()
    expect(sheet).to_be_hidden()
    expect(hint).to_be_focused()  # focus goes back where it was


def test_j_and_enter_open_a_ticket_from_the_queue(
    page: Page, live_server: str, make_user: MakeUser, make_ticket: MakeTicket, screenshot_dir: Path
) -> None:
    make_ticket(subject="VPNに接続できません")
    make_ticket(subject="3階の複合機で印刷できません")
    _sign_in(page, live_server, make_user(Role.AGENT).email)
    _ready(page)
    rows = page.locator("tr[data-shortcut-row]")
    page.keyboard.press("j")
    page.keyboard.press("j")
    expect(rows.nth(1)).to_have_class(re.compile("is-selected"))
    page.keyboard.press("k")
    expect(rows.nth(0)).to_have_class(re.compile("is-selected"))
    expect(rows.nth(0).locator("a")).to_be_focused()
    page.screenshot(path=str(screenshot_dir / "console-queue-shortcut-selection.png"))
    number = rows.nth(0).locator("a").inner_text()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(f"/console/tickets/{number}$"))
    _ready(page)
    page.keyboard.press("r")
    expect(page.locator("#public_reply-body")).to_be_focused()
    expect(page.locator("#public_reply-body")).to_have_value("")  # the r was not typed in
    page.keyboard.press("Escape")
    page.locator("body").click(position={"x": 5, "y": 300})
    page.keyboard.press("g")
    page.keyboard.press("q")
    expect(page).to_have_url(re.compile(r"/console/$"))


def test_typing_in_the_search_box_is_just_typing(
    page: Page, live_server: str, make_user: MakeUser, make_ticket: MakeTicket
) -> None:
    make_ticket(subject="VPNに接続できません")
    _sign_in(page, live_server, make_user(Role.AGENT).email)
    _ready(page)
    page.keyboard.press("/")
    search = page.get_by_role("searchbox", name="検索・番号")
    expect(search).to_be_focused()
    page.keyboard.type("jk?")
    expect(search).to_have_value("jk?")
    expect(page.locator("tr.is-selected")).to_have_count(0)
    expect(page.get_by_role("dialog")).to_have_count(0)


@pytest.mark.parametrize("sequence", COMPOSITIONS)
def test_no_shortcut_fires_during_ime_composition(
    sequence: str, page: Page, live_server: str, make_user: MakeUser, make_ticket: MakeTicket
) -> None:
    make_ticket(subject="VPNに接続できません")
    _sign_in(page, live_server, make_user(Role.AGENT).email)
    _ready(page)
    page.evaluate(DISPATCH, COMPOSITIONS[sequence])
    page.wait_for_timeout(100)
    expect(page.locator("tr.is-selected")).to_have_count(0)
    expect(page).to_have_url(re.compile(r"/console/$"))
    page.keyboard.press("j")  # once the composition is over, shortcuts work again
    expect(page.locator("tr.is-selected")).to_have_count(1)


def test_turned_off_in_the_profile_nothing_fires(
    page: Page, live_server: str, make_user: MakeUser, make_ticket: MakeTicket, screenshot_dir: Path
) -> None:
    make_ticket(subject="VPNに接続できません")
    _sign_in(page, live_server, make_user(Role.AGENT).email)
    _ready(page)
    page.goto(f"{live_server}/profile")
    page.get_by_label("コンソールでキーボードショートカットを使う").uncheck()
    page.get_by_role("region", name="キーボードショートカット").get_by_role("button", name="保存").click()
    expect(page.get_by_role("status")).to_have_text("キーボードショートカットを無効にしました。")
    page.screenshot(path=str(screenshot_dir / "profile-shortcuts-off.png"), full_page=True)
    page.goto(f"{live_server}/console/")
    page.wait_for_load_state("load")  # a script, were there one, would be running now
    expect(page.get_by_text("ショートカット一覧")).to_have_count(0)
    for key in ("j", "?", "/"):
        page.keyboard.press(key)
    expect(page.locator("tr.is-selected")).to_have_count(0)
    expect(page.get_by_role("dialog")).to_have_count(0)
    expect(page.get_by_role("searchbox", name="検索・番号")).not_to_be_focused()
