"""Staff file a ticket in the portal and see it under My tickets."""

from __future__ import annotations

import re
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from helpdesk.tickets.models import Ticket
from tests.conftest import LoginAs, MakeUser, csrf_token


def _form(client: FlaskClient, **overrides: str) -> dict[str, str]:
    html = client.get("/portal/tickets/new").get_data(as_text=True)
    token = re.search(r'name="idempotency_token"[^>]*value="([^"]+)"', html)
    data = {
        "csrf_token": csrf_token(client, "/portal/tickets/new"),
        "idempotency_token": token.group(1) if token else "",
        "type": "fault",
        "service": "mail",
        "impact": "person",
        "urgency": "high",
        "subject": "メールが送信できません",
        "description": "今朝9時頃から、送信すると「0x800CCC0F」と表示されます。",
    }
    data.update(overrides)
    return data


def test_requester_files_a_ticket_and_gets_its_number(
    app: Flask, make_user: MakeUser, login_as: LoginAs, db: Any
) -> None:
    client = login_as(app.test_client(), make_user())
    response = client.post("/portal/tickets/new", data=_form(client), follow_redirects=True)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "受け付けました。受付番号は HD-" in html
    ticket = db.session.scalars(select(Ticket)).one()
    assert ticket.number in client.get("/portal/").get_data(as_text=True)
    assert ticket.service.code == "mail"


def test_double_submission_opens_one_ticket(
    app: Flask, make_user: MakeUser, login_as: LoginAs, db: Any
) -> None:
    client = login_as(app.test_client(), make_user())
    data = _form(client)
    first = client.post("/portal/tickets/new", data=data)
    second = client.post("/portal/tickets/new", data=data)
    assert first.headers["Location"] == second.headers["Location"]
    assert len(db.session.scalars(select(Ticket)).all()) == 1


def test_missing_subject_keeps_the_form_and_says_why_in_japanese(
    app: Flask, make_user: MakeUser, login_as: LoginAs, db: Any
) -> None:
    client = login_as(app.test_client(), make_user())
    response = client.post("/portal/tickets/new", data=_form(client, subject=""))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "件名を入力してください。" in html
    assert 'aria-invalid="true"' in html
    assert "0x800CCC0F" in html  # what was typed is kept
    assert db.session.scalars(select(Ticket)).all() == []


def test_unknown_service_is_refused(app: Flask, make_user: MakeUser, login_as: LoginAs, db: Any) -> None:
    client = login_as(app.test_client(), make_user())
    response = client.post("/portal/tickets/new", data=_form(client, service="teleporter"))
    assert response.status_code == 422
    assert db.session.scalars(select(Ticket)).all() == []


def test_english_user_sees_english_errors(
    app: Flask, make_user: MakeUser, login_as: LoginAs, db: Any
) -> None:
    client = login_as(app.test_client(), make_user(locale="en"))
    response = client.post("/portal/tickets/new", data=_form(client, subject=""))
    html = response.get_data(as_text=True)
    assert '<html lang="en">' in html
    assert "件名を入力してください。" not in html


def test_attachment_is_uploaded_with_the_ticket_and_downloaded_safely(
    app: Flask, make_user: MakeUser, login_as: LoginAs, db: Any
) -> None:
    import io

    from helpdesk.tickets.models import Attachment
    from tests import files

    client = login_as(app.test_client(), make_user())
    data: dict[str, Any] = dict(_form(client))
    content = files.ooxml("docx")  # built once: a zip made a second later has other timestamps
    data["attachments"] = [(io.BytesIO(content), "障害報告①.docx")]
    response = client.post("/portal/tickets/new", data=data, content_type="multipart/form-data")
    assert response.status_code == 302
    ticket = db.session.scalars(select(Ticket)).one()
    attachment = db.session.scalars(select(Attachment)).one()
    page = client.get(f"/portal/tickets/{ticket.number}").get_data(as_text=True)
    assert "障害報告①.docx" in page
    download = client.get(f"/portal/tickets/{ticket.number}/attachments/{attachment.id}")
    body = download.data
    download.close()  # the file handle is closed even when an assertion below fails
    assert download.status_code == 200
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert (
        "filename*=UTF-8''%E9%9A%9C%E5%AE%B3%E5%A0%B1%E5%91%8A%E2%91%A0.docx"
        in download.headers["Content-Disposition"]
    )
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in download.headers["Content-Security-Policy"]
    assert body == content


def test_a_refused_file_keeps_the_rest_of_the_form(
    app: Flask, make_user: MakeUser, login_as: LoginAs, db: Any
) -> None:
    import io

    from tests import files

    client = login_as(app.test_client(), make_user())
    data: dict[str, Any] = dict(_form(client))
    data["attachments"] = [(io.BytesIO(files.EXE), "見積書.pdf")]
    response = client.post("/portal/tickets/new", data=data, content_type="multipart/form-data")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "「見積書.pdf」は添付できない種類のファイルです" in html
    assert "0x800CCC0F" in html
    assert db.session.scalars(select(Ticket)).all() == []


def test_light_markdown_is_shown_formatted_and_html_is_inert(
    app: Flask, make_user: MakeUser, make_ticket: Any, login_as: LoginAs
) -> None:
    from helpdesk.accounts.models import Role

    requester = make_user()
    text = "手順:\n- **再起動**\n\n<img src=x onerror=alert(1)>[x](javascript:alert(1))"
    ticket = make_ticket(requester=requester, description=text)
    staff = login_as(app.test_client(), requester).get(f"/portal/tickets/{ticket.number}")
    desk = login_as(app.test_client(), make_user(Role.AGENT)).get(f"/console/tickets/{ticket.number}")

    for html in (staff.get_data(as_text=True), desk.get_data(as_text=True)):
        assert "<li><strong>再起動</strong></li>" in html
        assert "<img src=x" not in html and 'href="javascript' not in html
        assert "&lt;img src=x onerror=alert(1)&gt;" in html
