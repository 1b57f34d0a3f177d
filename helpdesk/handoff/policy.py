"""Who may send, answer and see handoffs: the people of the parties involved."""

from __future__ import annotations

from helpdesk.core.actor import Actor
from helpdesk.core.errors import NotFound, PermissionDenied
from helpdesk.handoff.models import Handoff

#: Roles that may act for a party they belong to (requesters and admins never hold tickets).
PARTY_ROLES = frozenset({"agent", "supervisor", "vendor", "security"})


def can_act_for_party(actor: Actor, party_id: int) -> bool:
    """Members of a party (in a working role) act for it; the system acts for any."""
    return actor.is_system or (actor.role in PARTY_ROLES and party_id in actor.party_ids)


def require_act_for_party(actor: Actor, party_id: int) -> None:
    """:raises PermissionDenied: the actor does not work for ``party_id``."""
    if not can_act_for_party(actor, party_id):
        raise PermissionDenied("not a member of the party")


def can_view_handoff(actor: Actor, handoff: Handoff) -> bool:
    """The sending and the receiving party see a handoff; so do administrators.

    A confidential ticket's handoffs only their security-cleared people: the summary is the
    incident's own text.
    """
    if actor.is_system:
        return True
    if handoff.ticket.is_confidential and not actor.is_security_cleared:
        return False
    return (actor.role == "admin"
            or can_act_for_party(actor, handoff.from_party_id)
            or can_act_for_party(actor, handoff.to_party_id))


def require_view_handoff(actor: Actor, handoff: Handoff) -> None:
    """:raises NotFound: the actor may not know the handoff exists."""
    if not can_view_handoff(actor, handoff):
        raise NotFound("handoff")
