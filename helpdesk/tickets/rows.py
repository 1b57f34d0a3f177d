"""Ticket lists as flat rows for downloads: one statement, streamed in batches.

A list (a queue view, search results, a requester's tickets) is a ``SELECT`` of tickets
with its conditions and order; :func:`iter_rows` turns it into rows carrying the names a
download needs (requester, assignee, service, site, the party holding the ticket) from
the same statement, read through a server-side cursor, so memory stays bounded however
long the list is.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_
from sqlalchemy.orm import aliased

from helpdesk.accounts.models import Party, Site, User
from helpdesk.core.db import db
from helpdesk.responsibility.models import ResponsibilitySegment
from helpdesk.tickets.models import Service, Ticket
from helpdesk.tickets.states import Channel, Priority, TicketStatus, TicketType

#: Rows per batch: one round trip of the cursor, one chunk of the download.
BATCH_SIZE = 1000


@dataclass(frozen=True)
class Bilingual:
    """A name of reference data in both languages."""

    ja: str
    en: str

    def pick(self, locale: str) -> str:
        """The English name for English readers when there is one, else the Japanese name."""
        return self.en if locale == "en" and self.en else self.ja


@dataclass(frozen=True)
class TicketRow:
    """One ticket of a list, flattened: what a CSV line shows."""

    id: int
    number: str
    subject: str
    type: TicketType
    status: TicketStatus
    priority: Priority
    channel: Channel
    is_confidential: bool
    created_at: datetime
    updated_at: datetime
    requester: str
    assignee: str | None
    service: Bilingual | None
    site: Bilingual | None
    #: The party holding the ticket now; None once it is resolved or closed.
    holder: Bilingual | None


def iter_rows(
    tickets: Select[Any], order: Sequence[ColumnElement[Any]], *, batch_size: int = BATCH_SIZE
) -> Iterator[list[TicketRow]]:
    """The tickets ``tickets`` selects, in ``order``, as batches of at most ``batch_size`` rows.

    ``tickets`` is a ``select(Ticket)`` (or ``select(Ticket.id)``) with the list's WHERE
    clauses; its columns are replaced. One statement whatever the length: the names come
    from outer joins on aliases (so the list's own subqueries over services or parties
    are not correlated with them) and the rows arrive through ``yield_per``.
    """
    requester, assignee = aliased(User), aliased(User)
    service, site = aliased(Service), aliased(Site)
    segment, holder = aliased(ResponsibilitySegment), aliased(Party)
    stmt = (
        tickets.with_only_columns(
            Ticket.id, Ticket.number, Ticket.subject, Ticket.type, Ticket.status, Ticket.priority,
            Ticket.channel, Ticket.is_confidential, Ticket.created_at, Ticket.updated_at,
            requester.family_name, requester.given_name, assignee.family_name, assignee.given_name,
            service.name_ja, service.name_en, site.name_ja, site.name_en, holder.name_ja, holder.name_en,
            maintain_column_froms=False,
        )
        .select_from(Ticket)
        .join(requester, requester.id == Ticket.requester_id)
        .outerjoin(assignee, assignee.id == Ticket.assignee_id)
        .outerjoin(service, service.id == Ticket.service_id)
        .outerjoin(site, site.id == Ticket.site_id)
        .outerjoin(segment, and_(segment.ticket_id == Ticket.id, segment.ended_at.is_(None)))
        .outerjoin(holder, holder.id == segment.party_id)
        .order_by(None)
        .order_by(*order)
        .execution_options(yield_per=batch_size)
    )
    for partition in db.session.execute(stmt).partitions():
        yield [_row(values) for values in partition]


def _name(family: str | None, given: str | None) -> str | None:
    if family is None and given is None:
        return None
    return f"{family or ''} {given or ''}".strip()


def _bilingual(ja: str | None, en: str | None) -> Bilingual | None:
    return Bilingual(ja, en or "") if ja is not None else None


def _row(values: Sequence[Any]) -> TicketRow:
    (id_, number, subject, type_, status, priority, channel, confidential, created_at, updated_at,
     r_family, r_given, a_family, a_given, s_ja, s_en, site_ja, site_en, h_ja, h_en) = values
    return TicketRow(
        id=id_, number=number, subject=subject, type=type_, status=status, priority=priority,
        channel=channel, is_confidential=confidential, created_at=created_at, updated_at=updated_at,
        requester=_name(r_family, r_given) or "", assignee=_name(a_family, a_given),
        service=_bilingual(s_ja, s_en), site=_bilingual(site_ja, site_en), holder=_bilingual(h_ja, h_en),
    )
