"""The console's knowledge base: list and search articles, write and publish them, see their history.

Routes are registered on the console blueprint (``helpdesk.web.console.views.bp``). The
ministry's IT office (admin) reaches these pages too, though not the rest of the console.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from wtforms.fields.choices import SelectChoice

from helpdesk.core.errors import ValidationFailed
from helpdesk.core.time import utcnow
from helpdesk.knowledge import queries as kb
from helpdesk.knowledge import services as kb_services
from helpdesk.knowledge.models import Article, ArticleStatus, Audience
from helpdesk.knowledge.policy import (
    can_edit_articles,
    can_manage_categories,
    can_use_knowledge_console,
)
from helpdesk.tickets import queries as tickets
from helpdesk.tickets.models import Ticket
from helpdesk.tickets.states import TicketStatus, TicketType
from helpdesk.web.common.auth import current_actor, require
from helpdesk.web.common.forms import CsrfForm, show_field_errors
from helpdesk.web.common.i18n import select_locale
from helpdesk.web.console.knowledge_forms import ArticleForm, CategoryForm
from helpdesk.web.console.views import bp

QUERY_MAX = 200


@bp.get("/kb")
@require(can_use_knowledge_console)
def kb_list() -> ResponseReturnValue:
    """Drafts, published and archived articles; search, and filter by status, category or tag."""
    actor = current_actor()
    query = (request.args.get("q") or "").strip()[:QUERY_MAX]
    status_value = request.args.get("status", "")
    status = ArticleStatus(status_value) if status_value in {s.value for s in ArticleStatus} else None
    categories = kb.list_categories(include_inactive=True)
    category_id = request.args.get("category", type=int)
    if category_id not in {c.id for c in categories}:
        category_id = None
    tag = (request.args.get("tag") or "").strip()[:40] or None
    page = kb.list_articles(actor, query=query, status=status, category_id=category_id, tag=tag,
                            page=request.args.get("page", 1, type=int))
    return _list_page(page=page, query=query, status=status, category_id=category_id, tag=tag,
                      categories=categories)


def _list_page(*, category_form: CategoryForm | None = None, status_code: int = 200,
               **context: Any) -> ResponseReturnValue:
    actor = current_actor()
    if "categories" not in context:
        context["categories"] = kb.list_categories(include_inactive=True)
    if "page" not in context:
        context.update(page=kb.list_articles(actor), query="", status=None, category_id=None, tag=None)
    status = context["status"]
    args = {k: v for k, v in (("q", context["query"]), ("status", status.value if status else None),
                              ("category", context["category_id"]), ("tag", context["tag"])) if v}
    return render_template(
        "console/kb_list.html", statuses=list(ArticleStatus), args=args,
        can_edit=can_edit_articles(actor), can_manage=can_manage_categories(actor),
        category_form=category_form or CategoryForm(formdata=None), rename_form=CsrfForm(),
        tags=kb.list_tags(), **context,
    ), status_code


@bp.route("/kb/new", methods=["GET", "POST"])
@require(can_edit_articles)
def kb_new() -> ResponseReturnValue:
    """Write a new article; it starts as a draft (version 1). "プレビュー" shows the body rendered."""
    return _article_editor(
        None, lambda form: kb_services.create_article(_fields(form), actor=current_actor(), now=utcnow()),
        _("下書きを保存しました。"))


@bp.get("/kb/<int:article_id>")
@require(can_use_knowledge_console)
def kb_article(article_id: int) -> ResponseReturnValue:
    """An article as readers see it, with its status, figures and what may be done next."""
    actor = current_actor()
    article = kb.get_article_for(actor, article_id)
    source = tickets.get_ticket(article.source_ticket_id) if article.source_ticket_id else None
    return render_template("console/kb_article.html", article=article, source_ticket=source,
                           can_edit=can_edit_articles(actor), status_form=CsrfForm())


@bp.route("/kb/<int:article_id>/edit", methods=["GET", "POST"])
@require(can_edit_articles)
def kb_edit(article_id: int) -> ResponseReturnValue:
    """Change an article; a changed title or body is saved as the next version."""
    actor = current_actor()
    article = kb.get_article_for(actor, article_id)
    return _article_editor(
        article, lambda form: kb_services.edit_article(article.id, _fields(form), actor=actor, now=utcnow(),
                                                       base_version=_int_or_none(form.base_version.data)),
        _("記事を保存しました。"))


def _article_editor(article: Article | None, save: Callable[[ArticleForm], Article],
                    saved_message: str) -> ResponseReturnValue:
    """The editor page of a new (``article`` None) or existing article: GET shows the form, "プレビュー"
    shows it again with the body rendered, "保存" validates, saves through ``save`` and opens the article."""

    def page(form: ArticleForm, *, preview: bool = False, status: int = 200) -> ResponseReturnValue:
        return render_template("console/kb_edit.html", form=form, article=article, preview=preview), status

    if request.method == "GET":
        return page(_article_form(article))
    form = _article_form()
    if request.form.get("action") == "preview":
        return page(form, preview=True)
    if not form.validate_on_submit():
        return page(form, status=422)
    try:
        saved = save(form)
    except kb_services.StaleArticle as exc:
        flash(str(exc.message), "error")
        return page(form, status=409)
    except ValidationFailed as exc:
        show_field_errors(form, exc)
        return page(form, status=422)
    flash(saved_message, "success")
    return redirect(url_for("console.kb_article", article_id=saved.id))


@bp.post("/kb/<int:article_id>/status")
@require(can_edit_articles)
def kb_status(article_id: int) -> ResponseReturnValue:
    """Publish, take back to draft, or archive."""
    actor = current_actor()
    article = kb.get_article_for(actor, article_id)
    CsrfForm().validate_or_400()
    target = request.form.get("target", "")
    moves = {ArticleStatus.PUBLISHED.value: (kb_services.publish, _("記事を公開しました。")),
             ArticleStatus.DRAFT.value: (kb_services.unpublish, _("記事を下書きに戻しました。")),
             ArticleStatus.ARCHIVED.value: (kb_services.archive, _("記事の公開を終了しました。"))}
    if target not in moves:
        flash(_("操作を選んでください。"), "error")
        return redirect(url_for("console.kb_article", article_id=article.id)), 422
    move, message = moves[target]
    try:
        move(article.id, actor=actor, now=utcnow())
    except ValidationFailed as exc:
        flash(str(next(iter(exc.fields.values()), exc.message)), "error")
        return redirect(url_for("console.kb_edit", article_id=article.id))
    flash(message, "success")
    return redirect(url_for("console.kb_article", article_id=article.id))


@bp.get("/kb/<int:article_id>/versions")
@require(can_use_knowledge_console)
def kb_versions(article_id: int) -> ResponseReturnValue:
    """Every saved version: its number, who saved it and when."""
    article = kb.get_article_for(current_actor(), article_id)
    return render_template("console/kb_versions.html", article=article, versions=kb.list_versions(article.id))


@bp.get("/kb/<int:article_id>/versions/<int:number>")
@require(can_use_knowledge_console)
def kb_version(article_id: int, number: int) -> ResponseReturnValue:
    """One past version as it read then."""
    article = kb.get_article_for(current_actor(), article_id)
    return render_template("console/kb_version.html", article=article,
                           version=kb.get_version(article.id, number))


@bp.post("/kb/categories")
@require(can_manage_categories)
def kb_save_category() -> ResponseReturnValue:
    """Add a category, or rename one."""
    form = CategoryForm()
    if not form.validate_on_submit():
        return _list_page(category_form=form, status_code=422)
    try:
        category = kb_services.save_category(form.name_ja.data, form.name_en.data or "",
                                             actor=current_actor(), now=utcnow(),
                                             category_id=_int_or_none(form.category_id.data))
    except ValidationFailed as exc:
        show_field_errors(form, exc)
        return _list_page(category_form=form, status_code=422)
    flash(_("カテゴリ「%(name)s」を保存しました。", name=category.name_ja), "success")
    return redirect(url_for("console.kb_list"))


@bp.post("/tickets/<number>/kb-draft")
@require(can_edit_articles)
def kb_draft_from_ticket(number: str) -> ResponseReturnValue:
    """"ナレッジ記事にする": a draft from this resolved ticket, opened for editing."""
    actor = current_actor()
    item = tickets.get_ticket_by_number_for(actor, number)
    CsrfForm().validate_or_400()
    existing = kb.find_article_from_ticket(item.id)
    try:
        article = kb_services.draft_from_ticket(item.id, actor=actor, now=utcnow())
    except ValidationFailed as exc:
        flash(str(exc.message), "error")
        return redirect(url_for("console.ticket", number=item.number)), 422
    if existing is not None:
        flash(_("このチケットから作成した記事があります。"), "success")
    else:
        flash(_("チケットから下書きを作成しました。個人名や内線番号などを消してから公開してください。"),
              "success")
    return redirect(url_for("console.kb_edit", article_id=article.id))


def _article_form(article: Article | None = None) -> ArticleForm:
    if article is None:
        form = ArticleForm()
    else:
        form = ArticleForm(formdata=None, title=article.title, body=article.body,
                           audience=article.audience.value, category=str(article.category_id or ""),
                           tags="、".join(t.label for t in article.tags), base_version=str(article.version))
    locale = select_locale()
    form.category.choices = [SelectChoice("", _("（なし）"))] + [
        SelectChoice(str(c.id), c.display_name(locale)) for c in kb.list_categories()
    ]
    return form


def _int_or_none(value: object) -> int | None:
    """A hidden field's number, or None when it is empty or not a number."""
    text = str(value or "")
    return int(text) if text.isdigit() else None


def _fields(form: ArticleForm) -> kb_services.ArticleFields:
    return kb_services.ArticleFields(
        title=form.title.data or "", body=form.body.data or "", audience=Audience(form.audience.data),
        category_id=int(form.category.data) if form.category.data else None,
        tags=kb_services.parse_tags(form.tags.data or ""),
    )


@bp.context_processor
def _ticket_workspace_context() -> dict[str, Any]:
    """What the ticket workspace needs for its "ナレッジ記事にする" button."""

    def may_draft(ticket: Ticket) -> bool:
        return (can_edit_articles(current_actor()) and not ticket.is_confidential
                and ticket.type is not TicketType.SECURITY
                and ticket.status in (TicketStatus.RESOLVED, TicketStatus.CLOSED))

    return {"kb_may_draft": may_draft, "kb_article_from_ticket": kb.find_article_from_ticket}
