"""Sign in, sign out, language and password."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, logout_user
from werkzeug.exceptions import BadRequest

from helpdesk.accounts import services as accounts
from helpdesk.accounts.policy import can_use_console
from helpdesk.core.errors import Unauthenticated, ValidationFailed
from helpdesk.core.time import utcnow
from helpdesk.extensions import limiter
from helpdesk.notifications import queries as notification_queries
from helpdesk.notifications import services as notification_services
from helpdesk.web.account.forms import (
    LocaleForm,
    LoginForm,
    MailPreferenceForm,
    PasswordChangeForm,
    ShortcutsForm,
)
from helpdesk.web.common.auth import current_actor, current_db_user, require, start_session
from helpdesk.web.common.forms import CsrfForm
from helpdesk.web.common.navigation import home_url, safe_next, ticket_endpoint

bp = Blueprint("account", __name__)


def _login_limit() -> str:
    return str(current_app.config["LOGIN_RATE_LIMIT"])


def _policy() -> accounts.LoginPolicy:
    config = current_app.config
    return accounts.LoginPolicy(
        max_failures=config["LOGIN_MAX_FAILURES"], failure_window=config["LOGIN_FAILURE_WINDOW"],
        lockout=config["LOGIN_LOCKOUT"], session_lifetime=config["PERMANENT_SESSION_LIFETIME"],
    )


@bp.get("/")
def index() -> ResponseReturnValue:
    """Send each role to its own front door."""
    if not current_user.is_authenticated:
        return redirect(url_for("account.login"))
    return redirect(home_url(current_actor()))


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def login() -> ResponseReturnValue:
    """The sign-in form; a success opens a new server-side session."""
    if current_user.is_authenticated and request.method == "GET":
        return redirect(home_url(current_actor()))
    form = LoginForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
    error = None
    if form.validate_on_submit():
        try:
            user, token = accounts.log_in(
                form.email.data, form.password.data, now=utcnow(), policy=_policy(),
                remote_addr=request.remote_addr or "",
                user_agent=request.user_agent.string,
            )
        except Unauthenticated as exc:
            error = str(exc.message)
        else:
            start_session(user, token)
            return redirect(safe_next(form.next.data) or home_url(accounts.actor_for(user)))
    status = 401 if error else (422 if request.method == "POST" else 200)
    return render_template("account/login.html", form=form, error=error), status


@bp.post("/logout")
def logout() -> ResponseReturnValue:
    """End this session on the server and in the browser."""
    if current_user.is_authenticated:
        accounts.log_out(current_user.token, now=utcnow())
    logout_user()
    session.clear()
    flash(_("ログアウトしました。"), "info")
    return redirect(url_for("account.login"))


@bp.post("/locale")
def set_locale() -> ResponseReturnValue:
    """Switch language; saved on the profile when signed in."""
    form = LocaleForm()
    if form.validate_on_submit():
        session["locale"] = form.locale.data
        user = current_db_user()
        if user is not None:
            accounts.set_locale(user.id, form.locale.data, actor=current_actor(), now=utcnow())
    return redirect(safe_next(form.next.data) or url_for("account.index"))


@bp.route("/profile", methods=["GET", "POST"])
@require(lambda actor: actor.user_id is not None)
def profile() -> ResponseReturnValue:
    """Own details, language, password and, for console users, keyboard shortcuts."""
    user = current_db_user()
    assert user is not None
    form = PasswordChangeForm()
    locale_form = LocaleForm(locale=user.locale, next=url_for("account.profile"))
    status = 200
    if form.validate_on_submit():
        if form.password.data != form.confirm.data:
            form.confirm.errors.append(_("パスワードが一致しません。"))
            status = 422
        else:
            try:
                accounts.change_own_password(
                    user.id, form.current.data, form.password.data, actor=current_actor(),
                    now=utcnow(), keep_token=current_user.token,
                )
            except ValidationFailed as exc:
                for name, message in exc.fields.items():
                    getattr(form, name).errors.append(str(message))
                status = 422
            else:
                flash(_("パスワードを変更しました。"), "success")
                return redirect(url_for("account.profile"))
    elif request.method == "POST":
        status = 422
    shortcuts_form = (ShortcutsForm(enabled=user.keyboard_shortcuts_enabled)
                      if can_use_console(current_actor()) else None)
    return render_template("account/profile.html", user=user, form=form,
                           locale_form=locale_form, shortcuts_form=shortcuts_form,
                           mail_form=MailPreferenceForm(receives_mail=user.receives_mail)), status


@bp.post("/profile/mail")
@require(lambda actor: actor.user_id is not None)
def set_mail_preference() -> ResponseReturnValue:
    """Choose whether one's notifications also come by mail."""
    user = current_db_user()
    assert user is not None
    form = MailPreferenceForm()
    if not form.validate_on_submit():
        raise BadRequest()
    receives = bool(form.receives_mail.data)
    accounts.set_mail_preference(user.id, receives, actor=current_actor(), now=utcnow())
    flash(_("お知らせをメールでも受け取ります。") if receives
          else _("お知らせはメールでは送りません（画面のお知らせには届きます）。"), "success")
    return redirect(url_for("account.profile"))


@bp.post("/profile/shortcuts")
@require(can_use_console)
def set_shortcuts() -> ResponseReturnValue:
    """Turn the console's keyboard shortcuts on or off for oneself."""
    user = current_db_user()
    assert user is not None
    form = ShortcutsForm()
    if not form.validate_on_submit():
        raise BadRequest()
    enabled = bool(form.enabled.data)
    accounts.set_keyboard_shortcuts(user.id, enabled, actor=current_actor(), now=utcnow())
    flash(_("キーボードショートカットを有効にしました。") if enabled
          else _("キーボードショートカットを無効にしました。"), "success")
    return redirect(url_for("account.profile"))


@bp.get("/notifications")
@require(lambda actor: actor.user_id is not None)
def notifications() -> ResponseReturnValue:
    """Everything that happened to my tickets lately, newest first."""
    actor = current_actor()
    assert actor.user_id is not None
    items = notification_queries.list_recent(actor.user_id, limit=100)
    return render_template("account/notifications.html", items=items, form=CsrfForm(),
                           ticket_endpoint=ticket_endpoint(actor))


@bp.post("/notifications/read")
@require(lambda actor: actor.user_id is not None)
def mark_notifications_read() -> ResponseReturnValue:
    """Mark every notification as read."""
    actor = current_actor()
    assert actor.user_id is not None
    if CsrfForm().validate_on_submit():
        notification_services.mark_read(actor.user_id, now=utcnow())
    return redirect(url_for("account.notifications"))
