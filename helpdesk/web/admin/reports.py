"""Monthly service-level reports for the ministry's IT office (the pages are in ``web/common/reports``)."""

from __future__ import annotations

from helpdesk.accounts.policy import can_administer
from helpdesk.web.admin.views import bp
from helpdesk.web.common.reports import register_routes

register_routes(bp, can_administer)
