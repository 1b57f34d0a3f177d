"""Changing tickets: open, converse, assign, move through statuses.

Each function is one unit of work: it enforces the rules, keeps the responsibility
ledger in step, writes the audit event and emits outbox work in the same commit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError

from helpdesk.accounts.models import Party, PartyKind, User
from helpdesk.audit import services as audit
from helpdesk.core import outbox
from helpdesk.core.actor import Actor
from helpdesk.core.db import db, is_postgresql, unit_of_work
from helpdesk.core.errors import InvalidTransition, NotFound, PermissionDenied, ValidationFailed
from helpdesk.core.time import TOKYO
from helpdesk.responsibility import services as responsibility
from helpdesk.responsibility.models import SegmentReason
from helpdesk.tickets import policy
from helpdesk.tickets.models import Message, Service, Ticket, TicketNumberCounter
from helpdesk.tickets.states import (
    Channel,
    Impact,
    MessageKind,
    TicketStatus,
    TicketType,
    Urgency,
    can_transition,
    compute_priority,
)

TASK_TICKET_OPENED = "notifications.ticket_opened"
SUBJECT_MAX = 200
BODY_MAX = 100_000


@dataclass
class NewTicket:
    """What is needed to open a ticket."""

    type: TicketType
    subject: str
    description: str
    impact: Impact = Impact.PERSON
    urgency: Urgency = Urgency.MEDIUM
    channel: Channel = Channel.PORTAL
    service_code: str | None = None
    site_id: int | None = None
    #: Defaults to the actor; agents set it when logging a call or a mail.
    requester_id: int | None = None
    #: Idempotency token of the submission (form token, API ``Idempotency-Key``).
    intake_key: str | None = None


def allocate_number(now: datetime) -> str:
    """Next ``HD-<year>-<000001>`` number for the Japanese calendar year of ``now``.

    One atomic upsert, so concurrent openings never share a number.
    """
    year = now.astimezone(TOKYO).year
    dialect = postgresql if is_postgresql() else sqlite
    stmt = (
        dialect.insert(TicketNumberCounter)
        .values(year=year, last_value=1)
        .on_conflict_do_update(
            index_elements=[TicketNumberCounter.year],
            set_={"last_value": TicketNumberCounter.last_value + 1},
        )
        .returning(TicketNumberCounter.last_value)
    )
    value = db.session.execute(stmt).scalar_one()
    return f"HD-{year}-{value:06d}"


def helpdesk_party() -> Party:
    """The call-centre party that owns every new ticket.

    :raises NotFound: no active party of kind ``helpdesk`` is configured.
    """
    party = db.session.scalar(
        select(Party).where(Party.kind == PartyKind.HELPDESK, Party.is_active.is_(True))
        .order_by(Party.id)
    )
    if party is None:
        raise NotFound(_l("ヘルプデスクの事業者が設定されていません。"))
    return party


def open_ticket(data: NewTicket, *, actor: Actor, now: datetime) -> Ticket:
    """Open a ticket, owned by the help desk from this instant.

    Security incidents are confidential and P1. Emits ``notifications.ticket_opened``.
    Idempotent per (requester, ``intake_key``): a repeated submission returns the
    ticket the first one opened and changes nothing.

    :raises ValidationFailed: empty or over-long subject, unknown service.
    :raises PermissionDenied: opening for someone else without being an agent.
    """
    errors: dict[str, object] = {}
    subject = data.subject.strip()
    if not subject:
        errors["subject"] = _l("件名を入力してください。")
    elif len(subject) > SUBJECT_MAX:
        errors["subject"] = _l("件名は%(n)d文字以内で入力してください。", n=SUBJECT_MAX)
    if len(data.description) > BODY_MAX:
        errors["description"] = _l("本文が長すぎます。")
    requester_id = data.requester_id or actor.user_id
    if requester_id is None:
        errors["requester"] = _l("依頼者を指定してください。")
    if errors:
        raise ValidationFailed(_l("入力内容を確認してください。"), fields=errors)
    assert requester_id is not None
    if requester_id != actor.user_id and not policy.can_open_ticket_for_others(actor):
        raise PermissionDenied(_l("他の人の代わりにチケットを起票する権限がありません。"))
    if data.intake_key:
        existing = find_by_intake_key(requester_id, data.intake_key)
        if existing is not None:
            return existing
    try:
        return _open_ticket(data, requester_id, actor=actor, now=now)
    except IntegrityError:
        # A concurrent submission with the same key won the race: answer with its ticket.
        existing = find_by_intake_key(requester_id, data.intake_key) if data.intake_key else None
        if existing is None:
            raise
        return existing


def find_by_intake_key(requester_id: int, intake_key: str) -> Ticket | None:
    """The ticket a submission with this key already opened, or None."""
    return db.session.scalar(
        select(Ticket).where(Ticket.requester_id == requester_id, Ticket.intake_key == intake_key)
    )


def _open_ticket(data: NewTicket, requester_id: int, *, actor: Actor, now: datetime) -> Ticket:
    with unit_of_work() as session:
        requester = session.get(User, requester_id)
        if requester is None or not requester.is_active:
            raise ValidationFailed(_l("依頼者が見つかりません。"),
                                   fields={"requester": _l("見つかりません。")})
        service = None
        if data.service_code:
            service = session.scalar(select(Service).where(Service.code == data.service_code))
            if service is None or not service.is_active:
                raise ValidationFailed(_l("サービスが見つかりません。"),
                                       fields={"service": _l("一覧から選んでください。")})
        ticket = Ticket(
            number=allocate_number(now),
            type=data.type,
            channel=data.channel,
            status=TicketStatus.NEW,
            impact=data.impact,
            urgency=data.urgency,
            priority=compute_priority(data.type, data.impact, data.urgency),
            subject=data.subject.strip(),
            description=data.description.strip(),
            requester_id=requester.id,
            site_id=data.site_id if data.site_id is not None else requester.site_id,
            service_id=service.id if service else None,
            is_confidential=data.type is TicketType.SECURITY,
            created_by_id=actor.user_id,
            created_at=now,
            updated_at=now,
            reopened_count=0,
            intake_key=data.intake_key[:100] if data.intake_key else None,
        )
        session.add(ticket)
        session.flush()
        responsibility.open_segment(ticket.id, helpdesk_party().id, now=now,
                                    reason=SegmentReason.OPENED)
        audit.record(actor, "ticket.opened", subject_type="ticket", subject_id=ticket.number,
                     ticket_id=ticket.id, now=now,
                     data={"type": ticket.type.value, "channel": ticket.channel.value,
                           "priority": ticket.priority.value})
        outbox.emit(TASK_TICKET_OPENED, {"ticket_id": ticket.id}, now=now)
    return ticket


def add_message(
    ticket_id: int, kind: MessageKind, body: str, *, actor: Actor, now: datetime,
    call_direction: str | None = None, caller_name: str | None = None,
    call_duration_seconds: int | None = None, author_party_id: int | None = None,
) -> Message:
    """Add a reply, note or call record; the requester may add public replies only.

    The first public reply of the desk sets ``first_responded_at``; a requester's reply
    to a pending ticket moves it back to open.

    :raises NotFound: the actor may not see the ticket.
    :raises PermissionDenied: a requester writing anything but a public reply.
    :raises ValidationFailed: empty or over-long body.
    """
    if not body.strip():
        raise ValidationFailed(_l("本文を入力してください。"), fields={"body": _l("必須です。")})
    if len(body) > BODY_MAX:
        raise ValidationFailed(_l("本文が長すぎます。"), fields={"body": _l("長すぎます。")})
    with unit_of_work() as session:
        ticket = _get_for_update(ticket_id)
        policy.require_view_ticket(actor, ticket)
        is_requester = ticket.requester_id == actor.user_id and not policy.can_work_ticket(actor, ticket)
        if is_requester and kind is not MessageKind.PUBLIC_REPLY:
            raise PermissionDenied(_l("この操作はできません。"))
        if not is_requester:
            policy.require_work_ticket(actor, ticket)
        if kind is MessageKind.SYSTEM and not actor.is_system:
            raise PermissionDenied(_l("この操作はできません。"))
        message = Message(
            ticket_id=ticket.id, kind=kind, author_id=actor.user_id, body=body.strip(),
            created_at=now, call_direction=call_direction, caller_name=caller_name,
            call_duration_seconds=call_duration_seconds, author_party_id=author_party_id,
        )
        session.add(message)
        if kind is MessageKind.PUBLIC_REPLY and not is_requester and ticket.first_responded_at is None:
            ticket.first_responded_at = now
        if is_requester and ticket.status is TicketStatus.PENDING:
            ticket.status = TicketStatus.OPEN
        if not is_requester and ticket.status is TicketStatus.NEW:
            ticket.status = TicketStatus.OPEN
        ticket.updated_at = now
        session.flush()
        audit.record(actor, f"message.{kind.value}", subject_type="message", subject_id=message.id,
                     ticket_id=ticket.id, now=now)
    return message


def assign(ticket_id: int, assignee_id: int | None, *, actor: Actor, now: datetime) -> Ticket:
    """Assign the ticket to an agent (or unassign it).

    :raises PermissionDenied: the actor may not work the ticket, or the assignee is not desk staff.
    """
    with unit_of_work() as session:
        ticket = _get_for_update(ticket_id)
        policy.require_work_ticket(actor, ticket)
        if assignee_id is not None:
            assignee = session.get(User, assignee_id)
            if assignee is None or not assignee.is_active or assignee.role.value not in (
                "agent", "supervisor", "security"
            ):
                raise ValidationFailed(_l("担当者に指定できないユーザーです。"),
                                       fields={"assignee": _l("担当者に指定できません。")})
        previous = ticket.assignee_id
        ticket.assignee_id = assignee_id
        ticket.updated_at = now
        audit.record(actor, "ticket.assigned", subject_type="ticket", subject_id=ticket.number,
                     ticket_id=ticket.id, now=now, data={"from": previous, "to": assignee_id})
    return ticket


def change_status(
    ticket_id: int, target: TicketStatus, *, actor: Actor, now: datetime, reason: str = ""
) -> Ticket:
    """Move a ticket along the status table, keeping the responsibility ledger in step.

    Closing ends the open segment; reopening a closed ticket starts a new help-desk
    segment. Requesters may only confirm (resolved → closed) or reopen their own.

    :raises InvalidTransition: the table does not allow it.
    :raises PermissionDenied: the actor may not make this change.
    """
    with unit_of_work():
        ticket = _get_for_update(ticket_id)
        policy.require_view_ticket(actor, ticket)
        is_requester = ticket.requester_id == actor.user_id and not policy.can_work_ticket(actor, ticket)
        if is_requester:
            if not (ticket.status is TicketStatus.RESOLVED and target in (
                TicketStatus.CLOSED, TicketStatus.OPEN
            )):
                raise PermissionDenied(_l("この操作はできません。"))
        else:
            policy.require_work_ticket(actor, ticket)
        current = ticket.status
        if not can_transition(current, target):
            raise InvalidTransition(_l("この状態には変更できません。"))
        ticket.status = target
        ticket.updated_at = now
        if target is TicketStatus.RESOLVED:
            ticket.resolved_at = now
        elif target is TicketStatus.CLOSED:
            ticket.closed_at = now
            responsibility.end_responsibility(ticket.id, now=now)
        elif target is TicketStatus.OPEN and current in (TicketStatus.RESOLVED, TicketStatus.CLOSED):
            ticket.reopened_count += 1
            ticket.resolved_at = None
            if current is TicketStatus.CLOSED:
                ticket.closed_at = None
                responsibility.open_segment(ticket.id, helpdesk_party().id, now=now,
                                            reason=SegmentReason.REOPENED)
        audit.record(actor, "ticket.status_changed", subject_type="ticket",
                     subject_id=ticket.number, ticket_id=ticket.id, now=now,
                     data={"from": current.value, "to": target.value, "reason": reason[:500]})
    return ticket


def _get_for_update(ticket_id: int) -> Ticket:
    ticket = db.session.scalar(select(Ticket).where(Ticket.id == ticket_id).with_for_update())
    if ticket is None:
        raise NotFound(_l("チケットが見つかりません。"))
    return ticket
