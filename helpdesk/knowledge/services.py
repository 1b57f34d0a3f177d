"""Changing the knowledge base: write and version articles, publish them, hear from readers.

Each function is one unit of work: it checks the actor and the input, writes the audit
event, and commits once (or nothing at all).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError

from helpdesk.audit import services as audit
from helpdesk.core.actor import Actor
from helpdesk.core.db import db, is_postgresql, unit_of_work
from helpdesk.core.errors import Conflict, InvalidTransition, NotFound, ValidationFailed
from helpdesk.knowledge import policy, queries
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
from helpdesk.knowledge.search import article_search_text, tag_key
from helpdesk.tickets import policy as ticket_policy
from helpdesk.tickets.models import Ticket
from helpdesk.tickets.states import TicketStatus, TicketType

TITLE_MAX = 200
BODY_MAX = 100_000
TAG_MAX = 40
TAGS_MAX = 10
COMMENT_MAX = 2000
CATEGORY_NAME_MAX = 100
STARS = range(1, 6)
_TAG_SEPARATORS = re.compile(r"[,、]")


@dataclass
class ArticleFields:
    """What an editor writes: the text and how it is filed."""

    title: str
    body: str
    audience: Audience = Audience.STAFF
    category_id: int | None = None
    tags: Sequence[str] = field(default_factory=tuple)


def parse_tags(text: str) -> list[str]:
    """Tags typed as one line, separated by commas (``,`` ``、`` ``，``)."""
    return [t.strip() for t in _TAG_SEPARATORS.split(unicodedata.normalize("NFKC", text)) if t.strip()]


def _checked(data: ArticleFields) -> tuple[str, str, list[str]]:
    """The cleaned title, body and tag labels.

    :raises ValidationFailed: with a message per field.
    """
    errors: dict[str, object] = {}
    title = " ".join(data.title.split())
    body = data.body.replace("\r\n", "\n").strip()
    if not title:
        errors["title"] = _l("タイトルを入力してください。")
    elif len(title) > TITLE_MAX:
        errors["title"] = _l("タイトルは%(n)d文字以内で入力してください。", n=TITLE_MAX)
    if len(body) > BODY_MAX:
        errors["body"] = _l("本文が長すぎます。")
    labels: list[str] = []
    keys: set[str] = set()
    for raw in data.tags:
        label = " ".join(unicodedata.normalize("NFKC", raw).split())
        key = tag_key(label)
        if not label or key in keys:
            continue
        if len(label) > TAG_MAX:
            errors["tags"] = _l("タグは1つ%(n)d文字以内で入力してください。", n=TAG_MAX)
        keys.add(key)
        labels.append(label)
    if len(labels) > TAGS_MAX:
        errors["tags"] = _l("タグは%(n)d個までです。", n=TAGS_MAX)
    if data.category_id is not None:
        category = db.session.get(Category, data.category_id)
        if category is None or not category.is_active:
            errors["category"] = _l("一覧から選んでください。")
    if errors:
        raise ValidationFailed(_l("入力内容を確認してください。"), fields=errors)
    return title, body, labels


def _tags(labels: Sequence[str]) -> list[Tag]:
    """The tag rows for these labels (distinct keys), created as needed (inside the caller's unit of work)."""
    keyed: dict[str, str] = {}
    for label in labels:
        keyed.setdefault(tag_key(label), label)
    found = {t.key: t for t in db.session.scalars(select(Tag).where(Tag.key.in_(keyed)))} if keyed else {}
    result: list[Tag] = []
    for key, label in keyed.items():
        tag = found.get(key)
        if tag is None:
            tag = Tag(key=key, label=label)
            db.session.add(tag)
        result.append(tag)
    return result


def _keep_version(article: Article, actor: Actor, now: datetime) -> None:
    db.session.add(ArticleVersion(article_id=article.id, number=article.version, title=article.title,
                                  body=article.body, author_id=actor.user_id, created_at=now))


def create_article(data: ArticleFields, *, actor: Actor, now: datetime,
                   source_ticket_id: int | None = None) -> Article:
    """Write a new draft; it is version 1. Audited.

    :raises PermissionDenied: the actor may not write articles.
    :raises ValidationFailed: empty or over-long title, over-long body, bad tags, unknown category.
    """
    policy.require_edit_articles(actor)
    with unit_of_work() as session:
        title, body, labels = _checked(data)
        article = Article(
            title=title, body=body, status=ArticleStatus.DRAFT, audience=data.audience,
            category_id=data.category_id, version=1, source_ticket_id=source_ticket_id,
            created_by_id=actor.user_id, updated_by_id=actor.user_id, created_at=now, updated_at=now,
            tags=_tags(labels), search_text=article_search_text(title, body, labels),
        )
        session.add(article)
        session.flush()
        _keep_version(article, actor, now)
        audit.record(actor, "kb.article_created", subject_type="article", subject_id=article.id, now=now,
                     ticket_id=source_ticket_id, data={"title": title, "audience": data.audience.value})
    return article


def edit_article(article_id: int, data: ArticleFields, *, actor: Actor, now: datetime,
                 base_version: int | None = None) -> Article:
    """Save an editor's changes; a changed title or body becomes the next numbered version. Audited.

    A published article stays published: readers see the new text at once (unpublish first to
    rework it out of sight). Saving without changes writes nothing.

    :raises PermissionDenied: the actor may not write articles.
    :raises NotFound: no such article.
    :raises Conflict: ``base_version`` is not the newest (someone else saved in between).
    :raises ValidationFailed: as :func:`create_article`.
    """
    policy.require_edit_articles(actor)
    with unit_of_work():
        article = _get_for_update(article_id)
        title, body, labels = _checked(data)
        if base_version is not None and base_version != article.version:
            raise StaleArticle(article.version)
        before = _filing(article)
        text_changed = (title, body) != (article.title, article.body)
        article.title, article.body = title, body
        article.audience, article.category_id = data.audience, data.category_id
        article.tags = _tags(labels)
        after = _filing(article)
        changes = {k: [before[k], after[k]] for k in after if before[k] != after[k]}
        if not text_changed and not changes:
            return article
        if text_changed:
            article.version += 1
            _keep_version(article, actor, now)
        article.search_text = article_search_text(title, body, labels)
        article.updated_at, article.updated_by_id = now, actor.user_id
        audit.record(actor, "kb.article_edited", subject_type="article", subject_id=article.id, now=now,
                     data={"version": article.version, "changes": changes})
    return article


class StaleArticle(Conflict):
    """Someone saved a newer version since the editor opened the form."""

    def __init__(self, newest: int) -> None:
        super().__init__(
            _l("編集中に他の人が記事を更新しました（最新は第%(n)d版）。最新の内容を確認してから保存してください。",
               n=newest))
        self.newest = newest


def _filing(article: Article) -> dict[str, object]:
    return {"audience": article.audience.value, "category_id": article.category_id,
            "tags": [t.key for t in article.tags], "title": article.title}


def _get_for_update(article_id: int) -> Article:
    article = db.session.scalar(select(Article).where(Article.id == article_id).with_for_update())
    if article is None:
        raise NotFound(_l("記事が見つかりません。"))
    return article


#: Allowed status changes of an article.
_TRANSITIONS: dict[ArticleStatus, frozenset[ArticleStatus]] = {
    ArticleStatus.DRAFT: frozenset({ArticleStatus.PUBLISHED, ArticleStatus.ARCHIVED}),
    ArticleStatus.PUBLISHED: frozenset({ArticleStatus.DRAFT, ArticleStatus.ARCHIVED}),
    ArticleStatus.ARCHIVED: frozenset({ArticleStatus.DRAFT, ArticleStatus.PUBLISHED}),
}


_STATUS_ACTIONS = {
    ArticleStatus.PUBLISHED: "kb.article_published", ArticleStatus.DRAFT: "kb.article_unpublished",
    ArticleStatus.ARCHIVED: "kb.article_archived",
}


def _move(article_id: int, target: ArticleStatus, *, actor: Actor, now: datetime) -> Article:
    policy.require_edit_articles(actor)
    with unit_of_work():
        article = _get_for_update(article_id)
        current = article.status
        if target not in _TRANSITIONS[current]:
            raise InvalidTransition(_l("この状態には変更できません。"))
        if target is ArticleStatus.PUBLISHED and not article.body.strip():
            raise ValidationFailed(_l("本文のない記事は公開できません。"),
                                   fields={"body": _l("本文を入力してください。")})
        article.status = target
        article.updated_at, article.updated_by_id = now, actor.user_id
        if target is ArticleStatus.PUBLISHED:
            article.published_at = article.published_at or now
            article.archived_at = None
        elif target is ArticleStatus.ARCHIVED:
            article.archived_at = now
        audit.record(actor, _STATUS_ACTIONS[target], subject_type="article", subject_id=article.id, now=now,
                     data={"from": current.value, "to": target.value, "version": article.version})
    return article


def publish(article_id: int, *, actor: Actor, now: datetime) -> Article:
    """Publish the article as it stands: readers of its audience see it from now. Audited.

    :raises PermissionDenied: not an editor. :raises NotFound: no such article.
    :raises InvalidTransition: already published. :raises ValidationFailed: no body.
    """
    return _move(article_id, ArticleStatus.PUBLISHED, actor=actor, now=now)


def unpublish(article_id: int, *, actor: Actor, now: datetime) -> Article:
    """Take a published (or archived) article back to draft: only editors see it. Audited.

    :raises PermissionDenied: not an editor. :raises NotFound: no such article.
    :raises InvalidTransition: already a draft.
    """
    return _move(article_id, ArticleStatus.DRAFT, actor=actor, now=now)


def archive(article_id: int, *, actor: Actor, now: datetime) -> Article:
    """End an article's life without losing it or its history: readers no longer see it. Audited.

    :raises PermissionDenied: not an editor. :raises NotFound: no such article.
    :raises InvalidTransition: already archived.
    """
    return _move(article_id, ArticleStatus.ARCHIVED, actor=actor, now=now)


# --- from a resolved ticket ---------------------------------------------------------------------


def draft_from_ticket(ticket_id: int, *, actor: Actor, now: datetime) -> Article:
    """Start a draft from a resolved or closed ticket: its subject, description and resolution.

    The draft is for agents only until an editor changes its audience and publishes it (the
    ticket's text may name people). One ticket makes one article: asking again returns the
    article already made. Security incidents never become articles. Audited on the ticket.

    :raises PermissionDenied: the actor may not write articles.
    :raises NotFound: no such ticket, or the actor may not see it.
    :raises InvalidTransition: the ticket is not resolved or closed.
    :raises ValidationFailed: the ticket is a confidential security incident.
    """
    policy.require_edit_articles(actor)
    with unit_of_work() as session:
        ticket = session.get(Ticket, ticket_id)
        if ticket is None:
            raise NotFound(_l("チケットが見つかりません。"))
        ticket_policy.require_view_ticket(actor, ticket)
        if ticket.is_confidential or ticket.type is TicketType.SECURITY:
            raise ValidationFailed(
                _l("セキュリティ事案（機密）のチケットはナレッジ記事にできません。"),
                fields={"ticket": _l("機密のチケットです。")})
        if ticket.status not in (TicketStatus.RESOLVED, TicketStatus.CLOSED):
            raise InvalidTransition(_l("解決済みまたは完了したチケットだけをナレッジ記事にできます。"))
        existing = session.scalar(select(Article).where(Article.source_ticket_id == ticket.id)
                                  .order_by(Article.id))
        if existing is not None:
            return existing
        parts = ["## " + str(_l("症状")), ticket.description.strip() or ticket.subject]
        if ticket.resolution_summary.strip():
            parts += ["## " + str(_l("解決方法")), ticket.resolution_summary.strip()]
        labels = [ticket.service.name_ja] if ticket.service else []
        article = create_article(
            ArticleFields(title=ticket.subject, body="\n\n".join(parts), audience=Audience.AGENTS,
                          tags=labels),
            actor=actor, now=now, source_ticket_id=ticket.id,
        )
        audit.record(actor, "kb.drafted_from_ticket", subject_type="ticket", subject_id=ticket.number,
                     ticket_id=ticket.id, now=now, data={"article_id": article.id})
    return article


# --- readers ------------------------------------------------------------------------------------


def record_view(article_id: int, *, actor: Actor) -> None:
    """Count a reader's view of a published article (one atomic increment; not audited)."""
    if not policy.can_read_staff_articles(actor):
        return
    with unit_of_work() as session:
        session.execute(
            update(Article).where(Article.id == article_id, Article.status == ArticleStatus.PUBLISHED)
            .values(view_count=Article.view_count + 1)
        )


def rate(article_id: int, stars: int, comment: str, *, actor: Actor, now: datetime) -> Article:
    """A reader's 1–5 stars; rating again replaces their rating. The aggregate follows. Audited.

    :raises NotFound: the article is invisible to the reader.
    :raises PermissionDenied: not staff.
    :raises ValidationFailed: stars outside 1–5, comment too long.
    """
    errors: dict[str, object] = {}
    if stars not in STARS:
        errors["stars"] = _l("1〜5を選んでください。")
    if len(comment) > COMMENT_MAX:
        errors["comment"] = _l("コメントは%(n)d文字以内で入力してください。", n=COMMENT_MAX)
    if errors:
        raise ValidationFailed(_l("入力内容を確認してください。"), fields=errors)
    with unit_of_work() as session:
        article = _get_for_update(article_id)
        policy.require_reader_feedback(actor, article)
        assert actor.user_id is not None
        dialect = postgresql if is_postgresql() else sqlite
        session.execute(
            dialect.insert(ArticleRating)
            .values(article_id=article.id, user_id=actor.user_id, stars=stars, comment=comment.strip(),
                    created_at=now, updated_at=now)
            .on_conflict_do_update(index_elements=[ArticleRating.article_id, ArticleRating.user_id],
                                   set_={"stars": stars, "comment": comment.strip(), "updated_at": now})
        )
        count, total = session.execute(
            select(func.count(), func.coalesce(func.sum(ArticleRating.stars), 0))
            .where(ArticleRating.article_id == article.id)
        ).one()
        article.rating_count, article.rating_sum = int(count), int(total)
        audit.record(actor, "kb.article_rated", subject_type="article", subject_id=article.id, now=now,
                     data={"stars": stars})
    return article


def record_deflection(
    article_id: int, *, source: DeflectionSource, actor: Actor, now: datetime,
    draft_subject: str = "", key: str | None = None,
) -> Deflection:
    """A reader says the article solved their problem: a ticket they did not need to file.

    Counted once per page (``key``: the same button pressed twice) and once per reader and
    article within :data:`~helpdesk.knowledge.queries.DEFLECTION_WINDOW`; a repeat returns the
    deflection already counted.
    Audited (without the draft subject, which may name people).

    :raises NotFound: the article is invisible to the reader.
    :raises PermissionDenied: not staff.
    """
    draft_subject = " ".join(draft_subject.split())[:TITLE_MAX]
    key = (key or "").strip()[:100] or None
    try:
        with unit_of_work() as session:
            article = _get_for_update(article_id)
            policy.require_reader_feedback(actor, article)
            earlier = _earlier_deflection(article.id, actor, key, now)
            if earlier is not None:
                return earlier
            deflection = Deflection(article_id=article.id, user_id=actor.user_id, source=source,
                                    draft_subject=draft_subject, key=key, created_at=now)
            session.add(deflection)
            article.deflection_count += 1
            session.flush()
            audit.record(actor, "kb.deflected", subject_type="article", subject_id=article.id, now=now,
                         data={"source": source.value, "deflection_id": deflection.id})
    except IntegrityError:
        # The same key sent twice at once: the other request counted it.
        found = _earlier_deflection(article_id, actor, key, now)
        if found is None:
            raise
        return found
    return deflection


def _earlier_deflection(article_id: int, actor: Actor, key: str | None, now: datetime) -> Deflection | None:
    if key is not None:
        same_page = db.session.scalar(
            select(Deflection).where(Deflection.user_id == actor.user_id, Deflection.key == key))
        if same_page is not None:
            return same_page
    return queries.find_recent_deflection(article_id, actor.user_id, now=now)


# --- categories ---------------------------------------------------------------------------------


def save_category(name_ja: str, name_en: str = "", *, actor: Actor, now: datetime,
                  category_id: int | None = None, sort_order: int | None = None) -> Category:
    """Add a category, or rename one; supervisors and administrators. Audited.

    :raises PermissionDenied: the actor may not keep categories.
    :raises NotFound: no such category.
    :raises ValidationFailed: empty, over-long, or taken Japanese name.
    """
    policy.require_manage_categories(actor)
    name_ja, name_en = " ".join(name_ja.split()), " ".join(name_en.split())
    errors: dict[str, object] = {}
    if not name_ja or len(name_ja) > CATEGORY_NAME_MAX:
        errors["name_ja"] = _l("カテゴリ名を%(n)d文字以内で入力してください。", n=CATEGORY_NAME_MAX)
    if len(name_en) > CATEGORY_NAME_MAX:
        errors["name_en"] = _l("英語名は%(n)d文字以内で入力してください。", n=CATEGORY_NAME_MAX)
    if errors:
        raise ValidationFailed(_l("入力内容を確認してください。"), fields=errors)
    with unit_of_work() as session:
        category = session.get(Category, category_id) if category_id else None
        if category_id and category is None:
            raise NotFound(_l("カテゴリが見つかりません。"))
        clash = session.scalar(select(Category).where(Category.name_ja == name_ja))
        if clash is not None and clash is not category:
            raise ValidationFailed(
                _l("同じ名前のカテゴリがあります。"),
                fields={"name_ja": _l("同じ名前のカテゴリがあります。別の名前にしてください。")})
        if category is None:
            highest = session.scalar(select(func.max(Category.sort_order))) or 0
            category = Category(name_ja=name_ja, name_en=name_en, is_active=True, created_at=now,
                                sort_order=highest + 10 if sort_order is None else sort_order)
            session.add(category)
            action = "kb.category_added"
        else:
            category.name_ja, category.name_en = name_ja, name_en
            if sort_order is not None:
                category.sort_order = sort_order
            action = "kb.category_renamed"
        session.flush()
        audit.record(actor, action, subject_type="kb_category", subject_id=category.id, now=now,
                     data={"name_ja": name_ja, "name_en": name_en})
    return category
