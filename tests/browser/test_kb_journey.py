"""A member of staff starts a ticket, is offered an article while typing, and it solves the problem."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from helpdesk.accounts.models import Role
from helpdesk.knowledge import services as kb
from helpdesk.knowledge.models import Article, Deflection, DeflectionSource
from tests.conftest import PASSWORD, T0, MakeUser, actor_of

pytestmark = pytest.mark.browser


def _sign_in(page: Page, base: str, email: str) -> None:
    page.goto(f"{base}/login")
    page.get_by_label("メールアドレス").fill(email)
    page.get_by_label("パスワード").fill(PASSWORD)
    page.get_by_role("button", name="ログイン").click()


def _shot(page: Page, screenshot_dir: Path, name: str, *, full_page: bool = True) -> None:
    # A full-page shot resizes the viewport for a moment; Chromium may restore the scroll position
    # only at the next input, so shots taken mid-journey are of the viewport.
    page.screenshot(path=str(screenshot_dir / f"{name}.png"), full_page=full_page)


@pytest.fixture
def vpn_article(make_user: MakeUser) -> Article:
    """Two published staff articles; the VPN one is what the journey expects to be offered."""
    writer = actor_of(make_user(Role.AGENT))
    category = kb.save_category("VPN・リモート接続", "VPN and remote access",
                                actor=actor_of(make_user(Role.SUPERVISOR)), now=T0)
    made = []
    for title, body in (
        ("VPNに接続できない時の確認手順",
         "## 1. 証明書の有効期限\n\n「認証に失敗しました」と表示されたら、**証明書の確認**を選びます。"),
        ("プリンタ（複合機）の追加方法", "設定の「プリンターとスキャナー」から追加します。"),
    ):
        article = kb.create_article(kb.ArticleFields(title=title, body=body, category_id=category.id),
                                    actor=writer, now=T0)
        made.append(kb.publish(article.id, actor=writer, now=T0))
    return made[0]


def test_a_suggestion_appears_while_typing_and_counts_one_deflection(
    page: Page, live_server: str, make_user: MakeUser, vpn_article: Article, db: Any, screenshot_dir: Path
) -> None:
    staff = make_user(family_name="佐藤", given_name="花子")
    _sign_in(page, live_server, staff.email)
    page.goto(f"{live_server}/portal/kb")
    expect(page.get_by_role("heading", name=re.compile("ナレッジベース"))).to_be_visible()
    _shot(page, screenshot_dir, "kb_portal_home")

    page.goto(f"{live_server}/portal/tickets/new")
    subject = page.get_by_label("件名")
    subject.click()
    subject.press_sequentially("VPNに接続できない", delay=30)
    suggestions = page.locator("[data-kb-suggestions]")
    link = suggestions.get_by_role("link", name="VPNに接続できない時の確認手順")
    expect(link).to_be_visible()
    expect(suggestions).to_have_attribute("aria-live", "polite")
    expect(subject).to_be_focused()  # the suggestion never takes the caret away
    expect(suggestions.get_by_role("link", name=re.compile("プリンタ"))).to_have_count(0)
    with page.expect_response(lambda r: "/portal/kb/suggest" in r.url):
        page.get_by_label("内容").fill("在宅勤務中に「認証に失敗しました」と出ます。")
    subject.focus()
    _shot(page, screenshot_dir, "kb_new_ticket_suggestions", full_page=False)

    link.click()
    expect(page).to_have_url(re.compile(rf"/portal/kb/{vpn_article.id}\?from=suggestion$"))
    # The draft is kept: back to the form and the text is still there.
    page.get_by_role("link", name="入力中の問い合わせに戻る").click()
    expect(page.get_by_label("件名")).to_have_value("VPNに接続できない")
    expect(page.get_by_label("内容")).to_have_value("在宅勤務中に「認証に失敗しました」と出ます。")
    page.locator("[data-kb-suggestions]").get_by_role("link", name="VPNに接続できない時の確認手順").click()
    _shot(page, screenshot_dir, "kb_article", full_page=False)

    solved = page.get_by_role("button", name="この記事で解決しました")
    solved.dblclick()  # an impatient double click is still one deflection
    expect(page.get_by_text("この記事で解決したと記録しました。")).to_be_visible()
    db.session.expire_all()
    deflections = db.session.scalars(select(Deflection)).all()
    assert [(d.article_id, d.user_id, d.source, d.draft_subject) for d in deflections] == [
        (vpn_article.id, staff.id, DeflectionSource.SUGGESTION, "VPNに接続できない")]
    assert db.session.get(Article, vpn_article.id).deflection_count == 1
    # Solved: the draft is dropped, a new form starts empty.
    page.goto(f"{live_server}/portal/tickets/new")
    expect(page.get_by_label("件名")).to_have_value("")


def test_no_suggestion_is_fetched_while_an_ime_composition_is_open(
    page: Page, live_server: str, make_user: MakeUser, vpn_article: Article
) -> None:
    staff = make_user()
    _sign_in(page, live_server, staff.email)
    page.goto(f"{live_server}/portal/tickets/new")
    asked: list[str] = []
    page.on("request", lambda r: asked.append(r.url) if "/portal/kb/suggest" in r.url else None)
    subject = page.get_by_label("件名")
    subject.focus()
    # What a Japanese IME sends while converting: composition events and composing input events.
    page.evaluate("""() => {
      const field = document.querySelector('[name=subject]');
      field.dispatchEvent(new CompositionEvent('compositionstart', {data: ''}));
      field.value = 'ぶいぴーえぬ';
      field.dispatchEvent(new InputEvent('input', {data: 'ぶいぴーえぬ', isComposing: true}));
    }""")
    page.wait_for_timeout(900)
    assert asked == []
    page.evaluate("""() => {
      const field = document.querySelector('[name=subject]');
      field.value = 'VPNに接続できない';
      field.dispatchEvent(new CompositionEvent('compositionend', {data: 'VPNに接続できない'}));
    }""")
    expect(page.locator("[data-kb-suggestions]").get_by_role("link", name="VPNに接続できない時の確認手順")
           ).to_be_visible()
    assert len(asked) == 1
    expect(subject).to_be_focused()
