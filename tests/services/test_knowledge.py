"""Knowledge base: versions, publication, who reads what, Japanese search, suggestions, ratings,
deflections and drafts from resolved tickets — through the real services."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import flask_migrate
import pytest
from flask import Flask
from sqlalchemy import func, select

from helpdesk import create_app
from helpdesk.accounts import services as accounts
from helpdesk.accounts.models import Role, User
from helpdesk.audit.models import AuditEvent
from helpdesk.core.actor import SYSTEM, Actor
from helpdesk.core.db import db as db_ext
from helpdesk.core.errors import Conflict, InvalidTransition, NotFound, PermissionDenied, ValidationFailed
from helpdesk.knowledge import queries as kb
from helpdesk.knowledge import services as kb_services
from helpdesk.knowledge.models import (
    Article,
    ArticleRating,
    ArticleStatus,
    ArticleVersion,
    Audience,
    Category,
    Deflection,
    DeflectionSource,
    Tag,
)
from helpdesk.knowledge.services import ArticleFields
from helpdesk.tickets import services as tickets
from helpdesk.tickets.states import ResolutionCode, TicketStatus, TicketType
from tests.conftest import PASSWORD, T0, MakeTicket, MakeUser, actor_of

Write = Callable[..., Article]


@pytest.fixture
def agent(make_user: MakeUser) -> User:
    return make_user(Role.AGENT)


@pytest.fixture
def staff(make_user: MakeUser) -> User:
    return make_user(Role.REQUESTER)


@pytest.fixture
def write(agent: User) -> Write:
    """Write an article as the agent; published unless ``publish=False``."""

    def _write(title: str, body: str = "本文", *, publish: bool = True, **fields: Any) -> Article:
        article = kb_services.create_article(ArticleFields(title=title, body=body, **fields),
                                             actor=actor_of(agent), now=T0)
        if publish:
            kb_services.publish(article.id, actor=actor_of(agent), now=T0)
        return article

    return _write


def count(model: Any, *where: Any) -> int:
    return int(db_ext.session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def actions(*names: str) -> list[str]:
    return list(db_ext.session.scalars(
        select(AuditEvent.action).where(AuditEvent.action.in_(names)).order_by(AuditEvent.seq)))


# --- writing and versions -------------------------------------------------------------------------


def test_every_save_of_the_text_keeps_a_numbered_version(agent: User, make_user: MakeUser) -> None:
    other = make_user(Role.SUPERVISOR)
    article = kb_services.create_article(
        ArticleFields(title="プリンタの追加方法", body="1. 設定を開く", tags=["プリンタ", "ＰＣ"]),
        actor=actor_of(agent), now=T0)
    two = "1. 設定を開く\n2. 追加"
    kb_services.edit_article(
        article.id, ArticleFields(title="プリンタの追加方法", body=two, tags=["pc", "プリンタ"]),
        actor=actor_of(other), now=T0 + timedelta(hours=1), base_version=1)
    unchanged = kb_services.edit_article(
        article.id, ArticleFields(title="プリンタの追加方法", body=two, tags=["PC", "プリンタ"]),
        actor=actor_of(other), now=T0 + timedelta(hours=2))

    versions = kb.list_versions(article.id)
    assert [(v.number, v.author_id, v.body) for v in versions] == [
        (2, other.id, "1. 設定を開く\n2. 追加"), (1, agent.id, "1. 設定を開く")]
    assert unchanged.version == 2 and unchanged.updated_at == T0 + timedelta(hours=1)
    assert [t.label for t in unchanged.tags] == ["PC", "プリンタ"]  # the label as first written, NFKC
    assert count(Tag) == 2  # ＰＣ, pc and PC are one tag
    assert kb.get_version(article.id, 1).title == "プリンタの追加方法"
    assert actions("kb.article_created", "kb.article_edited") == ["kb.article_created", "kb.article_edited"]


def test_changing_only_the_filing_is_audited_without_a_new_version(agent: User, write: Write) -> None:
    article = write("Outlookの署名", "署名の設定手順", publish=False)
    kb_services.edit_article(article.id, ArticleFields(title="Outlookの署名", body="署名の設定手順",
                                                       audience=Audience.AGENTS),
                             actor=actor_of(agent), now=T0)
    assert db_ext.session.get(Article, article.id).audience is Audience.AGENTS
    assert count(ArticleVersion, ArticleVersion.article_id == article.id) == 1
    assert actions("kb.article_edited") == ["kb.article_edited"]


def test_a_stale_edit_is_refused_and_writes_nothing(agent: User, write: Write) -> None:
    article = write("共有フォルダへのアクセス", "v1", publish=False)
    kb_services.edit_article(article.id, ArticleFields(title="共有フォルダへのアクセス", body="v2"),
                             actor=actor_of(agent), now=T0, base_version=1)
    with pytest.raises(Conflict):
        kb_services.edit_article(article.id, ArticleFields(title="共有フォルダへのアクセス", body="上書き"),
                                 actor=actor_of(agent), now=T0, base_version=1)
    assert db_ext.session.get(Article, article.id).body == "v2"
    assert count(ArticleVersion) == 2


def test_bad_input_is_explained_per_field_and_nothing_is_written(agent: User) -> None:
    with pytest.raises(ValidationFailed) as caught:
        kb_services.create_article(
            ArticleFields(title="  ", body="x" * (kb_services.BODY_MAX + 1), tags=["あ" * 41],
                          category_id=999),
            actor=actor_of(agent), now=T0)
    assert set(caught.value.fields) == {"title", "body", "tags", "category"}
    assert str(caught.value.fields["title"]) == "タイトルを入力してください。"
    assert count(Article) == count(ArticleVersion) == count(Tag) == 0
    assert count(AuditEvent, AuditEvent.action.like("kb.%")) == 0


def test_only_editors_write(make_user: MakeUser) -> None:
    for role in (Role.REQUESTER, Role.VENDOR, Role.SECURITY):
        with pytest.raises(PermissionDenied):
            kb_services.create_article(ArticleFields(title="題", body="本文"),
                                       actor=actor_of(make_user(role)), now=T0)
    assert count(Article) == 0


def test_publication_follows_its_state_table(agent: User, write: Write) -> None:
    article = write("パスワードの変更", "", publish=False)
    with pytest.raises(ValidationFailed):
        kb_services.publish(article.id, actor=actor_of(agent), now=T0)
    kb_services.edit_article(article.id, ArticleFields(title="パスワードの変更", body="Ctrl+Alt+Del から"),
                             actor=actor_of(agent), now=T0)
    kb_services.publish(article.id, actor=actor_of(agent), now=T0 + timedelta(hours=1))
    with pytest.raises(InvalidTransition):
        kb_services.publish(article.id, actor=actor_of(agent), now=T0)
    kb_services.unpublish(article.id, actor=actor_of(agent), now=T0 + timedelta(hours=2))
    kb_services.publish(article.id, actor=actor_of(agent), now=T0 + timedelta(hours=3))
    archived = kb_services.archive(article.id, actor=actor_of(agent), now=T0 + timedelta(hours=4))
    assert archived.status is ArticleStatus.ARCHIVED
    assert archived.published_at == T0 + timedelta(hours=1)  # the first publication is kept
    assert actions("kb.article_published", "kb.article_unpublished", "kb.article_archived") == [
        "kb.article_published", "kb.article_unpublished", "kb.article_published", "kb.article_archived"]


# --- who reads what -------------------------------------------------------------------------------


def test_each_role_sees_exactly_the_articles_it_may(make_user: MakeUser, staff: User, write: Write) -> None:
    public = write("VPN接続できない時", "証明書を確認")
    internal = write("VPN障害時の一次切り分け手順", "運用へ連絡", audience=Audience.AGENTS)
    draft = write("VPNの新しい接続方法", "準備中", publish=False)
    archived = write("旧VPNクライアント", "終了")
    kb_services.archive(archived.id, actor=SYSTEM, now=T0)
    everything = {public.id, internal.id, draft.id, archived.id}
    expected = {
        Role.REQUESTER: {public.id},
        Role.AGENT: everything, Role.SUPERVISOR: everything, Role.SECURITY: everything,
        Role.ADMIN: everything, Role.VENDOR: set(),
    }
    for role, ids in expected.items():
        actor = actor_of(staff) if role is Role.REQUESTER else actor_of(make_user(role))
        assert {a.id for a in kb.list_articles(actor).items} == ids, role
        assert {a.id for a in kb.search_published(actor, "vpn").items} == ids & {public.id, internal.id}, role
        for article_id in everything - ids:
            with pytest.raises(NotFound):
                kb.get_article_for(actor, article_id)


def test_a_requester_gets_the_same_answer_for_a_hidden_and_a_missing_article(
    staff: User, write: Write
) -> None:
    internal = write("内部手順", "手順", audience=Audience.AGENTS)
    with pytest.raises(NotFound) as hidden:
        kb.get_article_for(actor_of(staff), internal.id)
    with pytest.raises(NotFound) as missing:
        kb.get_article_for(actor_of(staff), internal.id + 100)
    assert str(hidden.value.message) == str(missing.value.message)


# --- search and suggestions -----------------------------------------------------------------------


@pytest.fixture(params=["main", "sqlite"])
def engine_app(request: pytest.FixtureRequest, app: Flask, db: Any, tmp_path: Path) -> Iterator[Flask]:
    """The suite's database, or a new SQLite database migrated from scratch (FTS5 trigram)."""
    if request.param == "main":
        yield app
        return
    other = create_app("testing", SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'kb.sqlite'}",
                       BROKER_URL=f"sqla+sqlite:///{tmp_path / 'broker.sqlite'}",
                       ATTACHMENT_ROOT=str(tmp_path / "files"))
    other.extensions["outbox_publisher"] = lambda task, oid, attempt: None
    with other.app_context():
        flask_migrate.upgrade()
        yield other
        db_ext.session.remove()
        db_ext.engine.dispose()


