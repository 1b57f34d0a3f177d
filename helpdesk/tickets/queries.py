"""Reading tickets for the portal, the console and the vendor queue."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, func, select
from sqlalchemy.orm import joinedload, selectinload

from helpdesk.accounts.models import Party, Role, Site, User
from helpdesk.audit.models import AuditEvent
from helpdesk.core.actor import Actor
from helpdesk.core.db import db
from helpdesk.core.errors import NotFound
from helpdesk.core.time import TOKYO
from helpdesk.responsibility.models import ResponsibilitySegment
from helpdesk.tickets import policy
from helpdesk.tickets.models import Attachment, Message, Service, Ticket
from helpdesk.tickets.rows import BATCH_SIZE, TicketRow, iter_rows
from helpdesk.tickets.search import WINDOWS, term_condition, terms_of
from helpdesk.tickets.states import (
    OPEN_STATUSES,
    Channel,
    MessageKind,
    Priority,
    TicketStatus,
    TicketType,
)

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


#: A requester's tickets, newest first (the requester index walked backwards).
_NEWEST_FIRST = (Ticket.created_at.desc(), Ticket.id.desc())


def list_requester_tickets(user_id: int, *, page: int = 1, per_page: int = PAGE_SIZE) -> Page:
    """A requester's own tickets, newest first."""
    stmt = select(Ticket).where(Ticket.requester_id == user_id).order_by(*_NEWEST_FIRST)
    return _page(stmt, page, per_page)


def iter_requester_tickets(user_id: int, *, batch_size: int = BATCH_SIZE) -> Iterator[list[TicketRow]]:
    """Every ticket of one requester (:func:`list_requester_tickets` unpaged), in batches."""
    return iter_rows(select(Ticket).where(Ticket.requester_id == user_id), _NEWEST_FIRST,
                     batch_size=batch_size)


#: A party's held tickets: the most urgent, then the oldest, first.
_HELD_ORDER = (Ticket.priority.asc(), Ticket.created_at.asc(), Ticket.id.asc())


def list_held_by_parties(
    party_ids: Collection[int], *, include_confidential: bool, page: int = 1,
    per_page: int = PAGE_SIZE,
) -> Page:
    """Open tickets whose open responsibility segment belongs to one of ``party_ids``."""
    stmt = select(Ticket).where(Ticket.id.in_(_held_by(party_ids)))
    if not include_confidential:
        stmt = stmt.where(Ticket.is_confidential.is_(False))
    return _page(stmt.order_by(*_HELD_ORDER), page, per_page)


def iter_held_by_parties(
    party_ids: Collection[int], *, include_confidential: bool, batch_size: int = BATCH_SIZE
) -> Iterator[list[TicketRow]]:
    """Every ticket :func:`list_held_by_parties` pages through, in the same order, in batches."""
    stmt = select(Ticket).where(Ticket.id.in_(_held_by(party_ids)))
    if not include_confidential:
        stmt = stmt.where(Ticket.is_confidential.is_(False))
    return iter_rows(stmt, _HELD_ORDER, batch_size=batch_size)


def _held_by(party_ids: Collection[int]) -> Select[int]:
    return select(ResponsibilitySegment.ticket_id).where(
        ResponsibilitySegment.ended_at.is_(None), ResponsibilitySegment.party_id.in_(party_ids)
    )


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


def get_requester_ticket(actor: Actor, number: str) -> Ticket:
    """A ticket of the acting requester by its number.

    :raises NotFound: no such number, or it belongs to someone else.
    """
    ticket = db.session.scalar(select(Ticket).where(Ticket.number == number))
    if ticket is None or ticket.requester_id != actor.user_id:
        raise NotFound("ticket")
    return ticket


def get_ticket_by_number_for(actor: Actor, number: str) -> Ticket:
    """A ticket by its number, if the actor may see it.

    :raises NotFound: missing, or not visible to the actor.
    """
    if "\x00" in number:  # names no ticket, and PostgreSQL refuses to compare it
        raise NotFound("ticket")
    requester = joinedload(Ticket.requester)
    ticket = db.session.scalar(
        select(Ticket).where(Ticket.number == number.strip().upper())
        # What every ticket page shows beside it, in the same statement instead of four more.
        .options(joinedload(Ticket.service), joinedload(Ticket.assignee),
                 requester.joinedload(User.site), requester.joinedload(User.department))
    )
    if ticket is None:
        raise NotFound("ticket")
    policy.require_view_ticket(actor, ticket)
    return ticket


@dataclass(frozen=True)
class TimelineEntry:
    """One line of a ticket's history: a message, or an event from the audit trail."""

    at: datetime
    message: Message | None = None
    event: AuditEvent | None = None
    actor_name: str = ""


