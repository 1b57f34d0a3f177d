"""Changing tickets: open, converse, assign, move through statuses.

Each function is one unit of work: it enforces the rules, keeps the responsibility
ledger in step, writes the audit event and emits outbox work in the same commit.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError

from helpdesk.accounts.models import Party, PartyKind, Site, User
from helpdesk.audit import services as audit
from helpdesk.core import outbox
from helpdesk.core.actor import Actor
from helpdesk.core.db import db, is_postgresql, unit_of_work
from helpdesk.core.errors import (
    Conflict,
    DomainError,
    InvalidTransition,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from helpdesk.core.time import TOKYO
from helpdesk.responsibility import services as responsibility
from helpdesk.responsibility.models import SegmentReason
from helpdesk.tickets import policy
from helpdesk.tickets.attachments import (
    AttachmentLimits,
    CheckedFile,
    Upload,
    check_and_store,
    discard,
    link,
)
from helpdesk.tickets.models import Attachment, Message, Service, Ticket, TicketNumberCounter
from helpdesk.tickets.search import normalise
from helpdesk.tickets.states import (
    Channel,
    Impact,
    MessageKind,
    Priority,
    ResolutionCode,
    TicketStatus,
    TicketType,
    Urgency,
    can_transition,
    compute_priority,
)

TASK_TICKET_OPENED = "notifications.ticket_opened"
TASK_PUBLIC_REPLY = "notifications.public_reply_added"
TASK_TICKET_RESOLVED = "notifications.ticket_resolved"
TASK_TICKET_ASSIGNED = "notifications.ticket_assigned"
TASK_STATUS_CHANGED = "notifications.status_changed"
TASK_MENTIONED = "notifications.mentioned"
#: Status changes the requester hears of (a resolution has its own notification).
TOLD_TO_REQUESTER = frozenset({TicketStatus.PENDING, TicketStatus.OPEN, TicketStatus.CLOSED})
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


def open_ticket(
    data: NewTicket, *, actor: Actor, now: datetime, uploads: Sequence[Upload] = (),
    limits: AttachmentLimits | None = None,
) -> Ticket:
    """Open a ticket, owned by the help desk from this instant.

    Security incidents are confidential and P1. Emits ``notifications.ticket_opened``.
    Idempotent per (requester, ``intake_key``): a repeated submission returns the
    ticket the first one opened and changes nothing. ``uploads`` are checked first:
    one refused file refuses the whole submission and nothing is kept.

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
    files = check_uploads(uploads, limits)
    try:
        return _open_ticket(data, requester_id, actor=actor, now=now, files=files)
    except IntegrityError:
        discard_checked(files, limits)
        # A concurrent submission with the same key won the race: answer with its ticket.
        existing = find_by_intake_key(requester_id, data.intake_key) if data.intake_key else None
        if existing is None:
            raise
        return existing
    except BaseException:
        discard_checked(files, limits)
        raise


def check_uploads(uploads: Sequence[Upload], limits: AttachmentLimits | None) -> list[CheckedFile]:
    """Check and store uploads before a unit of work links them (nothing is linked yet).

    :raises ValidationFailed: a refused file (then none is kept).
    """
    if not any(u.filename for u in uploads):
        return []
    if limits is None:
        raise ValueError("uploads need attachment limits")
    return check_and_store(uploads, limits)


def discard_checked(files: Sequence[CheckedFile], limits: AttachmentLimits | None) -> None:
    """Delete stored files whose unit of work failed."""
    if files and limits is not None:
        discard(files, store=limits.store)


def find_by_intake_key(requester_id: int, intake_key: str) -> Ticket | None:
    """The ticket a submission with this key already opened, or None."""
    return db.session.scalar(
        select(Ticket).where(Ticket.requester_id == requester_id, Ticket.intake_key == intake_key)
    )


