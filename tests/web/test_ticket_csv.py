"""Ticket lists as CSV downloads: the whole filtered list, Excel-ready, safe to open, audited,
and exactly the tickets the HTML list shows the same person."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from helpdesk.accounts.models import Role
from helpdesk.audit.models import AuditEvent
from helpdesk.reports.exports import safe_cell
from helpdesk.tickets import queues
from helpdesk.tickets.states import Channel, Impact, TicketType, Urgency
from tests.conftest import T0, LoginAs, MakeTicket, MakeUser, actor_of

HEADER = "番号,件名,種別,状態,優先度,サービス,拠点,依頼者,担当者,責任,受付経路,受付日時,更新日時"


def _download(client: FlaskClient, path: str) -> tuple[Any, list[list[str]]]:
    response = client.get(path)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    body = response.get_data()
    assert body.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM: Excel in Japan reads it as UTF-8
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"), newline="")))
    return response, rows


def test_the_queue_downloads_as_excel_ready_csv(
    app: Flask, make_user: MakeUser, make_ticket: MakeTicket, login_as: LoginAs
) -> None:
    make_ticket(subject='VPN, "至急" 接続不可', channel=Channel.PHONE)
    client = login_as(app.test_client(), make_user(Role.AGENT))
    response, rows = _download(client, "/console/queue.csv?view=open")
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="tickets-')
    body = response.get_data()
    assert body.decode("utf-8-sig").startswith(HEADER + "\r\n")
    assert body.count(b"\r\n") == 2 and b"\n" not in body.replace(b"\r\n", b"")
    assert b'"VPN, ""\xe8\x87\xb3\xe6\x80\xa5"" \xe6\x8e\xa5\xe7\xb6\x9a\xe4\xb8\x8d\xe5\x8f\xaf"' in body
    (row,) = rows[1:]
    assert row[1:5] == ['VPN, "至急" 接続不可', "障害", "新規", "P4"]  # person × medium
    assert row[5:7] == ["メール", "本省"]
    assert row[9:] == ["helpdesk", "電話", "2026-11-27 10:00", "2026-11-27 10:00"]  # Japan time


def test_the_download_is_the_whole_filtered_and_sorted_list_not_a_page(
    app: Flask, make_user: MakeUser, make_ticket: MakeTicket, login_as: LoginAs
) -> None:
    numbers = [make_ticket(now=T0 + timedelta(minutes=i)).number for i in range(52)]
    urgent = make_ticket(impact=Impact.SITE, urgency=Urgency.HIGH, now=T0 - timedelta(days=1))
    client = login_as(app.test_client(), make_user(Role.AGENT))
    _response, rows = _download(client, "/console/queue.csv?view=open&sort=newest")
    assert [r[0] for r in rows[1:]] == [*reversed(numbers), urgent.number]
    _response, rows = _download(client, "/console/queue.csv?view=open&priority=P1")
    assert [r[0] for r in rows[1:]] == [urgent.number]


def test_cells_that_would_run_as_formulas_get_an_apostrophe(
    app: Flask, make_user: MakeUser, make_ticket: MakeTicket, login_as: LoginAs
) -> None:
    make_ticket(subject='=HYPERLINK("http://evil.example/","開く")')
    make_ticket(subject="@SUM(A1:A9)", now=T0 + timedelta(minutes=1))
    client = login_as(app.test_client(), make_user(Role.AGENT))
    _response, rows = _download(client, "/console/queue.csv?sort=oldest")
    assert [r[1] for r in rows[1:]] == ["'=HYPERLINK(\"http://evil.example/\",\"開く\")", "'@SUM(A1:A9)"]


@pytest.mark.parametrize("value", ["=1+2", "+81-3-1234", "-5", "@cmd", "\tx", "\rx"])
def test_every_formula_start_is_neutralised(value: str) -> None:
    assert safe_cell(value) == "'" + value
    assert safe_cell("HD-2026-000001") == "HD-2026-000001"
    assert safe_cell("メール=不可") == "メール=不可"


def test_the_download_shows_exactly_what_the_list_shows(
    app: Flask, make_user: MakeUser, make_ticket: MakeTicket, login_as: LoginAs
) -> None:
    make_ticket(subject="プリンタが動かない")
    make_ticket(type=TicketType.SECURITY, subject="不審メールの添付を開いた")
    for role, expected in ((Role.AGENT, ["プリンタが動かない"]),
                           (Role.SECURITY, ["プリンタが動かない", "不審メールの添付を開いた"])):
        client = login_as(app.test_client(), make_user(role))
        _response, rows = _download(client, "/console/queue.csv?sort=oldest")
        assert [r[1] for r in rows[1:]] == expected, role
        _response, rows = _download(client, "/console/search.csv?q=送信")  # in both descriptions
        assert sorted(r[1] for r in rows[1:]) == sorted(expected), role


def test_search_results_download_in_full(
    app: Flask, make_user: MakeUser, make_ticket: MakeTicket, login_as: LoginAs
) -> None:
    make_ticket(subject="VPNに接続できない")
    make_ticket(subject="VPNが遅い", now=T0 + timedelta(minutes=1))
    make_ticket(subject="プリンタ故障", now=T0 + timedelta(minutes=2))
    client = login_as(app.test_client(), make_user(Role.AGENT))
    _response, rows = _download(client, "/console/search.csv?q=vpn")
    assert [r[1] for r in rows[1:]] == ["VPNが遅い", "VPNに接続できない"]  # newest first, as listed
    _response, rows = _download(client, "/console/search.csv?q=")
    assert rows == [HEADER.split(",")]


def test_staff_download_only_their_own_tickets_without_internal_columns(
    app: Flask, make_user: MakeUser, make_ticket: MakeTicket, login_as: LoginAs
) -> None:
    alice, bob = make_user(), make_user()
    mine = make_ticket(requester=alice, subject="メールが送れない")
    make_ticket(requester=bob, subject="他人のチケット")
    client = login_as(app.test_client(), alice)
    assert "/portal/tickets.csv" in client.get("/portal/").get_data(as_text=True)
    _response, rows = _download(client, "/portal/tickets.csv")
    assert rows == [["番号", "件名", "種別", "状態", "サービス", "受付日時", "更新日時"],
                    [mine.number, "メールが送れない", "障害", "新規", "メール", "2026-11-27 10:00",
                     "2026-11-27 10:00"]]


def test_every_download_is_audited_with_its_filters_and_row_count(
    app: Flask, make_user: MakeUser, make_ticket: MakeTicket, login_as: LoginAs, db: Any
) -> None:
    make_ticket()
    make_ticket(impact=Impact.SITE, urgency=Urgency.HIGH)
    agent = make_user(Role.AGENT)
    client = login_as(app.test_client(), agent)
    _download(client, "/console/queue.csv?view=open&priority=P1&page=3")
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "tickets.exported_csv")).one()
    assert event.actor_user_id == agent.id
    assert event.data == {"source": "console.queue", "criteria": {"view": "open", "priority": "P1"},
                          "rows": 1, "completed": True}


def test_english_readers_get_english_headers(
    app: Flask, make_user: MakeUser, make_ticket: MakeTicket, login_as: LoginAs
) -> None:
    make_ticket(channel=Channel.PHONE)
    client = login_as(app.test_client(), make_user(Role.AGENT, locale="en"))
    _response, rows = _download(client, "/console/queue.csv")
    assert {"Held by", "Channel", "Received", "Subject"} <= set(rows[0])
    assert "Phone" in rows[1]


def test_the_queue_streams_in_batches_in_the_lists_order(
    make_user: MakeUser, make_ticket: MakeTicket
) -> None:
    actor = actor_of(make_user(Role.AGENT))
    for i in range(5):
        make_ticket(now=T0 + timedelta(minutes=i))
    filters = queues.QueueFilters(sort="newest")
    batches = list(queues.iter_queue(actor, "open", filters, now=T0, batch_size=2))
    assert [len(b) for b in batches] == [2, 2, 1]
    listed = [t.number for t in queues.list_queue(actor, "open", filters, now=T0).items]
    assert [row.number for batch in batches for row in batch] == listed
