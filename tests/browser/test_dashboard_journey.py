"""A supervisor opens the dashboard: charts drawn as SVG with their tables, refreshed every minute."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from helpdesk.accounts.models import Role
from helpdesk.core.actor import SYSTEM
from helpdesk.core.time import utcnow
from helpdesk.handoff import services as handoffs
from helpdesk.sla import services as sla
from helpdesk.tickets import services as tickets
from helpdesk.tickets.states import Channel, Impact, MessageKind, ResolutionCode, Urgency
from tests.browser.test_journeys import _sign_in
from tests.conftest import MakeTicket, MakeUser, actor_of

pytestmark = pytest.mark.browser


def _a_month_of_work(base_data: dict[str, Any], make_user: MakeUser, make_ticket: MakeTicket) -> None:
    """Tickets over the last month: most answered in time, some late, some still open, one escalated."""
    now = utcnow()
    sla.install_defaults(actor=SYSTEM, now=now - timedelta(days=60))
    desk = actor_of(make_user(Role.AGENT))
    channels = (Channel.PORTAL, Channel.PHONE, Channel.MAIL, Channel.PHONE)
    levels = ((Impact.PERSON, Urgency.LOW), (Impact.PERSON, Urgency.HIGH), (Impact.DIVISION, Urgency.HIGH),
              (Impact.MINISTRY, Urgency.HIGH))
    for i in range(24):
        opened = now - timedelta(days=i * 1.2, hours=i % 5)
        impact, urgency = levels[i % 4]
        ticket = make_ticket(channel=channels[i % 4], impact=impact, urgency=urgency, now=opened,
                             subject=f"メールが送信できません（{i + 1}）")
        if i % 3:
            tickets.add_message(ticket.id, MessageKind.PUBLIC_REPLY, "確認しています", actor=desk,
                                now=opened + timedelta(minutes=10 if i % 2 else 200))
        if i % 3 == 1 and i > 2:
            tickets.resolve(ticket.id, ResolutionCode.FIXED, "復旧しました", actor=desk,
                            now=opened + timedelta(hours=1 if i % 2 else 30))
        if i == 5:
            operations = base_data["parties"]["operations"]
            handoff = handoffs.request_handoff(ticket.id, handoffs.HandoffRequest(operations.id, "k", "症状"),
                                               actor=desk, now=opened + timedelta(minutes=30))
            handoffs.accept_handoff(handoff.id, actor=actor_of(make_user(Role.VENDOR)),
                                    now=opened + timedelta(minutes=40))


def test_a_supervisor_reads_the_dashboard_and_it_refreshes_itself(
    page: Page, live_server: str, base_data: dict[str, Any], make_user: MakeUser, make_ticket: MakeTicket,
    screenshot_dir: Path,
) -> None:
    _a_month_of_work(base_data, make_user, make_ticket)
    page.clock.install(time=utcnow())
    _sign_in(page, live_server, make_user(Role.SUPERVISOR).email)
    page.get_by_role("link", name="ダッシュボード").click()
    expect(page.get_by_role("heading", name="ダッシュボード", level=1)).to_be_visible()

    chart = page.get_by_role("img", name="未完了チケットの経過日数（優先度別）")
    expect(chart).to_be_visible()
    assert chart.evaluate("e => e.tagName") == "svg"
    assert chart.locator("rect").count() > 4
    intake = page.get_by_role("img", name="受付件数の推移（過去30日・日別）")
    expect(intake).to_be_visible()
    caption = page.locator("caption", has_text="未完了チケットの経過日数（優先度別）")
    table = page.locator("table", has=caption)
    expect(table.get_by_role("rowheader", name="1日未満")).to_be_visible()
    page.screenshot(path=str(screenshot_dir / "console-dashboard.png"), full_page=True)

    open_tile = page.locator(".dashboard-tiles li").first.locator("strong")
    before = int(open_tile.inner_text().replace(",", ""))
    make_ticket(subject="新しく届いた問い合わせ")
    with page.expect_response("**/console/dashboard/panel"):
        page.clock.fast_forward("01:01")
    expect(open_tile).to_have_text(str(before + 1))
    expect(page.get_by_role("img", name="受付件数の推移（過去30日・日別）")).to_be_visible()