def _open_ticket(
    data: NewTicket, requester_id: int, *, actor: Actor, now: datetime, files: Sequence[CheckedFile]
) -> Ticket:
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
        owner = helpdesk_party()
        ticket = Ticket(
            # A placeholder until the end: from taking the number until the commit every other
            # opening waits, so everything that need not hold the number comes first.
            number=f"~{secrets.token_hex(9)}",
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
            search_text=normalise(data.subject.strip(), data.description.strip()),
        )
        session.add(ticket)
        session.flush()
        responsibility.open_segment(ticket.id, owner.id, now=now, reason=SegmentReason.OPENED)
        link(files, ticket_id=ticket.id, message_id=None, is_public=True, actor=actor, now=now)
        _changed(ticket, actor, now)
        # The serialised part: the number, then the audit chain (also one writer at a time), the commit.
        ticket.number = allocate_number(now)
        audit.record(actor, "ticket.opened", subject_type="ticket", subject_id=ticket.number,
                     ticket_id=ticket.id, now=now,
                     data={"type": ticket.type.value, "channel": ticket.channel.value,
                           "priority": ticket.priority.value})
        outbox.emit(TASK_TICKET_OPENED, {"ticket_id": ticket.id}, now=now)
        # After the number and the audit chain are held: a hook's own audit events then take the locks
        # in the order every opening takes them (the chain before the number would deadlock).
        for hook in ON_OPEN:
            hook(ticket, actor, now)
        if ticket.type is TicketType.SECURITY:
            for hook in ON_SECURITY_INCIDENT:
                hook(ticket, actor, now)
    return ticket


class StaleConversation(Conflict):
    """Public messages arrived after the writer's form was rendered; ``newer`` lists them."""

    def __init__(self, newer: list[Message]) -> None:
        super().__init__(_l("画面を開いた後に新しいやりとりがありました。内容を確認してから送信してください。"))
        self.newer = newer


def add_message(
    ticket_id: int, kind: MessageKind, body: str, *, actor: Actor, now: datetime,
    call_direction: str | None = None, caller_name: str | None = None,
    call_duration_seconds: int | None = None, author_party_id: int | None = None,
    seen_up_to: int | None = None, uploads: Sequence[Upload] = (),
    limits: AttachmentLimits | None = None,
) -> Message:
    """Add a reply, note or call record; the requester may add public replies only.

    The first public reply of the desk sets ``first_responded_at``; a requester's reply
    to a pending ticket moves it back to open. A public reply emits
    ``notifications.public_reply_added``. With ``seen_up_to`` (the newest message id the
    writer's form showed), a public reply is refused if someone else has written a
    public message since.

    :raises NotFound: the actor may not see the ticket.
    :raises PermissionDenied: a requester writing anything but a public reply.
    :raises InvalidTransition: a public reply on a closed ticket.
    :raises StaleConversation: newer public messages than ``seen_up_to`` exist.
    :raises ValidationFailed: empty or over-long body, or a refused file.
    """
    if not body.strip():
        raise ValidationFailed(_l("本文を入力してください。"), fields={"body": _l("必須です。")})
    if len(body) > BODY_MAX:
        raise ValidationFailed(_l("本文が長すぎます。"), fields={"body": _l("長すぎます。")})
    files = check_uploads(uploads, limits)
    try:
        return _add_message(ticket_id, kind, body, actor=actor, now=now, files=files,
                            call_direction=call_direction, caller_name=caller_name,
                            call_duration_seconds=call_duration_seconds,
                            author_party_id=author_party_id, seen_up_to=seen_up_to)
    except BaseException:
        discard_checked(files, limits)
        raise


