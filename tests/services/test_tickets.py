"""Opening and moving tickets keeps numbers unique, the ledger sound, and the outbox honest."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from helpdesk.accounts.models import Role
from helpdesk.core import outbox
from helpdesk.core.db import unit_of_work
from helpdesk.core.errors import InvalidTransition, NotFound, PermissionDenied, ValidationFailed
from helpdesk.core.outbox import OutboxMessage
from helpdesk.core.time import utcnow
from helpdesk.responsibility import ledger
from helpdesk.responsibility import services as responsibility
from helpdesk.responsibility.models import ResponsibilitySegment, SegmentReason
from helpdesk.tickets import queries
from helpdesk.tickets import services as tickets
from helpdesk.tickets.models import Ticket
from helpdesk.tickets.states import Impact, MessageKind, Priority, TicketStatus, TicketType, Urgency
from tests.conftest import T0, MakeTicket, MakeUser, actor_of


def test_ticket_numbers_count_up_per_japanese_year(make_ticket: MakeTicket) -> None:
    first, second = make_ticket(), make_ticket()
    assert first.number == "HD-2026-000001"
    assert second.number == "HD-2026-000002"
    # 2026-12-31 16:00 UTC is already 2027 in Tokyo.
    new_year = make_ticket(now=T0.replace(month=12, day=31, hour=16))
    assert new_year.number == "HD-2027-000001"


def test_new_ticket_is_held_by_the_help_desk(make_ticket: MakeTicket, base_data: dict[str, Any]) -> None:
    ticket = make_ticket()
    segment = responsibility.find_open_segment(ticket.id)
    assert segment is not None
    assert segment.party_id == base_data["parties"]["helpdesk"].id
    assert segment.started_at == T0


def test_security_incident_is_confidential_and_p1(make_ticket: MakeTicket) -> None:
    ticket = make_ticket(type=TicketType.SECURITY, impact=Impact.PERSON, urgency=Urgency.LOW)
    assert ticket.is_confidential
    assert ticket.priority is Priority.P1


def test_open_ticket_emits_its_work_only_after_commit(
    make_ticket: MakeTicket, published: list[tuple[str, int, int]], db: Any
) -> None:
    ticket = make_ticket()
    row = db.session.scalars(select(OutboxMessage)).one()
    assert row.payload == {"ticket_id": ticket.id}
    assert published == [("notifications.ticket_opened", row.id, 1)]
    assert row.published_at is not None


def test_failed_publish_leaves_the_row_for_the_sweep(app: Any, make_ticket: MakeTicket, db: Any) -> None:
    def broken(task: str, outbox_id: int, attempt: int) -> None:
        raise ConnectionError("broker down")

    app.extensions["outbox_publisher"] = broken
    ticket = make_ticket()
    assert ticket.number
    row = db.session.scalars(select(OutboxMessage)).one()
    assert row.published_at is None
    assert row.processed_at is None


def test_after_a_failed_publish_the_breaker_leaves_rows_to_the_sweep_without_asking_the_broker(
    app: Any, make_ticket: MakeTicket, db: Any
) -> None:
    calls: list[int] = []

    def hung(task: str, outbox_id: int, attempt: int) -> None:
        calls.append(outbox_id)
        raise TimeoutError("broker hung")

    app.extensions["outbox_publisher"] = hung
    app.config["BROKER_RETRY_SECONDS"] = 60.0
    try:
        make_ticket(), make_ticket(), make_ticket()
        assert len(calls) == 1  # the later requests did not wait on the broker
        assert db.session.scalar(select(func.count()).select_from(OutboxMessage)
                                 .where(OutboxMessage.published_at.is_(None))) == 3
        # The sweep is the repair path: it tries regardless, and its success closes the breaker.
        app.extensions["outbox_publisher"] = lambda task, outbox_id, attempt: calls.append(outbox_id)
        assert outbox.relay_pending(now=utcnow(), redeliver_after=timedelta(minutes=5)) == 3
        make_ticket()
        assert len(calls) == 5
    finally:
        app.config["BROKER_RETRY_SECONDS"] = 0.0
        app.extensions["outbox_breaker"] = {"open_until": 0.0}


def test_same_intake_key_opens_one_ticket(make_ticket: MakeTicket, make_user: MakeUser, db: Any) -> None:
    requester = make_user()
    first = make_ticket(requester=requester, intake_key="form-abc")
    again = make_ticket(requester=requester, intake_key="form-abc")
    assert again.id == first.id
    assert len(db.session.scalars(select(Ticket)).all()) == 1


def test_empty_subject_is_refused_with_a_field_error(make_ticket: MakeTicket) -> None:
    with pytest.raises(ValidationFailed) as caught:
        make_ticket(subject="   ")
    assert "subject" in caught.value.fields


def test_requester_cannot_open_for_someone_else(make_user: MakeUser) -> None:
    alice, bob = make_user(), make_user()
    with pytest.raises(PermissionDenied):
        tickets.open_ticket(
            tickets.NewTicket(
                type=TicketType.INQUIRY, subject="代理起票", description="", requester_id=bob.id
            ),
            actor=actor_of(alice),
            now=T0,
        )


def test_agent_logs_a_phone_call_for_a_requester(make_user: MakeUser) -> None:
    agent, caller = make_user(Role.AGENT), make_user()
    ticket = tickets.open_ticket(
        tickets.NewTicket(
            type=TicketType.INQUIRY,
            subject="プリンタの設定方法",
            description="電話受付",
            requester_id=caller.id,
        ),
        actor=actor_of(agent),
        now=T0,
    )
    call = tickets.add_message(
        ticket.id,
        MessageKind.PHONE_CALL,
        "内線2314より着信。設定手順を案内。",
        actor=actor_of(agent),
        now=T0 + timedelta(minutes=3),
        call_direction="inbound",
        call_duration_seconds=240,
    )
    assert ticket.requester_id == caller.id
    assert call.call_duration_seconds == 240


def test_requester_may_not_write_internal_notes(make_ticket: MakeTicket, make_user: MakeUser) -> None:
    requester = make_user()
    ticket = make_ticket(requester=requester)
    with pytest.raises(PermissionDenied):
        tickets.add_message(
            ticket.id, MessageKind.INTERNAL_NOTE, "内部メモ", actor=actor_of(requester), now=T0
        )


def test_other_requester_cannot_see_the_ticket(make_ticket: MakeTicket, make_user: MakeUser) -> None:
    ticket = make_ticket()
    stranger = make_user()
    with pytest.raises(NotFound):
        tickets.add_message(
            ticket.id, MessageKind.PUBLIC_REPLY, "横から失礼", actor=actor_of(stranger), now=T0
        )


def test_agent_cannot_touch_a_confidential_ticket(make_ticket: MakeTicket, make_user: MakeUser) -> None:
    ticket = make_ticket(type=TicketType.SECURITY)
    with pytest.raises(NotFound):
        tickets.assign(ticket.id, None, actor=actor_of(make_user(Role.AGENT)), now=T0)


def test_close_and_reopen_keep_the_responsibility_invariants(
    make_ticket: MakeTicket, make_user: MakeUser
) -> None:
    requester, agent = make_user(), make_user(Role.AGENT)
    ticket = make_ticket(requester=requester)
    agent_actor = actor_of(agent)
    t1, t2, t3 = (T0 + timedelta(hours=h) for h in (1, 2, 5))
    tickets.change_status(ticket.id, TicketStatus.RESOLVED, actor=agent_actor, now=t1)
    tickets.change_status(ticket.id, TicketStatus.CLOSED, actor=actor_of(requester), now=t2)
    assert responsibility.find_open_segment(ticket.id) is None
    tickets.change_status(ticket.id, TicketStatus.OPEN, actor=agent_actor, now=t3)
    spans = [
        ledger.Span(s.party_id, s.started_at, s.ended_at) for s in responsibility.list_segments(ticket.id)
    ]
    life = ledger.Life(periods=((T0, t2), (t3, None)))
    assert ledger.violations(spans, life, now=t3 + timedelta(hours=1)) == []
    assert len(spans) == 2


def test_status_table_refuses_closing_an_open_ticket(make_ticket: MakeTicket, make_user: MakeUser) -> None:
    ticket = make_ticket()
    with pytest.raises(InvalidTransition):
        tickets.change_status(ticket.id, TicketStatus.CLOSED, actor=actor_of(make_user(Role.AGENT)), now=T0)


def test_requester_reply_moves_a_pending_ticket_back_to_open(
    make_ticket: MakeTicket, make_user: MakeUser
) -> None:
    requester, agent = make_user(), make_user(Role.AGENT)
    ticket = make_ticket(requester=requester)
    tickets.change_status(ticket.id, TicketStatus.PENDING, actor=actor_of(agent), now=T0)
    tickets.add_message(
        ticket.id,
        MessageKind.PUBLIC_REPLY,
        "再起動しても直りません。",
        actor=actor_of(requester),
        now=T0 + timedelta(minutes=5),
    )
    assert tickets._get_for_update(ticket.id).status is TicketStatus.OPEN


def test_a_second_open_segment_is_refused_by_service_and_database(
    make_ticket: MakeTicket, base_data: dict[str, Any], db: Any
) -> None:
    ticket = make_ticket()
    operations = base_data["parties"]["operations"].id
    with pytest.raises(InvalidTransition):
        responsibility.open_segment(ticket.id, operations, now=T0, reason=SegmentReason.HANDOFF)
    db.session.rollback()
    with pytest.raises(IntegrityError), unit_of_work() as session:
        session.add(
            ResponsibilitySegment(
                ticket_id=ticket.id, party_id=operations, started_at=T0, reason=SegmentReason.HANDOFF
            )
        )
        session.flush()


def test_a_requesters_other_tickets_list_open_ones_first_then_the_newest(
    make_ticket: MakeTicket, make_user: MakeUser
) -> None:
    requester, agent = make_user(Role.REQUESTER), make_user(Role.AGENT)
    made = [make_ticket(requester=requester, now=T0 + timedelta(hours=h)) for h in range(6)]
    for ticket in made[3:]:  # the three newest are finished
        tickets.resolve(ticket.id, tickets.ResolutionCode.ANSWERED, "案内しました", actor=actor_of(agent),
                        now=T0 + timedelta(days=1))
    current = made[0]
    others = queries.list_other_tickets_of(requester.id, actor=actor_of(agent), exclude_id=current.id,
                                           limit=4)
    assert [t.number for t in others] == [made[2].number, made[1].number, made[5].number, made[4].number]
