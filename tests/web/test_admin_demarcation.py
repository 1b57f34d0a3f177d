"""The demarcation matrix: edited by administrators, exchanged as CSV, used for suggestions."""

from __future__ import annotations

import io
from typing import Any

from flask import Flask

from helpdesk.accounts.models import Party, PartyKind, Role
from helpdesk.core.db import db, unit_of_work
from helpdesk.handoff import queries as handoff_queries
from helpdesk.handoff.models import Demarcation
from helpdesk.tickets.states import TicketType
from tests.conftest import T0, LoginAs, MakeTicket, MakeUser, csrf_token

CSV = ("service,ticket_type,party,first_line_allowed,note\r\n"
       "mail,inquiry,helpdesk,1,\r\n"
       "mail,fault,carrier,0,回線起因のメール障害\r\n")


def _admin(app: Flask, make_user: MakeUser, login_as: LoginAs) -> Any:
    with unit_of_work() as session:
        session.add(Party(code="carrier", kind=PartyKind.CARRIER, name_ja="回線事業者", name_en="Carrier",
                          is_active=True, created_at=T0))
    return login_as(app.test_client(), make_user(Role.ADMIN))


def test_csv_import_export_round_trip_and_suggestion(
    app: Flask, base_data: dict[str, Any], make_user: MakeUser, make_ticket: MakeTicket, login_as: LoginAs
) -> None:
    client = _admin(app, make_user, login_as)
    token = csrf_token(client, "/admin/demarcation")

    imported = client.post("/admin/demarcation/import", data={
        "csrf_token": token, "file": (io.BytesIO(CSV.encode("cp932")), "責任分界表.csv")},
        content_type="multipart/form-data")
    exported = client.get("/admin/demarcation.csv")

    assert imported.status_code == 302
    assert exported.get_data(as_text=True) == "\ufeff" + CSV
    assert db.session.query(Demarcation).count() == 2
    fault = make_ticket(type=TicketType.FAULT)
    assert handoff_queries.suggest_party(fault).code == "carrier"
    inquiry = make_ticket(type=TicketType.INQUIRY)
    assert handoff_queries.suggest_party(inquiry).code == "operations"  # the desk itself is never suggested


def test_a_bad_file_changes_nothing_and_names_each_line(
    app: Flask, base_data: dict[str, Any], make_user: MakeUser, login_as: LoginAs
) -> None:
    client = _admin(app, make_user, login_as)
    token = csrf_token(client, "/admin/demarcation")
    client.post("/admin/demarcation/import",
                data={"csrf_token": token, "file": (io.BytesIO(CSV.encode()), "a.csv")},
                content_type="multipart/form-data")
    bad = CSV + "printer,fault,nobody,1,\r\nmail,outage,carrier,1,\r\nmail,fault,carrier,1,\r\n"

    response = client.post("/admin/demarcation/import", data={
        "csrf_token": token, "file": (io.BytesIO(bad.encode("utf-8-sig")), "b.csv")},
        content_type="multipart/form-data")

    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "line 4" in page and "line 5" in page and "line 6" in page and "どの行も取り込んでいません" in page
    assert db.session.query(Demarcation).count() == 2


def test_one_row_is_set_and_audited(
    app: Flask, base_data: dict[str, Any], make_user: MakeUser, login_as: LoginAs
) -> None:
    client = _admin(app, make_user, login_as)
    response = client.post("/admin/demarcation/row", data={
        "csrf_token": csrf_token(client, "/admin/demarcation"), "service": "mail", "ticket_type": "security",
        "party": "security", "first_line_allowed": ""})

    assert response.status_code == 302
    row = db.session.query(Demarcation).one()
    assert (row.party.code, row.first_line_allowed) == ("security", False)
    assert "security" in client.get("/admin/demarcation.csv").get_data(as_text=True)
