"""Who may read and generate the monthly service-level reports."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from helpdesk.core.actor import Actor
from helpdesk.core.errors import PermissionDenied

#: The call centre's supervisors (console) and the ministry's IT office (admin).
REPORT_ROLES = frozenset({"supervisor", "admin"})


def can_view_reports(actor: Actor) -> bool:
    """Read the monthly reports, their snapshots and downloads."""
    return actor.is_system or actor.role in REPORT_ROLES


def can_generate_reports(actor: Actor) -> bool:
    """Ask for a month's report to be (re)generated."""
    return actor.is_system or actor.role in REPORT_ROLES


def require_view_reports(actor: Actor) -> None:
    """:raises PermissionDenied: unless :func:`can_view_reports`."""
    if not can_view_reports(actor):
        raise PermissionDenied(_l("この操作の権限がありません。"))


def require_generate_reports(actor: Actor) -> None:
    """:raises PermissionDenied: unless :func:`can_generate_reports`."""
    if not can_generate_reports(actor):
        raise PermissionDenied(_l("この操作の権限がありません。"))
