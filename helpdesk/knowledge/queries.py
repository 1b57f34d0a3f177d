"""Reading the knowledge base: lists, search, suggestions while a ticket is written, history.

Search is the tickets' Japanese search (``helpdesk.tickets.search``): NFKC-normalised,
lower-cased text; every term a substring; trigram indexes for terms of three characters
or more, LIKE for shorter ones.

**Suggestions** (:func:`suggest`) read what a member of staff is typing, which has no
spaces between Japanese words, so its terms are cut out of the normalised text by script:
runs of kanji, runs of katakana, and runs of Latin letters and digits, with hiragana and
punctuation as the cuts (in ``VPNに接続できない`` the particles and endings are hiragana:
``vpn`` and ``接続`` remain). One-character runs and a short list of words that say nothing
about the problem (今朝, 確認, 表示 …) are dropped; the subject's terms come first, then the
description's, at most :data:`~helpdesk.tickets.search.MAX_TERMS`. A published article the
reader may see matches when at least one term is in it (two, when three or more terms were
found, so a long description does not pull in articles on a single common word); articles
are ranked by how many terms they contain, then by how often they solved someone's
problem (deflections), then by their ratings, newest first.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, case, func, or_, select
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.orm.interfaces import ORMOption

from helpdesk.core.actor import Actor
from helpdesk.core.db import db
from helpdesk.core.errors import NotFound
from helpdesk.knowledge import policy
from helpdesk.knowledge.models import (
    Article,
    ArticleRating,
    ArticleStatus,
    ArticleVersion,
    Category,
    Deflection,
    Tag,
    article_tags,
)
from helpdesk.knowledge.search import ARTICLES, tag_key
from helpdesk.tickets.search import MAX_TERMS, normalise, terms_of

PAGE_SIZE = 30
SUGGESTIONS = 3
#: Only this much of what is being typed is read for suggestions.
SUGGEST_INPUT_MAX = 2000
SNIPPET_CHARS = 80
#: The same reader saying the same article solved their problem again within this time is
#: the same problem, counted once (a reload of the page gives the button a new key).
DEFLECTION_WINDOW = timedelta(hours=24)

_RUNS = re.compile(r"[\u3005\u4e00-\u9fff\uf900-\ufaff]+|[\u30a1-\u30fa\u30fc]+|[a-z0-9][a-z0-9.+#_-]*")
#: Words that occur in any problem description and tell nothing about which one it is.
STOP_TERMS = frozenset({
    "今日", "今朝", "昨日", "本日", "先日", "午前", "午後", "時頃", "確認", "対応", "連絡", "表示",
    "場合", "状態", "問題", "発生", "使用", "利用", "自分", "作業", "以下", "以上", "現在", "至急",
    "方法", "件名", "内容", "よろしく",
})


@dataclass(frozen=True)
class Page:
    """One page of articles and how many there are."""

    items: list[Article]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        """Number of pages (at least one)."""
        return max(1, -(-self.total // self.per_page))


@dataclass(frozen=True)
class Suggestion:
    """An article suggested for what is being typed, with a plain-text snippet."""

    article: Article
    snippet: str
    matched: int


def get_article_for(actor: Actor, article_id: int) -> Article:
    """One article the actor may read.

    :raises NotFound: no such article, or one the actor may not know of (the same answer).
    """
    article = db.session.scalar(
        select(Article).where(Article.id == article_id)
        .options(joinedload(Article.category), selectinload(Article.tags))
    )
    return policy.require_view_article(actor, article)


def list_articles(
    actor: Actor, *, query: str = "", status: ArticleStatus | None = None, category_id: int | None = None,
    tag: str | None = None, page: int = 1, per_page: int = PAGE_SIZE,
) -> Page:
    """Articles the actor may see, filtered; every term of ``query`` must occur. Newest change first."""
    stmt = _visible(actor)
    for term in terms_of(query):
        stmt = stmt.where(ARTICLES.condition(term))
    if status is not None:
        stmt = stmt.where(Article.status == status)
    if category_id is not None:
        stmt = stmt.where(Article.category_id == category_id)
    if tag:
        stmt = stmt.where(Article.tags.any(Tag.key == tag_key(tag)))
    return _page(stmt, page, per_page, (Article.updated_at.desc(), Article.id.desc()),
                 joinedload(Article.category), selectinload(Article.tags), joinedload(Article.updated_by))


def search_published(actor: Actor, query: str, *, category_id: int | None = None,
                     page: int = 1, per_page: int = PAGE_SIZE) -> Page:
    """Published articles the actor may read, by terms and category; most helpful first."""
    stmt = _visible(actor).where(Article.status == ArticleStatus.PUBLISHED)
    for term in terms_of(query):
        stmt = stmt.where(ARTICLES.condition(term))
    if category_id is not None:
        stmt = stmt.where(Article.category_id == category_id)
    return _page(stmt, page, per_page, _helpful_first(), joinedload(Article.category))


def _page(stmt: Select[Article], page: int, per_page: int, order: Sequence[ColumnElement[Any]],
          *options: ORMOption) -> Page:
    """One page of ``stmt`` in ``order``, loaded with ``options``, and how many rows it has in all."""
    total = int(db.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0)
    page = max(1, page)
    items = list(db.session.scalars(
        stmt.options(*options).order_by(*order).offset((page - 1) * per_page).limit(per_page)
    ).unique())
    return Page(items=items, total=total, page=page, per_page=per_page)


def list_popular(actor: Actor, *, limit: int = 5) -> list[Article]:
    """The published articles that solved most problems, then the most read."""
    return list(db.session.scalars(
        _visible(actor).where(Article.status == ArticleStatus.PUBLISHED)
        .order_by(Article.deflection_count.desc(), Article.view_count.desc(), Article.id.desc()).limit(limit)
    ))


def list_categories(*, include_inactive: bool = False) -> list[Category]:
    """Categories in their order."""
    stmt = select(Category).order_by(Category.sort_order, Category.id)
    if not include_inactive:
        stmt = stmt.where(Category.is_active.is_(True))
    return list(db.session.scalars(stmt))


def count_by_category(actor: Actor) -> dict[int, int]:
    """How many published articles the actor may read in each category."""
    visible = _visible(actor).where(Article.status == ArticleStatus.PUBLISHED).subquery()
    rows = db.session.execute(
        select(visible.c.category_id, func.count()).where(visible.c.category_id.is_not(None))
        .group_by(visible.c.category_id)
    )
    return {int(category_id): int(n) for category_id, n in rows}


def list_versions(article_id: int) -> list[ArticleVersion]:
    """Every saved version of an article, newest first, with its author."""
    return list(db.session.scalars(
        select(ArticleVersion).where(ArticleVersion.article_id == article_id)
        .options(joinedload(ArticleVersion.author)).order_by(ArticleVersion.number.desc())
    ))


def get_version(article_id: int, number: int) -> ArticleVersion:
    """:raises NotFound: the article has no such version."""
    version = db.session.scalar(
        select(ArticleVersion).where(ArticleVersion.article_id == article_id, ArticleVersion.number == number)
        .options(joinedload(ArticleVersion.author))
    )
    if version is None:
        raise NotFound("version")
    return version


def find_rating(article_id: int, user_id: int | None) -> ArticleRating | None:
    """The reader's own rating of the article, or None."""
    if user_id is None:
        return None
    return db.session.scalar(
        select(ArticleRating).where(ArticleRating.article_id == article_id, ArticleRating.user_id == user_id)
    )