def _add_message(
    ticket_id: int, kind: MessageKind, body: str, *, actor: Actor, now: datetime,
    files: Sequence[CheckedFile], call_direction: str | None, caller_name: str | None,
    call_duration_seconds: int | None, author_party_id: int | None, seen_up_to: int | None,
) -> Message:
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
        if kind is MessageKind.PUBLIC_REPLY and ticket.status is TicketStatus.CLOSED:
            raise InvalidTransition(
                _l("完了したチケットには返信できません。新しい問い合わせを作成してください。")
            )
        if kind is MessageKind.PUBLIC_REPLY and seen_up_to is not None:
            newer = list(session.scalars(
                select(Message).where(Message.ticket_id == ticket.id, Message.id > seen_up_to,
                                      Message.kind == MessageKind.PUBLIC_REPLY,
                                      Message.author_id != actor.user_id)
                .order_by(Message.id)
            ))
            if newer:
                raise StaleConversation(newer)
        message = Message(
            ticket_id=ticket.id, kind=kind, author_id=actor.user_id, body=body.strip(),
            created_at=now, call_direction=call_direction, caller_name=caller_name,
            call_duration_seconds=call_duration_seconds, author_party_id=author_party_id,
        )
        session.add(message)
        ticket.search_text = "\n".join((ticket.search_text, normalise(message.body)))
        # A public answer, or a call logged by the desk (they spoke to the requester), is the first response.
        if kind in (MessageKind.PUBLIC_REPLY, MessageKind.PHONE_CALL) and not is_requester \
                and ticket.first_responded_at is None:
            ticket.first_responded_at = now
        if is_requester and ticket.status is TicketStatus.PENDING:
            ticket.status = TicketStatus.OPEN
        if not is_requester and ticket.status is TicketStatus.NEW:
            ticket.status = TicketStatus.OPEN
        ticket.updated_at = now
        session.flush()
        linked = link(files, ticket_id=ticket.id, message_id=message.id,
                      is_public=kind is MessageKind.PUBLIC_REPLY, actor=actor, now=now)
        # Ids, never file names: a name is the ticket's own text, and the trail keeps it for ever.
        audit.record(actor, f"message.{kind.value}", subject_type="message", subject_id=message.id,
                     ticket_id=ticket.id, now=now,
                     data={"attachment_ids": [a.id for a in linked]} if linked else None)
        if kind is MessageKind.PUBLIC_REPLY:
            outbox.emit(TASK_PUBLIC_REPLY, {"message_id": message.id}, now=now)
        elif kind is MessageKind.INTERNAL_NOTE and "@" in message.body:
            outbox.emit(TASK_MENTIONED, {"message_id": message.id}, now=now)
        _changed(ticket, actor, now)
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
        if previous == assignee_id:
            return ticket
        ticket.assignee_id = assignee_id
        ticket.updated_at = now
        audit.record(actor, "ticket.assigned", subject_type="ticket", subject_id=ticket.number,
                     ticket_id=ticket.id, now=now, data={"from": previous, "to": assignee_id})
        if assignee_id is not None and assignee_id != actor.user_id:
            outbox.emit(TASK_TICKET_ASSIGNED, {"ticket_id": ticket.id, "assignee_id": assignee_id},
                        now=now)
    return ticket


BREAK_GLASS_MINUTES = 30


def break_glass(ticket_id: int, reason: str, *, actor: Actor, now: datetime) -> datetime:
    """An uncleared desk member reads a confidential ticket in an emergency; the reason is audited.

    Returns until when the reading is allowed. The security team sees every such event in
    the audit trail of the ticket.

    :raises PermissionDenied: not desk staff, or the ticket is not confidential.
    :raises ValidationFailed: no reason given.
    """
    if not reason.strip():
        raise ValidationFailed(_l("緊急閲覧の理由を入力してください。"), fields={"reason": _l("必須です。")})
    with unit_of_work():
        ticket = _get_for_update(ticket_id)
        if actor.role not in policy.DESK_ROLES or not ticket.is_confidential:
            raise PermissionDenied(_l("この操作はできません。"))
        until = now + timedelta(minutes=BREAK_GLASS_MINUTES)
        audit.record(actor, "ticket.break_glass", subject_type="ticket", subject_id=ticket.number,
                     ticket_id=ticket.id, now=now,
                     data={"reason": reason.strip()[:1000], "until": until.isoformat()})
    return until


#: Run inside the unit of work when a ticket is opened as, or becomes, a security incident
#: (the handoff domain proposes the handoff to the security team at once).
ON_SECURITY_INCIDENT: list[Callable[[Ticket, Actor, datetime], object]] = []

#: Run inside the unit of work when a ticket has opened (numbered and audited; the incidents domain
#: links a fault report to the open major incident of its service here).
ON_OPEN: list[Callable[[Ticket, Actor, datetime], object]] = []

#: Run inside the unit of work after every change of a ticket's status, classification, first
#: response or restoration (the SLA domain keeps its clocks in step here).
ON_CHANGE: list[Callable[[Ticket, Actor, datetime], object]] = []


