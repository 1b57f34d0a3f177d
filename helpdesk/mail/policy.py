"""Who may do what with mail."""

from __future__ import annotations

from helpdesk.core.actor import Actor

#: Held mail may come from anyone and hold anything: the call centre's staff review it.
REVIEWERS = frozenset({"agent", "supervisor"})


def can_review_mail(actor: Actor) -> bool:
    """Agents and supervisors review held mail."""
    return actor.role in REVIEWERS
