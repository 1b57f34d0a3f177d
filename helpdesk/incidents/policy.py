"""Who may see and run major incidents."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from helpdesk.core.actor import Actor
from helpdesk.core.errors import PermissionDenied

#: Those who follow incidents inside: the call centre, the security team and the ministry.
VIEWERS = frozenset({"agent", "supervisor", "security", "admin"})


def can_view(actor: Actor) -> bool:
    """Incident pages, their timeline and their post-incident report."""
    return actor.is_system or actor.role in VIEWERS


def can_declare(actor: Actor) -> bool:
    """Supervisors declare (and dismiss proposals); the detector only proposes."""
    return actor.is_system or actor.role == "supervisor"


def can_coordinate(actor: Actor) -> bool:
    """Link reports, post updates, record restoration and resolve: the call centre's desk."""
    return actor.is_system or actor.role in {"agent", "supervisor"}


def can_register_serious(actor: Actor) -> bool:
    """The ministry's IT office decides what is a serious incident (大規模障害)."""
    return actor.role == "admin"


def can_report_affected(actor: Actor) -> bool:
    """Staff say "me too" and subscribe from the portal."""
    return actor.user_id is not None and actor.role not in {"vendor", "system"}


def require(allowed: bool) -> None:
    """:raises PermissionDenied: when ``allowed`` is false."""
    if not allowed:
        raise PermissionDenied(_l("この操作の権限がありません。"))
