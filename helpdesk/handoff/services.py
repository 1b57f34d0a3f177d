"""Moving a ticket between parties: request, accept, reject, withdraw, expire, hand back.

Responsibility moves only when the receiver accepts (``responsibility.transfer`` is called
from :func:`accept_handoff` and nowhere else in this module). At most one handoff of a
ticket is open at a time; the ticket row is locked first, so two senders cannot both open
one. Every step writes an audit event and an outbox row for the other side in the same
transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from helpdesk.accounts.models import Party, PartyKind
from helpdesk.audit import services as audit
from helpdesk.core import outbox
from helpdesk.core.actor import Actor
from helpdesk.core.db import db, unit_of_work
from helpdesk.core.errors import Conflict, InvalidTransition, NotFound, ValidationFailed
from helpdesk.handoff import policy
from helpdesk.handoff.models import Handoff, HandoffKind, HandoffShare, HandoffState, RejectReason
from helpdesk.handoff.queries import find_open_handoff, has_received, has_received_any
from helpdesk.responsibility import services as responsibility
from helpdesk.responsibility.models import SegmentReason
from helpdesk.sla import calendars
from helpdesk.sla import services as sla
from helpdesk.sla.calendar import add_business_time
from helpdesk.sla.models import Metric, PartyTarget
from helpdesk.tickets import policy as ticket_policy
from helpdesk.tickets import services as tickets
from helpdesk.tickets.attachments import AttachmentLimits, Upload, link
from helpdesk.tickets.models import Attachment, Message, Ticket
from helpdesk.tickets.states import OPEN_STATUSES, MessageKind, Priority, TicketStatus

TASK_HANDOFF_REQUESTED = "notifications.handoff_requested"
TASK_HANDOFF_DECIDED = "notifications.handoff_decided"
TASK_HANDOFF_OVERDUE = "notifications.handoff_overdue"
#: Picked up by the webhooks domain: events for the parties' own systems.
TASK_WEBHOOK_HANDOFF_EVENT = "webhooks.record_handoff_event"
TASK_WEBHOOK_TICKET_CLOSED = "webhooks.record_ticket_closed"
TASK_WEBHOOK_MESSAGE_SHARED = "webhooks.record_message_shared"

TEXT_MAX = 10_000
KEY_MAX = 200


@dataclass(frozen=True)
class HandoffRequest:
    """What the sender writes when asking another party to take a ticket."""

    to_party_id: int
    idempotency_key: str
    symptom: str
    impact: str = ""
    steps_taken: str = ""
    requester_contact: str = ""
    shared_message_ids: Sequence[int] = ()
    shared_attachment_ids: Sequence[int] = ()


@dataclass(frozen=True)
class Handback:
    """What a party returning a ticket to the help desk reports."""

    idempotency_key: str
    cause: str
    action: str
    restored_at: datetime | None = None


# --- sending --------------------------------------------------------------------------------


def request_handoff(ticket_id: int, request: HandoffRequest, *, actor: Actor, now: datetime) -> Handoff:
    """Ask ``request.to_party_id`` to take the ticket; the sender stays responsible until it accepts.

    The acknowledgement deadline comes from the receiver's target for the ticket's
    priority. Idempotent per (sending party, key): the same request again returns the
    first handoff and changes nothing. Emits ``notifications.handoff_requested``.

    :raises NotFound: the actor may not see the ticket.
    :raises PermissionDenied: the actor does not work for the party holding the ticket.
    :raises InvalidTransition: the ticket is not open, or a handoff of it is already open.
    :raises ValidationFailed: no symptom, unknown or same party, a share not of this ticket.
    :raises Conflict: the key was used for another ticket.
    """
    _check_key(request.idempotency_key)
    errors: dict[str, object] = {}
    if not request.symptom.strip():
        errors["symptom"] = _l("症状を入力してください。")
    texts = {"symptom": request.symptom, "impact": request.impact, "steps_taken": request.steps_taken,
             "requester_contact": request.requester_contact}
    for name, value in texts.items():
        if len(value) > TEXT_MAX:
            errors[name] = _l("長すぎます。")
    if errors:
        raise ValidationFailed(_l("入力内容を確認してください。"), fields=errors)

    def build(ticket: Ticket, holder_party: Party) -> Handoff:
        receiver = _active_party(request.to_party_id)
        if receiver.id == holder_party.id:
            raise _invalid("to_party", _l("いま責任を持っている事業者とは別の事業者を選んでください。"),
                           _l("引き継ぎ先を確認してください。"))
        if receiver.kind is PartyKind.HELPDESK:
            raise _invalid("to_party", _l("ヘルプデスクへ戻すときは「返却」を使ってください。"),
                           _l("引き継ぎ先を確認してください。"))
        handoff = Handoff(
            ticket_id=ticket.id, kind=HandoffKind.ESCALATION, state=HandoffState.REQUESTED,
            from_party_id=holder_party.id, to_party_id=receiver.id,
            idempotency_key=request.idempotency_key, summary_symptom=request.symptom.strip(),
            summary_impact=request.impact.strip(), summary_steps_taken=request.steps_taken.strip(),
            summary_requester_contact=request.requester_contact.strip(), requested_by_id=actor.user_id,
            requested_at=now, ack_due_at=_ack_due(receiver.id, ticket.priority, now),
        )
        handoff.shares = _shares(ticket.id, request.shared_message_ids, request.shared_attachment_ids)
        return handoff

    return _send(ticket_id, request.idempotency_key, build, actor=actor, now=now)


def hand_back(ticket_id: int, handback: Handback, *, actor: Actor, now: datetime) -> Handoff:
    """Return a ticket the actor's party holds to the help desk, with cause, action and restoration.

    A handback is a handoff the help desk accepts like any other; until then the
    returning party stays responsible. Idempotent per (party, key).

    :raises NotFound: the actor may not see the ticket.
    :raises PermissionDenied: the actor does not work for the holding party.
    :raises InvalidTransition: the help desk holds it already, the ticket is not open, or a
        handoff of it is open.
    :raises ValidationFailed: no cause or action, or a restoration time in the future.
    """
    _check_key(handback.idempotency_key)
    errors: dict[str, object] = {}
    if not handback.cause.strip():
        errors["cause"] = _l("原因を入力してください。")
    if not handback.action.strip():
        errors["action"] = _l("対応内容を入力してください。")
    if handback.restored_at is not None and handback.restored_at > now:
        errors["restored_at"] = _l("未来の日時は指定できません。")
    if len(handback.cause) > TEXT_MAX or len(handback.action) > TEXT_MAX:
        errors.setdefault("action", _l("長すぎます。"))
    if errors:
        raise ValidationFailed(_l("入力内容を確認してください。"), fields=errors)

    def build(ticket: Ticket, holder_party: Party) -> Handoff:
        if holder_party.kind is PartyKind.HELPDESK:
            raise InvalidTransition(_l("このチケットはすでにヘルプデスクが担当しています。"))
        desk = tickets.helpdesk_party()
        return Handoff(
            ticket_id=ticket.id, kind=HandoffKind.HANDBACK, state=HandoffState.REQUESTED,
            from_party_id=holder_party.id, to_party_id=desk.id, idempotency_key=handback.idempotency_key,
            handback_cause=handback.cause.strip(), handback_action=handback.action.strip(),
            handback_restored_at=handback.restored_at.astimezone(UTC) if handback.restored_at else None,
            requested_by_id=actor.user_id, requested_at=now,
            ack_due_at=_ack_due(desk.id, ticket.priority, now),
        )

    return _send(ticket_id, handback.idempotency_key, build, actor=actor, now=now)


def _send(ticket_id: int, key: str, build: Callable[[Ticket, Party], Handoff], *, actor: Actor,
          now: datetime) -> Handoff:
    try:
        with unit_of_work():
            ticket = tickets.get_for_update(ticket_id)
            segment = responsibility.find_open_segment(ticket.id)
            if segment is None:
                ticket_policy.require_view_ticket(actor, ticket)
                raise InvalidTransition(_l("完了したチケットは引き継げません。"))
            repeated = _find_by_key(segment.party_id, key)
            if repeated is not None:
                return _repeat(repeated, ticket.id)
            policy.require_act_for_party(actor, segment.party_id)
            if segment.party.kind is PartyKind.HELPDESK:
                ticket_policy.require_work_ticket(actor, ticket)
            if ticket.status not in OPEN_STATUSES:
                raise InvalidTransition(_l("未完了のチケットだけを引き継げます。"))
            if find_open_handoff(ticket.id) is not None:
                raise InvalidTransition(_l("このチケットはすでに引き継ぎ依頼中です。"))
            handoff = build(ticket, segment.party)
            db.session.add(handoff)
            db.session.flush()
            ticket.updated_at = now
            audit.record(actor, f"handoff.{handoff.kind.value}_requested", subject_type="handoff",
                         subject_id=handoff.id, ticket_id=ticket.id, now=now,
                         data={"from": segment.party.code, "to": handoff.to_party.code,
                               "ack_due_at": handoff.ack_due_at.isoformat() if handoff.ack_due_at else None,
                               "shared_messages": len([s for s in handoff.shares if s.message_id]),
                               "shared_attachments": len([s for s in handoff.shares if s.attachment_id])})
            outbox.emit(TASK_HANDOFF_REQUESTED, {"handoff_id": handoff.id}, now=now)
            outbox.emit(TASK_WEBHOOK_HANDOFF_EVENT, {"handoff_id": handoff.id, "event": "handoff.requested"},
                        now=now)
            return handoff
    except IntegrityError:
        # The same request raced us to the unique (party, key): answer with its handoff.
        segment = responsibility.find_open_segment(ticket_id)
        repeated = _find_by_key(segment.party_id, key) if segment is not None else None
        if repeated is None:
            raise
        return _repeat(repeated, ticket_id)


def _repeat(handoff: Handoff, ticket_id: int) -> Handoff:
    if handoff.ticket_id != ticket_id:
        raise Conflict(_l("この Idempotency-Key は別のチケットの引き継ぎに使われています。"))
    return handoff


# --- answering ------------------------------------------------------------------------------


def accept_handoff(handoff_id: int, *, actor: Actor, now: datetime, receiver_reference: str = "") -> Handoff:
    """The receiver takes the ticket: responsibility moves to it at ``now``.

    Accepting an already accepted handoff again changes nothing (a retried click or
    API call). Emits ``notifications.handoff_decided``.

    :raises NotFound: the actor may not see the handoff.
    :raises PermissionDenied: the actor does not work for the receiving party.
    :raises InvalidTransition: the handoff was rejected, withdrawn or expired.
    """
    with unit_of_work():
        handoff = _lock(handoff_id, actor)
        policy.require_act_for_party(actor, handoff.to_party_id)
        if handoff.state is HandoffState.ACCEPTED:
            return handoff
        _require_open(handoff)
        reason = SegmentReason.HANDBACK if handoff.kind is HandoffKind.HANDBACK else SegmentReason.HANDOFF
        responsibility.transfer(handoff.ticket_id, handoff.to_party_id, now=now, reason=reason,
                                handoff_id=handoff.id)
        handoff.state, handoff.decided_by_id, handoff.decided_at = HandoffState.ACCEPTED, actor.user_id, now
        handoff.receiver_reference = receiver_reference.strip()[:100]
        ticket = db.session.get(Ticket, handoff.ticket_id)
        assert ticket is not None
        restored_at = handoff.handback_restored_at if handoff.kind is HandoffKind.HANDBACK else None
        if restored_at is not None and ticket.restored_at is None:
            ticket.restored_at = restored_at
        ticket.updated_at = now
        _decided(handoff, actor, now, {"receiver_reference": handoff.receiver_reference})
        sla.sync_ticket_clocks(ticket, actor, now)  # the sender's hold clock stops, the receiver's starts
    return handoff


def reject_handoff(
    handoff_id: int, reason: RejectReason, text: str, *, actor: Actor, now: datetime,
    suggested_party_id: int | None = None,
) -> Handoff:
    """The receiver refuses; responsibility stays with the sender.

    "Out of scope" must name the party that should take it; "insufficient information"
    must say what is missing.

    :raises NotFound: the actor may not see the handoff.
    :raises PermissionDenied: the actor does not work for the receiving party.
    :raises InvalidTransition: the handoff is no longer open.
    :raises ValidationFailed: a reason without what it needs.
    """
    errors: dict[str, object] = {}
    if reason is RejectReason.OUT_OF_SCOPE and suggested_party_id is None:
        errors["suggested_party"] = _l("対応すべき事業者を選んでください。")
    if reason in (RejectReason.INSUFFICIENT_INFORMATION, RejectReason.OTHER) and not text.strip():
        errors["reason"] = _l("不足している情報や理由を入力してください。")
    if len(text) > TEXT_MAX:
        errors["reason"] = _l("長すぎます。")
    if errors:
        raise ValidationFailed(_l("入力内容を確認してください。"), fields=errors)
    with unit_of_work():
        handoff = _lock(handoff_id, actor)
        policy.require_act_for_party(actor, handoff.to_party_id)
        _require_open(handoff)
        if suggested_party_id is not None:
            suggested = _active_party(suggested_party_id, field="suggested_party")
            if suggested.id == handoff.to_party_id:
                raise _invalid("suggested_party", _l("自分以外の事業者を選んでください。"))
        handoff.state, handoff.decided_by_id, handoff.decided_at = HandoffState.REJECTED, actor.user_id, now
        handoff.reject_reason, handoff.reject_text = reason, text.strip()
        handoff.suggested_party_id = suggested_party_id
        _decided(handoff, actor, now, {"reason": reason.value, "suggested_party_id": suggested_party_id})
    return handoff


def withdraw_handoff(handoff_id: int, *, actor: Actor, now: datetime, reason: str = "") -> Handoff:
    """The sender takes the request back before it is answered.

    :raises NotFound: the actor may not see the handoff.
    :raises PermissionDenied: the actor does not work for the sending party.
    :raises InvalidTransition: the handoff is no longer open.
    """
    with unit_of_work():
        handoff = _lock(handoff_id, actor)
        policy.require_act_for_party(actor, handoff.from_party_id)
        _require_open(handoff)
        handoff.state, handoff.decided_by_id, handoff.decided_at = HandoffState.WITHDRAWN, actor.user_id, now
        handoff.reject_text = reason.strip()[:TEXT_MAX]
        _decided(handoff, actor, now, {"reason": handoff.reject_text})
    return handoff


# --- talking across the boundary -----------------------------------------------------------


def post_party_note(
    ticket_id: int, body: str, *, actor: Actor, now: datetime, uploads: Sequence[Upload] = (),
    limits: AttachmentLimits | None = None,
) -> Message:
    """A message between the help desk and a party the ticket was handed to; never the requester's.

    The desk writes to the party holding the ticket (or to the receiver of the open
    handoff); a party writes to the help desk, once the ticket was handed to it. Files
    are checked like any other. Emits ``webhooks.record_message_shared`` for a party audience.

    :raises NotFound: the actor may not see the ticket (a party it was never handed to).
    :raises InvalidTransition: the desk has no other party to write to, or the ticket is closed.
    :raises ValidationFailed: an empty or over-long body, or a refused file.
    """
    if not body.strip():
        raise _invalid("body", _l("本文を入力してください。"))
    if len(body) > TEXT_MAX:
        raise _invalid("body", _l("長すぎます。"))
    files = tickets.check_uploads(uploads, limits)
    try:
        with unit_of_work() as session:
            ticket = tickets.get_for_update(ticket_id)
            desk = tickets.helpdesk_party()
            if desk.id in actor.party_ids and ticket_policy.can_work_ticket(actor, ticket):
                author_party, audience = desk.id, _counterpart(ticket.id, desk.id)
            else:
                parties = [p for p in actor.party_ids if has_received({p}, ticket.id)]
                hidden = ticket.is_confidential and not actor.is_security_cleared
                if not parties or hidden or not policy.can_act_for_party(actor, parties[0]):
                    raise NotFound("ticket")
                author_party, audience = parties[0], desk.id
            if ticket.status is TicketStatus.CLOSED:
                raise InvalidTransition(_l("完了したチケットには書き込めません。"))
            message = Message(ticket_id=ticket.id, kind=MessageKind.PARTY_NOTE, author_id=actor.user_id,
                              author_party_id=author_party, audience_party_id=audience, body=body.strip(),
                              created_at=now)
            session.add(message)
            session.flush()
            linked = link(files, ticket_id=ticket.id, message_id=message.id, is_public=False, actor=actor,
                          now=now)
            ticket.updated_at = now
            audit.record(actor, "message.party_note", subject_type="message", subject_id=message.id,
                         ticket_id=ticket.id, now=now, data={"to_party_id": audience,
                                                             "attachment_ids": [a.id for a in linked]})
            if audience != desk.id:
                outbox.emit(TASK_WEBHOOK_MESSAGE_SHARED, {"message_id": message.id}, now=now)
    except BaseException:
        tickets.discard_checked(files, limits)
        raise
    return message


def _counterpart(ticket_id: int, desk_id: int) -> int:
    """Whom the desk writes to: the holding party, else the receiver of the open handoff."""
    segment = responsibility.find_open_segment(ticket_id)
    if segment is not None and segment.party_id != desk_id:
        return segment.party_id
    open_handoff = find_open_handoff(ticket_id)
    if open_handoff is not None and open_handoff.to_party_id != desk_id:
        return open_handoff.to_party_id
    raise InvalidTransition(_l("連絡できる事業者がいません。先に引き継ぎを依頼してください。"))


# --- the clock ------------------------------------------------------------------------------


def mark_overdue_acknowledgements(*, now: datetime, actor: Actor) -> list[int]:
    """Mark every open handoff past its acknowledgement deadline, once; returns their ids.

    One UPDATE … RETURNING decides which rows this sweep marks, so two sweeps running
    at the same time never mark (or alert on) the same handoff twice. Each marked
    handoff gets an audit event and emits ``notifications.handoff_overdue``.
    """
    with unit_of_work() as session:
        marked = list(session.scalars(
            update(Handoff)
            .where(Handoff.state == HandoffState.REQUESTED, Handoff.ack_due_at < now,
                   Handoff.ack_overdue_at.is_(None))
            .values(ack_overdue_at=now)
            .returning(Handoff.id)
        ))
        for handoff_id in marked:
            handoff = session.get(Handoff, handoff_id, populate_existing=True)
            assert handoff is not None
            audit.record(actor, "handoff.acknowledgement_overdue", subject_type="handoff",
                         subject_id=handoff.id, ticket_id=handoff.ticket_id, now=now,
                         data={"to": handoff.to_party.code, "ack_due_at": str(handoff.ack_due_at)})
            outbox.emit(TASK_HANDOFF_OVERDUE, {"handoff_id": handoff.id}, now=now)
    return marked


def expire_stale_handoffs(*, now: datetime, after: timedelta, actor: Actor) -> list[int]:
    """Close requests left unanswered for ``after``: the sender keeps the ticket and must act.

    Set-based and safe to run twice at once, like :func:`mark_overdue_acknowledgements`.
    """
    with unit_of_work() as session:
        expired = list(session.scalars(
            update(Handoff)
            .where(Handoff.state == HandoffState.REQUESTED, Handoff.requested_at < now - after)
            .values(state=HandoffState.EXPIRED, decided_at=now)
            .returning(Handoff.id)
        ))
        for handoff_id in expired:
            handoff = session.get(Handoff, handoff_id, populate_existing=True)
            assert handoff is not None
            _decided(handoff, actor, now, {})
    return expired


def withdraw_on_close(ticket: Ticket, actor: Actor, now: datetime) -> None:
    """When a ticket closes, an unanswered handoff of it is withdrawn (run by the tickets domain).

    Parties the ticket was ever handed to hear ``ticket.closed`` through their webhook.
    """
    if has_received_any(ticket.id):
        outbox.emit(TASK_WEBHOOK_TICKET_CLOSED, {"ticket_id": ticket.id}, now=now)
    handoff = find_open_handoff(ticket.id)
    if handoff is None:
        return
    handoff.state, handoff.decided_by_id, handoff.decided_at = HandoffState.WITHDRAWN, actor.user_id, now
    handoff.reject_text = "ticket closed"
    _decided(handoff, actor, now, {"reason": "ticket closed"})


def propose_security_handoff(ticket: Ticket, actor: Actor, now: datetime) -> Handoff | None:
    """A security incident is offered to the security team at once, with its P1 acknowledgement target.

    Sent by the system for the help desk (the person who filed it may be any member of
    staff); the help desk stays responsible until the team accepts. Nothing happens when
    no security party is configured, the desk no longer holds the ticket, or a handoff is
    already open.
    """
    team = db.session.scalar(select(Party).where(Party.kind == PartyKind.SECURITY, Party.is_active.is_(True))
                             .order_by(Party.id).limit(1))
    segment = responsibility.find_open_segment(ticket.id)
    if team is None or segment is None or segment.party_id == team.id or find_open_handoff(ticket.id):
        return None
    request = HandoffRequest(
        to_party_id=team.id, idempotency_key=f"security-incident:{ticket.id}:{now.isoformat()}",
        symptom=f"{ticket.subject}\n{ticket.description}".strip(),
        impact=str(_l("セキュリティ事案（機密）")), requester_contact="",
    )
    system = Actor(role="system", label=f"security proposal by {actor.label}")
    handoff = request_handoff(ticket.id, request, actor=system, now=now)
    p1_due = _ack_due(team.id, Priority.P1, now)
    if p1_due is not None:
        handoff.ack_due_at = p1_due
    return handoff


def register_hooks() -> None:
    """Let the tickets domain call our hooks (once each, however often called)."""
    for hooks, hook in ((tickets.ON_CLOSE, withdraw_on_close),
                        (tickets.ON_SECURITY_INCIDENT, propose_security_handoff)):
        if hook not in hooks:
            hooks.append(hook)


# --- helpers --------------------------------------------------------------------------------


def _decided(handoff: Handoff, actor: Actor, now: datetime, data: dict[str, object]) -> None:
    audit.record(actor, f"handoff.{handoff.state.value}", subject_type="handoff", subject_id=handoff.id,
                 ticket_id=handoff.ticket_id, now=now, data={"kind": handoff.kind.value, **data})
    outbox.emit(TASK_HANDOFF_DECIDED, {"handoff_id": handoff.id, "state": handoff.state.value}, now=now)
    event = f"handoff.{handoff.state.value}"
    outbox.emit(TASK_WEBHOOK_HANDOFF_EVENT, {"handoff_id": handoff.id, "event": event}, now=now)


def _lock(handoff_id: int, actor: Actor) -> Handoff:
    """The handoff, after locking its ticket (always ticket first: one lock order everywhere)."""
    ticket_id = db.session.scalar(select(Handoff.ticket_id).where(Handoff.id == handoff_id))
    if ticket_id is None:
        raise NotFound("handoff")
    tickets.get_for_update(ticket_id)
    handoff = db.session.get(Handoff, handoff_id, populate_existing=True)
    assert handoff is not None
    policy.require_view_handoff(actor, handoff)
    return handoff


def _require_open(handoff: Handoff) -> None:
    if handoff.state is not HandoffState.REQUESTED:
        raise InvalidTransition(_l("この引き継ぎ依頼はすでに回答済みか、取り下げられています。"))


def _find_by_key(party_id: int, key: str) -> Handoff | None:
    return db.session.scalar(
        select(Handoff).where(Handoff.from_party_id == party_id, Handoff.idempotency_key == key)
    )


def _invalid(field: str, message: object, summary: object = _l("入力内容を確認してください。")
             ) -> ValidationFailed:
    return ValidationFailed(summary, fields={field: message})


def _check_key(key: str) -> None:
    if not key or len(key) > KEY_MAX:
        raise _invalid("idempotency_key", _l("形式が正しくありません。"))


def _active_party(party_id: int, *, field: str = "to_party") -> Party:
    party = db.session.get(Party, party_id)
    if party is None or not party.is_active:
        raise _invalid(field, _l("一覧から選んでください。"), _l("引き継ぎ先を確認してください。"))
    return party


def _ack_due(party_id: int, priority: Priority, now: datetime) -> datetime | None:
    """The receiver's acknowledgement deadline, or None when it has no target for the priority.

    Counted on the target's calendar, else the party's own (business hours, public holidays,
    closures); in wall-clock minutes only when neither has a calendar.
    """
    target = db.session.scalar(
        select(PartyTarget).where(PartyTarget.party_id == party_id, PartyTarget.priority == priority,
                                  PartyTarget.metric == Metric.ACKNOWLEDGE)
    )
    if target is None:
        return None
    party = db.session.get(Party, party_id)
    rules = calendars.rules_for(target.calendar_id or (party.calendar_id if party else None), around=now)
    duration = timedelta(minutes=target.minutes)
    return add_business_time(rules, now, duration) if rules is not None else now + duration


def _shares(ticket_id: int, message_ids: Sequence[int], attachment_ids: Sequence[int]) -> list[HandoffShare]:
    checks = (
        (Message, sorted(set(message_ids)), "shared_messages",
         _l("このチケットのやりとりを選んでください。")),
        (Attachment, sorted(set(attachment_ids)), "shared_attachments",
         _l("このチケットのファイルを選んでください。")),
    )
    for model, ids, field, message in checks:
        found = set(db.session.scalars(
            select(model.id).where(model.id.in_(ids), model.ticket_id == ticket_id)
        )) if ids else set()
        if found != set(ids):
            raise _invalid(field, message, _l("共有する項目を確認してください。"))
    return ([HandoffShare(message_id=m) for m in checks[0][1]]
            + [HandoffShare(attachment_id=a) for a in checks[1][1]])
