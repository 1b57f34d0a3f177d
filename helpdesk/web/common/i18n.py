"""Language and time zone: Japanese first, English on request; times in Asia/Tokyo."""

from __future__ import annotations

from datetime import datetime

from flask import Flask, current_app, g, has_request_context, request, session
from flask_babel import Babel, format_datetime
from flask_login import current_user

from helpdesk.core.time import TOKYO


def select_locale() -> str:
    """The signed-in user's profile language, else the session's switch, else Japanese.

    API callers have no session: ``Accept-Language`` decides, else the key's user's profile.
    The API's docs page is a page like the others.
    """
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():
        return str(current_app.config["BABEL_DEFAULT_LOCALE"])
    if request.blueprint == "api" and request.endpoint != "api.docs":
        asked = request.accept_languages.best_match(languages) if request.accept_languages else None
        api_locale = g.get("api_locale")
        return str(asked or (api_locale if api_locale in languages else None)
                   or current_app.config["BABEL_DEFAULT_LOCALE"])
    if current_user and current_user.is_authenticated:
        locale = current_user.user.locale
        if locale in languages:
            return str(locale)
    chosen = session.get("locale")
    if chosen in languages:
        return str(chosen)
    return str(current_app.config["BABEL_DEFAULT_LOCALE"])


def select_timezone() -> str:
    """Every screen shows Japan time."""
    return TOKYO.key


def jst(value: datetime | None, fmt: str = "short") -> str:
    """A timestamp in Japan time in the reader's locale ('' for None); also the ``jst`` filter."""
    if value is None:
        return ""
    if fmt == "long":
        return str(format_datetime(value, "yyyy/MM/dd HH:mm:ss"))
    if fmt == "time":  # today's outage banner: "10:05〜"
        return str(format_datetime(value, "HH:mm"))
    return str(format_datetime(value, "yyyy/MM/dd HH:mm"))


def jst_iso(value: str | None) -> str:
    """An ISO 8601 timestamp kept as text (audit event data) shown like :func:`jst`."""
    if not value:
        return ""
    try:
        return jst(datetime.fromisoformat(value))
    except ValueError:
        return value


def init_app(app: Flask, babel: Babel) -> None:
    """Bind Flask-Babel and the template helpers."""
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)

    app.add_template_filter(jst, "jst")
    app.add_template_filter(jst_iso, "jst_iso")

    @app.context_processor
    def locale_context() -> dict[str, object]:
        return {"current_locale": select_locale()}
