"""Ministry administration: accounts and the parties' webhook endpoints."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from helpdesk.accounts import queries as account_queries
from helpdesk.accounts import services as accounts
from helpdesk.accounts.policy import can_administer
from helpdesk.core.errors import ValidationFailed
from helpdesk.core.time import utcnow
from helpdesk.web.admin.forms import WebhookForm
from helpdesk.web.common.auth import current_actor, require
from helpdesk.web.common.forms import CsrfForm, show_field_errors
from helpdesk.webhooks import queries as webhook_queries
from helpdesk.webhooks import services as webhook_services

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


# --- webhooks -------------------------------------------------------------------------------


@bp.get("/webhooks")
@require(can_administer)
def webhooks() -> ResponseReturnValue:
    """Each party's endpoint and the newest deliveries, with replay."""
    return _webhooks_page()


@bp.post("/webhooks/<int:party_id>")
@require(can_administer)
def save_webhook(party_id: int) -> ResponseReturnValue:
    """Set a party's endpoint; a new or rotated secret is shown once, here."""
    form = WebhookForm(prefix=f"party-{party_id}")
    if not form.validate_on_submit():
        return _webhooks_page(forms={party_id: form}, status=422)
    try:
        _endpoint, secret = webhook_services.save_endpoint(
            party_id, form.url.data, actor=current_actor(), now=utcnow(),
            settings=webhook_services.settings_from(current_app.config), rotate_secret=bool(form.rotate.data),
        )
    except ValidationFailed as exc:
        show_field_errors(form, exc)
        return _webhooks_page(forms={party_id: form}, status=422)
    if secret:
        flash(_("署名用シークレット（この画面でのみ表示します）: %(secret)s", secret=secret), "success")
    else:
        flash(_("送信先を保存しました。"), "success")
    return redirect(url_for("admin.webhooks"))


@bp.post("/webhooks/deliveries/<int:delivery_id>/replay")
@require(can_administer)
def replay_webhook(delivery_id: int) -> ResponseReturnValue:
    """Send a delivery again with the same webhook-id; the next sweep delivers it."""
    CsrfForm().validate_or_400()
    webhook_services.replay(delivery_id, actor=current_actor(), now=utcnow())
    flash(_("再送を予約しました。30秒以内に送信されます。"), "success")
    return redirect(url_for("admin.webhooks"))


def _webhooks_page(*, forms: dict[int, WebhookForm] | None = None, status: int = 200) -> ResponseReturnValue:
    rows = []
    for party, endpoint in webhook_queries.list_parties_with_endpoints():
        form = (forms or {}).get(party.id) or WebhookForm(formdata=None, prefix=f"party-{party.id}",
                                                          url=endpoint.url if endpoint else "")
        rows.append((party, endpoint, form))
    return render_template("admin/webhooks.html", rows=rows, deliveries=webhook_queries.list_deliveries(),
                           replay_form=CsrfForm()), status
