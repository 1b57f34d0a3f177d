"""Login glue: server-side sessions behind Flask-Login, the current actor, role gates."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from flask import Flask, current_app, g, redirect, request, session, url_for
from flask_babel import lazy_gettext as _l
from flask_login import AnonymousUserMixin, UserMixin, current_user

from helpdesk.accounts import services as accounts
from helpdesk.accounts.models import User
from helpdesk.core.actor import Actor
from helpdesk.core.errors import PermissionDenied, Unauthenticated
from helpdesk.core.time import utcnow
from helpdesk.extensions import login_manager
from helpdesk.notifications import queries as notification_queries

F = TypeVar("F", bound=Callable[..., Any])


class SessionUser(UserMixin):  # type: ignore[misc]
    """The signed-in user plus the token of the login session they hold."""

    def __init__(self, user: User, token: str) -> None:
        self.user = user
        self.token = token

    def get_id(self) -> str:
        """Flask-Login keeps this in the cookie: the session token, never the user id."""
        return self.token

    @property
    def actor(self) -> Actor:
        """The actor services receive."""
        return accounts.actor_for(self.user)


def init_app(app: Flask) -> None:
    """Wire Flask-Login to :func:`accounts.resolve_session`."""
    login_manager.login_view = "account.login"
    login_manager.login_message = cast(str, _l("ログインしてください。"))
    login_manager.session_protection = None  # our sessions are server-side and rotated on login

    app.context_processor(lambda: {"unread_notifications": unread_notifications})

    @login_manager.user_loader
    def load_user(token: str) -> SessionUser | None:
        user = accounts.resolve_session(
            token, now=utcnow(), idle_timeout=current_app.config["SESSION_IDLE_TIMEOUT"]
        )
        return SessionUser(user, token) if user is not None else None


def current_actor() -> Actor:
    """The actor of this request.

    :raises Unauthenticated: nobody is signed in.
    """
    if "actor" in g:
        return cast(Actor, g.actor)
    if not current_user.is_authenticated:
        raise Unauthenticated(_l("ログインしてください。"))
    actor = cast(SessionUser, current_user).actor
    g.actor = actor
    return actor


def unread_notifications() -> int:
    """The bell's number for the signed-in user (0 when signed out)."""
    if not current_user.is_authenticated:
        return 0
    return notification_queries.count_unread(cast(SessionUser, current_user).user.id)


def current_db_user() -> User | None:
    """The signed-in user row, or None."""
    if isinstance(current_user, AnonymousUserMixin) or not current_user.is_authenticated:
        return None
    return cast(SessionUser, current_user).user


def require(check: Callable[[Actor], bool]) -> Callable[[F], F]:
    """Gate a view with a policy function (``can_*``); anonymous users go to the login page."""

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                if request.blueprint == "api":
                    raise Unauthenticated(_l("ログインしてください。"))
                return redirect(url_for("account.login", next=request.full_path))
            if not check(current_actor()):
                raise PermissionDenied(_l("このページを表示する権限がありません。"))
            return view(*args, **kwargs)

        wrapper.required_policy = check  # type: ignore[attr-defined]
        return cast(F, wrapper)

    return decorator


def start_session(user: User, token: str) -> None:
    """Put a fresh login session in the cookie, dropping everything from before."""
    from flask_login import login_user

    locale = session.get("locale")
    session.clear()
    if locale:
        session["locale"] = locale
    login_user(SessionUser(user, token))
    session.permanent = True
