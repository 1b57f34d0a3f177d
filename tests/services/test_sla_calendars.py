"""Calendars as configuration: weekly hours and closures, and running clocks recomputed after a change."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from helpdesk.accounts.models import Role
from helpdesk.audit.models import AuditEvent
from helpdesk.core.actor import SYSTEM
from helpdesk.core.errors import PermissionDenied, ValidationFailed
from helpdesk.core.outbox import OutboxMessage
from helpdesk.sla import calendar_settings
from helpdesk.sla import services as sla
from helpdesk.sla.models import BusinessCalendar, Metric, SlaClock
from helpdesk.tickets.states import Impact, TicketType, Urgency
from tests.conftest import T0, MakeTicket, MakeUser, actor_of

JST = ZoneInfo("Asia/Tokyo")


def jst(*args: int) -> datetime:
    return datetime(*args, tzinfo=JST).astimezone(UTC)


@pytest.fixture
def office(db: Any) -> BusinessCalendar:
    sla.install_defaults(actor=SYSTEM, now=T0)
    calendar = db.session.scalar(select(BusinessCalendar).where(BusinessCalendar.code == "office"))
    assert calendar is not None
    return calendar


def test_opening_hours_are_read_from_plain_text() -> None:
    assert calendar_settings.parse_hours("09:00-12:00, 13:00-18:15") == [
        (time(9), time(12)),
        (time(13), time(18, 15)),
    ]
    assert calendar_settings.parse_hours("22:00-06:00、 8:30〜24:00") == [
        (time(22), time(6)),
        (time(8, 30), time(0)),
    ]
    assert calendar_settings.parse_hours("  ") == []
    for bad in ("9-12", "25:00-26:00", "09:00-24:30", "09:60-10:00", "10:00-10:00"):
        with pytest.raises(ValueError):  # noqa: PT011 - parse_hours raises nothing else
            calendar_settings.parse_hours(bad)


def test_an_administrator_changes_the_hours_and_running_clocks_are_recomputed(
    office: BusinessCalendar, make_user: MakeUser, make_ticket: MakeTicket, db: Any
) -> None:
    admin = actor_of(make_user(Role.ADMIN))
    ticket = make_ticket(type=TicketType.INQUIRY, impact=Impact.DIVISION, urgency=Urgency.HIGH)  # P2, 4 h
    with pytest.raises(ValidationFailed) as refused:
        calendar_settings.set_hours(office.id, {0: "9時から"}, actor=admin, now=T0)
    assert set(refused.value.fields) == {"hours-0"}
    with pytest.raises(PermissionDenied):
        calendar_settings.set_hours(
            office.id, {4: "09:00-11:00"}, actor=actor_of(make_user(Role.SUPERVISOR)), now=T0
        )
    # Fridays now close at 11:00: Fri 10:00–11:00 is 1 h, the 3 h left run from Monday 09:00.
    calendar_settings.set_hours(
        office.id, {d: "09:00-18:15" for d in range(4)} | {4: "09:00-11:00"}, actor=admin, now=T0
    )
    assert db.session.scalar(select(OutboxMessage.task).where(OutboxMessage.task == "sla.recompute_calendar"))
    assert sla.recompute_calendar(office.id, now=T0) == 2
    db.session.expire_all()
    clock = db.session.scalar(
        select(SlaClock).where(SlaClock.ticket_id == ticket.id, SlaClock.metric == Metric.RESOLUTION)
    )
    assert clock.due_at == jst(2026, 11, 30, 12)
    assert db.session.scalar(select(AuditEvent.action).where(AuditEvent.action == "calendar.hours_changed"))


def test_a_closure_added_today_moves_todays_due_times_and_removing_it_moves_them_back(
    office: BusinessCalendar, make_user: MakeUser, make_ticket: MakeTicket, db: Any
) -> None:
    admin = actor_of(make_user(Role.ADMIN))
    ticket = make_ticket(
        type=TicketType.INQUIRY, impact=Impact.DIVISION, urgency=Urgency.HIGH
    )  # due Fri 14:00

    def due() -> datetime:
        db.session.expire_all()
        clock = db.session.scalar(
            select(SlaClock).where(SlaClock.ticket_id == ticket.id, SlaClock.metric == Metric.RESOLUTION)
        )
        return clock.due_at

    assert due() == jst(2026, 11, 27, 14)
    with pytest.raises(ValidationFailed):
        calendar_settings.add_closure(
            office.id, date(2026, 11, 27), date(2026, 11, 26), "", is_annual=False, actor=admin, now=T0
        )
    typhoon = calendar_settings.add_closure(
        None,
        date(2026, 11, 27),
        date(2026, 11, 27),
        "台風による臨時休業",
        is_annual=False,
        actor=admin,
        now=T0,
    )
    sla.recompute_calendar(None, now=T0)
    assert due() == jst(2026, 11, 30, 13)  # the whole Friday is closed: Monday 09:00 + 4 h
    calendar_settings.remove_closure(typhoon.id, actor=admin, now=T0)
    calendar_settings.remove_closure(typhoon.id, actor=admin, now=T0)  # idempotent
    sla.recompute_calendar(None, now=T0)
    assert due() == jst(2026, 11, 27, 14)
