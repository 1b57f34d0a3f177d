"""Handoffs: responsibility moves only when the receiver accepts; every rule of DESIGN.md §2."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test

from helpdesk.accounts.models import Party, PartyKind, Role
from helpdesk.audit.models import AuditEvent
from helpdesk.core.actor import SYSTEM
from helpdesk.core.db import db, unit_of_work
from helpdesk.core.errors import (
    Conflict,
    DomainError,
    InvalidTransition,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from helpdesk.handoff import queries as handoff_queries
from helpdesk.handoff import services as handoffs
from helpdesk.handoff.models import Handoff, HandoffKind, HandoffState, RejectReason
from helpdesk.responsibility import ledger
from helpdesk.responsibility.services import find_open_segment, list_segments
from helpdesk.sla.models import Metric, PartyTarget
from helpdesk.tickets import services as tickets
from helpdesk.tickets.models import Ticket
from helpdesk.tickets.states import MessageKind, Priority, ResolutionCode, TicketStatus
from tests.conftest import T0, MakeTicket, MakeUser, actor_of


@pytest.fixture
def desk(base_data: dict[str, Any], make_user: MakeUser, make_ticket: MakeTicket) -> dict[str, Any]:
    """A ticket held by the help desk, an agent, two operations people and a carrier's person."""
    parties: dict[str, Party] = base_data["parties"]
    with unit_of_work() as session:
        carrier = Party(code="carrier", kind=PartyKind.CARRIER, name_ja="回線事業者", name_en="Carrier",
                        is_active=True, created_at=T0)
        session.add(carrier)
        session.add_all([PartyTarget(party_id=parties["operations"].id, priority=priority,
                                     metric=Metric.ACKNOWLEDGE, minutes=30) for priority in Priority])
    return {
        "parties": {**parties, "carrier": carrier},
        "agent": make_user(Role.AGENT),
        "vendor": make_user(Role.VENDOR),
        "vendor_lead": make_user(Role.VENDOR),
        "carrier_person": make_user(Role.VENDOR, party="carrier"),
        "requester": (requester := make_user(Role.REQUESTER)),
        "ticket": make_ticket(requester=requester),
    }


def _escalate(desk: dict[str, Any], *, key: str = "k1", now: Any = T0, **fields: Any) -> Handoff:
    request = handoffs.HandoffRequest(
        to_party_id=fields.pop("to_party_id", desk["parties"]["operations"].id), idempotency_key=key,
        symptom=fields.pop("symptom", "共有フォルダに接続できない"), impact="総務課 12名",
        steps_taken="端末再起動で改善せず", requester_contact="内線 2314", **fields,
    )
    return handoffs.request_handoff(desk["ticket"].id, request, actor=actor_of(desk["agent"]), now=now)


def _holder(ticket: Ticket) -> str:
    segment = find_open_segment(ticket.id)
    return segment.party.code if segment else "-"


def test_responsibility_moves_only_when_the_receiver_accepts(desk: dict[str, Any]) -> None:
    handoff = _escalate(desk)

    assert handoff.state is HandoffState.REQUESTED and handoff.kind is HandoffKind.ESCALATION
    assert handoff.ack_due_at == T0 + timedelta(minutes=30)  # operations' acknowledgement target
    assert _holder(desk["ticket"]) == "helpdesk"

    accepted = handoffs.accept_handoff(handoff.id, actor=actor_of(desk["vendor"]),
                                       now=T0 + timedelta(minutes=7), receiver_reference="OPS-5521")

    assert accepted.state is HandoffState.ACCEPTED and accepted.receiver_reference == "OPS-5521"
    assert _holder(desk["ticket"]) == "operations"
    timeline = handoff_queries.responsibility_timeline(desk["ticket"].id, now=T0 + timedelta(minutes=10))
    assert [(s.party.code, s.duration) for s in timeline.spans] == [
        ("helpdesk", timedelta(minutes=7)), ("operations", timedelta(minutes=3))]
    actions = [e.action for e in db.session.query(AuditEvent).order_by(AuditEvent.id)]
    assert actions[-2:] == ["handoff.escalation_requested", "handoff.accepted"]