@pytest.fixture
def library(engine_app: Flask) -> dict[str, Any]:
    """A writer, a reader and five published articles in the engine under test."""
    people = {role.value: accounts.create_user(
        accounts.UserFields(email=f"kb-{role.value}@example.go.jp", family_name="知識", role=role),
        actor=SYSTEM, now=T0, password=PASSWORD) for role in (Role.AGENT, Role.REQUESTER)}
    writer = accounts.actor_for(people["agent"])
    ids = {}
    for title, body in (
        ("ＶＰＮ接続できない時", "在宅勤務でVPNに接続できない場合は、証明書の有効期限を確認してください。"),
        ("プリンタの追加方法", "ﾌﾟﾘﾝﾀは設定の「プリンターとスキャナー」で追加。印刷できない時も。"),
        ("パスワードの変更", "Ctrl+Alt+Delete を押して「パスワードの変更」を選びます。"),
        ("共有フォルダへのアクセス", "エクスプローラーで \\\\fs01\\share を開きます。権限は管理者に申請。"),
        ("Outlookの署名", "ファイル → オプション → メール → 署名 で設定します。100% 表示の時の注意。"),
    ):
        article = kb_services.create_article(ArticleFields(title=title, body=body), actor=writer, now=T0)
        kb_services.publish(article.id, actor=writer, now=T0)
        ids[title] = article.id
    return {"reader": accounts.actor_for(people["requester"]), "writer": writer, "ids": ids}