def _changed(ticket: Ticket, actor: Actor, now: datetime) -> None:
    for hook in ON_CHANGE:
        hook(ticket, actor, now)


#: Run inside the unit of work when a ticket closes. Higher domains register here (the
#: handoff domain withdraws an unanswered handoff) so that tickets never imports them.
ON_CLOSE: list[Callable[[Ticket, Actor, datetime], object]] = []


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
            for hook in ON_CLOSE:
                hook(ticket, actor, now)
            responsibility.end_responsibility(ticket.id, now=now)
        elif target is TicketStatus.OPEN and current in (TicketStatus.RESOLVED, TicketStatus.CLOSED):
            ticket.reopened_count += 1
            ticket.resolved_at = None
            # Reopened as not fixed: the service was not restored after all (the audit trail keeps
            # when it was said to be).
            ticket.restored_at = None
            if current is TicketStatus.CLOSED:
                ticket.closed_at = None
                responsibility.open_segment(ticket.id, helpdesk_party().id, now=now,
                                            reason=SegmentReason.REOPENED)
        audit.record(actor, "ticket.status_changed", subject_type="ticket",
                     subject_id=ticket.number, ticket_id=ticket.id, now=now,
                     data={"from": current.value, "to": target.value, "reason": reason[:500]})
        if target in TOLD_TO_REQUESTER and not is_requester and not (
                target is TicketStatus.OPEN and current is TicketStatus.NEW):
            outbox.emit(TASK_STATUS_CHANGED,
                        {"ticket_id": ticket.id, "from": current.value, "to": target.value}, now=now)
        _changed(ticket, actor, now)
    return ticket


def get_for_update(ticket_id: int) -> Ticket:
    """The ticket, locked for the rest of the caller's unit of work.

    :raises NotFound: no such ticket.
    """
    return _get_for_update(ticket_id)


def _get_for_update(ticket_id: int) -> Ticket:
    ticket = db.session.scalar(select(Ticket).where(Ticket.id == ticket_id).with_for_update())
    if ticket is None:
        raise NotFound(_l("チケットが見つかりません。"))
    return ticket


# --- resolution, confirmation, satisfaction --------------------------------------------------


def resolve(
    ticket_id: int, code: ResolutionCode, summary: str, *, actor: Actor, now: datetime
) -> Ticket:
    """Resolve a ticket with a code and a summary the requester will read.

    A fault's restoration time is recorded now if it was not recorded before. Emits
    ``notifications.ticket_resolved`` so the requester can confirm or reopen.

    :raises PermissionDenied: the actor may not work the ticket.
    :raises InvalidTransition: the ticket is not open.
    :raises ValidationFailed: empty or over-long summary.
    """
    summary = summary.strip()
    if not summary:
        raise ValidationFailed(_l("解決内容を入力してください。"), fields={"summary": _l("必須です。")})
    if len(summary) > BODY_MAX:
        raise ValidationFailed(_l("解決内容が長すぎます。"), fields={"summary": _l("長すぎます。")})
    with unit_of_work():
        ticket = _get_for_update(ticket_id)
        policy.require_work_ticket(actor, ticket)
        if not ticket.is_open:
            raise InvalidTransition(_l("この状態には変更できません。"))
        ticket.resolution_code = code
        ticket.resolution_summary = summary
        if ticket.type in (TicketType.FAULT, TicketType.SECURITY) and ticket.restored_at is None:
            ticket.restored_at = now
        change_status(ticket.id, TicketStatus.RESOLVED, actor=actor, now=now,
                      reason=f"{code.value}: {summary[:200]}")
        outbox.emit(TASK_TICKET_RESOLVED, {"ticket_id": ticket.id}, now=now)
    return ticket


