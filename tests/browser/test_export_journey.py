"""An administrator starts the full data export, watches its progress and gets the ZIP link."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import Page, expect

from helpdesk.accounts.models import Role
from helpdesk.core.storage import FileStore
from helpdesk.core.time import utcnow
from helpdesk.portability import jobs as export_jobs
from tests.browser.test_journeys import _sign_in
from tests.conftest import MakeTicket, MakeUser

pytestmark = pytest.mark.browser


def test_an_admin_exports_everything_and_is_offered_the_zip(
    page: Page, live_server: str, app: Flask, make_user: MakeUser, make_ticket: MakeTicket,
    screenshot_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(app.config, "EXPORT_ROOT", str(tmp_path / "exports"))
    make_ticket(subject="プリンタが動かない")
    _sign_in(page, live_server, make_user(Role.ADMIN).email)
    page.get_by_role("link", name="データの書き出し").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("全データの書き出し")
    page.get_by_role("button", name="全データを書き出す").click()

    # No worker runs beside the test server: the job waits, and the page says so.
    expect(page.locator("progress")).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("順番を待っています")
    job_id = int(re.search(r"/export/jobs/(\d+)", page.url).group(1))  # type: ignore[union-attr]

    export_jobs.run_export_job(job_id, clock=utcnow, store=FileStore(app.config["ATTACHMENT_ROOT"]),
                               root=tmp_path / "exports")
    expect(page.get_by_role("link", name="ZIP でダウンロード")).to_be_visible(timeout=10_000)
    page.screenshot(path=str(screenshot_dir / "export-job-done.png"), full_page=True)

    page.get_by_role("link", name="全データの書き出し").click()
    expect(page.get_by_role("cell", name="完了")).to_be_visible()
    page.screenshot(path=str(screenshot_dir / "export-list.png"), full_page=True)
