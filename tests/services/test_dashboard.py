"""The supervisor's dashboard against a small hand-built fixture, at fixed moments."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from helpdesk.accounts.models import Role
from helpdesk.core.actor import SYSTEM
from helpdesk.handoff import services as handoffs
from helpdesk.reports import dashboard
from helpdesk.sla import services as sla
from helpdesk.tickets import services as tickets
from helpdesk.tickets.states import (
    Channel,
    Impact,
    MessageKind,
    Priority,
    ResolutionCode,
    TicketStatus,
    TicketType,
    Urgency,
)
from tests.conftest import T0, MakeTicket, MakeUser, actor_of

#: Friday 2026-11-27 12:00 in Tokyo.
NOW = T0 + timedelta(hours=2)


def _counts(items: list[dashboard.Count]) -> dict[str, int]:
    return {c.key: c.count for c in items}


@pytest.fixture
def figures(base_data: dict[str, Any], make_user: MakeUser, make_ticket: MakeTicket) -> dict[str, Any]:
    """Open and closed tickets of several ages, channels and holders; one confidential."""
    agent = make_user(Role.AGENT)
    desk = actor_of(agent)
    make_ticket(impact=Impact.MINISTRY, urgency=Urgency.HIGH, channel=Channel.PHONE,
                now=NOW - timedelta(minutes=30))
    waiting = make_ticket(type=TicketType.INQUIRY, urgency=Urgency.LOW, now=NOW - timedelta(days=2))
    tickets.change_status(waiting.id, TicketStatus.PENDING, actor=desk, now=NOW - timedelta(days=1))
    escalated = make_ticket(impact=Impact.PERSON, urgency=Urgency.HIGH, channel=Channel.MAIL,
                            now=NOW - timedelta(days=10))
    tickets.change_status(escalated.id, TicketStatus.OPEN, actor=desk, now=NOW - timedelta(days=10))
    operations = base_data["parties"]["operations"]
    handoff = handoffs.request_handoff(
        escalated.id, handoffs.HandoffRequest(operations.id, "k1", "共有フォルダに接続できない"),
        actor=desk, now=NOW - timedelta(days=9))
    handoffs.accept_handoff(handoff.id, actor=actor_of(make_user(Role.VENDOR)), now=NOW - timedelta(days=9))
    make_ticket(type=TicketType.SECURITY, subject="不審メールの添付を開いた", now=NOW - timedelta(hours=1))
    for age in (5, 40):  # received, and resolved since: not open
        done = make_ticket(type=TicketType.INQUIRY, now=NOW - timedelta(days=age))
        tickets.resolve(done.id, ResolutionCode.ANSWERED, "回答しました", actor=desk,
                        now=NOW - timedelta(days=age) + timedelta(hours=1))
    return {"agent": agent}


def _supervisor(make_user: MakeUser, *, cleared: bool = False) -> Any:
    return actor_of(make_user(Role.SECURITY if cleared else Role.SUPERVISOR))


def test_open_tickets_by_status_priority_and_holder(figures: dict[str, Any], make_user: MakeUser) -> None:
    board = dashboard.build(_supervisor(make_user), now=NOW)
    assert board.open_total == 3
    assert _counts(board.by_status) == {"new": 1, "open": 1, "pending": 1}
    assert _counts(board.by_priority) == {"P1": 1, "P2": 0, "P3": 1, "P4": 1}
    assert [(c.label, c.count) for c in board.by_holder] == [("helpdesk", 2), ("operations", 1)]
    assert [(c.label, c.count) for c in board.by_service] == [("メール", 3)]


def test_intake_today_counts_tokyo_days_by_channel(figures: dict[str, Any], make_user: MakeUser) -> None:
    board = dashboard.build(_supervisor(make_user), now=NOW)
    assert _counts(board.intake_today) == {"portal": 0, "phone": 1, "mail": 0, "api": 0}
    # Just after midnight in Tokyo (15:00 UTC) the day starts again.
    next_day = dashboard.build(_supervisor(make_user), now=NOW.replace(hour=15, minute=1))
    assert sum(c.count for c in next_day.intake_today) == 0


def test_intake_per_day_covers_thirty_tokyo_days_with_zeros(
    figures: dict[str, Any], make_user: MakeUser
) -> None:
    daily = dashboard.build(_supervisor(make_user), now=NOW).intake_daily
    assert len(daily) == 30
    assert daily[-1] == dashboard.DayCount(date(2026, 11, 27), 1)
    assert daily[0].day == date(2026, 10, 29)
    assert {d.day: d.count for d in daily if d.count} == {
        date(2026, 11, 27): 1, date(2026, 11, 25): 1, date(2026, 11, 22): 1, date(2026, 11, 17): 1,
    }


def test_backlog_age_bands_by_priority(figures: dict[str, Any], make_user: MakeUser) -> None:
    bands = {b.key: b for b in dashboard.build(_supervisor(make_user), now=NOW).backlog_age}
    assert list(bands) == ["lt1", "1to3", "3to7", "7to30", "gt30"]
    assert bands["lt1"].by_priority[Priority.P1] == 1
    assert bands["1to3"].by_priority[Priority.P4] == 1
    assert bands["7to30"].by_priority[Priority.P3] == 1
    assert [b.total for b in bands.values()] == [1, 1, 0, 1, 0]


def test_confidential_tickets_count_only_for_the_security_cleared(
    figures: dict[str, Any], make_user: MakeUser
) -> None:
    plain = dashboard.build(_supervisor(make_user), now=NOW)
    cleared = dashboard.build(_supervisor(make_user, cleared=True), now=NOW)
    assert cleared.open_total == plain.open_total + 1
    assert _counts(cleared.by_priority)["P1"] == 2
    assert _counts(cleared.intake_today)["portal"] == 1
    assert cleared.intake_daily[-1].count == 2
    assert cleared.backlog_age[0].total == 2
    assert sum(c.count for c in cleared.by_holder) == 4


def test_breaching_soon_is_the_queues_view_in_figures(
    base_data: dict[str, Any], make_user: MakeUser, make_ticket: MakeTicket
) -> None:
    sla.install_defaults(actor=SYSTEM, now=NOW - timedelta(days=30))
    late = make_ticket(impact=Impact.MINISTRY, urgency=Urgency.HIGH, subject="全館でメール停止",
                       now=NOW - timedelta(minutes=20))  # P1: first response due after 15 minutes
    make_ticket(type=TicketType.SECURITY, now=NOW - timedelta(minutes=20))  # confidential, also late
    make_ticket(type=TicketType.INQUIRY, urgency=Urgency.LOW, now=NOW)  # P4, plenty of time
    board = dashboard.build(_supervisor(make_user), now=NOW)
    assert (board.breaching.total, board.breaching.breached, board.breaching.warning) == (1, 1, 0)
    assert [(t.number, t.badge.level.value if t.badge else None) for t in board.breaching.soonest] == [
        (late.number, "breached")]
    cleared = dashboard.build(_supervisor(make_user, cleared=True), now=NOW)
    assert cleared.breaching.total == 2


def test_compliance_per_week_counts_met_when_stopped_and_breached_when_due(
    base_data: dict[str, Any], make_user: MakeUser, make_ticket: MakeTicket
) -> None:
    sla.install_defaults(actor=SYSTEM, now=NOW - timedelta(days=60))
    desk = actor_of(make_user(Role.AGENT))

    def p1(opened: Any, *, reply_after: int | None, resolve_after: int | None, **fields: Any) -> None:
        ticket = make_ticket(impact=Impact.MINISTRY, urgency=Urgency.HIGH, now=opened, **fields)
        if reply_after is not None:
            tickets.add_message(ticket.id, MessageKind.PUBLIC_REPLY, "確認しています", actor=desk,
                                now=opened + timedelta(minutes=reply_after))
        if resolve_after is not None:
            tickets.resolve(ticket.id, ResolutionCode.FIXED, "復旧しました", actor=desk,
                            now=opened + timedelta(minutes=resolve_after))

    last_week = NOW - timedelta(days=11)  # Monday 2026-11-16, in the week before last
    p1(last_week, reply_after=10, resolve_after=120)  # response met; restoration an hour late
    p1(NOW - timedelta(days=2), reply_after=30, resolve_after=30)  # response late; restored in time
    p1(NOW - timedelta(minutes=20), reply_after=None, resolve_after=None)  # response due, still running
    security = make_ticket(type=TicketType.SECURITY, now=NOW - timedelta(days=1))
    tickets.add_message(security.id, MessageKind.PUBLIC_REPLY, "確認します", actor=actor_of(
        make_user(Role.SECURITY)), now=NOW - timedelta(days=1) + timedelta(minutes=5))

    weeks = dashboard.build(_supervisor(make_user), now=NOW).compliance
    assert [w.week for w in weeks][-3:] == [date(2026, 11, 9), date(2026, 11, 16), date(2026, 11, 23)]
    assert len(weeks) == 8
    outcome = {w.week: (w.response_met, w.response_breached, w.resolution_met, w.resolution_breached)
               for w in weeks if w.response_met or w.response_breached or w.resolution_met
               or w.resolution_breached}
    assert outcome == {date(2026, 11, 16): (1, 0, 0, 1), date(2026, 11, 23): (0, 2, 1, 0)}
    assert weeks[-1].response_rate == 0 and weeks[-1].resolution_rate == 1
    assert weeks[0].response_rate is None
    cleared = dashboard.build(_supervisor(make_user, cleared=True), now=NOW).compliance
    assert cleared[-1].response_met == 1