def record_restoration(ticket_id: int, restored_at: datetime, *, actor: Actor, now: datetime) -> Ticket:
    """Record when a fault's service came back, apart from its resolution and closure; audited.

    The restoration clock stops at ``restored_at``; recording again corrects the time.

    :raises PermissionDenied: the actor may not work the ticket.
    :raises InvalidTransition: not an open fault or security incident.
    :raises ValidationFailed: a time in the future or before the ticket was opened.
    """
    with unit_of_work():
        ticket = _get_for_update(ticket_id)
        policy.require_work_ticket(actor, ticket)
        if not ticket.is_open or ticket.type not in (TicketType.FAULT, TicketType.SECURITY):
            raise InvalidTransition(_l("未完了の障害・セキュリティ事案だけに復旧を記録できます。"))
        if restored_at.tzinfo is None or restored_at > now + timedelta(minutes=1) \
                or restored_at < ticket.created_at:
            raise ValidationFailed(_l("復旧時刻を確認してください。"),
                                   fields={"restored_at": _l("受付から現在までの時刻を入力してください。")})
        previous = ticket.restored_at
        ticket.restored_at = restored_at
        ticket.updated_at = now
        audit.record(actor, "ticket.restored", subject_type="ticket", subject_id=ticket.number,
                     ticket_id=ticket.id, now=now,
                     data={"restored_at": restored_at.isoformat(),
                           "previous": previous.isoformat() if previous else None})
        _changed(ticket, actor, now)
    return ticket


def confirm_resolution(ticket_id: int, *, actor: Actor, now: datetime) -> Ticket:
    """The requester says the resolution worked: the ticket closes.

    :raises PermissionDenied: not the requester.
    :raises InvalidTransition: the ticket is not resolved.
    """
    with unit_of_work():
        ticket = _get_for_update(ticket_id)
        _require_requester(actor, ticket)
        if ticket.status is not TicketStatus.RESOLVED:
            raise InvalidTransition(_l("解決済みのチケットだけが完了にできます。"))
        change_status(ticket.id, TicketStatus.CLOSED, actor=actor, now=now, reason="confirmed")
    return ticket


def reopen_by_requester(ticket_id: int, reason: str, *, actor: Actor, now: datetime) -> Ticket:
    """The requester says it is not solved: the ticket reopens with their reason as a reply.

    :raises PermissionDenied: not the requester.
    :raises InvalidTransition: the ticket is not resolved.
    :raises ValidationFailed: no reason given.
    """
    reason = reason.strip()
    if not reason:
        raise ValidationFailed(_l("解決していない理由を入力してください。"),
                               fields={"reason": _l("必須です。")})
    with unit_of_work():
        ticket = _get_for_update(ticket_id)
        _require_requester(actor, ticket)
        if ticket.status is not TicketStatus.RESOLVED:
            raise InvalidTransition(_l("解決済みのチケットだけが再開できます。"))
        change_status(ticket.id, TicketStatus.OPEN, actor=actor, now=now, reason=reason[:500])
        add_message(ticket.id, MessageKind.PUBLIC_REPLY, reason, actor=actor, now=now)
    return ticket


RATING_RANGE = range(1, 6)


def rate(ticket_id: int, rating: int, comment: str, *, actor: Actor, now: datetime) -> Ticket:
    """Record the requester's 1–5 satisfaction with a closed ticket; once.

    :raises PermissionDenied: not the requester.
    :raises InvalidTransition: not closed yet.
    :raises Conflict: already rated.
    :raises ValidationFailed: rating outside 1–5 or comment too long.
    """
    if rating not in RATING_RANGE:
        raise ValidationFailed(_l("1〜5で評価してください。"),
                               fields={"rating": _l("1〜5を選んでください。")})
    if len(comment) > 2000:
        raise ValidationFailed(_l("コメントが長すぎます。"), fields={"comment": _l("長すぎます。")})
    with unit_of_work():
        ticket = _get_for_update(ticket_id)
        _require_requester(actor, ticket)
        if ticket.status is not TicketStatus.CLOSED:
            raise InvalidTransition(_l("完了したチケットだけを評価できます。"))
        if ticket.rated_at is not None:
            raise Conflict(_l("このチケットは評価済みです。"))
        ticket.satisfaction_rating = rating
        ticket.satisfaction_comment = comment.strip()
        ticket.rated_at = now
        audit.record(actor, "ticket.rated", subject_type="ticket", subject_id=ticket.number,
                     ticket_id=ticket.id, now=now, data={"rating": rating})
    return ticket