def test_the_same_key_is_one_handoff_and_another_ticket_may_not_reuse_it(
    desk: dict[str, Any], make_ticket: MakeTicket
) -> None:
    first = _escalate(desk)
    again = _escalate(desk, symptom="別の書き方")

    assert again.id == first.id and db.session.query(Handoff).count() == 1
    other = make_ticket(requester=desk["requester"])
    with pytest.raises(Conflict):
        handoffs.request_handoff(other.id, handoffs.HandoffRequest(
            to_party_id=desk["parties"]["operations"].id, idempotency_key="k1", symptom="x",
        ), actor=actor_of(desk["agent"]), now=T0)


def test_one_open_handoff_at_a_time_and_only_the_holder_sends(desk: dict[str, Any]) -> None:
    _escalate(desk)
    with pytest.raises(InvalidTransition):
        _escalate(desk, key="k2", to_party_id=desk["parties"]["carrier"].id)
    with pytest.raises(PermissionDenied):
        handoffs.request_handoff(desk["ticket"].id, handoffs.HandoffRequest(
            to_party_id=desk["parties"]["carrier"].id, idempotency_key="v1", symptom="x",
        ), actor=actor_of(desk["vendor"]), now=T0)
    with pytest.raises(NotFound):  # a requester cannot see a handoff, let alone accept it
        handoffs.accept_handoff(1, actor=actor_of(desk["requester"]), now=T0)


def test_only_the_receiving_party_answers(desk: dict[str, Any]) -> None:
    handoff = _escalate(desk)

    with pytest.raises(NotFound):  # another vendor party does not even learn it exists
        handoffs.accept_handoff(handoff.id, actor=actor_of(desk["carrier_person"]), now=T0)
    with pytest.raises(PermissionDenied):  # the sender cannot accept its own request
        handoffs.accept_handoff(handoff.id, actor=actor_of(desk["agent"]), now=T0)
    with pytest.raises(PermissionDenied):  # nor can the receiver withdraw it
        handoffs.withdraw_handoff(handoff.id, actor=actor_of(desk["vendor"]), now=T0)
    assert _holder(desk["ticket"]) == "helpdesk"


@pytest.mark.parametrize(("reason", "text", "suggested", "field"), [
    (RejectReason.OUT_OF_SCOPE, "回線の問題です", None, "suggested_party"),
    (RejectReason.INSUFFICIENT_INFORMATION, "", None, "reason"),
    (RejectReason.OUT_OF_SCOPE, "", "operations", "suggested_party"),
])
def test_a_rejection_must_say_what_it_needs(
    desk: dict[str, Any], reason: RejectReason, text: str, suggested: str | None, field: str
) -> None:
    handoff = _escalate(desk)
    suggested_id = desk["parties"][suggested].id if suggested else None

    with pytest.raises(ValidationFailed) as refused:
        handoffs.reject_handoff(handoff.id, reason, text, suggested_party_id=suggested_id,
                                actor=actor_of(desk["vendor"]), now=T0)

    assert field in refused.value.fields
    db.session.rollback()
    assert db.session.get(Handoff, handoff.id).state is HandoffState.REQUESTED


def test_rejected_out_of_scope_names_the_party_and_the_sender_keeps_the_ticket(desk: dict[str, Any]) -> None:
    handoff = _escalate(desk)

    handoffs.reject_handoff(handoff.id, RejectReason.OUT_OF_SCOPE, "回線側の障害です",
                            suggested_party_id=desk["parties"]["carrier"].id, actor=actor_of(desk["vendor"]),
                            now=T0 + timedelta(minutes=5))

    assert db.session.get(Handoff, handoff.id).suggested_party_id == desk["parties"]["carrier"].id
    assert _holder(desk["ticket"]) == "helpdesk"
    again = _escalate(desk, key="k2", to_party_id=desk["parties"]["carrier"].id)  # re-escalate
    assert again.state is HandoffState.REQUESTED


