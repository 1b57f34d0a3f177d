"""Who may do what with accounts and which front doors a role may enter."""

from __future__ import annotations

from helpdesk.core.actor import Actor
from helpdesk.core.errors import PermissionDenied

STAFF_ROLES = frozenset({"agent", "supervisor"})


def can_use_portal(actor: Actor) -> bool:
    """Staff (requesters) file and follow their own tickets in the portal."""
    return actor.role == "requester"


def can_use_console(actor: Actor) -> bool:
    """Agents and supervisors of the call centre, and the security team, work the console."""
    return actor.role in {"agent", "supervisor", "security"}


def can_log_calls(actor: Actor) -> bool:
    """The call centre takes calls and logs them for staff."""
    return actor.role in {"agent", "supervisor"}


def can_supervise(actor: Actor) -> bool:
    """Supervisors see every queue and the service-level figures."""
    return actor.role == "supervisor"


def can_use_vendor_queue(actor: Actor) -> bool:
    """Vendor engineers and the security team see what was handed to their party."""
    return actor.role in {"vendor", "security"} and bool(actor.party_ids)


def can_administer(actor: Actor) -> bool:
    """The ministry's IT office configures the system and manages accounts."""
    return actor.role == "admin" or actor.is_system


def require_administer(actor: Actor) -> None:
    """:raises PermissionDenied: unless :func:`can_administer`."""
    if not can_administer(actor):
        raise PermissionDenied("administrators only")