def _require_requester(actor: Actor, ticket: Ticket) -> None:
    policy.require_view_ticket(actor, ticket)
    if ticket.requester_id != actor.user_id:
        raise PermissionDenied(_l("依頼者本人だけが操作できます。"))


# --- classification -----------------------------------------------------------------------


@dataclass
class FieldChanges:
    """What an agent changes on a ticket; None leaves a field as it is."""

    type: TicketType | None = None
    impact: Impact | None = None
    urgency: Urgency | None = None
    service_code: str | None = None
    site_id: int | None = None
    #: A chosen priority overrides impact × urgency; ``clear_priority_override`` goes back.
    priority: Priority | None = None
    clear_priority_override: bool = False


def update_fields(ticket_id: int, changes: FieldChanges, *, actor: Actor, now: datetime) -> Ticket:
    """Reclassify a ticket; priority follows impact × urgency unless overridden.

    One audit event lists every changed field as ``[old, new]``; nothing is written
    when nothing changes. Making a ticket a security incident makes it confidential.

    :raises PermissionDenied: the actor may not work the ticket.
    :raises ValidationFailed: unknown service or site.
    """
    with unit_of_work() as session:
        ticket = _get_for_update(ticket_id)
        policy.require_work_ticket(actor, ticket)
        before = _classification(ticket)
        if changes.type is not None:
            ticket.type = changes.type
            if changes.type is TicketType.SECURITY:
                ticket.is_confidential = True
        ticket.impact = changes.impact or ticket.impact
        ticket.urgency = changes.urgency or ticket.urgency
        if changes.service_code is not None:
            service = session.scalar(select(Service).where(Service.code == changes.service_code))
            if service is None:
                raise ValidationFailed(_l("サービスが見つかりません。"),
                                       fields={"service": _l("一覧から選んでください。")})
            ticket.service_id = service.id
        if changes.site_id is not None:
            if session.get(Site, changes.site_id) is None:
                raise ValidationFailed(_l("拠点が見つかりません。"),
                                       fields={"site": _l("一覧から選んでください。")})
            ticket.site_id = changes.site_id
        if changes.priority is not None:
            ticket.priority, ticket.is_priority_overridden = changes.priority, True
        elif changes.clear_priority_override:
            ticket.is_priority_overridden = False
        if not ticket.is_priority_overridden:
            ticket.priority = compute_priority(ticket.type, ticket.impact, ticket.urgency)
        after = _classification(ticket)
        diff = {k: [before[k], after[k]] for k in before if before[k] != after[k]}
        if not diff:
            return ticket
        ticket.updated_at = now
        audit.record(actor, "ticket.fields_changed", subject_type="ticket", subject_id=ticket.number,
                     ticket_id=ticket.id, now=now, data={"changes": diff})
        _changed(ticket, actor, now)
        if "type" in diff and ticket.type is TicketType.SECURITY:
            for hook in ON_SECURITY_INCIDENT:
                hook(ticket, actor, now)
    return ticket


def _classification(ticket: Ticket) -> dict[str, object]:
    return {
        "type": ticket.type.value, "impact": ticket.impact.value, "urgency": ticket.urgency.value,
        "priority": ticket.priority.value, "priority_overridden": ticket.is_priority_overridden,
        "service_id": ticket.service_id, "site_id": ticket.site_id,
    }


@dataclass
class TicketChange:
    """Several changes an agent makes at once (the API's PATCH): all of them, or none."""

    fields: FieldChanges | None = None
    #: True to (re)assign: ``assignee_id`` None then means "unassign".
    reassign: bool = False
    assignee_id: int | None = None
    status: TicketStatus | None = None
    status_reason: str = ""
    #: Resolving takes a code and a summary instead of a bare status.
    resolution: tuple[ResolutionCode, str] | None = None


