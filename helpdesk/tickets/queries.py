"""Reading tickets for the portal, the console and the vendor queue."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import Select, func, select
from sqlalchemy.orm import joinedload

from helpdesk.accounts.models import Party
from helpdesk.core.actor import Actor
from helpdesk.core.db import db
from helpdesk.core.errors import NotFound
from helpdesk.responsibility.models import ResponsibilitySegment
from helpdesk.tickets import policy
from helpdesk.tickets.models import Message, Service, Ticket
from helpdesk.tickets.states import OPEN_STATUSES, MessageKind

PAGE_SIZE = 50


@dataclass(frozen=True)
class Page:
    """One page of tickets and whether more follow."""

    items: list[Ticket]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        """Number of pages (at least one)."""
        return max(1, -(-self.total // self.per_page))


def _page(stmt: Select[Ticket], page: int, per_page: int) -> Page:
    total = int(db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0)
    page = max(1, page)
    items = list(
        db.session.scalars(
            stmt.options(joinedload(Ticket.requester), joinedload(Ticket.service),
                         joinedload(Ticket.assignee), joinedload(Ticket.site))
            .offset((page - 1) * per_page).limit(per_page)
        ).unique()
    )
    return Page(items=items, total=total, page=page, per_page=per_page)


def list_requester_tickets(user_id: int, *, page: int = 1, per_page: int = PAGE_SIZE) -> Page:
    """A requester's own tickets, newest first."""
    stmt = select(Ticket).where(Ticket.requester_id == user_id).order_by(
        Ticket.created_at.desc(), Ticket.id.desc()
    )
    return _page(stmt, page, per_page)


def list_open_queue(
    actor: Actor, *, party_id: int | None = None, page: int = 1, per_page: int = PAGE_SIZE
) -> Page:
    """Open tickets the actor may see, oldest priority first; optionally those a party holds.

    Confidential tickets are left out unless the actor is security-cleared.
    """
    stmt = select(Ticket).where(Ticket.status.in_(OPEN_STATUSES))
    if not actor.is_security_cleared:
        stmt = stmt.where(Ticket.is_confidential.is_(False))
    if party_id is not None:
        stmt = stmt.where(Ticket.id.in_(_held_by([party_id])))
    stmt = stmt.order_by(Ticket.priority, Ticket.created_at, Ticket.id)
    return _page(stmt, page, per_page)


def list_held_by_parties(
    party_ids: Collection[int], *, include_confidential: bool, page: int = 1,
    per_page: int = PAGE_SIZE,
) -> Page:
    """Open tickets whose open responsibility segment belongs to one of ``party_ids``."""
    stmt = select(Ticket).where(Ticket.id.in_(_held_by(party_ids)))
    if not include_confidential:
        stmt = stmt.where(Ticket.is_confidential.is_(False))
    return _page(stmt.order_by(Ticket.priority, Ticket.created_at, Ticket.id), page, per_page)


def _held_by(party_ids: Collection[int]) -> Select[int]:
    return select(ResponsibilitySegment.ticket_id).where(
        ResponsibilitySegment.ended_at.is_(None), ResponsibilitySegment.party_id.in_(party_ids)
    )


def get_ticket_for(actor: Actor, ticket_id: int) -> Ticket:
    """One ticket the actor may see.

    :raises NotFound: missing, or not visible to the actor.
    """
    ticket = db.session.get(Ticket, ticket_id)
    if ticket is None:
        raise NotFound("ticket")
    policy.require_view_ticket(actor, ticket)
    return ticket


def holders(ticket_ids: Collection[int]) -> dict[int, Party]:
    """The party holding each open ticket right now (for queue columns); one query."""
    if not ticket_ids:
        return {}
    rows = db.session.execute(
        select(ResponsibilitySegment.ticket_id, Party)
        .join(Party, Party.id == ResponsibilitySegment.party_id)
        .where(ResponsibilitySegment.ended_at.is_(None),
               ResponsibilitySegment.ticket_id.in_(list(ticket_ids)))
    )
    return {ticket_id: party for ticket_id, party in rows}


def list_services() -> list[Service]:
    """Active catalogue entries in display order."""
    stmt = select(Service).where(Service.is_active.is_(True)).order_by(Service.sort_order, Service.id)
    return list(db.session.scalars(stmt))


def count_open() -> int:
    """Open tickets in the whole system."""
    stmt = select(func.count()).select_from(Ticket).where(Ticket.status.in_(OPEN_STATUSES))
    return int(db.session.scalar(stmt) or 0)


def get_requester_ticket(actor: Actor, number: str) -> Ticket:
    """A ticket of the acting requester by its number.

    :raises NotFound: no such number, or it belongs to someone else.
    """
    ticket = db.session.scalar(select(Ticket).where(Ticket.number == number))
    if ticket is None or ticket.requester_id != actor.user_id:
        raise NotFound("ticket")
    return ticket


def list_public_messages(ticket_id: int) -> list[Message]:
    """The replies the requester may read, oldest first."""
    stmt = (
        select(Message)
        .where(Message.ticket_id == ticket_id, Message.kind == MessageKind.PUBLIC_REPLY)
        .options(joinedload(Message.author))
        .order_by(Message.created_at, Message.id)
    )
    return list(db.session.scalars(stmt))