#: Audit actions shown in the workspace timeline (messages are shown as messages).
TIMELINE_ACTIONS = ("ticket.opened", "ticket.assigned", "ticket.status_changed",
                    "ticket.fields_changed", "ticket.rated", "ticket.linked", "ticket.merged",
                    "ticket.merged_in", "ticket.files_added", "ticket.break_glass",
                    # written by the handoff domain against the ticket
                    "handoff.escalation_requested", "handoff.handback_requested", "handoff.accepted",
                    "handoff.rejected", "handoff.withdrawn", "handoff.expired",
                    "handoff.acknowledgement_overdue", "ticket.restored",
                    # written by the SLA domain
                    "sla.warning", "sla.breach", "sla.recomputed")


def timeline(ticket_id: int, *, include_internal: bool) -> list[TimelineEntry]:
    """Messages and field/status events of a ticket in time order.

    Without ``include_internal`` only public replies are returned (the requester's view).
    """
    # Each message's files in one more statement, not one per message as the page lists them.
    stmt = select(Message).where(Message.ticket_id == ticket_id).options(
        joinedload(Message.author), selectinload(Message.attachments))
    if not include_internal:
        stmt = stmt.where(Message.kind == MessageKind.PUBLIC_REPLY)
    entries = [TimelineEntry(at=m.created_at, message=m) for m in db.session.scalars(stmt)]
    if include_internal:
        events = db.session.scalars(
            select(AuditEvent).where(AuditEvent.ticket_id == ticket_id,
                                     AuditEvent.action.in_(TIMELINE_ACTIONS))
        ).all()
        names = _user_names({e.actor_user_id for e in events if e.actor_user_id})
        entries += [TimelineEntry(at=e.occurred_at, event=e, actor_name=names.get(e.actor_user_id or 0, ""))
                    for e in events]
    return sorted(entries, key=lambda e: (e.at, 0 if e.event else 1,
                                          e.message.id if e.message else (e.event.seq if e.event else 0)))


def _user_names(user_ids: Collection[int]) -> dict[int, str]:
    if not user_ids:
        return {}
    rows = db.session.scalars(select(User).where(User.id.in_(list(user_ids))))
    return {u.id: u.display_name for u in rows}


def newest_message_id(ticket_id: int) -> int:
    """Id of the newest message (0 if none): what a reply form has 'seen'."""
    return int(db.session.scalar(select(func.max(Message.id)).where(Message.ticket_id == ticket_id)) or 0)


def list_other_tickets_of(requester_id: int, *, actor: Actor, exclude_id: int,
                          limit: int = 5) -> list[Ticket]:
    """The requester's other tickets that ``actor`` may see, open ones first, then the most recent.

    Two short index walks (open ones, then the rest, newest first) rather than sorting
    the thousands of tickets a frequent caller has sent over the years.
    """
    theirs = select(Ticket).where(Ticket.requester_id == requester_id, Ticket.id != exclude_id,
                                  policy.visible_condition(actor))
    is_open = Ticket.status.in_(OPEN_STATUSES)
    found = list(db.session.scalars(theirs.where(is_open).order_by(Ticket.created_at.desc()).limit(limit)))
    if len(found) < limit:
        found += db.session.scalars(
            theirs.where(~is_open).order_by(Ticket.created_at.desc()).limit(limit - len(found))
        )
    return found


def list_desk_staff() -> list[User]:
    """Active agents and supervisors, for the assignee list."""
    stmt = (
        select(User).where(User.is_active.is_(True), User.role.in_([Role.AGENT, Role.SUPERVISOR]))
        .order_by(User.family_kana, User.given_kana, User.id)
    )
    return list(db.session.scalars(stmt))


def list_sites() -> list[Site]:
    """Active sites by code."""
    return list(db.session.scalars(select(Site).where(Site.is_active.is_(True)).order_by(Site.code)))


def get_workable_ticket_for(actor: Actor, number: str) -> Ticket:
    """A ticket the actor may work (reply, note, reclassify, resolve), checked before any input.

    :raises NotFound: missing or invisible. :raises PermissionDenied: visible but not workable.
    """
    ticket = get_ticket_by_number_for(actor, number)
    policy.require_work_ticket(actor, ticket)
    return ticket


_NUMBER = re.compile(r"^(?:HD-?)?(?:(\d{4})-?)?(\d{1,6})$")


def normalise_number(text: str, *, now: datetime) -> str | None:
    """``HD-2026-000123``, ``hd2026-123`` or ``123`` (this Japanese year) → ``HD-2026-000123``."""
    cleaned = unicodedata.normalize("NFKC", text).strip().upper().replace(" ", "")
    match = _NUMBER.match(cleaned)
    if match is None:
        return None
    year = int(match.group(1)) if match.group(1) else now.astimezone(TOKYO).year
    return f"HD-{year}-{int(match.group(2)):06d}"


