"""Map domain errors and HTTP errors once: JSON problem details for the API, pages elsewhere."""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Flask, Response, current_app, jsonify, render_template, request, session, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from helpdesk.core.errors import DomainError, is_database_outage

log = logging.getLogger(__name__)
#: Seconds a client is asked to wait before trying again while the database is unreachable.
OUTAGE_RETRY_AFTER = 15

TITLES: dict[int, object] = {
    400: _l("リクエストが正しくありません"),
    401: _l("ログインが必要です"),
    403: _l("アクセスできません"),
    404: _l("ページが見つかりません"),
    405: _l("この操作はできません"),
    409: _l("操作が競合しました"),
    413: _l("データが大きすぎます"),
    422: _l("入力内容に誤りがあります"),
    429: _l("操作が多すぎます"),
    500: _l("システムエラーが発生しました"),
    503: _l("ただいま利用できません"),
}


def _wants_json() -> bool:
    """The API, and scripts of our own pages that ask for JSON (``Accept: application/json``)."""
    if request.blueprint == "api" or request.path.startswith("/api/"):
        return True
    return request.accept_mimetypes.best_match(("text/html", "application/json")) == "application/json"


def _problem(status: int, code: str, detail: str, fields: dict[str, str] | None = None) -> Response:
    body: dict[str, object] = {
        "type": f"about:blank#{code}", "title": str(TITLES.get(status, _("エラー"))),
        "status": status, "detail": detail,
    }
    if fields:
        body["errors"] = fields
    response = jsonify(body)
    response.status_code = status
    response.mimetype = "application/problem+json"
    return response


def _page(status: int, detail: str) -> tuple[str, int]:
    return render_template("errors/error.html", status=status,
                           title=str(TITLES.get(status, _("エラー"))), detail=detail), status


def _outage_locale() -> str:
    """The reader's language without the database: the signed-in user's profile cannot be read now."""
    languages = current_app.config["LANGUAGES"]
    chosen = session.get("locale")
    if chosen not in languages and request.accept_languages:
        chosen = request.accept_languages.best_match(languages)
    return str(chosen if chosen in languages else current_app.config["BABEL_DEFAULT_LOCALE"])


def _outage(error: Exception) -> Response:
    """503 with ``Retry-After`` while the database is down or restarting: nothing was written, the
    same request may be sent again. The page is drawn without the layout, whose menus read the
    database (the signed-in user, the unread count)."""
    log.warning("database unavailable on %s %s: %s", request.method, request.path,
                str(error).splitlines()[0] if str(error) else type(error).__name__)
    with force_locale(_outage_locale()):
        if request.method in ("GET", "HEAD"):
            detail = _("データベースに接続できないため、このページを表示できません。"
                       "しばらく待ってから、もう一度お試しください。")
        else:
            detail = _("データベースに接続できないため、処理できませんでした。"
                       "入力した内容は保存されていません。"
                       "ブラウザの「戻る」で入力画面に戻り、しばらく待ってから、もう一度送信してください。")
        if _wants_json():
            response = _problem(503, "unavailable", detail)
        else:
            page = current_app.jinja_env.get_template("errors/unavailable.html").render(
                title=str(TITLES[503]), detail=detail, retry_seconds=OUTAGE_RETRY_AFTER,
                retry_url=request.full_path if request.method == "GET" else None,
                stylesheet=url_for("static", filename="css/app.css"), lang=_outage_locale())
            response = Response(page, status=503, mimetype="text/html")
    response.headers["Retry-After"] = str(OUTAGE_RETRY_AFTER)
    response.headers["Cache-Control"] = "no-store"
    return response


Handler = Callable[[Any], Response | tuple[str, int]]


def _degrading(handler: Handler) -> Handler:
    """Draw the outage answer instead when drawing the usual one needs the database and it is down
    (the layout reads the signed-in user; a CSRF or 404 page comes before any view touched it)."""

    @wraps(handler)
    def draw(error: Any) -> Response | tuple[str, int]:
        try:
            return handler(error)
        except Exception as failure:
            if is_database_outage(failure):
                return _outage(failure)
            raise

    return draw


def init_app(app: Flask) -> None:
    """Register the handlers."""

    @app.errorhandler(DomainError)
    @_degrading
    def domain_error(error: DomainError) -> Response | tuple[str, int]:
        detail = str(error.message) if error.message else str(TITLES.get(error.status, _("エラー")))
        if _wants_json():
            return _problem(error.status, error.code, detail,
                            {k: str(v) for k, v in error.fields.items()})
        return _page(error.status, detail)

    @app.errorhandler(CSRFError)
    @_degrading
    def csrf_error(error: CSRFError) -> Response | tuple[str, int]:
        detail = _("画面の有効期限が切れました。もう一度操作してください。")
        if _wants_json():
            return _problem(400, "csrf", detail)
        return _page(400, detail)

    @app.errorhandler(HTTPException)
    @_degrading
    def http_error(error: HTTPException) -> Response | tuple[str, int]:
        status = error.code or 500
        detail = str(TITLES.get(status, _("エラー")))
        if _wants_json():
            response = _problem(status, "http_error", detail)
            if status == 429 and error.get_response().headers.get("Retry-After"):
                response.headers["Retry-After"] = error.get_response().headers["Retry-After"]
            return response
        return _page(status, detail)

    @app.errorhandler(Exception)
    @_degrading
    def unexpected(error: Exception) -> Response | tuple[str, int]:
        if is_database_outage(error):
            return _outage(error)
        log.exception("unhandled error on %s %s", request.method, request.path)
        detail = _("システムエラーが発生しました。時間をおいて再度お試しください。")
        if _wants_json():
            return _problem(500, "internal", detail)
        return _page(500, detail)
