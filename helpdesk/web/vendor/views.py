"""The vendor queue: tickets the vendor's party holds."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask.typing import ResponseReturnValue

from helpdesk.accounts.policy import can_use_vendor_queue
from helpdesk.tickets import queries as tickets
from helpdesk.web.common.auth import current_actor, require

bp = Blueprint("vendor", __name__, url_prefix="/vendor")


@bp.get("/")
@require(can_use_vendor_queue)
def queue() -> ResponseReturnValue:
    """Open tickets whose responsibility lies with the vendor's party right now."""
    actor = current_actor()
    page = tickets.list_held_by_parties(
        actor.party_ids, include_confidential=actor.is_security_cleared,
        page=request.args.get("page", 1, type=int),
    )
    return render_template("vendor/queue.html", page=page)
