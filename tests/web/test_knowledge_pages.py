"""Knowledge-base pages: staff read, search, rate and say an article helped; the desk writes,
publishes and keeps history; every role sees exactly what it may."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from helpdesk.accounts.models import Role, User
from helpdesk.knowledge import services as kb_services
from helpdesk.knowledge.models import Article, ArticleStatus, ArticleVersion, Audience, Category, Deflection
from helpdesk.knowledge.services import ArticleFields
from helpdesk.tickets import services as tickets
from helpdesk.tickets.states import ResolutionCode, TicketType
from tests.conftest import T0, LoginAs, MakeTicket, MakeUser, actor_of, csrf_token


@pytest.fixture
def agent(make_user: MakeUser) -> User:
    return make_user(Role.AGENT, family_name="石川", given_name="真由美")


@pytest.fixture
def articles(agent: User) -> dict[str, Article]:
    """A category; a published staff article, an agents-only one and a draft."""
    writer = actor_of(agent)
    category = kb_services.save_category("VPN・リモート接続", "VPN & remote access", actor=actor_of_admin(),
                                         now=T0)
    made = {}
    for key, title, audience, publish in (
        ("public", "VPN接続できない時", Audience.STAFF, True),
        ("internal", "VPN障害時の一次切り分け", Audience.AGENTS, True),
        ("draft", "VPNの新しい接続手順", Audience.STAFF, False),
    ):
        article = kb_services.create_article(
            ArticleFields(title=title, body=f"## 確認すること\n\n- **証明書**の期限\n- {title}の手順\n\n"
                                            "<img src=x onerror=alert(1)>",
                          audience=audience, category_id=category.id, tags=["VPN"]),
            actor=writer, now=T0)
        if publish:
            kb_services.publish(article.id, actor=writer, now=T0)
        made[key] = article
    return made


def actor_of_admin() -> Any:
    from helpdesk.core.actor import SYSTEM

    return SYSTEM


def _count(model: Any, *where: Any) -> int:
    from helpdesk.core.db import db

    return int(db.session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def _signed_in(app: Flask, login_as: LoginAs, user: User) -> FlaskClient:
    return login_as(app.test_client(), user)


# --- the portal -----------------------------------------------------------------------------------


def test_the_portal_kb_shows_search_categories_and_helpful_articles(
    app: Flask, make_user: MakeUser, login_as: LoginAs, articles: dict[str, Article]
) -> None:
    client = _signed_in(app, login_as, make_user())
    html = client.get("/portal/kb").get_data(as_text=True)
    assert "ナレッジベース" in html and 'role="search"' in html
    assert "VPN・リモート接続" in html and "VPN接続できない時" in html
    assert "VPN障害時の一次切り分け" not in html and "VPNの新しい接続手順" not in html
    found = client.get("/portal/kb?q=ｖｐｎ 証明書").get_data(as_text=True)
    assert "「ｖｐｎ 証明書」の検索結果" in found and "VPN接続できない時" in found
    assert "VPN障害時" not in found
    assert "ナレッジベース" in client.get("/portal/").get_data(as_text=True)  # linked from home and nav


def test_an_article_is_rendered_safely_and_counts_a_view(
    app: Flask, make_user: MakeUser, login_as: LoginAs, articles: dict[str, Article], db: Any
) -> None:
    client = _signed_in(app, login_as, make_user())
    html = client.get(f"/portal/kb/{articles['public'].id}").get_data(as_text=True)
    assert "<li><strong>証明書</strong>の期限</li>" in html
    assert "<img src=x" not in html
    assert "この記事で解決しました" in html
    assert db.session.get(Article, articles["public"].id).view_count == 1


@pytest.mark.parametrize("which", ["internal", "draft", "missing"])
def test_staff_get_the_same_404_for_hidden_and_missing_articles(
    which: str, app: Flask, make_user: MakeUser, login_as: LoginAs, articles: dict[str, Article]
) -> None:
    client = _signed_in(app, login_as, make_user())
    article_id = articles[which].id if which in articles else 9999
    response = client.get(f"/portal/kb/{article_id}")
    assert response.status_code == 404
    assert "ページが見つかりません" in response.get_data(as_text=True)
    assert "切り分け" not in response.get_data(as_text=True)
    token = csrf_token(client, "/portal/kb")
    assert client.post(f"/portal/kb/{article_id}/solved", data={"csrf_token": token}).status_code == 404
    assert _count(Deflection) == 0


def test_vendors_are_denied_the_knowledge_base(
    app: Flask, make_user: MakeUser, login_as: LoginAs, articles: dict[str, Article]
) -> None:
    client = _signed_in(app, login_as, make_user(Role.VENDOR))
    for path in ("/portal/kb", f"/portal/kb/{articles['public'].id}", "/portal/kb/suggest?q=VPN",
                 "/console/kb", f"/console/kb/{articles['public'].id}"):
        assert client.get(path).status_code == 403, path


def test_suggestions_answer_json_with_at_most_three_published_staff_articles(
    app: Flask, make_user: MakeUser, login_as: LoginAs, articles: dict[str, Article]
) -> None:
    client = _signed_in(app, login_as, make_user())
    response = client.get("/portal/kb/suggest", query_string={"q": "VPNに接続できない\n証明書のエラー"},
                          headers={"Accept": "application/json"})
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    items = response.get_json()["items"]
    assert [i["title"] for i in items] == ["VPN接続できない時"]
    assert items[0]["url"] == f"/portal/kb/{articles['public'].id}?from=suggestion"
    assert "証明書" in items[0]["snippet"] and "<" not in items[0]["snippet"]
    assert client.get("/portal/kb/suggest?q=").get_json() == {"items": []}


def test_the_new_ticket_page_carries_the_suggestion_script_and_live_region(
    app: Flask, make_user: MakeUser, login_as: LoginAs
) -> None:
    html = _signed_in(app, login_as, make_user()).get("/portal/tickets/new").get_data(as_text=True)
    assert 'data-suggest-url="/portal/kb/suggest"' in html
    assert 'aria-live="polite"' in html
    assert "js/kb_suggest.js" in html


def test_solved_from_a_suggestion_is_one_deflection_however_often_it_is_sent(
    app: Flask, make_user: MakeUser, login_as: LoginAs, articles: dict[str, Article], db: Any
) -> None:
    client = _signed_in(app, login_as, make_user())
    page = client.get(f"/portal/kb/{articles['public'].id}?from=suggestion").get_data(as_text=True)
    key = re.search(r'name="key"[^>]*value="([^"]+)"', page)
    assert key and 'name="source" type="hidden" value="suggestion"' in page
    form = {"csrf_token": csrf_token(client, "/portal/kb"), "key": key.group(1), "source": "suggestion",
            "draft_subject": "VPNに接続できない"}
    first = client.post(f"/portal/kb/{articles['public'].id}/solved", data=form)
    second = client.post(f"/portal/kb/{articles['public'].id}/solved", data=form)
    assert first.status_code == second.status_code == 302
    deflection = db.session.scalars(select(Deflection)).one()
    assert (deflection.source.value, deflection.draft_subject) == ("suggestion", "VPNに接続できない")
    assert db.session.get(Article, articles["public"].id).deflection_count == 1
    after = client.get(first.headers["Location"]).get_data(as_text=True)
    assert "この記事で解決したと記録しました" in after
    assert "この記事で解決しました</button>" not in after


def test_a_rating_without_stars_is_refused_in_japanese_on_its_field(
    app: Flask, make_user: MakeUser, login_as: LoginAs, articles: dict[str, Article], db: Any
) -> None:
    client = _signed_in(app, login_as, make_user())
    url = f"/portal/kb/{articles['public'].id}/rating"
    token = csrf_token(client, "/portal/kb")
    refused = client.post(url, data={"csrf_token": token, "comment": "よかった"})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert 'id="stars-error">評価を選んでください。' in html
    assert "よかった</textarea>" in html  # what was written is kept
    assert client.post(url, data={"csrf_token": token, "stars": "4"}).status_code == 302
    assert client.post(url, data={"csrf_token": token, "stars": "5"}).status_code == 302
    article = db.session.get(Article, articles["public"].id)
    assert (article.rating_count, article.rating_sum) == (1, 5)
    assert "あなたの評価: ★5" in client.get(f"/portal/kb/{article.id}").get_data(as_text=True)


# --- the console ----------------------------------------------------------------------------------


def test_the_desk_lists_drafts_and_published_and_filters_them(
    app: Flask, agent: User, login_as: LoginAs, articles: dict[str, Article]
) -> None:
    client = _signed_in(app, login_as, agent)
    html = client.get("/console/kb").get_data(as_text=True)
    for article in articles.values():
        assert article.title in html
    drafts = client.get("/console/kb?status=draft").get_data(as_text=True)
    assert "VPNの新しい接続手順" in drafts and "VPN接続できない時" not in drafts
    assert "切り分け" in client.get("/console/kb?q=切り分け").get_data(as_text=True)
    assert "VPN接続できない時" in client.get("/console/kb?tag=ｖｐｎ").get_data(as_text=True)


def test_a_new_article_without_a_title_is_refused_on_its_field(
    app: Flask, agent: User, login_as: LoginAs, articles: dict[str, Article]
) -> None:
    client = _signed_in(app, login_as, agent)
    token = csrf_token(client, "/console/kb/new")
    before = _count(Article)
    refused = client.post("/console/kb/new", data={"csrf_token": token, "title": "", "audience": "staff",
                                                   "category": "", "body": "本文は残ります"})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert 'id="title-error">タイトルを入力してください。' in html and 'aria-invalid="true"' in html
    assert "本文は残ります" in html
    assert _count(Article) == before


def test_the_preview_renders_the_body_without_saving(
    app: Flask, agent: User, login_as: LoginAs, articles: dict[str, Article]
) -> None:
    client = _signed_in(app, login_as, agent)
    before = _count(Article)
    response = client.post("/console/kb/new", data={
        "csrf_token": csrf_token(client, "/console/kb/new"), "title": "下書き", "audience": "staff",
        "category": "", "body": "- **太字**\n\n<script>alert(1)</script>", "action": "preview"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<li><strong>太字</strong></li>" in html and "<script>alert(1)" not in html
    assert _count(Article) == before


def test_writing_editing_publishing_and_reading_the_history(
    app: Flask, agent: User, make_user: MakeUser, login_as: LoginAs, articles: dict[str, Article], db: Any
) -> None:
    client = _signed_in(app, login_as, agent)
    token = csrf_token(client, "/console/kb/new")
    created = client.post("/console/kb/new", data={
        "csrf_token": token, "title": "Outlookの署名", "audience": "staff", "category": "",
        "tags": "Outlook、署名", "body": "ファイル → オプション", "action": "save"})
    assert created.status_code == 302
    article = db.session.scalars(select(Article).where(Article.title == "Outlookの署名")).one()
    edit = client.get(f"/console/kb/{article.id}/edit").get_data(as_text=True)
    assert 'name="base_version" type="hidden" value="1"' in edit
    saved = client.post(f"/console/kb/{article.id}/edit", data={
        "csrf_token": token, "title": "Outlookの署名", "audience": "staff", "category": "",
        "tags": "Outlook、署名", "body": "ファイル → オプション → メール → 署名", "base_version": "1"})
    assert saved.status_code == 302
    stale = client.post(f"/console/kb/{article.id}/edit", data={
        "csrf_token": token, "title": "Outlookの署名", "audience": "staff", "category": "",
        "body": "古い版からの上書き", "base_version": "1"})
    assert stale.status_code == 409
    assert "編集中に他の人が記事を更新しました" in stale.get_data(as_text=True)
    assert client.post(f"/console/kb/{article.id}/status",
                       data={"csrf_token": token, "target": "published"}).status_code == 302
    assert db.session.get(Article, article.id).status is ArticleStatus.PUBLISHED
    history = client.get(f"/console/kb/{article.id}/versions").get_data(as_text=True)
    assert "第2版" in history and "第1版" in history and "石川" in history
    old = client.get(f"/console/kb/{article.id}/versions/1").get_data(as_text=True)
    assert "ファイル → オプション" in old and "最新は第2版です" in old
    assert client.get(f"/console/kb/{article.id}/versions/9").status_code == 404
    assert _count(ArticleVersion, ArticleVersion.article_id == article.id) == 2


def test_security_reads_the_console_kb_but_does_not_write(
    app: Flask, make_user: MakeUser, login_as: LoginAs, articles: dict[str, Article]
) -> None:
    client = _signed_in(app, login_as, make_user(Role.SECURITY))
    page = client.get(f"/console/kb/{articles['draft'].id}")
    assert page.status_code == 200 and "公開する" not in page.get_data(as_text=True)
    assert client.get(f"/console/kb/{articles['draft'].id}/edit").status_code == 403
    token = csrf_token(client, "/console/kb")
    assert client.post(f"/console/kb/{articles['draft'].id}/status",
                       data={"csrf_token": token, "target": "published"}).status_code == 403


def test_supervisors_keep_the_categories_and_agents_do_not(
    app: Flask, agent: User, make_user: MakeUser, login_as: LoginAs, articles: dict[str, Article]
) -> None:
    supervisor = _signed_in(app, login_as, make_user(Role.SUPERVISOR))
    token = csrf_token(supervisor, "/console/kb")
    empty = supervisor.post("/console/kb/categories", data={"csrf_token": token, "name_ja": " "})
    assert empty.status_code == 422
    assert 'id="name_ja-error">カテゴリ名を入力してください。' in empty.get_data(as_text=True)
    taken = supervisor.post("/console/kb/categories",
                            data={"csrf_token": token, "name_ja": "VPN・リモート接続"})
    assert taken.status_code == 422 and "同じ名前のカテゴリがあります" in taken.get_data(as_text=True)
    added = supervisor.post("/console/kb/categories",
                            data={"csrf_token": token, "name_ja": "プリンタ", "name_en": "Printers"})
    assert added.status_code == 302
    assert _count(Category) == 2
    agent_client = _signed_in(app, login_as, agent)
    assert agent_client.post("/console/kb/categories", data={
        "csrf_token": csrf_token(agent_client, "/console/kb"), "name_ja": "メール"}).status_code == 403


def test_a_resolved_ticket_becomes_a_draft_from_its_workspace(
    app: Flask, agent: User, make_ticket: MakeTicket, login_as: LoginAs, db: Any
) -> None:
    ticket = make_ticket(type=TicketType.INQUIRY, subject="共有フォルダに入れない",
                         description="\\\\fs01\\share が開けません")
    client = _signed_in(app, login_as, agent)
    assert "ナレッジ記事にする" not in client.get(f"/console/tickets/{ticket.number}").get_data(as_text=True)
    tickets.resolve(ticket.id, ResolutionCode.ANSWERED, "アクセス権を申請して解決", actor=actor_of(agent),
                    now=T0 + timedelta(hours=1))
    workspace = client.get(f"/console/tickets/{ticket.number}").get_data(as_text=True)
    assert "ナレッジ記事にする" in workspace
    made = client.post(f"/console/tickets/{ticket.number}/kb-draft",
                       data={"csrf_token": csrf_token(client, f"/console/tickets/{ticket.number}")})
    article = db.session.scalars(select(Article)).one()
    assert made.status_code == 302 and made.headers["Location"] == f"/console/kb/{article.id}/edit"
    edit = client.get(made.headers["Location"]).get_data(as_text=True)
    assert "チケットの内容から作成した下書きです" in edit and "アクセス権を申請して解決" in edit
    assert "このチケットから作成したナレッジ記事を開く" in client.get(
        f"/console/tickets/{ticket.number}").get_data(as_text=True)
