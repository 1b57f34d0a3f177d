"""The conversation loop: reply, resolve, confirm or reopen, rate; reclassify; stale replies."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from helpdesk.accounts.models import Role
from helpdesk.audit.models import AuditEvent
from helpdesk.core.errors import Conflict, InvalidTransition, PermissionDenied, ValidationFailed
from helpdesk.core.outbox import OutboxMessage
from helpdesk.tickets import queries
from helpdesk.tickets import services as tickets
from helpdesk.tickets.states import (
    Impact,
    MessageKind,
    Priority,
    ResolutionCode,
    TicketStatus,
    TicketType,
    Urgency,
)
from tests.conftest import T0, MakeTicket, MakeUser, actor_of

LATER = T0 + timedelta(hours=1)


@pytest.fixture
def people(make_user: MakeUser) -> dict[str, Any]:
    return {"requester": make_user(), "agent": make_user(Role.AGENT)}


def _tasks(db: Any) -> list[str]:
    return [row.task for row in db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))]


def test_resolve_confirm_and_rate(make_ticket: MakeTicket, people: dict[str, Any], db: Any) -> None:
    requester, agent = actor_of(people["requester"]), actor_of(people["agent"])
    ticket = make_ticket(requester=people["requester"])
    tickets.resolve(
        ticket.id, ResolutionCode.FIXED, "送信サーバの設定を修正しました。", actor=agent, now=LATER
    )
    assert ticket.status is TicketStatus.RESOLVED
    assert ticket.restored_at == LATER  # a fault's restoration is recorded with its resolution
    tickets.confirm_resolution(ticket.id, actor=requester, now=LATER + timedelta(minutes=5))
    tickets.rate(
        ticket.id, 5, "迅速な対応ありがとうございました", actor=requester, now=LATER + timedelta(minutes=6)
    )
    assert ticket.status is TicketStatus.CLOSED
    assert ticket.satisfaction_rating == 5
    assert "notifications.ticket_resolved" in _tasks(db)
    with pytest.raises(Conflict):
        tickets.rate(ticket.id, 1, "", actor=requester, now=LATER + timedelta(minutes=7))


def test_requester_reopens_with_a_reason_that_becomes_a_reply(
    make_ticket: MakeTicket, people: dict[str, Any]
) -> None:
    requester, agent = actor_of(people["requester"]), actor_of(people["agent"])
    ticket = make_ticket(requester=people["requester"])
    tickets.resolve(ticket.id, ResolutionCode.ANSWERED, "手順をご案内しました。", actor=agent, now=LATER)
    tickets.reopen_by_requester(ticket.id, "手順どおりでもエラーが出ます。", actor=requester, now=LATER)
    assert ticket.status is TicketStatus.OPEN
    assert ticket.reopened_count == 1
    replies = [e.message.body for e in queries.timeline(ticket.id, include_internal=False) if e.message]
    assert replies == ["手順どおりでもエラーが出ます。"]


def test_reopen_needs_a_reason(make_ticket: MakeTicket, people: dict[str, Any]) -> None:
    ticket = make_ticket(requester=people["requester"])
    tickets.resolve(
        ticket.id, ResolutionCode.ANSWERED, "案内済み", actor=actor_of(people["agent"]), now=LATER
    )
    with pytest.raises(ValidationFailed) as caught:
        tickets.reopen_by_requester(ticket.id, "  ", actor=actor_of(people["requester"]), now=LATER)
    assert "reason" in caught.value.fields


def test_only_the_requester_confirms_and_only_resolved_tickets(
    make_ticket: MakeTicket, people: dict[str, Any]
) -> None:
    ticket = make_ticket(requester=people["requester"])
    with pytest.raises(InvalidTransition):
        tickets.confirm_resolution(ticket.id, actor=actor_of(people["requester"]), now=LATER)
    with pytest.raises(PermissionDenied):
        tickets.confirm_resolution(ticket.id, actor=actor_of(people["agent"]), now=LATER)


def test_rating_is_between_one_and_five(make_ticket: MakeTicket, people: dict[str, Any]) -> None:
    ticket = make_ticket(requester=people["requester"])
    with pytest.raises(ValidationFailed):
        tickets.rate(ticket.id, 6, "", actor=actor_of(people["requester"]), now=LATER)


def test_a_stale_reply_is_refused_with_the_newer_messages(
    make_ticket: MakeTicket, people: dict[str, Any]
) -> None:
    requester, agent = actor_of(people["requester"]), actor_of(people["agent"])
    ticket = make_ticket(requester=people["requester"])
    seen = queries.newest_message_id(ticket.id)
    tickets.add_message(
        ticket.id, MessageKind.PUBLIC_REPLY, "再起動をお試しください。", actor=agent, now=LATER
    )
    with pytest.raises(tickets.StaleConversation) as caught:
        tickets.add_message(
            ticket.id, MessageKind.PUBLIC_REPLY, "まだ直りません", actor=requester, now=LATER, seen_up_to=seen
        )
    assert [m.body for m in caught.value.newer] == ["再起動をお試しください。"]
    fresh = queries.newest_message_id(ticket.id)
    tickets.add_message(
        ticket.id,
        MessageKind.PUBLIC_REPLY,
        "再起動しても直りません",
        actor=requester,
        now=LATER,
        seen_up_to=fresh,
    )


def test_public_reply_on_a_closed_ticket_is_refused(make_ticket: MakeTicket, people: dict[str, Any]) -> None:
    requester, agent = actor_of(people["requester"]), actor_of(people["agent"])
    ticket = make_ticket(requester=people["requester"])
    tickets.resolve(ticket.id, ResolutionCode.ANSWERED, "案内済み", actor=agent, now=LATER)
    tickets.confirm_resolution(ticket.id, actor=requester, now=LATER)
    with pytest.raises(InvalidTransition):
        tickets.add_message(ticket.id, MessageKind.PUBLIC_REPLY, "追加の質問", actor=requester, now=LATER)


def test_priority_follows_impact_until_overridden(
    make_ticket: MakeTicket, people: dict[str, Any], db: Any
) -> None:
    agent = actor_of(people["agent"])
    ticket = make_ticket(impact=Impact.PERSON, urgency=Urgency.MEDIUM)
    assert ticket.priority is Priority.P4
    tickets.update_fields(
        ticket.id, tickets.FieldChanges(impact=Impact.SITE, urgency=Urgency.HIGH), actor=agent, now=LATER
    )
    assert ticket.priority is Priority.P1
    tickets.update_fields(ticket.id, tickets.FieldChanges(priority=Priority.P2), actor=agent, now=LATER)
    tickets.update_fields(ticket.id, tickets.FieldChanges(urgency=Urgency.LOW), actor=agent, now=LATER)
    assert ticket.priority is Priority.P2  # the override holds
    assert ticket.is_priority_overridden
    tickets.update_fields(
        ticket.id, tickets.FieldChanges(clear_priority_override=True), actor=agent, now=LATER
    )
    assert ticket.priority is Priority.P3
    changes = [
        e.data["changes"]
        for e in db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "ticket.fields_changed").order_by(AuditEvent.seq)
        )
    ]
    assert changes[0]["priority"] == ["P4", "P1"]
    assert len(changes) == 4


def test_unchanged_fields_write_nothing(make_ticket: MakeTicket, people: dict[str, Any], db: Any) -> None:
    ticket = make_ticket()
    tickets.update_fields(
        ticket.id, tickets.FieldChanges(impact=ticket.impact), actor=actor_of(people["agent"]), now=LATER
    )
    assert (
        db.session.scalars(select(AuditEvent).where(AuditEvent.action == "ticket.fields_changed")).all() == []
    )


def test_reclassifying_as_security_makes_it_confidential(
    make_ticket: MakeTicket, people: dict[str, Any]
) -> None:
    ticket = make_ticket()
    tickets.update_fields(
        ticket.id, tickets.FieldChanges(type=TicketType.SECURITY), actor=actor_of(people["agent"]), now=LATER
    )
    assert ticket.is_confidential


def test_timeline_interleaves_messages_and_events(make_ticket: MakeTicket, people: dict[str, Any]) -> None:
    agent = actor_of(people["agent"])
    ticket = make_ticket(requester=people["requester"])
    tickets.assign(ticket.id, people["agent"].id, actor=agent, now=T0 + timedelta(minutes=1))
    tickets.add_message(
        ticket.id, MessageKind.INTERNAL_NOTE, "ログ確認中", actor=agent, now=T0 + timedelta(minutes=2)
    )
    tickets.add_message(
        ticket.id, MessageKind.PUBLIC_REPLY, "確認します", actor=agent, now=T0 + timedelta(minutes=3)
    )
    internal = queries.timeline(ticket.id, include_internal=True)
    kinds = [e.event.action if e.event else e.message.kind.value for e in internal]
    assert kinds == ["ticket.opened", "ticket.assigned", "internal_note", "public_reply"]
    public = queries.timeline(ticket.id, include_internal=False)
    assert [e.message.body for e in public if e.message] == ["確認します"]


def test_desk_reply_and_assignment_notify_through_the_outbox(
    make_ticket: MakeTicket, people: dict[str, Any], make_user: MakeUser, db: Any
) -> None:
    agent = actor_of(people["agent"])
    ticket = make_ticket(requester=people["requester"])
    colleague = make_user(Role.AGENT)
    tickets.assign(ticket.id, colleague.id, actor=agent, now=LATER)
    tickets.add_message(ticket.id, MessageKind.PUBLIC_REPLY, "確認します", actor=agent, now=LATER)
    tickets.add_message(ticket.id, MessageKind.INTERNAL_NOTE, "メモ", actor=agent, now=LATER)
    assert _tasks(db) == [
        "notifications.ticket_opened",
        "notifications.ticket_assigned",
        "notifications.public_reply_added",
    ]


def test_the_database_refuses_a_rating_outside_one_to_five(make_ticket: MakeTicket, db: Any) -> None:
    from sqlalchemy import update
    from sqlalchemy.exc import IntegrityError

    from helpdesk.core.db import unit_of_work
    from helpdesk.tickets.models import Ticket

    ticket = make_ticket()
    with pytest.raises(IntegrityError), unit_of_work() as session:
        session.execute(update(Ticket).where(Ticket.id == ticket.id).values(satisfaction_rating=9))
