"""Presence: which other agents have a ticket's workspace open, and who is typing.

The workspace sends a heartbeat every few seconds; a row not refreshed within
:data:`FRESH_FOR` no longer counts and is deleted by a later heartbeat.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, or_, select
from sqlalchemy.dialects import postgresql, sqlite

from helpdesk.accounts.models import User
from helpdesk.core.actor import Actor
from helpdesk.core.db import db, is_postgresql, unit_of_work
from helpdesk.core.errors import NotFound
from helpdesk.tickets import policy
from helpdesk.tickets.models import Ticket, TicketPresence

#: A viewer whose last heartbeat is older than this has left (three missed 10 s polls).
FRESH_FOR = timedelta(seconds=30)


@dataclass(frozen=True)
class Viewer:
    """Another person on the ticket: their name and whether they are typing."""

    name: str
    is_typing: bool


def record_heartbeat(ticket_id: int, *, is_typing: bool, actor: Actor, now: datetime) -> None:
    """Mark the actor as viewing the ticket at ``now`` (typing or not) and drop stale presence.

    One unit of work and idempotent: a repeated heartbeat only moves ``seen_at``. The
    write is an atomic upsert on (ticket, user), so two tabs of one agent racing on their
    first heartbeat cannot collide on the key. Stale rows of this ticket and of this
    agent are deleted on the way, which keeps the table as small as the set of open
    workspaces without a periodic task.

    No audit event: presence records no decision and changes nothing about the ticket,
    and a heartbeat per open tab every 10 s would flood the hash-chained trail (and
    serialise on its lock) with noise no auditor needs; replies, notes and
    assignments are audited where they happen.

    :raises NotFound: no such ticket, or the actor may not see it.
    :raises PermissionDenied: the actor is not a person working in the console.
    """
    with unit_of_work() as session:
        ticket = session.get(Ticket, ticket_id)
        if ticket is None:
            raise NotFound("ticket")
        policy.require_share_presence(actor, ticket)
        assert actor.user_id is not None  # a console person, checked above
        session.execute(
            delete(TicketPresence)
            .where(or_(TicketPresence.ticket_id == ticket_id, TicketPresence.user_id == actor.user_id),
                   TicketPresence.seen_at < now - FRESH_FOR)
            .execution_options(synchronize_session=False)
        )
        insert = postgresql.insert if is_postgresql() else sqlite.insert
        stmt = insert(TicketPresence).values(
            ticket_id=ticket_id, user_id=actor.user_id, is_typing=is_typing, seen_at=now
        )
        session.execute(stmt.on_conflict_do_update(
            index_elements=[TicketPresence.ticket_id, TicketPresence.user_id],
            set_={"is_typing": stmt.excluded.is_typing, "seen_at": stmt.excluded.seen_at},
        ))


def list_viewers(ticket_id: int, *, now: datetime, exclude_user_id: int | None) -> list[Viewer]:
    """The people whose heartbeat on the ticket is fresh at ``now``, typists first, then by reading.

    The caller has checked that the actor may see the ticket; ``exclude_user_id`` (the
    actor) is left out, since nobody needs to be told that they are here themselves.
    """
    stmt = (
        select(User, TicketPresence.is_typing)
        .join(TicketPresence, TicketPresence.user_id == User.id)
        .where(TicketPresence.ticket_id == ticket_id, TicketPresence.seen_at >= now - FRESH_FOR,
               User.is_active.is_(True))
        .order_by(TicketPresence.is_typing.desc(), User.family_kana, User.given_kana, User.id)
    )
    if exclude_user_id is not None:
        stmt = stmt.where(TicketPresence.user_id != exclude_user_id)
    return [Viewer(name=user.display_name, is_typing=typing) for user, typing in db.session.execute(stmt)]