def _titles(page: kb.Page) -> set[str]:
    return {a.title for a in page.items}


@pytest.mark.parametrize(("query", "expected"), [
    ("印刷", {"プリンタの追加方法"}),  # two characters: below the trigram size, answered by LIKE
    ("署名", {"Outlookの署名"}),
    ("vpn", {"ＶＰＮ接続できない時"}),  # full-width title folds to half-width
    ("ＶＰＮ", {"ＶＰＮ接続できない時"}),  # and a full-width query too
    ("プリンタ", {"プリンタの追加方法"}),  # half-width kana in the body folds to full-width
    ("証明書", {"ＶＰＮ接続できない時"}),  # three characters: the trigram index
    ("パスワード 変更", {"パスワードの変更"}),  # every term must occur
    ("パスワード 印刷", set()),
    ("100%", {"Outlookの署名"}),  # LIKE wildcards are literal
    ("10_%", set()),
])
def test_search_reads_japanese_like_the_ticket_search(query: str, expected: set[str],
                                                      library: dict[str, Any]) -> None:
    assert _titles(kb.search_published(library["reader"], query)) == expected


def test_suggestion_terms_are_cut_from_japanese_by_script() -> None:
    assert kb.suggestion_terms("ＶＰＮに接続できない", "今朝から在宅勤務中に証明書エラーが出ます。") == [
        "vpn", "接続", "在宅勤務中", "証明書", "エラー"]
    assert kb.suggestion_terms("ﾌﾟﾘﾝﾀで印刷できません") == ["プリンタ", "印刷"]
    assert kb.suggestion_terms("9時", "a") == []  # one character and bare numbers say nothing


def test_suggestions_rank_by_matching_terms_then_by_problems_solved(library: dict[str, Any]) -> None:
    ids, reader = library["ids"], library["reader"]
    shared = ids["共有フォルダへのアクセス"]
    signature = ids["Outlookの署名"]
    # Both mention a setting; the signature article has solved more problems.
    kb_services.record_deflection(signature, source=DeflectionSource.ARTICLE, actor=reader, now=T0)
    found = kb.suggest(reader, "共有フォルダにアクセスできない", "エクスプローラーで開けません")
    assert [s.article.id for s in found][:1] == [shared]
    assert found[0].matched == 4
    assert "エクスプローラー" in found[0].snippet

    settings = kb.suggest(reader, "設定", "")
    assert [s.article.id for s in settings][:2] == [signature, ids["プリンタの追加方法"]]
    assert len(kb.suggest(reader, "メール 設定 ネットワーク 障害", "")) <= 3


