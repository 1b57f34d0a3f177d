"""Monthly service-level reports in the console, for supervisors (the pages are in ``web/common/reports``)."""

from __future__ import annotations

from helpdesk.accounts.policy import can_supervise
from helpdesk.web.common.reports import register_routes
from helpdesk.web.console.views import bp

register_routes(bp, can_supervise)
