"""Who may see and change which ticket."""

from __future__ import annotations

from sqlalchemy import ColumnElement, false, or_, true

from helpdesk.accounts.policy import can_use_console
from helpdesk.core.actor import Actor
from helpdesk.core.errors import NotFound, PermissionDenied
from helpdesk.tickets.models import Ticket

DESK_ROLES = frozenset({"agent", "supervisor"})


def can_open_ticket_for_others(actor: Actor) -> bool:
    """Agents log phone calls and mail on behalf of staff."""
    return actor.role in DESK_ROLES or actor.is_system


def can_view_ticket(actor: Actor, ticket: Ticket) -> bool:
    """Requesters see their own; the desk, security and administrators see the rest, confidential
    tickets only the security-cleared among them.

    Vendor parties see tickets only through handoffs (their front door checks the
    shares); they get nothing from this general rule.
    """
    if actor.is_system:
        return True
    if ticket.requester_id == actor.user_id:
        return True
    if actor.role not in DESK_ROLES and actor.role not in {"security", "admin"}:
        return False  # clearance never opens the general rule to vendor parties
    return actor.is_security_cleared or not ticket.is_confidential


def visible_condition(actor: Actor) -> ColumnElement[bool]:
    """:func:`can_view_ticket` as a WHERE clause, for lists; the two must agree."""
    if actor.is_system:
        return true()
    own = Ticket.requester_id == actor.user_id if actor.user_id is not None else false()
    if actor.role in DESK_ROLES or actor.role in {"security", "admin"}:
        if actor.is_security_cleared:
            return true()
        return or_(Ticket.is_confidential.is_(False), own)
    return own


def can_list_tickets(actor: Actor) -> bool:
    """Ticket lists through the API: staff their own, the desk and the ministry theirs to see.

    Vendor parties get tickets only through handoffs, never from the general list.
    """
    return actor.user_id is not None and actor.role not in {"vendor", "system"}


def can_work_ticket(actor: Actor, ticket: Ticket) -> bool:
    """Change status, write notes and replies as the help desk."""
    if actor.is_system:
        return True
    if ticket.is_confidential and not actor.is_security_cleared:
        return False
    return actor.role in DESK_ROLES or (ticket.is_confidential and actor.role == "security")


def can_share_presence(actor: Actor, ticket: Ticket) -> bool:
    """People in the console see, and are seen by, each other on the tickets they may view."""
    return actor.user_id is not None and can_use_console(actor) and can_view_ticket(actor, ticket)


def require_view_ticket(actor: Actor, ticket: Ticket) -> None:
    """:raises NotFound: the actor may not know the ticket exists."""
    if not can_view_ticket(actor, ticket):
        raise NotFound("ticket")


def require_work_ticket(actor: Actor, ticket: Ticket) -> None:
    """:raises PermissionDenied: the actor may see but not work the ticket."""
    require_view_ticket(actor, ticket)
    if not can_work_ticket(actor, ticket):
        raise PermissionDenied("not allowed to work this ticket")


def require_share_presence(actor: Actor, ticket: Ticket) -> None:
    """:raises NotFound: the ticket is invisible. :raises PermissionDenied: not a console user."""
    require_view_ticket(actor, ticket)
    if not can_share_presence(actor, ticket):
        raise PermissionDenied("presence is for console users")
