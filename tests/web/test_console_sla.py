"""SLA on screen: queue badges and the breaching view, the workspace clocks and the one-hour
countdown, recording restoration, the supervisor's page, the administrator's targets, the vendor queue."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from helpdesk.accounts.models import Role
from helpdesk.core.actor import SYSTEM
from helpdesk.core.time import TOKYO, utcnow
from helpdesk.handoff import services as handoffs
from helpdesk.sla import queries as sla_queries
from helpdesk.sla import services as sla
from helpdesk.sla.models import BusinessCalendar, Metric, SlaClock, SlaPolicy
from helpdesk.tickets import services as tickets
from helpdesk.tickets.states import Impact, TicketType, Urgency
from tests.conftest import LoginAs, MakeTicket, MakeUser, actor_of, csrf_token


@pytest.fixture
def policy(db: Any) -> None:
    sla.install_defaults(actor=SYSTEM, now=utcnow())


def _p1(make_ticket: MakeTicket, **fields: Any) -> Any:
    return make_ticket(type=TicketType.FAULT, impact=Impact.MINISTRY, urgency=Urgency.HIGH, **fields)


def _rows(html: str) -> list[str]:
    return re.findall(r'<td class="mono"><a href="/console/tickets/([^"]+)">', html)


def test_the_queue_shows_each_tickets_clock_and_the_breaching_view_sorted_by_due(
    app: Flask, policy: None, make_user: MakeUser, make_ticket: MakeTicket, login_as: LoginAs
) -> None:
    now = utcnow()
    late = _p1(make_ticket, subject="全館でメール停止", now=now - timedelta(hours=2))
    fresh = make_ticket(type=TicketType.INQUIRY, impact=Impact.PERSON, urgency=Urgency.LOW, now=now)
    sla.sweep(now=now, actor=SYSTEM)
    desk = login_as(app.test_client(), make_user(Role.AGENT))
    html = desk.get("/console/").get_data(as_text=True)
    assert "期限超過 −" in html  # the late one, in words and with a minus, not colour alone
    assert 'class="sla sla-breached sla-compact"' in html
    assert "残り" in html
    breaching = desk.get("/console/?view=breaching").get_data(as_text=True)
    assert _rows(breaching) == [late.number]
    by_due = desk.get("/console/?view=open&sort=due").get_data(as_text=True)
    assert _rows(by_due) == [late.number, fresh.number]


def test_the_workspace_shows_the_clocks_and_a_p1_fault_counts_down_to_its_restoration_hour(
    app: Flask, policy: None, make_user: MakeUser, make_ticket: MakeTicket, login_as: LoginAs
) -> None:
    ticket = _p1(make_ticket, now=utcnow() - timedelta(minutes=10))
    desk = login_as(app.test_client(), make_user(Role.AGENT))
    html = desk.get(f"/console/tickets/{ticket.number}").get_data(as_text=True)
    assert "P1 復旧目標（1時間）" in html
    assert 'data-format="clock"' in html
    assert re.search(r"残り(49|50)分", html)
    assert "初回応答" in html and "復旧" in html


def test_recording_restoration_stops_the_hour_and_refuses_a_time_in_the_future(
    app: Flask, policy: None, make_user: MakeUser, make_ticket: MakeTicket, login_as: LoginAs, db: Any
) -> None:
    ticket = _p1(make_ticket, now=utcnow() - timedelta(minutes=30))
    desk = login_as(app.test_client(), make_user(Role.AGENT))
    path = f"/console/tickets/{ticket.number}"
    future = (utcnow() + timedelta(hours=3)).astimezone(TOKYO).strftime("%Y-%m-%dT%H:%M")
    refused = desk.post(
        f"{path}/restored", data={"csrf_token": csrf_token(desk, path), "restored_at": future}
    )
    assert refused.status_code == 422
    assert "受付から現在までの時刻を入力してください。" in refused.get_data(as_text=True)
    back = (utcnow() - timedelta(minutes=5)).astimezone(TOKYO).strftime("%Y-%m-%dT%H:%M")
    done = desk.post(f"{path}/restored", data={"csrf_token": csrf_token(desk, path), "restored_at": back})
    assert done.status_code == 302
    db.session.expire_all()
    clock = db.session.scalar(
        select(SlaClock).where(SlaClock.ticket_id == ticket.id, SlaClock.metric == Metric.RESTORATION)
    )
    assert clock.stopped_at is not None
    page = desk.get(path).get_data(as_text=True)
    assert "P1 復旧目標（1時間）" not in page
    assert "復旧日時を記録しました" in page  # on the timeline


def test_the_supervisor_page_counts_running_clocks_and_p1_restorations(
    app: Flask, policy: None, make_user: MakeUser, make_ticket: MakeTicket, login_as: LoginAs
) -> None:
    agent = make_user(Role.AGENT)
    restored = _p1(make_ticket, now=utcnow() - timedelta(minutes=50))
    tickets.record_restoration(
        restored.id, utcnow() - timedelta(minutes=5), actor=actor_of(agent), now=utcnow()
    )
    _p1(make_ticket, now=utcnow() - timedelta(hours=3))
    sla.sweep(now=utcnow(), actor=SYSTEM)
    html = login_as(app.test_client(), make_user(Role.SUPERVISOR)).get("/console/sla").get_data(as_text=True)
    assert "1 / 2 件が1時間以内に復旧" in html  # the other is still down, three hours on
    assert restored.number in html
    assert "✖ 期限超過" in html


def test_an_administrator_publishes_a_new_version_and_bad_input_keeps_the_old(
    app: Flask, policy: None, make_user: MakeUser, login_as: LoginAs, db: Any
) -> None:
    admin = login_as(app.test_client(), make_user(Role.ADMIN))
    page = admin.get("/admin/sla").get_data(as_text=True)
    fields = dict(re.findall(r'name="([a-z]+-P\d-[a-z_]+-(?:minutes))" value="(\d+)"', page))
    calendars = dict(re.findall(r'name="([a-z]+-P\d-[a-z_]+-calendar)">\s*<option value="(\d+)"', page))
    assert len(fields) == 32 and len(calendars) == 32
    form = {
        **fields,
        **{k: v for k, v in calendars.items()},
        "warning_percent": "75",
        "pause-pending": "1",
        "csrf_token": csrf_token(admin, "/admin/sla"),
    }
    bad = admin.post(
        "/admin/sla", data={**form, "fault-P1-restoration-minutes": "abc", "warning_percent": "0"}
    )
    assert bad.status_code == 422
    text = bad.get_data(as_text=True)
    assert "分数（整数）とカレンダーを指定してください。" in text and 'value="abc"' in text
    assert len(sla_queries.list_policies()) == 1
    good = admin.post(
        "/admin/sla", data={**form, "fault-P1-restoration-minutes": "45", "note": "復旧目標の見直し"}
    )
    assert good.status_code == 302
    db.session.expire_all()
    current = db.session.scalar(select(SlaPolicy).where(SlaPolicy.is_current.is_(True)))
    assert current.version == 2
    assert {(t.ticket_type, t.metric): t.minutes for t in current.targets if t.priority.value == "P1"}[
        (TicketType.FAULT, Metric.RESTORATION)
    ] == 45


def test_the_vendor_queue_counts_down_the_restoration_hour_of_a_ticket_it_holds(
    app: Flask,
    policy: None,
    make_user: MakeUser,
    make_ticket: MakeTicket,
    login_as: LoginAs,
    base_data: dict[str, Any],
) -> None:
    agent, vendor = make_user(Role.AGENT), make_user(Role.VENDOR)
    ticket = _p1(make_ticket, now=utcnow() - timedelta(minutes=5))
    handoff = handoffs.request_handoff(
        ticket.id,
        handoffs.HandoffRequest(
            to_party_id=base_data["parties"]["operations"].id,
            idempotency_key="sla-1",
            symptom="全館でメール停止",
        ),
        actor=actor_of(agent),
        now=utcnow(),
    )
    handoffs.accept_handoff(handoff.id, actor=actor_of(vendor), now=utcnow())
    html = login_as(app.test_client(), vendor).get("/vendor/").get_data(as_text=True)
    assert "P1 復旧目標（1時間）" in html and ticket.number in html
    assert 'data-format="clock"' in html


def test_an_administrator_edits_opening_hours_and_adds_and_removes_a_closure(
    app: Flask, policy: None, make_user: MakeUser, login_as: LoginAs, db: Any
) -> None:
    admin = login_as(app.test_client(), make_user(Role.ADMIN))
    page = admin.get("/admin/calendars").get_data(as_text=True)
    assert "年末年始（行政機関の休日）" in page and "09:00-18:15" in page
    office = db.session.scalar(select(BusinessCalendar).where(BusinessCalendar.code == "office"))
    token = csrf_token(admin, "/admin/calendars")
    bad = admin.post(
        f"/admin/calendars/{office.id}/hours", data={"csrf_token": token, "hours-0": "朝9時から"}
    )
    assert bad.status_code == 422
    assert "「09:00-12:00, 13:00-18:15」の形で入力してください。" in bad.get_data(as_text=True)
    week = {f"hours-{d}": "09:00-12:00, 13:00-18:15" for d in range(5)}
    assert (
        admin.post(f"/admin/calendars/{office.id}/hours", data={"csrf_token": token, **week}).status_code
        == 302
    )
    assert "09:00-12:00, 13:00-18:15" in admin.get("/admin/calendars").get_data(as_text=True)
    missing = admin.post(
        "/admin/closures", data={"csrf_token": token, "calendar": "", "first_day": "2026-12-01"}
    )
    assert missing.status_code == 422
    assert "終了日を入力してください。" in missing.get_data(as_text=True)
    added = admin.post(
        "/admin/closures",
        data={
            "csrf_token": token,
            "calendar": str(office.id),
            "first_day": "2026-12-07",
            "last_day": "2026-12-07",
            "reason": "庁舎停電",
        },
    )
    assert added.status_code == 302
    closure_id = re.search(
        r"/admin/closures/(\d+)/delete",
        admin.get("/admin/calendars").get_data(as_text=True).split("庁舎停電")[1],
    ).group(1)
    assert admin.post(f"/admin/closures/{closure_id}/delete", data={"csrf_token": token}).status_code == 302
    assert "庁舎停電" not in admin.get("/admin/calendars").get_data(as_text=True)


def test_every_problem_of_the_targets_form_is_shown_at_once(
    app: Flask, policy: None, make_user: MakeUser, login_as: LoginAs
) -> None:
    admin = login_as(app.test_client(), make_user(Role.ADMIN))
    page = admin.get("/admin/sla").get_data(as_text=True)
    fields = dict(re.findall(r'name="([a-z]+-P\d-[a-z_]+-(?:minutes|calendar))" value="(\d+)"', page))
    calendars = dict(re.findall(r'name="([a-z]+-P\d-[a-z_]+-calendar)">\s*<option value="(\d+)"', page))
    form = {
        **fields,
        **calendars,
        "warning_percent": "75",
        "pause-pending": "1",
        "csrf_token": csrf_token(admin, "/admin/sla"),
    }
    # One field the form cannot read, and one the policy refuses: both are reported in one answer.
    bad = admin.post(
        "/admin/sla",
        data={**form, "inquiry-P1-first_response-minutes": "", "fault-P1-restoration-minutes": "5"},
    )
    text = bad.get_data(as_text=True)
    assert bad.status_code == 422
    assert "分数（整数）とカレンダーを指定してください。" in text
    assert "初回応答の目標より短くはできません。" in text