def find_recent_deflection(article_id: int, user_id: int | None, *, now: datetime) -> Deflection | None:
    """The reader's deflection on this article within :data:`DEFLECTION_WINDOW`, if any (counted once)."""
    if user_id is None:
        return None
    return db.session.scalar(
        select(Deflection).where(Deflection.user_id == user_id, Deflection.article_id == article_id,
                                 Deflection.created_at > now - DEFLECTION_WINDOW)
        .order_by(Deflection.id.desc()).limit(1)
    )


def list_related(actor: Actor, article: Article, *, limit: int = 3) -> list[Article]:
    """Other published articles of the same category the actor may read, most helpful first."""
    if article.category_id is None:
        return []
    return list(db.session.scalars(
        _visible(actor).where(Article.status == ArticleStatus.PUBLISHED,
                              Article.category_id == article.category_id, Article.id != article.id)
        .order_by(*_helpful_first()).limit(limit)
    ))


def find_article_from_ticket(ticket_id: int) -> Article | None:
    """The article drafted from this ticket, if one was."""
    return db.session.scalar(
        select(Article).where(Article.source_ticket_id == ticket_id).order_by(Article.id).limit(1))


def list_tags() -> list[Tag]:
    """Every tag in use, by key."""
    return list(db.session.scalars(
        select(Tag).where(Tag.id.in_(select(article_tags.c.tag_id))).order_by(Tag.key)))


