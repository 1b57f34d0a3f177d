"""Ministry administration: accounts."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from helpdesk.accounts import queries as account_queries
from helpdesk.accounts import services as accounts
from helpdesk.accounts.policy import can_administer
from helpdesk.core.time import utcnow
from helpdesk.web.common.auth import current_actor, require
from helpdesk.web.common.forms import CsrfForm

bp = Blueprint("admin", __name__, url_prefix="/admin")
PER_PAGE = 50


@bp.get("/users")
@require(can_administer)
def users() -> ResponseReturnValue:
    """Every account, by kana reading, with its state."""
    page = max(1, request.args.get("page", 1, type=int))
    rows = account_queries.list_users(offset=(page - 1) * PER_PAGE, limit=PER_PAGE)
    total = account_queries.count_users()
    return render_template("admin/users.html", users=rows, page=page,
                           pages=max(1, -(-total // PER_PAGE)), total=total, form=CsrfForm())


@bp.post("/users/<int:user_id>/deactivate")
@require(can_administer)
def deactivate(user_id: int) -> ResponseReturnValue:
    """Deactivate an account; its sessions end at once."""
    CsrfForm().validate_or_400()
    ended = accounts.deactivate_user(user_id, actor=current_actor(), now=utcnow())
    flash(_("アカウントを無効にしました（終了したセッション: %(n)d）。", n=ended), "success")
    return redirect(url_for("admin.users"))


@bp.post("/users/<int:user_id>/reactivate")
@require(can_administer)
def reactivate(user_id: int) -> ResponseReturnValue:
    """Let a deactivated account sign in again."""
    CsrfForm().validate_or_400()
    accounts.reactivate_user(user_id, actor=current_actor(), now=utcnow())
    flash(_("アカウントを有効にしました。"), "success")
    return redirect(url_for("admin.users"))
