"""The agents' console: the queue of open tickets."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask.typing import ResponseReturnValue

from helpdesk.accounts.policy import can_use_console
from helpdesk.tickets import queries as tickets
from helpdesk.web.common.auth import current_actor, require

bp = Blueprint("console", __name__, url_prefix="/console")


@bp.get("/")
@require(can_use_console)
def queue() -> ResponseReturnValue:
    """All open tickets the agent may see, most urgent and oldest first."""
    actor = current_actor()
    page = tickets.list_open_queue(actor, page=request.args.get("page", 1, type=int))
    holders = tickets.holders([t.id for t in page.items])
    return render_template("console/queue.html", page=page, holders=holders)
