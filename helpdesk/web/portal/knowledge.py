"""The portal's knowledge base: search and read articles, rate them, say one solved the problem.

Routes are registered on the portal blueprint (``helpdesk.web.portal.views.bp``).
"""

from __future__ import annotations

import secrets
from typing import Any

from flask import flash, jsonify, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from helpdesk.core.errors import ValidationFailed
from helpdesk.core.time import utcnow
from helpdesk.knowledge import queries as kb
from helpdesk.knowledge import services as kb_services
from helpdesk.knowledge.models import Article, DeflectionSource
from helpdesk.knowledge.policy import can_read_staff_articles
from helpdesk.web.common.auth import current_actor, require
from helpdesk.web.common.forms import show_field_errors
from helpdesk.web.portal.knowledge_forms import ArticleRatingForm, SolvedForm
from helpdesk.web.portal.views import bp

QUERY_MAX = 200


@bp.get("/kb")
@require(can_read_staff_articles)
def kb_home() -> ResponseReturnValue:
    """Search box, categories and the articles that helped most; with ``q`` or ``category``, results."""
    actor = current_actor()
    query = (request.args.get("q") or "").strip()[:QUERY_MAX]
    category_id = request.args.get("category", type=int)
    categories = kb.list_categories()
    chosen = next((c for c in categories if c.id == category_id), None)
    results = None
    if query or chosen is not None:
        results = kb.search_published(actor, query, category_id=chosen.id if chosen else None,
                                      page=request.args.get("page", 1, type=int))
    return render_template(
        "portal/kb.html", query=query, category=chosen, categories=categories, results=results,
        counts=kb.count_by_category(actor), popular=[] if results else kb.list_popular(actor),
    )


@bp.get("/kb/suggest")
@require(can_read_staff_articles)
def kb_suggest() -> ResponseReturnValue:
    """Up to three published articles for what is being typed into a new ticket, as JSON.

    ``q`` is the subject, then the description. Answers ``{"items": [{id, title, url, snippet}]}``.
    """
    text = (request.args.get("q") or "")[:kb.SUGGEST_INPUT_MAX]
    subject, _newline, description = text.partition("\n")
    items = [
        {"id": s.article.id, "title": s.article.title, "snippet": s.snippet,
         "url": _article_url(s.article.id, from_suggestion=True)}
        for s in kb.suggest(current_actor(), subject, description)
    ]
    response = jsonify(items=items)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/kb/<int:article_id>")
@require(can_read_staff_articles)
def kb_article(article_id: int) -> ResponseReturnValue:
    """One article, with "この記事で解決しました" and a rating; ``?from=suggestion`` when suggested."""
    actor = current_actor()
    article = kb.get_article_for(actor, article_id)
    kb_services.record_view(article.id, actor=actor)
    return _article_page(article)


@bp.post("/kb/<int:article_id>/solved")
@require(can_read_staff_articles)
def kb_solved(article_id: int) -> ResponseReturnValue:
    """The article solved the reader's problem: one deflection, however often the button is sent."""
    actor = current_actor()
    article = kb.get_article_for(actor, article_id)
    form = SolvedForm()
    if not form.validate_on_submit():
        return _article_page(article, status=400)
    source = (DeflectionSource.SUGGESTION if form.source.data == DeflectionSource.SUGGESTION.value
              else DeflectionSource.ARTICLE)
    kb_services.record_deflection(article.id, source=source, actor=actor, now=utcnow(),
                                  draft_subject=form.draft_subject.data or "", key=form.key.data or None)
    flash(_("解決したとのこと、よかったです。ご報告ありがとうございました。"), "success")
    return redirect(_article_url(article.id, from_suggestion=source is DeflectionSource.SUGGESTION))


@bp.post("/kb/<int:article_id>/rating")
@require(can_read_staff_articles)
def kb_rate(article_id: int) -> ResponseReturnValue:
    """1–5 stars for the article; rating again replaces the earlier rating."""
    actor = current_actor()
    article = kb.get_article_for(actor, article_id)
    form = ArticleRatingForm()
    if not form.validate_on_submit():
        return _article_page(article, rating_form=form, status=422)
    try:
        kb_services.rate(article.id, int(form.stars.data), form.comment.data or "", actor=actor, now=utcnow())
    except ValidationFailed as exc:
        show_field_errors(form, exc)
        return _article_page(article, rating_form=form, status=422)
    flash(_("評価をお寄せいただきありがとうございました。"), "success")
    return redirect(_article_url(article.id, from_suggestion=request.args.get("from") == "suggestion"))


def _article_page(article: Article, *, rating_form: ArticleRatingForm | None = None,
                  status: int = 200) -> ResponseReturnValue:
    actor = current_actor()
    from_suggestion = request.args.get("from") == "suggestion"
    mine = kb.find_rating(article.id, actor.user_id)
    if rating_form is None:
        rating_form = ArticleRatingForm(formdata=None, stars=str(mine.stars) if mine else None,
                                        comment=mine.comment if mine else "")
    solved_form = SolvedForm(formdata=None, key=secrets.token_urlsafe(16),
                             source=(DeflectionSource.SUGGESTION if from_suggestion
                                     else DeflectionSource.ARTICLE).value)
    return render_template(
        "portal/kb_article.html", article=article, rating_form=rating_form, solved_form=solved_form,
        my_rating=mine, from_suggestion=from_suggestion,
        solved=kb.find_recent_deflection(article.id, actor.user_id, now=utcnow()) is not None,
        related=kb.list_related(actor, article),
    ), status


def _article_url(article_id: int, *, from_suggestion: bool = False) -> str:
    """The article's page; ``?from=suggestion`` marks a visit from the new-ticket suggestions."""
    values: dict[str, Any] = {"from": "suggestion"} if from_suggestion else {}
    return url_for("portal.kb_article", article_id=article_id, **values)
