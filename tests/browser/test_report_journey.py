"""A supervisor asks for last month's report: the progress bar follows the job, then the report opens."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from helpdesk.accounts.models import Role
from helpdesk.core.time import utcnow
from helpdesk.reports import monthly
from helpdesk.reports import services as reports
from tests.browser.test_journeys import _sign_in
from tests.conftest import MakeTicket, MakeUser

pytestmark = pytest.mark.browser


def test_a_supervisor_requests_a_report_watches_it_progress_and_reads_it(
    page: Page, live_server: str, make_user: MakeUser, make_ticket: MakeTicket, screenshot_dir: Path
) -> None:
    month = monthly.previous_month(utcnow())
    start, _end = monthly.month_bounds(monthly.parse_month(month))
    for day in range(6):
        make_ticket(now=start + timedelta(days=day * 4, hours=2), subject=f"プリンタが動かない（{day + 1}）")
    _sign_in(page, live_server, make_user(Role.SUPERVISOR).email)
    page.get_by_role("link", name="月次報告").first.click()
    expect(page.get_by_label("対象月")).to_have_value(month)
    page.get_by_role("button", name="作成する").click()

    # No worker runs beside the test server: the job waits, and the page says so.
    expect(page.locator("progress")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"報告の作成状況: {month}")
    expect(page.get_by_role("status")).to_contain_text("順番を待っています")
    page.screenshot(path=str(screenshot_dir / "report-job-queued.png"), full_page=True)
    job_id = int(re.search(r"/reports/jobs/(\d+)", page.url).group(1))  # type: ignore[union-attr]

    # What the worker does; the page polls and offers the report once it is done.
    reports.run_job(job_id, clock=utcnow)
    expect(page.get_by_role("link", name="報告を開く")).to_be_visible(timeout=10_000)
    assert page.locator("progress").evaluate("bar => bar.value === bar.max")
    page.screenshot(path=str(screenshot_dir / "report-job-done.png"), full_page=True)

    page.get_by_role("link", name="報告を開く").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(str(int(month[5:])))
    chart = page.locator("svg[role=img]").first
    expect(chart).to_be_visible()
    expect(page.locator("table").first).to_be_visible()
    page.screenshot(path=str(screenshot_dir / "report-page.png"), full_page=True)
