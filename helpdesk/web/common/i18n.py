"""Language and time zone: Japanese first, English on request; times in Asia/Tokyo."""

from __future__ import annotations

from datetime import UTC, datetime

from babel.support import NullTranslations
from flask import Flask, current_app, g, has_request_context, request, session
from flask_babel import Babel, get_translations
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


#: ``jst`` formats by key; digits and separators only, so they read the same in every locale.
_JST_FORMATS = {"short": "%Y/%m/%d %H:%M", "long": "%Y/%m/%d %H:%M:%S", "time": "%H:%M"}


def jst(value: datetime | None, fmt: str = "short") -> str:
    """A timestamp in Japan time ('' for None); also the ``jst`` filter.

    ``fmt``: "short" (2026/11/27 10:05), "long" (with seconds) or "time" (10:05, today's
    outage banner). A naive value is taken as UTC, as Flask-Babel would.
    """
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    # strftime, not Babel's format_datetime: the patterns are locale-free and a queue page
    # formats a hundred of them.
    return value.astimezone(TOKYO).strftime(_JST_FORMATS.get(fmt, _JST_FORMATS["short"]))


def jst_iso(value: str | None) -> str:
    """An ISO 8601 timestamp kept as text (audit event data) shown like :func:`jst`."""
    if not value:
        return ""
    try:
        return jst(datetime.fromisoformat(value))
    except ValueError:
        return value


def request_translations() -> NullTranslations:
    """This request's catalogue, looked up once and kept where Flask-Babel keeps its own.

    A queue page calls ``_()`` several hundred times; Flask-Babel resolves the locale and
    its cache key on every call. ``babel_translations`` is the slot that
    ``flask_babel.refresh`` and ``force_locale`` clear and restore, so a language switch
    mid-request and mail rendered in the recipient's language still get the right one.
    """
    context = g.get("_flask_babel") if g else None
    translations: NullTranslations | None = getattr(context, "babel_translations", None)
    if translations is None:
        translations = get_translations()
        if context is not None:
            context.babel_translations = translations
    return translations


def init_app(app: Flask, babel: Babel) -> None:
    """Bind Flask-Babel and the template helpers."""
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=lambda s: request_translations().ugettext(s),
        ngettext=lambda s, p, n: request_translations().ungettext(s, p, n),
        pgettext=lambda c, s: request_translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: request_translations().unpgettext(c, s, p, n),
        newstyle=True,
    )

    app.add_template_filter(jst, "jst")
    app.add_template_filter(jst_iso, "jst_iso")

    @app.context_processor
    def locale_context() -> dict[str, object]:
        return {"current_locale": select_locale()}
