"""SLA clocks kept in step with tickets: start, pause and resume, recompute, stop, reopen, sweep."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from helpdesk.accounts.models import Role
from helpdesk.audit.models import AuditEvent
from helpdesk.core.actor import SYSTEM
from helpdesk.core.db import unit_of_work
from helpdesk.core.errors import PermissionDenied, ValidationFailed
from helpdesk.core.outbox import OutboxMessage
from helpdesk.handoff import queries as handoff_queries
from helpdesk.handoff import services as handoffs
from helpdesk.handoff.models import RejectReason
from helpdesk.sla import queries as sla_queries
from helpdesk.sla import services as sla
from helpdesk.sla.models import Metric, PartyTarget, SlaClock, SlaEvent, SlaEventKind, SlaPolicy
from helpdesk.sla.queries import Level
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

JST = ZoneInfo("Asia/Tokyo")
MINUTE = timedelta(minutes=1)


def jst(*args: int) -> datetime:
    return datetime(*args, tzinfo=JST).astimezone(UTC)


@pytest.fixture
def policy(db: Any) -> None:
    sla.install_defaults(actor=SYSTEM, now=T0)


@pytest.fixture
def agent(make_user: MakeUser) -> Any:
    return make_user(Role.AGENT)


def _clocks(db: Any, ticket_id: int) -> dict[Metric, SlaClock]:
    db.session.expire_all()
    rows = db.session.scalars(
        select(SlaClock).where(SlaClock.ticket_id == ticket_id, SlaClock.segment_id.is_(None))
    )
    return {c.metric: c for c in rows}


def _p1_fault(make_ticket: MakeTicket, **fields: Any) -> Any:
    return make_ticket(type=TicketType.FAULT, impact=Impact.MINISTRY, urgency=Urgency.HIGH, **fields)


def test_install_defaults_is_idempotent(db: Any) -> None:
    assert sla.install_defaults(actor=SYSTEM, now=T0) == 4  # two calendars, the closure, version 1
    assert sla.install_defaults(actor=SYSTEM, now=T0) == 0
    assert db.session.scalar(select(func.count()).select_from(SlaPolicy)) == 1


def test_a_p4_inquiry_is_measured_in_office_hours(policy: None, make_ticket: MakeTicket, db: Any) -> None:
    ticket = make_ticket(type=TicketType.INQUIRY, impact=Impact.PERSON, urgency=Urgency.LOW)  # Fri 10:00
    clocks = _clocks(db, ticket.id)
    assert set(clocks) == {Metric.FIRST_RESPONSE, Metric.RESOLUTION}
    # One business day (555 min): Fri 10:00–18:15 is 495, then Mon 09:00 + 60.
    assert clocks[Metric.FIRST_RESPONSE].due_at == jst(2026, 11, 30, 10, 0)
    # Five business days: Fri 495 + Mon–Thu 4×555 = 2715, then Fri 12/4 09:00 + 60.
    assert clocks[Metric.RESOLUTION].due_at == jst(2026, 12, 4, 10, 0)
    # 75 % is 2081 min 15 s: Fri 495, Mon 555, Tue 555, then Wed 09:00 + 476:15.
    assert clocks[Metric.RESOLUTION].warn_at == jst(2026, 12, 2, 16, 56, 15)


def test_a_p1_fault_runs_round_the_clock_to_restoration_within_the_hour(
    policy: None, make_ticket: MakeTicket, db: Any
) -> None:
    ticket = _p1_fault(make_ticket)
    clocks = _clocks(db, ticket.id)
    assert ticket.priority is Priority.P1
    assert clocks[Metric.FIRST_RESPONSE].due_at == T0 + 15 * MINUTE
    assert clocks[Metric.RESTORATION].due_at == T0 + 60 * MINUTE
    assert clocks[Metric.RESTORATION].warn_at == T0 + 45 * MINUTE


def test_the_first_public_reply_stops_the_response_clock(
    policy: None, make_ticket: MakeTicket, agent: Any, db: Any
) -> None:
    ticket = _p1_fault(make_ticket)
    tickets.add_message(
        ticket.id, MessageKind.INTERNAL_NOTE, "調査中", actor=actor_of(agent), now=T0 + MINUTE
    )
    assert _clocks(db, ticket.id)[Metric.FIRST_RESPONSE].stopped_at is None
    tickets.add_message(
        ticket.id, MessageKind.PUBLIC_REPLY, "確認しています。", actor=actor_of(agent), now=T0 + 10 * MINUTE
    )
    response = _clocks(db, ticket.id)[Metric.FIRST_RESPONSE]
    assert response.stopped_at == T0 + 10 * MINUTE
    [view] = [
        v
        for v in sla_queries.list_clocks(ticket.id, now=T0 + 20 * MINUTE)
        if v.metric is Metric.FIRST_RESPONSE
    ]
    assert view.level is Level.MET
    assert view.remaining == 5 * MINUTE


def test_waiting_on_the_requester_pauses_and_the_due_time_moves_on_resume(
    policy: None, make_ticket: MakeTicket, make_user: MakeUser, agent: Any, db: Any
) -> None:
    requester = make_user()
    ticket = make_ticket(
        requester=requester, type=TicketType.INQUIRY, impact=Impact.DIVISION, urgency=Urgency.HIGH
    )  # P2: 4 business hours, due Fri 14:00
    assert _clocks(db, ticket.id)[Metric.RESOLUTION].due_at == jst(2026, 11, 27, 14)
    tickets.change_status(ticket.id, TicketStatus.PENDING, actor=actor_of(agent), now=jst(2026, 11, 27, 11))
    paused = _clocks(db, ticket.id)[Metric.RESOLUTION]
    assert paused.paused_at == jst(2026, 11, 27, 11)
    # The requester answers on Monday 10:00: Fri 11:00–18:15 and Mon 09:00–10:00 were paused (8h15).
    tickets.add_message(
        ticket.id,
        MessageKind.PUBLIC_REPLY,
        "再起動しても同じです。",
        actor=actor_of(requester),
        now=jst(2026, 11, 30, 10),
    )
    resumed = _clocks(db, ticket.id)[Metric.RESOLUTION]
    assert resumed.paused_at is None
    assert resumed.paused_seconds == int(timedelta(hours=8, minutes=15).total_seconds())
    assert resumed.due_at == jst(2026, 11, 30, 13)  # 3 business hours were left
    assert [(p.started_at, p.ended_at) for p in resumed.pauses] == [
        (jst(2026, 11, 27, 11), jst(2026, 11, 30, 10))
    ]


def test_a_priority_change_recomputes_with_the_clocks_own_policy_version(
    policy: None, make_ticket: MakeTicket, agent: Any, make_user: MakeUser, db: Any
) -> None:
    ticket = make_ticket(type=TicketType.FAULT, impact=Impact.PERSON, urgency=Urgency.MEDIUM)  # P4
    first_version = _clocks(db, ticket.id)[Metric.RESTORATION].policy_id
    # A new version makes P1 restoration 30 minutes; the running clock keeps version 1's 60.
    current = sla_queries.find_current_policy()
    assert current is not None
    drafts = [
        sla.TargetDraft(
            t.ticket_type,
            t.priority,
            t.metric,
            30 if (t.priority, t.metric) == (Priority.P1, Metric.RESTORATION) else t.minutes,
            t.calendar_id,
        )
        for t in current.targets
    ]
    sla.publish_policy(sla.PolicyDraft(targets=drafts), actor=actor_of(make_user(Role.ADMIN)), now=T0)
    tickets.update_fields(
        ticket.id, tickets.FieldChanges(impact=Impact.MINISTRY), actor=actor_of(agent), now=T0 + 5 * MINUTE
    )
    clock = _clocks(db, ticket.id)[Metric.RESTORATION]
    assert (clock.priority, clock.target_minutes, clock.policy_id) == (Priority.P1, 60, first_version)
    assert clock.due_at == T0 + 60 * MINUTE  # measured from the opening, now on the 24x7 calendar
    recorded = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "sla.recomputed")).all()
    assert {e.data["from"]["priority"] for e in recorded} == {"P4"}
    # A ticket opened after the change gets version 2.
    newer = _p1_fault(make_ticket)
    assert _clocks(db, newer.id)[Metric.RESTORATION].target_minutes == 30


def test_an_inquiry_that_turns_out_a_fault_is_measured_to_restoration(
    policy: None, make_ticket: MakeTicket, agent: Any, db: Any
) -> None:
    ticket = make_ticket(type=TicketType.INQUIRY)
    tickets.update_fields(
        ticket.id, tickets.FieldChanges(type=TicketType.FAULT), actor=actor_of(agent), now=T0 + MINUTE
    )
    assert set(_clocks(db, ticket.id)) == {Metric.FIRST_RESPONSE, Metric.RESTORATION}


def test_restoration_is_recorded_apart_from_resolution(
    policy: None, make_ticket: MakeTicket, agent: Any, db: Any
) -> None:
    ticket = _p1_fault(make_ticket)
    tickets.record_restoration(ticket.id, T0 + 40 * MINUTE, actor=actor_of(agent), now=T0 + 50 * MINUTE)
    clocks = _clocks(db, ticket.id)
    assert clocks[Metric.RESTORATION].stopped_at == T0 + 40 * MINUTE
    assert ticket.status is TicketStatus.NEW  # still open: cause and closure come later
    with pytest.raises(ValidationFailed):
        tickets.record_restoration(
            ticket.id, T0 + 2 * 60 * MINUTE, actor=actor_of(agent), now=T0 + 50 * MINUTE
        )


def test_a_resolved_ticket_reopened_resumes_its_clock_without_counting_the_resolved_time(
    policy: None, make_ticket: MakeTicket, make_user: MakeUser, agent: Any, db: Any
) -> None:
    requester = make_user()
    ticket = make_ticket(
        requester=requester, type=TicketType.INQUIRY, impact=Impact.DIVISION, urgency=Urgency.HIGH
    )  # P2, due Fri 14:00
    tickets.resolve(
        ticket.id,
        ResolutionCode.ANSWERED,
        "手順をご案内しました。",
        actor=actor_of(agent),
        now=jst(2026, 11, 27, 11),
    )
    assert _clocks(db, ticket.id)[Metric.RESOLUTION].stopped_at == jst(2026, 11, 27, 11)
    tickets.reopen_by_requester(
        ticket.id, "まだ使えません。", actor=actor_of(requester), now=jst(2026, 11, 27, 15)
    )
    clock = _clocks(db, ticket.id)[Metric.RESOLUTION]
    assert clock.stopped_at is None
    assert clock.due_at == jst(2026, 11, 27, 18)  # 3 hours were left at 11:00
    assert _clocks(db, ticket.id)[Metric.FIRST_RESPONSE].stopped_at is not None  # never resumes


def test_the_sweep_records_each_warning_and_breach_once_and_alerts_through_the_outbox(
    policy: None, make_ticket: MakeTicket, db: Any
) -> None:
    ticket = _p1_fault(make_ticket)
    assert sla.sweep(now=T0 + 10 * MINUTE, actor=SYSTEM) == sla.SweepResult(warned=[], breached=[])
    first = sla.sweep(now=T0 + 12 * MINUTE, actor=SYSTEM)  # response warns at 11:15
    assert len(first.warned) == 1
    assert sla.sweep(now=T0 + 13 * MINUTE, actor=SYSTEM) == sla.SweepResult(warned=[], breached=[])
    late = sla.sweep(now=T0 + 61 * MINUTE, actor=SYSTEM)  # response breached; restoration breached too
    assert len(late.breached) == 2
    assert sla.sweep(now=T0 + 62 * MINUTE, actor=SYSTEM) == sla.SweepResult(warned=[], breached=[])
    events = db.session.execute(
        select(SlaEvent.kind, SlaClock.metric, SlaEvent.occurred_at)
        .join(SlaClock)
        .where(SlaClock.ticket_id == ticket.id)
        .order_by(SlaEvent.occurred_at, SlaEvent.id)
    ).all()
    assert events == [
        (SlaEventKind.WARNING, Metric.FIRST_RESPONSE, T0 + timedelta(minutes=11, seconds=15)),
        (SlaEventKind.BREACH, Metric.FIRST_RESPONSE, T0 + 15 * MINUTE),
        (SlaEventKind.BREACH, Metric.RESTORATION, T0 + 60 * MINUTE),
    ]  # restoration's warning was claimed with its breach, not alerted late
    alerts = db.session.scalars(select(OutboxMessage).where(OutboxMessage.task == sla.TASK_SLA_EVENT)).all()
    assert len(alerts) == 3
    timeline = {
        e.action for e in db.session.scalars(select(AuditEvent).where(AuditEvent.ticket_id == ticket.id))
    }
    assert {"sla.warning", "sla.breach"} <= timeline


def test_a_paused_clock_is_not_swept(policy: None, make_ticket: MakeTicket, agent: Any, db: Any) -> None:
    ticket = _p1_fault(make_ticket)
    tickets.add_message(
        ticket.id,
        MessageKind.PUBLIC_REPLY,
        "再現手順を教えてください。",
        actor=actor_of(agent),
        now=T0 + 5 * MINUTE,
    )
    tickets.change_status(ticket.id, TicketStatus.PENDING, actor=actor_of(agent), now=T0 + 6 * MINUTE)
    assert sla.sweep(now=T0 + 3 * 60 * MINUTE, actor=SYSTEM).breached == []


def test_a_clock_stopped_late_between_sweeps_still_records_its_breach_without_an_alert(
    policy: None, make_ticket: MakeTicket, agent: Any, db: Any
) -> None:
    ticket = _p1_fault(make_ticket)
    tickets.add_message(
        ticket.id, MessageKind.PUBLIC_REPLY, "対応中です。", actor=actor_of(agent), now=T0 + 20 * MINUTE
    )
    response = _clocks(db, ticket.id)[Metric.FIRST_RESPONSE]
    assert response.breached_at == T0 + 15 * MINUTE
    assert db.session.scalar(select(func.count()).select_from(SlaEvent)) == 1
    assert not db.session.scalars(select(OutboxMessage).where(OutboxMessage.task == sla.TASK_SLA_EVENT)).all()


def test_each_holding_party_has_its_own_clock_on_its_own_targets(
    policy: None, make_ticket: MakeTicket, agent: Any, make_user: MakeUser, base_data: dict[str, Any], db: Any
) -> None:
    parties = base_data["parties"]
    office = db.session.scalar(select(SlaPolicy)).targets[2].calendar_id  # P2's calendar: the office
    with unit_of_work() as session:
        session.add_all(
            [
                PartyTarget(
                    party_id=parties["helpdesk"].id, priority=Priority.P1, metric=Metric.HOLD, minutes=20
                ),
                PartyTarget(
                    party_id=parties["operations"].id,
                    priority=Priority.P1,
                    metric=Metric.HOLD,
                    minutes=40,
                    calendar_id=office,
                ),
            ]
        )
    vendor = make_user(Role.VENDOR)
    ticket = _p1_fault(make_ticket)
    tickets.add_message(ticket.id, MessageKind.PUBLIC_REPLY, "確認中です。", actor=actor_of(agent), now=T0)
    handoff = handoffs.request_handoff(
        ticket.id,
        handoffs.HandoffRequest(
            to_party_id=parties["operations"].id, idempotency_key="k1", symptom="全館でメール送信不可"
        ),
        actor=actor_of(agent),
        now=T0 + 5 * MINUTE,
    )
    handoffs.accept_handoff(handoff.id, actor=actor_of(vendor), now=T0 + 8 * MINUTE)
    db.session.expire_all()
    holds = db.session.scalars(
        select(SlaClock).where(SlaClock.metric == Metric.HOLD).order_by(SlaClock.id)
    ).all()
    assert [(c.party_id, c.started_at, c.stopped_at, c.target_minutes) for c in holds] == [
        (parties["helpdesk"].id, T0, T0 + 8 * MINUTE, 20),
        (parties["operations"].id, T0 + 8 * MINUTE, None, 40),
    ]
    assert holds[1].due_at == T0 + 48 * MINUTE  # Friday 10:08 JST, inside office hours


def test_publishing_a_policy_is_for_admins_and_checks_every_target(
    policy: None, make_user: MakeUser, db: Any
) -> None:
    current = sla_queries.find_current_policy()
    assert current is not None
    drafts = [
        sla.TargetDraft(t.ticket_type, t.priority, t.metric, t.minutes, t.calendar_id)
        for t in current.targets
    ]
    with pytest.raises(PermissionDenied):
        sla.publish_policy(
            sla.PolicyDraft(targets=drafts), actor=actor_of(make_user(Role.SUPERVISOR)), now=T0
        )
    admin = actor_of(make_user(Role.ADMIN))
    broken = [
        d
        if d.key != "fault-P1-restoration"
        else sla.TargetDraft(d.ticket_type, d.priority, d.metric, 10, d.calendar_id)
        for d in drafts
    ]
    broken = [d for d in broken if d.key != "inquiry-P3-first_response"]
    with pytest.raises(ValidationFailed) as refused:
        sla.publish_policy(
            sla.PolicyDraft(targets=broken, warning_percent=100, pause_statuses=list(TicketStatus)),
            actor=admin,
            now=T0,
        )
    assert set(refused.value.fields) == {
        "fault-P1-restoration",
        "inquiry-P3-first_response",
        "warning_percent",
        "pause_statuses",
    }
    assert db.session.scalar(select(func.count()).select_from(SlaPolicy)) == 1
    published = sla.publish_policy(
        sla.PolicyDraft(targets=drafts, warning_percent=80, note="見直し"), actor=admin, now=T0
    )
    assert (published.version, published.warning_percent) == (2, 80)
    assert [p.version for p in sla_queries.list_policies()] == [2, 1]


def test_acknowledgement_figures_per_receiving_party(
    make_ticket: MakeTicket, agent: Any, make_user: MakeUser, base_data: dict[str, Any], db: Any
) -> None:
    operations = base_data["parties"]["operations"]
    with unit_of_work() as session:
        session.add(
            PartyTarget(party_id=operations.id, priority=Priority.P4, metric=Metric.ACKNOWLEDGE, minutes=20)
        )
    vendor = actor_of(make_user(Role.VENDOR))
    sent = []
    for n in range(3):
        ticket = make_ticket()
        sent.append(
            handoffs.request_handoff(
                ticket.id,
                handoffs.HandoffRequest(
                    to_party_id=operations.id, idempotency_key=f"ack-{n}", symptom="症状"
                ),
                actor=actor_of(agent),
                now=T0,
            )
        )
    handoffs.accept_handoff(sent[0].id, actor=vendor, now=T0 + 10 * MINUTE)
    handoffs.mark_overdue_acknowledgements(now=T0 + 25 * MINUTE, actor=SYSTEM)  # the second and third
    handoffs.reject_handoff(sent[1].id, RejectReason.NOT_REPRODUCIBLE, "", actor=vendor, now=T0 + 30 * MINUTE)
    [stats] = handoff_queries.acknowledgement_stats(since=T0 - MINUTE, now=T0 + 60 * MINUTE)
    assert (stats.party_id, stats.received, stats.answered, stats.overdue) == (operations.id, 3, 2, 2)
    assert (stats.p50_seconds, stats.p90_seconds) == (600, 1800)  # wall-clock: the party has no calendar