def test_handback_is_a_handoff_the_desk_accepts(desk: dict[str, Any]) -> None:
    handoffs.accept_handoff(_escalate(desk).id, actor=actor_of(desk["vendor"]), now=T0 + timedelta(minutes=5))
    restored = T0 + timedelta(minutes=40)

    with pytest.raises(ValidationFailed):
        handoffs.hand_back(desk["ticket"].id, handoffs.Handback("b1", cause="", action=""),
                           actor=actor_of(desk["vendor"]), now=T0 + timedelta(minutes=45))
    back = handoffs.hand_back(desk["ticket"].id, handoffs.Handback(
        "b1", cause="ファイルサーバのディスク満杯", action="不要ファイルを削除", restored_at=restored,
    ), actor=actor_of(desk["vendor"]), now=T0 + timedelta(minutes=45))
    assert back.kind is HandoffKind.HANDBACK and _holder(desk["ticket"]) == "operations"

    handoffs.accept_handoff(back.id, actor=actor_of(desk["agent"]), now=T0 + timedelta(minutes=50))

    assert _holder(desk["ticket"]) == "helpdesk"
    assert db.session.get(Ticket, desk["ticket"].id).restored_at == restored
    with pytest.raises(PermissionDenied):  # operations no longer holds it
        handoffs.hand_back(desk["ticket"].id, handoffs.Handback("b2", cause="x", action="y"),
                           actor=actor_of(desk["vendor"]), now=T0 + timedelta(minutes=55))
    with pytest.raises(InvalidTransition):  # the desk holds it: nothing to hand back
        handoffs.hand_back(desk["ticket"].id, handoffs.Handback("b3", cause="x", action="y"),
                           actor=actor_of(desk["agent"]), now=T0 + timedelta(minutes=55))


def test_overdue_acknowledgement_is_marked_once(desk: dict[str, Any]) -> None:
    handoff = _escalate(desk)
    late = T0 + timedelta(minutes=31)

    assert handoffs.mark_overdue_acknowledgements(now=T0 + timedelta(minutes=29), actor=SYSTEM) == []
    assert handoffs.mark_overdue_acknowledgements(now=late, actor=SYSTEM) == [handoff.id]
    assert handoffs.mark_overdue_acknowledgements(now=late + timedelta(minutes=1), actor=SYSTEM) == []
    db.session.expire_all()
    assert db.session.get(Handoff, handoff.id).ack_overdue_at == late
    accepted = handoffs.accept_handoff(handoff.id, actor=actor_of(desk["vendor"]), now=late)
    assert accepted.ack_overdue_at == late  # counted against the receiver even after accepting


def test_stale_requests_expire_and_closing_withdraws(desk: dict[str, Any], make_ticket: MakeTicket) -> None:
    stale = _escalate(desk)
    assert handoffs.expire_stale_handoffs(now=T0 + timedelta(hours=25), after=timedelta(hours=24),
                                          actor=SYSTEM) == [stale.id]
    db.session.expire_all()
    assert db.session.get(Handoff, stale.id).state is HandoffState.EXPIRED

    pending = _escalate(desk, key="k2")
    agent = actor_of(desk["agent"])
    tickets.resolve(desk["ticket"].id, ResolutionCode.FIXED, "復旧", actor=agent,
                    now=T0 + timedelta(hours=26))
    tickets.change_status(desk["ticket"].id, TicketStatus.CLOSED, actor=agent, now=T0 + timedelta(hours=27))
    db.session.expire_all()
    assert db.session.get(Handoff, pending.id).state is HandoffState.WITHDRAWN
    assert find_open_segment(desk["ticket"].id) is None


def test_only_what_was_shared_is_shared(desk: dict[str, Any]) -> None:
    agent = actor_of(desk["agent"])
    note = tickets.add_message(desk["ticket"].id, MessageKind.INTERNAL_NOTE, "FS-02 のログ確認済み",
                               actor=agent, now=T0)
    secret = tickets.add_message(desk["ticket"].id, MessageKind.INTERNAL_NOTE, "共有しないメモ",
                                 actor=agent, now=T0)

    _escalate(desk, shared_message_ids=[note.id])
    messages, _files = handoff_queries.shared_with({desk["parties"]["operations"].id}, desk["ticket"].id)

    assert [m.id for m in messages] == [note.id] and secret.id not in [m.id for m in messages]
    assert handoff_queries.shared_with({desk["parties"]["carrier"].id}, desk["ticket"].id) == ([], [])


# --- the invariants under any sequence of operations ------------------------------------------


