"""Map domain errors and HTTP errors once: JSON problem details for the API, pages elsewhere."""

from __future__ import annotations

import logging

from flask import Flask, Response, jsonify, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from helpdesk.core.errors import DomainError

log = logging.getLogger(__name__)

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


def init_app(app: Flask) -> None:
    """Register the handlers."""

    @app.errorhandler(DomainError)
    def domain_error(error: DomainError) -> Response | tuple[str, int]:
        detail = str(error.message) if error.message else str(TITLES.get(error.status, _("エラー")))
        if _wants_json():
            return _problem(error.status, error.code, detail,
                            {k: str(v) for k, v in error.fields.items()})
        return _page(error.status, detail)

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError) -> Response | tuple[str, int]:
        detail = _("画面の有効期限が切れました。もう一度操作してください。")
        if _wants_json():
            return _problem(400, "csrf", detail)
        return _page(400, detail)

    @app.errorhandler(HTTPException)
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
    def unexpected(error: Exception) -> Response | tuple[str, int]:
        log.exception("unhandled error on %s %s", request.method, request.path)
        detail = _("システムエラーが発生しました。時間をおいて再度お試しください。")
        if _wants_json():
            return _problem(500, "internal", detail)
        return _page(500, detail)