def change_ticket(ticket_id: int, change: TicketChange, *, actor: Actor, now: datetime) -> Ticket:
    """Apply a :class:`TicketChange` in one transaction, in the order fields, assignee, status.

    Each part writes its own audit event and outbox rows as the single-purpose services
    do; if any part is refused, nothing of the others is kept.

    :raises NotFound: the actor may not see the ticket.
    :raises PermissionDenied: the actor may not work the ticket, or the assignee is not desk staff.
    :raises InvalidTransition: the state table refuses the status change.
    :raises ValidationFailed: unknown service or site, or an empty resolution summary.
    """
    with unit_of_work():
        ticket = _get_for_update(ticket_id)
        policy.require_work_ticket(actor, ticket)
        if change.fields is not None:
            update_fields(ticket_id, change.fields, actor=actor, now=now)
        if change.reassign:
            assign(ticket_id, change.assignee_id, actor=actor, now=now)
        if change.resolution is not None:
            code, summary = change.resolution
            resolve(ticket_id, code, summary, actor=actor, now=now)
        elif change.status is not None and change.status is not ticket.status:
            change_status(ticket_id, change.status, actor=actor, now=now, reason=change.status_reason)
    return ticket


def add_attachments(
    ticket_id: int, uploads: Sequence[Upload], *, is_public: bool, actor: Actor, now: datetime,
    limits: AttachmentLimits | None = None,
) -> list[Attachment]:
    """Attach files to a ticket without a message; the requester may add public files only.

    Every file is checked first: one refused file refuses them all and nothing is kept.
    One audit event names the files.

    :raises NotFound: the actor may not see the ticket.
    :raises PermissionDenied: a requester adding internal files, or a reader who may not work it.
    :raises InvalidTransition: the ticket is closed.
    :raises ValidationFailed: no file, or a refused file.
    """
    if not uploads:
        raise ValidationFailed(_l("ファイルを選んでください。"), fields={"files": _l("必須です。")})
    files = check_uploads(uploads, limits)
    try:
        with unit_of_work():
            ticket = _get_for_update(ticket_id)
            policy.require_view_ticket(actor, ticket)
            is_requester = ticket.requester_id == actor.user_id and not policy.can_work_ticket(actor, ticket)
            if is_requester and not is_public:
                raise PermissionDenied(_l("この操作はできません。"))
            if not is_requester:
                policy.require_work_ticket(actor, ticket)
            if ticket.status is TicketStatus.CLOSED:
                raise InvalidTransition(_l("完了したチケットにはファイルを追加できません。"))
            rows = link(files, ticket_id=ticket.id, message_id=None, is_public=is_public,
                        actor=actor, now=now)
            ticket.updated_at = now
            audit.record(actor, "ticket.files_added", subject_type="ticket", subject_id=ticket.number,
                         ticket_id=ticket.id, now=now,
                         data={"attachment_ids": [a.id for a in rows], "is_public": is_public})
    except BaseException:
        discard_checked(files, limits)
        raise
    return rows


# --- bulk changes ---------------------------------------------------------------------------


class BulkAction(StrEnum):
    """What a bulk change does to each selected ticket."""

    ASSIGN = "assign"
    STATUS = "status"
    PRIORITY = "priority"


@dataclass
class BulkReport:
    """Per-ticket outcome of a bulk change: numbers that changed, and why others did not."""

    succeeded: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)


def bulk_change(
    ticket_ids: Sequence[int], action: BulkAction, value: str, *, actor: Actor, now: datetime
) -> BulkReport:
    """Apply one change to many tickets, each in its own transaction with its own audit event.

    A ticket that cannot take the change (not visible, not workable, the state table
    refuses) is reported with the reason and does not stop the others.
    """
    report = BulkReport()
    for ticket_id in dict.fromkeys(ticket_ids):
        number = db.session.scalar(select(Ticket.number).where(Ticket.id == ticket_id)) or str(ticket_id)
        try:
            if action is BulkAction.ASSIGN:
                assign(ticket_id, int(value) if value else None, actor=actor, now=now)
            elif action is BulkAction.STATUS:
                change_status(ticket_id, TicketStatus(value), actor=actor, now=now, reason="bulk")
            else:
                update_fields(ticket_id, FieldChanges(priority=Priority(value)), actor=actor, now=now)
        except (DomainError, ValueError) as exc:
            db.session.rollback()
            reason = str(exc.message) if isinstance(exc, DomainError) else str(_l("値が正しくありません。"))
            report.failed.append((number if not isinstance(exc, NotFound) else str(ticket_id), reason))
        else:
            report.succeeded.append(number)
    return report