def test_no_sequence_of_operations_breaks_the_invariants(
    desk: dict[str, Any], make_ticket: MakeTicket
) -> None:
    people = {"agent": actor_of(desk["agent"]), "vendor": actor_of(desk["vendor"]),
              "carrier": actor_of(desk["carrier_person"])}
    party_ids = {code: party.id for code, party in desk["parties"].items()}
    requester = desk["requester"]

    class Responsibility(RuleBasedStateMachine):
        """Random request / accept / reject / withdraw / expire / hand back / resolve / reopen / close."""

        @initialize()
        def open_ticket(self) -> None:
            self.now = T0
            self.ticket = make_ticket(requester=requester, now=self.now)
            self.periods: list[list[Any]] = [[self.now, None]]
            self.keys = 0

        def _try(self, operation: Any) -> None:
            try:
                operation()
            except DomainError:
                db.session.rollback()

        @rule(minutes=st.integers(0, 90), to=st.sampled_from(["operations", "carrier", "security"]),
              who=st.sampled_from(["agent", "vendor", "carrier"]))
        def request(self, minutes: int, to: str, who: str) -> None:
            self.now += timedelta(minutes=minutes)
            self.keys += 1
            self._try(lambda: handoffs.request_handoff(self.ticket.id, handoffs.HandoffRequest(
                to_party_id=party_ids[to], idempotency_key=f"{self.ticket.id}-{self.keys}", symptom="症状"),
                actor=people[who], now=self.now))

        def _open_handoff_id(self) -> int | None:
            found = handoff_queries.find_open_handoff(self.ticket.id)
            return found.id if found else None

        @rule(minutes=st.integers(0, 90), who=st.sampled_from(["agent", "vendor", "carrier"]),
              answer=st.sampled_from(["accept", "reject", "withdraw"]))
        def answer(self, minutes: int, who: str, answer: str) -> None:
            handoff_id = self._open_handoff_id()
            if handoff_id is None:
                return
            self.now += timedelta(minutes=minutes)
            actor = people[who]
            if answer == "accept":
                self._try(lambda: handoffs.accept_handoff(handoff_id, actor=actor, now=self.now))
            elif answer == "reject":
                self._try(lambda: handoffs.reject_handoff(handoff_id, RejectReason.OTHER, "対象外",
                                                          actor=actor, now=self.now))
            else:
                self._try(lambda: handoffs.withdraw_handoff(handoff_id, actor=actor, now=self.now))

        @rule(minutes=st.integers(0, 2000))
        def sweep(self, minutes: int) -> None:
            self.now += timedelta(minutes=minutes)
            handoffs.mark_overdue_acknowledgements(now=self.now, actor=SYSTEM)
            handoffs.expire_stale_handoffs(now=self.now, after=timedelta(hours=24), actor=SYSTEM)

        @rule(minutes=st.integers(0, 90), who=st.sampled_from(["vendor", "carrier"]))
        def hand_back(self, minutes: int, who: str) -> None:
            self.now += timedelta(minutes=minutes)
            self.keys += 1
            back = handoffs.Handback(f"{self.ticket.id}-{self.keys}", cause="原因", action="対応")
            self._try(lambda: handoffs.hand_back(self.ticket.id, back, actor=people[who], now=self.now))

        @rule(minutes=st.integers(0, 90), step=st.sampled_from(["resolve", "close", "reopen"]))
        def lifecycle(self, minutes: int, step: str) -> None:
            self.now += timedelta(minutes=minutes)
            agent = people["agent"]
            before = db.session.get(Ticket, self.ticket.id).status
            if step == "resolve":
                self._try(lambda: tickets.resolve(self.ticket.id, ResolutionCode.FIXED, "対応済み",
                                                  actor=agent, now=self.now))
            elif step == "close":
                self._try(lambda: tickets.change_status(self.ticket.id, TicketStatus.CLOSED, actor=agent,
                                                        now=self.now))
            else:
                self._try(lambda: tickets.change_status(self.ticket.id, TicketStatus.OPEN, actor=agent,
                                                        now=self.now))
            after = db.session.get(Ticket, self.ticket.id).status
            if before is not TicketStatus.CLOSED and after is TicketStatus.CLOSED:
                self.periods[-1][1] = self.now
            elif before is TicketStatus.CLOSED and after is not TicketStatus.CLOSED:
                self.periods.append([self.now, None])

        @invariant()
        def ledger_is_sound(self) -> None:
            if not hasattr(self, "ticket"):
                return
            spans = [ledger.Span(s.party_id, s.started_at, s.ended_at) for s in list_segments(self.ticket.id)]
            life = ledger.Life(tuple((start, end) for start, end in self.periods))
            assert ledger.violations(spans, life, now=self.now) == []
            open_handoffs = db.session.query(Handoff).filter_by(ticket_id=self.ticket.id,
                                                                state=HandoffState.REQUESTED).count()
            assert open_handoffs <= 1
            if db.session.get(Ticket, self.ticket.id).status is TicketStatus.CLOSED:
                assert open_handoffs == 0

    run_state_machine_as_test(Responsibility, settings=settings(
        max_examples=30, stateful_step_count=20, deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    ))


