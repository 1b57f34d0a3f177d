"""The supervisor's dashboard: the page, and its body alone for the refresh every minute.

Supervisors only, like the SLA overview: the figures cover every queue and both
contractors. Routes are registered on the console blueprint (``helpdesk.web.console.views.bp``).
"""

from __future__ import annotations

from typing import Any

from flask import render_template
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from helpdesk.accounts.policy import can_supervise
from helpdesk.core.time import utcnow
from helpdesk.reports import dashboard as figures
from helpdesk.tickets.states import Priority
from helpdesk.web.common.auth import current_actor, require
from helpdesk.web.common.i18n import select_locale
from helpdesk.web.console.views import bp

#: How often the open page fetches a fresh body.
REFRESH_SECONDS = 60
#: Bars drawn for open tickets by service and by site; the tables list them all.
CHART_ROWS = 10


@bp.get("/dashboard")
@require(can_supervise)
def dashboard() -> ResponseReturnValue:
    """Open tickets by status, priority and holder, breaching soon, intake, and the charts."""
    return render_template("console/dashboard.html", refresh_ms=REFRESH_SECONDS * 1000, **_body())


@bp.get("/dashboard/panel")
@require(can_supervise)
def dashboard_panel() -> ResponseReturnValue:
    """The dashboard's body alone (an HTML fragment), for ``static/js/dashboard.js``."""
    return render_template("console/_dashboard_panel.html", **_body())


def _body() -> dict[str, Any]:
    actor = current_actor()
    board = figures.build(actor, now=utcnow(), locale=select_locale())
    return {"board": board, "charts": _charts(board), "is_cleared": actor.is_security_cleared}


def _charts(board: figures.Dashboard) -> dict[str, Any]:
    """The dashboard's figures as the chart macros take them, labelled in the reader's language."""
    ages = {"lt1": _("1日未満"), "1to3": _("1〜3日"), "3to7": _("3〜7日"), "7to30": _("7〜30日"),
            "gt30": _("30日超")}

    def percent(rate: float | None) -> float | None:
        return None if rate is None else round(100 * rate, 1)

    def top(counts: list[figures.Count]) -> list[tuple[str, int]]:
        return [(c.label or _("未設定"), c.count) for c in counts[:CHART_ROWS]]

    return {
        "intake": [(f"{d.day.month}/{d.day.day}", d.count) for d in board.intake_daily],
        "week_labels": [f"{w.week.month}/{w.week.day}" for w in board.compliance],
        "compliance": [
            (_("応答"), [percent(w.response_rate) for w in board.compliance]),
            (_("解決・復旧"), [percent(w.resolution_rate) for w in board.compliance]),
        ],
        "age_labels": [ages[b.key] for b in board.backlog_age],
        "age_series": [(p.value, [b.by_priority[p] for b in board.backlog_age]) for p in Priority],
        "services": top(board.by_service),
        "sites": top(board.by_site),
    }
