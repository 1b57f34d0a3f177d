"""REST API v1 for the vendors' tooling; authenticated by API key, never by cookie."""

from __future__ import annotations

from functools import wraps
from typing import Any, TypeVar, cast

from flask import Blueprint, Response, g, jsonify, request
from flask_babel import gettext as _

from helpdesk.accounts import services as accounts
from helpdesk.core.errors import Unauthenticated
from helpdesk.core.time import utcnow
from helpdesk.extensions import limiter

bp = Blueprint("api", __name__, url_prefix="/api/v1")
F = TypeVar("F")


def api_key_required(view: F) -> F:
    """Authenticate ``Authorization: Bearer <key>``; the actor lands in ``g.actor``."""

    @wraps(view)  # type: ignore[arg-type]
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        header = request.headers.get("Authorization", "")
        scheme, _sep, key = header.partition(" ")
        if scheme.lower() != "bearer" or not key:
            raise Unauthenticated(_("APIキーを Authorization: Bearer ヘッダーで指定してください。"))
        g.actor = accounts.authenticate_api_key(key.strip(), now=utcnow())
        return view(*args, **kwargs)  # type: ignore[operator]

    return cast(F, wrapper)


@bp.get("/me")
@limiter.limit("120 per minute")
@api_key_required
def me() -> Response:
    """Who the presented key acts as."""
    actor = g.actor
    return jsonify({
        "role": actor.role,
        "user_id": actor.user_id,
        "party_ids": sorted(actor.party_ids),
        "label": actor.label,
    })
