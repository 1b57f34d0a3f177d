"""Writing notifications; run by workers from outbox rows, each idempotent per source."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select

from helpdesk.accounts.models import Party as PartyRow
from helpdesk.accounts.models import PartyKind, PartyMembership, Role, User
from helpdesk.core.db import db, unit_of_work
from helpdesk.handoff.models import Handoff, HandoffState
from helpdesk.notifications.models import Notification, NotificationKind
from helpdesk.responsibility.services import find_open_segment
from helpdesk.sla.models import SlaClock, SlaEvent, SlaEventKind
from helpdesk.tickets.models import Message, Ticket


def _notify(user_id: int | None, ticket: Ticket | None, kind: NotificationKind, *, source_key: str,
            now: datetime, data: dict[str, Any] | None = None) -> int:
    """Add one notification (about a ticket, or none) unless this source already produced it for this user."""
    if user_id is None:
        return 0
    exists = db.session.scalar(
        select(Notification.id).where(Notification.user_id == user_id,
                                      Notification.source_key == source_key)
    )
    if exists:
        return 0
    about = {"number": ticket.number} if ticket is not None else {}
    db.session.add(Notification(user_id=user_id, ticket_id=ticket.id if ticket is not None else None,
                                kind=kind, data={**about, **(data or {})}, source_key=source_key,
                                created_at=now))
    return 1


def notify_ticket_opened(ticket_id: int, *, source_key: str, now: datetime) -> int:
    """Tell the requester their ticket was received; returns how many notifications were added."""
    with unit_of_work() as session:
        ticket = session.get(Ticket, ticket_id)
        if ticket is None:
            return 0
        return _notify(ticket.requester_id, ticket, NotificationKind.TICKET_RECEIVED,
                       source_key=source_key, now=now)


def notify_public_reply(message_id: int, *, source_key: str, now: datetime) -> int:
    """A reply from the desk goes to the requester; a reply from the requester to the assignee."""
    with unit_of_work() as session:
        message = session.get(Message, message_id)
        if message is None:
            return 0
        ticket = message.ticket
        by_requester = message.author_id == ticket.requester_id
        recipient = ticket.assignee_id if by_requester else ticket.requester_id
        kind = NotificationKind.REQUESTER_REPLIED if by_requester else NotificationKind.PUBLIC_REPLY
        return _notify(recipient, ticket, kind, source_key=source_key, now=now)


def notify_ticket_resolved(ticket_id: int, *, source_key: str, now: datetime) -> int:
    """Ask the requester to confirm or reopen."""
    with unit_of_work() as session:
        ticket = session.get(Ticket, ticket_id)
        if ticket is None:
            return 0
        return _notify(ticket.requester_id, ticket, NotificationKind.TICKET_RESOLVED,
                       source_key=source_key, now=now)


def notify_status_changed(ticket_id: int, old: str, new: str, *, source_key: str, now: datetime) -> int:
    """Tell the requester the desk is waiting on them, reopened the ticket, or closed it (and asks
    for a rating)."""
    with unit_of_work() as session:
        ticket = session.get(Ticket, ticket_id)
        if ticket is None:
            return 0
        return _notify(ticket.requester_id, ticket, NotificationKind.STATUS_CHANGED, source_key=source_key,
                       now=now, data={"from": old, "to": new})


#: "@石川真由美" or "@mayumi.ishikawa": a name without its space, or the local part of an address.
MENTION = re.compile(r"@([^\s@、。，,.!?！？「」()（）<>]+(?:\.[^\s@、。，,.!?！？「」()（）<>]+)*)")


def notify_mentions(message_id: int, *, source_key: str, now: datetime) -> int:
    """Tell the desk staff named with @ in an internal note; the author is never told of themselves.

    A name is matched whole (the display name without spaces, or the address before @), so "@石川"
    reaches nobody when it is only part of a name.
    """
    with unit_of_work() as session:
        message = session.get(Message, message_id)
        if message is None:
            return 0
        wanted = {m.lower() for m in MENTION.findall(message.body)}
        if not wanted:
            return 0
        staff = session.scalars(select(User).where(User.is_active.is_(True), User.role.in_(
            (Role.AGENT, Role.SUPERVISOR, Role.SECURITY))))
        named = [u.id for u in staff if u.id != message.author_id and (
            u.display_name.replace(" ", "").replace("\u3000", "").lower() in wanted
            or u.email.split("@", 1)[0].lower() in wanted)]
        return _notify_many(sorted(named), message.ticket, NotificationKind.MENTIONED, source_key=source_key,
                            now=now, data={"message_id": message.id})


def notify_ticket_assigned(ticket_id: int, assignee_id: int, *, source_key: str, now: datetime) -> int:
    """Tell an agent a ticket was assigned to them."""
    with unit_of_work() as session:
        ticket = session.get(Ticket, ticket_id)
        if ticket is None or ticket.assignee_id != assignee_id:
            return 0  # reassigned again before we ran: nothing to say
        return _notify(assignee_id, ticket, NotificationKind.TICKET_ASSIGNED,
                       source_key=source_key, now=now)


def _members(party_ids: list[int], *, leads_only: bool = False) -> list[int]:
    stmt = select(PartyMembership.user_id).where(PartyMembership.party_id.in_(party_ids))
    if leads_only:
        stmt = stmt.where(PartyMembership.is_lead.is_(True))
    return sorted(set(db.session.scalars(stmt)))


def notify_each(recipients: Mapping[int, Ticket | None], kind: NotificationKind, *, source_key: str,
                now: datetime, data: dict[str, Any]) -> int:
    """Tell each recipient, about their own ticket (or none), once per source however often it runs.

    One query finds who already heard of this source, so a broadcast to thousands stays two
    statements and a batch of inserts. For higher domains that decide the recipients themselves (an
    incident's update); run inside their unit of work. Returns how many were added.
    """
    if not recipients:
        return 0
    told = set(db.session.scalars(select(Notification.user_id).where(
        Notification.source_key == source_key, Notification.user_id.in_(list(recipients)))))
    added = 0
    for user_id, ticket in recipients.items():
        if user_id in told:
            continue
        about = {"number": ticket.number} if ticket is not None else {}
        db.session.add(Notification(user_id=user_id, ticket_id=ticket.id if ticket is not None else None,
                                    kind=kind, data={**about, **data}, source_key=source_key,
                                    created_at=now))
        added += 1
    return added


def _notify_many(user_ids: list[int], ticket: Ticket | None, kind: NotificationKind, *, source_key: str,
                 now: datetime, data: dict[str, Any]) -> int:
    return notify_each(dict.fromkeys(user_ids, ticket), kind, source_key=source_key, now=now, data=data)


def _handoff_data(handoff: Handoff) -> dict[str, Any]:
    return {"handoff_id": handoff.id, "kind": handoff.kind.value, "state": handoff.state.value,
            "from": handoff.from_party.name_ja, "to": handoff.to_party.name_ja,
            "from_en": handoff.from_party.name_en, "to_en": handoff.to_party.name_en}


def notify_handoff_requested(handoff_id: int, *, source_key: str, now: datetime) -> int:
    """Tell every member of the receiving party that a ticket waits for them."""
    with unit_of_work() as session:
        handoff = session.get(Handoff, handoff_id)
        if handoff is None or handoff.state is not HandoffState.REQUESTED:
            return 0  # answered before we ran: nothing to ask any more
        return _notify_many(_members([handoff.to_party_id]), handoff.ticket,
                            NotificationKind.HANDOFF_REQUESTED, source_key=source_key, now=now,
                            data=_handoff_data(handoff))


def notify_handoff_decided(handoff_id: int, *, source_key: str, now: datetime) -> int:
    """Tell the sender how the handoff ended (the person who sent it, or its party if unknown)."""
    with unit_of_work() as session:
        handoff = session.get(Handoff, handoff_id)
        if handoff is None:
            return 0
        if handoff.state is HandoffState.WITHDRAWN:
            recipients = _members([handoff.to_party_id])  # the receiver need not act any more
        elif handoff.requested_by_id is not None:
            recipients = [handoff.requested_by_id]
        else:
            recipients = _members([handoff.from_party_id])
        return _notify_many(recipients, handoff.ticket, NotificationKind.HANDOFF_DECIDED,
                            source_key=source_key, now=now, data=_handoff_data(handoff))


def notify_handoff_overdue(handoff_id: int, *, source_key: str, now: datetime) -> int:
    """An unanswered handoff passed its deadline: alert both parties' leads and the ministry."""
    with unit_of_work() as session:
        handoff = session.get(Handoff, handoff_id)
        if handoff is None:
            return 0
        ministry = list(session.scalars(select(PartyRow.id).where(PartyRow.kind == PartyKind.MINISTRY)))
        recipients = sorted(set(_members([handoff.from_party_id, handoff.to_party_id], leads_only=True))
                            | set(_members(ministry)))
        return _notify_many(recipients, handoff.ticket, NotificationKind.HANDOFF_OVERDUE,
                            source_key=source_key, now=now, data=_handoff_data(handoff))


def notify_sla_event(event_id: int, *, source_key: str, now: datetime) -> int:
    """A clock warned or breached: tell the supervisors, the holding party's leads and the assignee.

    For a party's hold clock the holding party is that clock's party; for a ticket clock, whoever
    holds the ticket now. Nothing is said about a clock that stopped before we ran.
    """
    with unit_of_work() as session:
        found = session.execute(select(SlaEvent, SlaClock).join(SlaClock, SlaClock.id == SlaEvent.clock_id)
                                .where(SlaEvent.id == event_id)).first()
        if found is None:
            return 0
        event, clock = found
        ticket = session.get(Ticket, clock.ticket_id)
        if ticket is None or clock.stopped_at is not None:
            return 0
        holder = clock.party_id
        if holder is None:
            segment = find_open_segment(ticket.id)
            holder = segment.party_id if segment is not None else None
        supervisors = session.scalars(select(User.id).where(User.role == Role.SUPERVISOR,
                                                            User.is_active.is_(True)))
        recipients = set(supervisors) | set(_members([holder], leads_only=True) if holder else [])
        if ticket.assignee_id is not None:
            recipients.add(ticket.assignee_id)
        is_breach = event.kind is SlaEventKind.BREACH
        kind = NotificationKind.SLA_BREACH if is_breach else NotificationKind.SLA_WARNING
        return _notify_many(sorted(recipients), ticket, kind, source_key=source_key, now=now,
                            data={"metric": clock.metric.value, "due_at": clock.due_at.isoformat(),
                                  "priority": clock.priority.value})


def notify_mail_storm(address: str, count: int, *, source_key: str, now: datetime) -> int:
    """One address sent more mail than the rate limit allows: tell every supervisor once."""
    with unit_of_work() as session:
        supervisors = list(session.scalars(select(User.id).where(User.role == Role.SUPERVISOR,
                                                                 User.is_active.is_(True))))
        return _notify_many(supervisors, None, NotificationKind.MAIL_STORM, source_key=source_key, now=now,
                            data={"address": address, "count": count})


def notify_webhook_alert(data: Mapping[str, Any], *, source_key: str, now: datetime) -> int:
    """A party's webhook endpoint keeps failing, answers again, was switched off by a 410, or a delivery
    was given up: tell on-call once — every active supervisor and administrator."""
    with unit_of_work() as session:
        on_call = list(session.scalars(select(User.id).where(User.role.in_((Role.SUPERVISOR, Role.ADMIN)),
                                                             User.is_active.is_(True))))
        return _notify_many(sorted(on_call), None, NotificationKind.WEBHOOK_ALERT, source_key=source_key,
                            now=now, data=dict(data))


def mark_read(user_id: int, *, now: datetime) -> int:
    """Mark every unread notification of a user as read; returns how many."""
    with unit_of_work() as session:
        rows = list(session.scalars(
            select(Notification).where(Notification.user_id == user_id, Notification.read_at.is_(None))
        ))
        for row in rows:
            row.read_at = now
    return len(rows)