def test_suggestions_need_two_matching_terms_when_three_or_more_were_typed(library: dict[str, Any]) -> None:
    reader = library["reader"]
    # Only 証明書 is in any article: one common word out of three does not make a suggestion.
    assert kb.suggest(reader, "メールの証明書の警告", "会議室のテレビ") == []
    assert [s.article.title for s in kb.suggest(reader, "証明書", "")] == ["ＶＰＮ接続できない時"]


def test_suggestions_offer_only_published_staff_articles(library: dict[str, Any]) -> None:
    writer, reader = library["writer"], library["reader"]
    kb_services.create_article(
        ArticleFields(title="VPN障害時の切り分け", body="VPN 接続", audience=Audience.AGENTS),
        actor=writer, now=T0)
    draft = kb_services.create_article(ArticleFields(title="VPN接続の新手順", body="VPN 接続"),
                                       actor=writer, now=T0)
    assert [s.article.title for s in kb.suggest(reader, "VPNに接続できない")] == ["ＶＰＮ接続できない時"]
    assert draft.id not in {s.article.id for s in kb.suggest(writer, "VPNに接続できない")}


# --- readers: ratings and deflections --------------------------------------------------------------


def test_rating_again_replaces_and_the_aggregate_follows(
    make_user: MakeUser, staff: User, write: Write
) -> None:
    article = write("パスワードの変更", "手順")
    other = make_user(Role.REQUESTER)
    kb_services.rate(article.id, 2, "", actor=actor_of(staff), now=T0)
    kb_services.rate(article.id, 5, "分かりやすい", actor=actor_of(staff), now=T0 + timedelta(minutes=5))
    rated = kb_services.rate(article.id, 4, "", actor=actor_of(other), now=T0)
    assert (rated.rating_count, rated.rating_sum, rated.rating_average) == (2, 9, 4.5)
    mine = kb.find_rating(article.id, staff.id)
    assert mine is not None and (mine.stars, mine.comment) == (5, "分かりやすい")
    assert count(ArticleRating) == 2


def test_a_bad_rating_is_refused_and_writes_nothing(agent: User, staff: User, write: Write) -> None:
    article = write("パスワードの変更", "手順")
    with pytest.raises(ValidationFailed) as caught:
        kb_services.rate(article.id, 6, "x" * 2001, actor=actor_of(staff), now=T0)
    assert set(caught.value.fields) == {"stars", "comment"}
    with pytest.raises(PermissionDenied):
        kb_services.rate(article.id, 5, "", actor=actor_of(agent), now=T0)  # the desk does not rate its own
    assert count(ArticleRating) == 0
    assert db_ext.session.get(Article, article.id).rating_count == 0


def test_a_deflection_is_counted_once_per_page_and_per_day(staff: User, write: Write) -> None:
    article = write("VPN接続できない時", "証明書")
    reader = actor_of(staff)
    first = kb_services.record_deflection(article.id, source=DeflectionSource.SUGGESTION, actor=reader,
                                          now=T0, draft_subject="VPNに接続できない", key="page-1")
    again = kb_services.record_deflection(article.id, source=DeflectionSource.SUGGESTION, actor=reader,
                                          now=T0 + timedelta(seconds=1), key="page-1")
    reload = kb_services.record_deflection(article.id, source=DeflectionSource.ARTICLE, actor=reader,
                                           now=T0 + timedelta(hours=1), key="page-2")
    assert first.id == again.id == reload.id
    assert (first.source, first.draft_subject, first.user_id) == (DeflectionSource.SUGGESTION,
                                                                  "VPNに接続できない", staff.id)
    assert db_ext.session.get(Article, article.id).deflection_count == 1
    next_day = kb_services.record_deflection(article.id, source=DeflectionSource.ARTICLE, actor=reader,
                                             now=T0 + timedelta(days=1, minutes=1), key="page-3")
    assert next_day.id != first.id
    assert db_ext.session.get(Article, article.id).deflection_count == 2
    assert actions("kb.deflected") == ["kb.deflected", "kb.deflected"]


def test_only_staff_who_can_read_the_article_deflect(make_user: MakeUser, staff: User, write: Write) -> None:
    internal = write("内部手順", "手順", audience=Audience.AGENTS)
    with pytest.raises(NotFound):
        kb_services.record_deflection(internal.id, source=DeflectionSource.ARTICLE, actor=actor_of(staff),
                                      now=T0)
    with pytest.raises(PermissionDenied):
        kb_services.record_deflection(internal.id, source=DeflectionSource.ARTICLE,
                                      actor=actor_of(make_user(Role.AGENT)), now=T0)
    assert count(Deflection) == 0