def list_attachments(ticket_id: int, *, public_only: bool) -> list[Attachment]:
    """A ticket's files, oldest first; only public ones for the requester."""
    stmt = select(Attachment).where(Attachment.ticket_id == ticket_id)
    if public_only:
        stmt = stmt.where(Attachment.is_public.is_(True))
    return list(db.session.scalars(stmt.order_by(Attachment.id)))


def get_attachment(ticket: Ticket, attachment_id: int, *, public_only: bool) -> Attachment:
    """One file of a ticket the caller already may see.

    :raises NotFound: not this ticket's, or internal and ``public_only``.
    """
    attachment = db.session.get(Attachment, attachment_id)
    if attachment is None or attachment.ticket_id != ticket.id or (public_only and not attachment.is_public):
        raise NotFound("attachment")
    return attachment


def get_ticket(ticket_id: int) -> Ticket:
    """A ticket by id, for pages that already checked the caller may see a related one.

    :raises NotFound: no such ticket.
    """
    ticket = db.session.get(Ticket, ticket_id)
    if ticket is None:
        raise NotFound("ticket")
    return ticket


@dataclass(frozen=True)
class TicketListFilters:
    """Narrowing of the API's ticket list; None means any."""

    is_open: bool | None = None
    status: TicketStatus | None = None
    type: TicketType | None = None
    priority: Priority | None = None
    channel: Channel | None = None
    service_code: str | None = None
    site_code: str | None = None
    assignee_id: int | None = None
    updated_since: datetime | None = None
    text: str = ""


@dataclass(frozen=True)
class Slice:
    """A keyset page, newest first: the rows, and the id to continue below if more follow."""

    items: list[Ticket]
    next_before_id: int | None


def list_visible_tickets(
    actor: Actor, filters: TicketListFilters, *, before_id: int | None = None, limit: int = 50
) -> Slice:
    """Tickets the actor may see, newest first, ``limit`` at a time below ``before_id``.

    Keyset paging on the primary key stays as fast on the last page as on the first.
    """
    stmt = select(Ticket).where(policy.visible_condition(actor))
    if filters.is_open is not None:
        open_condition = Ticket.status.in_(OPEN_STATUSES)
        stmt = stmt.where(open_condition if filters.is_open else ~open_condition)
    for column, value in ((Ticket.status, filters.status), (Ticket.type, filters.type),
                          (Ticket.priority, filters.priority), (Ticket.channel, filters.channel),
                          (Ticket.assignee_id, filters.assignee_id)):
        if value is not None:
            stmt = stmt.where(column == value)
    if filters.service_code:
        services = select(Service.id).where(Service.code == filters.service_code)
        stmt = stmt.where(Ticket.service_id.in_(services))
    if filters.site_code:
        stmt = stmt.where(Ticket.site_id.in_(select(Site.id).where(Site.code == filters.site_code)))
    if filters.updated_since is not None:
        stmt = stmt.where(Ticket.updated_at >= filters.updated_since)
    terms = terms_of(filters.text)
    for term in terms:
        stmt = stmt.where(term_condition(term))
    if before_id is not None:
        stmt = stmt.where(Ticket.id < before_id)
    # With text terms, look among the newest ids first and widen only while too few match (a
    # common word then never makes the database rank a million trigram matches); ids are the order.
    top = before_id if before_id is not None else (db.session.scalar(select(func.max(Ticket.id))) or 0) + 1
    floors: list[int | None] = [top - size for size in WINDOWS if top - size > 0] if terms else []
    for floor in [*floors, None]:
        scoped = stmt if floor is None else stmt.where(Ticket.id >= floor)
        rows = list(db.session.scalars(
            scoped.order_by(Ticket.id.desc()).limit(limit + 1)
            .options(joinedload(Ticket.requester), joinedload(Ticket.assignee), joinedload(Ticket.service),
                     joinedload(Ticket.site))
        ).unique())
        if len(rows) > limit:
            break
    more = len(rows) > limit
    return Slice(items=rows[:limit], next_before_id=rows[limit - 1].id if more else None)


def list_messages(ticket_id: int, *, include_internal: bool) -> list[Message]:
    """A ticket's messages, oldest first; public replies only unless ``include_internal``."""
    stmt = select(Message).where(Message.ticket_id == ticket_id)
    if not include_internal:
        stmt = stmt.where(Message.kind == MessageKind.PUBLIC_REPLY)
    return list(db.session.scalars(stmt.order_by(Message.id).options(joinedload(Message.author))))


def find_confidential_stub(actor: Actor, number: str) -> Ticket | None:
    """A confidential ticket an uncleared desk member may know exists (number, status, holder).

    They may not read it, except through :func:`helpdesk.tickets.services.break_glass`.
    """
    if actor.role not in policy.DESK_ROLES or actor.is_security_cleared:
        return None
    ticket = db.session.scalar(select(Ticket).where(Ticket.number == number.strip().upper()))
    return ticket if ticket is not None and ticket.is_confidential else None