# --- suggestions ------------------------------------------------------------------------------


def suggestion_terms(subject: str, description: str = "") -> list[str]:
    """The terms of typed text worth looking for (see the module's docstring); subject first."""
    seen: list[str] = []
    for text in (subject, description):
        for run in _RUNS.findall(normalise(text[:SUGGEST_INPUT_MAX])):
            term = run.strip("._-")
            if len(term) < 2 or term.isdigit() or term in STOP_TERMS or term in seen:
                continue
            seen.append(term)
            if len(seen) == MAX_TERMS:
                return seen
    return seen


def suggest(actor: Actor, subject: str, description: str = "", *, limit: int = SUGGESTIONS
            ) -> list[Suggestion]:
    """The published articles most likely to answer what is being typed, best first (at most ``limit``)."""
    terms = suggestion_terms(subject, description)
    if not terms:
        return []
    conditions = [ARTICLES.condition(t) for t in terms]
    matched: ColumnElement[int] = case((conditions[0], 1), else_=0)
    for condition in conditions[1:]:
        matched = matched + case((condition, 1), else_=0)
    least = 1 if len(terms) <= 2 else 2
    rows = db.session.execute(
        select(Article, matched.label("matched"))
        .where(policy.visible_condition(actor), Article.status == ArticleStatus.PUBLISHED,
               or_(*conditions), matched >= least)
        .order_by(matched.desc(), *_helpful_first()).limit(limit)
    ).all()
    return [Suggestion(article=a, snippet=snippet(a.body, terms), matched=int(n)) for a, n in rows]


def _helpful_first() -> tuple[ColumnElement[Any], ...]:
    average = case((Article.rating_count > 0, Article.rating_sum * 1.0 / Article.rating_count), else_=0)
    return (Article.deflection_count.desc(), average.desc(), Article.updated_at.desc(), Article.id.desc())


def _visible(actor: Actor) -> Select[Article]:
    return select(Article).where(policy.visible_condition(actor))


_MARKDOWN_NOISE = re.compile(
    r"!?\[([^\]]*)\]\([^)]*\)|<[^<>]*>|[#*_`>|~]+|^\s*[-+]\s+|^\s*\d+\.\s+", re.MULTILINE)


def plain_text(body: str) -> str:
    """Markdown reduced to its words on one line (link texts kept, marks and HTML tags dropped)."""
    text = _MARKDOWN_NOISE.sub(lambda m: m.group(1) or " ", body)
    return " ".join(text.split())


def snippet(body: str, terms: Sequence[str], *, width: int = SNIPPET_CHARS) -> str:
    """Plain text around the first term found in ``body`` (its start when none is)."""
    text = plain_text(body)
    folded = "".join(unicodedata.normalize("NFKC", ch).lower()[:1] or " " for ch in text)
    hits = [i for i in (folded.find(t) for t in terms) if i >= 0]
    start = max(0, min(hits) - width // 4) if hits else 0
    piece = text[start:start + width]
    return ("…" if start else "") + piece + ("…" if start + width < len(text) else "")