# --- drafts from resolved tickets -------------------------------------------------------------------


def _resolved(make_ticket: MakeTicket, agent: User, **fields: Any) -> Any:
    ticket = make_ticket(**fields)
    tickets.resolve(ticket.id, ResolutionCode.ANSWERED, "証明書を再発行して解決しました。",
                    actor=actor_of(agent), now=T0 + timedelta(hours=1))
    return ticket


def test_a_resolved_ticket_becomes_an_agents_only_draft_once(agent: User, make_ticket: MakeTicket) -> None:
    ticket = _resolved(make_ticket, agent, type=TicketType.INQUIRY, subject="VPNに接続できない",
                       description="在宅勤務中、証明書エラーが出ます。")
    article = kb_services.draft_from_ticket(ticket.id, actor=actor_of(agent), now=T0 + timedelta(hours=2))
    assert (article.title, article.status, article.audience, article.source_ticket_id) == (
        "VPNに接続できない", ArticleStatus.DRAFT, Audience.AGENTS, ticket.id)
    assert article.body == ("## 症状\n\n在宅勤務中、証明書エラーが出ます。\n\n"
                            "## 解決方法\n\n証明書を再発行して解決しました。")
    assert [t.label for t in article.tags] == ["メール"]  # the ticket's service
    again = kb_services.draft_from_ticket(ticket.id, actor=actor_of(agent), now=T0 + timedelta(hours=3))
    assert again.id == article.id and count(Article) == 1
    events = db_ext.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "kb.drafted_from_ticket")).all()
    assert [(e.ticket_id, e.data["article_id"]) for e in events] == [(ticket.id, article.id)]


def test_an_open_ticket_cannot_become_an_article(agent: User, make_ticket: MakeTicket) -> None:
    ticket = make_ticket()
    with pytest.raises(InvalidTransition):
        kb_services.draft_from_ticket(ticket.id, actor=actor_of(agent), now=T0)
    assert count(Article) == 0


def test_a_confidential_security_ticket_never_becomes_an_article(
    make_user: MakeUser, make_ticket: MakeTicket
) -> None:
    security = make_user(Role.SECURITY)
    ticket = make_ticket(type=TicketType.SECURITY, subject="不審メールの添付を開いた")
    tickets.change_status(ticket.id, TicketStatus.RESOLVED, actor=actor_of(security), now=T0)
    cleared_editor = make_user(Role.ADMIN)  # security-cleared and may write articles
    with pytest.raises(ValidationFailed) as caught:
        kb_services.draft_from_ticket(ticket.id, actor=actor_of(cleared_editor), now=T0)
    assert "セキュリティ事案" in str(caught.value.message)
    with pytest.raises(NotFound):  # an uncleared agent may not even know of it
        kb_services.draft_from_ticket(ticket.id, actor=actor_of(make_user(Role.AGENT)), now=T0)
    assert count(Article) == 0


def test_only_editors_draft_from_tickets(make_user: MakeUser, make_ticket: MakeTicket, agent: User) -> None:
    ticket = _resolved(make_ticket, agent)
    for role in (Role.REQUESTER, Role.SECURITY, Role.VENDOR):
        with pytest.raises(PermissionDenied):
            kb_services.draft_from_ticket(ticket.id, actor=actor_of(make_user(role)), now=T0)
    assert count(Article) == 0


# --- categories -----------------------------------------------------------------------------------


def test_supervisors_add_and_rename_categories(make_user: MakeUser, agent: User) -> None:
    supervisor: Actor = actor_of(make_user(Role.SUPERVISOR))
    vpn = kb_services.save_category("VPN", "VPN", actor=supervisor, now=T0)
    printers = kb_services.save_category("プリンタ", actor=supervisor, now=T0)
    kb_services.save_category("VPN・リモート接続", "VPN & remote", actor=supervisor, now=T0,
                              category_id=vpn.id)
    assert [(c.name_ja, c.name_en) for c in kb.list_categories()] == [
        ("VPN・リモート接続", "VPN & remote"), ("プリンタ", "")]
    with pytest.raises(ValidationFailed) as taken:
        kb_services.save_category("プリンタ", actor=supervisor, now=T0, category_id=vpn.id)
    assert set(taken.value.fields) == {"name_ja"}
    with pytest.raises(PermissionDenied):
        kb_services.save_category("メール", actor=actor_of(agent), now=T0)
    assert count(Category) == 2 and printers.sort_order > vpn.sort_order
