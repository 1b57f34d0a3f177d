"""Who may read which article, and who may write them.

Staff (requesters) read published articles meant for staff, in the portal. The desk
(agents, supervisors), the security team and the ministry's IT office read everything,
drafts and internal articles included. Agents, supervisors and administrators write
articles; supervisors and administrators keep the categories. Vendor engineers get
nothing: their work reaches them through handoffs, and internal procedures of the call
centre are not theirs to read.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, and_, false, true

from helpdesk.core.actor import Actor
from helpdesk.core.errors import NotFound, PermissionDenied
from helpdesk.knowledge.models import Article, ArticleStatus, Audience

EDITOR_ROLES = frozenset({"agent", "supervisor", "admin"})
#: Roles that read every article, drafts and internal ones included.
INSIDE_ROLES = EDITOR_ROLES | {"security"}
CATEGORY_ROLES = frozenset({"supervisor", "admin"})


def can_read_staff_articles(actor: Actor) -> bool:
    """Staff read the published staff articles in the portal, rate them and say they helped."""
    return actor.role == "requester" and actor.user_id is not None


def can_use_knowledge_console(actor: Actor) -> bool:
    """The knowledge base's pages in the console: the desk, security and the ministry's IT office."""
    return actor.role in INSIDE_ROLES or actor.is_system


def can_edit_articles(actor: Actor) -> bool:
    """Write, publish and archive articles, and turn resolved tickets into drafts."""
    return actor.role in EDITOR_ROLES or actor.is_system


def can_manage_categories(actor: Actor) -> bool:
    """Add and rename categories."""
    return actor.role in CATEGORY_ROLES or actor.is_system


def can_view_article(actor: Actor, article: Article) -> bool:
    """:func:`visible_condition` for one article; the two must agree."""
    if can_use_knowledge_console(actor):
        return True
    if can_read_staff_articles(actor):
        return article.status is ArticleStatus.PUBLISHED and article.audience is Audience.STAFF
    return False


def visible_condition(actor: Actor) -> ColumnElement[bool]:
    """:func:`can_view_article` as a WHERE clause, for lists and search."""
    if can_use_knowledge_console(actor):
        return true()
    if can_read_staff_articles(actor):
        return and_(Article.status == ArticleStatus.PUBLISHED, Article.audience == Audience.STAFF)
    return false()


def require_view_article(actor: Actor, article: Article | None) -> Article:
    """:raises NotFound: no such article, or the actor may not know it exists (the same answer)."""
    if article is None or not can_view_article(actor, article):
        raise NotFound(_l("記事が見つかりません。"))
    return article


def require_edit_articles(actor: Actor) -> None:
    """:raises PermissionDenied: the actor may not write articles."""
    if not can_edit_articles(actor):
        raise PermissionDenied(_l("記事を編集する権限がありません。"))


def require_manage_categories(actor: Actor) -> None:
    """:raises PermissionDenied: the actor may not keep the categories."""
    if not can_manage_categories(actor):
        raise PermissionDenied(_l("カテゴリを管理する権限がありません。"))


def require_reader_feedback(actor: Actor, article: Article) -> None:
    """Only staff who can read the article rate it or say it helped.

    :raises NotFound: the article is invisible to them. :raises PermissionDenied: not staff.
    """
    require_view_article(actor, article)
    if not can_read_staff_articles(actor):
        raise PermissionDenied(_l("評価できるのは職員の方だけです。"))
