"""Monthly report pages: who sees them, the progress JSON, the report page and the three downloads."""

from __future__ import annotations

import io
import re
import zipfile
import zlib
from datetime import timedelta
from typing import Any

import openpyxl
import pytest
from flask import Flask

from helpdesk.accounts.models import Role
from helpdesk.core.actor import SYSTEM
from helpdesk.core.time import utcnow
from helpdesk.reports import monthly
from helpdesk.reports import services as reports
from tests.conftest import LoginAs, MakeTicket, MakeUser, csrf_token


@pytest.fixture
def snapshot(make_ticket: MakeTicket) -> Any:
    month = monthly.previous_month(utcnow())
    start, _end = monthly.month_bounds(monthly.parse_month(month))
    make_ticket(now=start + timedelta(hours=2), subject="プリンタが動かない")
    make_ticket(now=start + timedelta(days=3))
    return reports.generate(month, actor=SYSTEM, now=utcnow())


@pytest.mark.parametrize(("role", "front"), [(Role.SUPERVISOR, "console"), (Role.ADMIN, "admin")])
def test_the_report_page_shows_charts_with_their_tables(
    role: Role, front: str, app: Flask, make_user: MakeUser, login_as: LoginAs, snapshot: Any
) -> None:
    client = login_as(app.test_client(), make_user(role))
    listing = client.get(f"/{front}/reports")
    assert listing.status_code == 200 and snapshot.month in listing.text
    page = client.get(f"/{front}/reports/{snapshot.id}")
    assert page.status_code == 200
    assert 'id="chart-intake_type"' in page.text and "<table" in page.text
    assert "受付件数（種別）" in page.text and snapshot.sha256 in page.text
    assert "一次解決率" in page.text and "集計の定義" in page.text


def test_a_supervisor_cannot_use_the_admin_pages_nor_an_agent_the_console_ones(
    app: Flask, make_user: MakeUser, login_as: LoginAs, snapshot: Any
) -> None:
    supervisor = login_as(app.test_client(), make_user(Role.SUPERVISOR))
    assert supervisor.get(f"/admin/reports/{snapshot.id}").status_code == 403
    agent = login_as(app.test_client(), make_user(Role.AGENT))
    assert agent.get(f"/console/reports/{snapshot.id}/service-level.csv").status_code == 403


def test_requesting_a_report_goes_to_its_progress_page_and_json(
    app: Flask, make_user: MakeUser, login_as: LoginAs, db: Any
) -> None:
    client = login_as(app.test_client(), make_user(Role.SUPERVISOR))
    month = monthly.previous_month(utcnow())
    response = client.post(
        "/console/reports", data={"month": month, "csrf_token": csrf_token(client, "/console/reports")}
    )
    assert response.status_code == 303
    job_page = client.get(response.headers["Location"])
    assert job_page.status_code == 200 and "<progress" in job_page.text and "job_progress.js" in job_page.text
    job_id = int(response.headers["Location"].rsplit("/", 1)[1])
    status = client.get(f"/console/reports/jobs/{job_id}.json").get_json()
    assert status == {"state": "queued", "done": 0, "total": 0, "message": "", "report_url": None}

    reports.run_job(job_id, clock=utcnow)
    done = client.get(f"/console/reports/jobs/{job_id}.json").get_json()
    assert done["state"] == "done" and done["done"] == done["total"] == len(monthly.SECTIONS)
    assert done["report_url"].startswith("/console/reports/")
    assert done["report_url"] in client.get(f"/console/reports/jobs/{job_id}").text


def test_a_future_month_is_refused_with_a_message(app: Flask, make_user: MakeUser, login_as: LoginAs) -> None:
    client = login_as(app.test_client(), make_user(Role.ADMIN))
    response = client.post(
        "/admin/reports", data={"month": "2999-01", "csrf_token": csrf_token(client, "/admin/reports")}
    )
    assert response.status_code == 422 and "まだ始まっていない月" in response.text


def test_csv_download_has_a_bom_crlf_japanese_headers_and_the_stamp(
    app: Flask, make_user: MakeUser, login_as: LoginAs, snapshot: Any
) -> None:
    client = login_as(app.test_client(), make_user(Role.SUPERVISOR))
    response = client.get(f"/console/reports/{snapshot.id}/service-level.csv")
    assert response.status_code == 200
    assert (
        response.headers["Content-Disposition"]
        == f'attachment; filename="service-level-{snapshot.month}.csv"'
    )
    body = response.data
    assert body.startswith(b"\xef\xbb\xbf") and b"\r\n" in body and b"\n" not in body.replace(b"\r\n", b"")
    text = body.decode("utf-8-sig")
    assert "■受付件数（種別）" in text and "種別,件数" in text and "障害,2" in text
    assert snapshot.sha256 in text


def test_xlsx_download_opens_with_a_sheet_per_section(
    app: Flask, make_user: MakeUser, login_as: LoginAs, snapshot: Any
) -> None:
    client = login_as(app.test_client(), make_user(Role.ADMIN))
    response = client.get(f"/admin/reports/{snapshot.id}/service-level.xlsx")
    assert response.status_code == 200
    assert f"service-level-{snapshot.month}.xlsx" in response.headers["Content-Disposition"]
    assert "xl/workbook.xml" in zipfile.ZipFile(io.BytesIO(response.data)).namelist()
    book = openpyxl.load_workbook(io.BytesIO(response.data))
    assert (
        book.sheetnames[0] == "表紙" and "受付件数（種別）" in book.sheetnames and len(book.sheetnames) > 10
    )
    cover = {row[0]: row[1] for row in book["表紙"].iter_rows(values_only=True)}
    assert cover["SHA-256"] == snapshot.sha256
    sheet = book["受付件数（種別）"]
    assert [c.value for c in sheet[1]] == ["種別", "件数"]
    assert [c.value for c in sheet[2]] == ["障害", 2]


def test_pdf_download_is_a_pdf_of_the_month(
    app: Flask, make_user: MakeUser, login_as: LoginAs, snapshot: Any
) -> None:
    client = login_as(app.test_client(), make_user(Role.SUPERVISOR))
    response = client.get(f"/console/reports/{snapshot.id}/service-level.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF")
    assert f"service-level-{snapshot.month}.pdf" in response.headers["Content-Disposition"]
    # The title in the document's metadata carries the month (inside compressed object streams).
    assert any(form in data for stream in _streams(response.data) for data in _inflated(stream)
               for form in _encoded(snapshot.month))
    assert client.get(f"/console/reports/{snapshot.id}/service-level.doc").status_code == 404


def _streams(pdf: bytes) -> list[bytes]:
    return re.findall(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S)


def _inflated(stream: bytes) -> set[bytes]:
    try:
        data = zlib.decompress(stream)
    except zlib.error:
        data = stream
    return {data, data.lower()}


def _encoded(text: str) -> set[bytes]:
    """How a PDF may write ``text`` in a string: plain, UTF-16 (after a BOM) or as hex."""
    return {text.encode(), text.encode("utf-16-be"), text.encode("utf-16-be").hex().encode()}
