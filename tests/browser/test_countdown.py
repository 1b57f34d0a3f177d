"""The acknowledgement countdown keeps counting while the vendor's queue stays open."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from helpdesk.accounts.models import Role
from helpdesk.core.actor import SYSTEM
from helpdesk.core.db import unit_of_work
from helpdesk.core.time import utcnow
from helpdesk.handoff import services as handoffs
from helpdesk.sla import services as sla
from helpdesk.sla.models import Metric, PartyTarget
from helpdesk.tickets.states import Impact, Priority, TicketType, Urgency
from tests.conftest import PASSWORD, MakeTicket, MakeUser, actor_of

pytestmark = pytest.mark.browser


def test_the_deadline_counts_down_and_turns_overdue(
    page: Page, live_server: str, base_data: dict[str, Any], make_user: MakeUser, make_ticket: MakeTicket,
    screenshot_dir: Path,
) -> None:
    operations = base_data["parties"]["operations"]
    with unit_of_work() as session:
        session.add_all([PartyTarget(party_id=operations.id, priority=p, metric=Metric.ACKNOWLEDGE,
                                     minutes=30) for p in Priority])
    vendor = make_user(Role.VENDOR)
    now = utcnow()
    ticket = make_ticket(now=now)
    handoffs.request_handoff(ticket.id, handoffs.HandoffRequest(operations.id, "k1", "症状"),
                             actor=actor_of(make_user(Role.AGENT)), now=now)

    page.clock.install(time=now)
    page.goto(f"{live_server}/login")
    page.get_by_label("メールアドレス").fill(vendor.email)
    page.get_by_label("パスワード").fill(PASSWORD)
    page.get_by_role("button", name="ログイン").click()
    page.goto(f"{live_server}/vendor/")
    clock = page.locator("[data-due]")
    expect(clock).to_have_text(re.compile(r"残り(29|30)分"))

    page.clock.fast_forward("31:00")
    expect(clock).to_have_text(re.compile(r"期限超過 \d+分"))
    expect(clock).to_have_class(re.compile("overdue"))
    page.screenshot(path=str(screenshot_dir / "vendor-queue-overdue.png"), full_page=True)


def test_a_p1_fault_counts_down_its_restoration_hour_by_the_second(
    page: Page, live_server: str, base_data: dict[str, Any], make_user: MakeUser, make_ticket: MakeTicket,
    screenshot_dir: Path,
) -> None:
    sla.install_defaults(actor=SYSTEM, now=utcnow())
    agent = make_user(Role.AGENT)
    opened = utcnow().replace(microsecond=0) - timedelta(minutes=10)
    ticket = make_ticket(type=TicketType.FAULT, impact=Impact.MINISTRY, urgency=Urgency.HIGH, now=opened,
                         subject="本省全館でメールが送受信できない")

    page.clock.install(time=opened + timedelta(minutes=10))
    page.goto(f"{live_server}/login")
    page.get_by_label("メールアドレス").fill(agent.email)
    page.get_by_label("パスワード").fill(PASSWORD)
    page.get_by_role("button", name="ログイン").click()
    page.goto(f"{live_server}/console/")
    banner = page.locator(".restoration-countdown [data-due]")
    expect(banner).to_have_text(re.compile(r"復旧期限まで (49|50):\d\d"))
    page.screenshot(path=str(screenshot_dir / "console-queue-p1-countdown.png"), full_page=True)
    page.get_by_role("link", name=ticket.number).click()
    countdown = page.locator(".restoration-countdown [data-due]")
    expect(countdown).to_have_text(re.compile(r"復旧期限まで (49|50):\d\d"))
    before = countdown.inner_text()
    page.clock.fast_forward("00:05")
    expect(countdown).not_to_have_text(before)  # it ticks by the second
    expect(countdown).to_have_text(re.compile(r"復旧期限まで (49|50):\d\d"))
    page.clock.fast_forward("51:00")
    expect(countdown).to_have_text(re.compile(r"復旧期限を \d+:\d\d 超過"))
    expect(countdown).to_have_class(re.compile("overdue"))
    page.screenshot(path=str(screenshot_dir / "console-workspace-p1-overdue.png"), full_page=True)