def test_the_other_side_is_told(desk: dict[str, Any], make_user: MakeUser) -> None:
    from helpdesk.notifications import services as notifications
    from helpdesk.notifications.models import Notification, NotificationKind

    with unit_of_work() as session:
        ministry = Party(code="ministry", kind=PartyKind.MINISTRY, name_ja="本省", name_en="Ministry",
                         is_active=True, created_at=T0)
        session.add(ministry)
    official = make_user(Role.REQUESTER, party="ministry")
    handoff = _escalate(desk)

    assert notifications.notify_handoff_requested(handoff.id, source_key="s1", now=T0) == 2  # operations
    assert notifications.notify_handoff_requested(handoff.id, source_key="s1", now=T0) == 0  # once
    handoffs.mark_overdue_acknowledgements(now=T0 + timedelta(hours=1), actor=SYSTEM)
    assert notifications.notify_handoff_overdue(handoff.id, source_key="s2", now=T0) >= 1
    alerts = db.session.query(Notification).filter_by(kind=NotificationKind.HANDOFF_OVERDUE)
    overdue = {n.user_id for n in alerts}
    assert official.id in overdue and desk["requester"].id not in overdue
    handoffs.reject_handoff(handoff.id, RejectReason.DUPLICATE, "", actor=actor_of(desk["vendor"]), now=T0)
    assert notifications.notify_handoff_decided(handoff.id, source_key="s3", now=T0) == 1
    decided = db.session.query(Notification).filter_by(kind=NotificationKind.HANDOFF_DECIDED).one()
    assert decided.user_id == desk["agent"].id and decided.data["state"] == "rejected"


def test_deadlines_and_durations_follow_the_receivers_business_calendar(desk: dict[str, Any]) -> None:
    from datetime import UTC, datetime, time

    from helpdesk.sla.models import BusinessCalendar, CalendarHours

    with unit_of_work() as session:
        office = BusinessCalendar(code="office", name="平日 9:00〜18:15", timezone="Asia/Tokyo",
                                  is_24x7=False, observes_public_holidays=True)
        office.hours = [CalendarHours(weekday=d, opens_at=time(9), closes_at=time(18, 15)) for d in range(5)]
        session.add(office)
        session.flush()
        session.get(Party, desk["parties"]["operations"].id).calendar_id = office.id
    friday_evening = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)  # 18:00 in Tokyo

    handoff = _escalate(desk, now=friday_evening)

    # 15 minutes on Friday, the weekend, then 15 minutes on Monday morning.
    assert handoff.ack_due_at == datetime(2026, 11, 30, 0, 15, tzinfo=UTC)
    monday = datetime(2026, 11, 30, 1, 0, tzinfo=UTC)  # 10:00 in Tokyo
    handoffs.accept_handoff(handoff.id, actor=actor_of(desk["vendor"]), now=monday)
    timeline = handoff_queries.responsibility_timeline(desk["ticket"].id, now=monday + timedelta(hours=2))
    operations = [s for s in timeline.spans if s.party.code == "operations"][0]
    assert (operations.duration, operations.business) == (timedelta(hours=2), timedelta(hours=2))
    assert [s.business for s in timeline.spans if s.party.code == "helpdesk"] == [None]  # no calendar
