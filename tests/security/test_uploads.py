"""S4: hostile uploads through the portal and the API are refused or served as inert downloads.

Whatever is accepted must come back only as ``Content-Disposition: attachment`` with the
original name in ``filename*``, ``nosniff`` and a sandboxing CSP, never as a type a browser
would render (osTicket#3764, OTRS CVE-2005-3895, FreeScout CVE-2026-28289).
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from helpdesk.accounts import services as accounts
from helpdesk.accounts.models import Role, User
from helpdesk.core.db import db
from helpdesk.tickets.models import Attachment, Ticket
from tests import files
from tests.conftest import T0, LoginAs, MakeTicket, MakeUser, actor_of, csrf_token

#: A member of 16 MiB of zeros deflates to about 16 KiB: 1000:1, built in well under a second.
BOMB_MEMBER_BYTES = 16 * 1024 * 1024
NEVER_INLINE = ("text/html", "image/svg+xml", "application/xhtml+xml", "text/xml", "application/xml")


def zip_bomb() -> bytes:
    """A small zip whose single member expands a thousandfold."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("zeros.bin", b"\x00" * BOMB_MEMBER_BYTES)
    return buffer.getvalue()


@dataclass(frozen=True)
class Hostile:
    """One hostile file: the name it is sent under and its bytes."""

    name: str
    content: bytes


HOSTILE = [
    Hostile("evil.svg", b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)">'
                        b"<script>alert(document.cookie)</script></svg>"),
    Hostile("page.html", files.HTML),
    Hostile("\u200b.htaccess", b"AddType application/x-httpd-php .jpg\n"),
    Hostile("a.jpg.php", b"<?php system($_GET['c']); ?>\n"),
    Hostile("a\u202egnp.exe", files.EXE),
    Hostile("a\u202etxt.exe", b"harmless text behind a right-to-left override\n"),
    Hostile("photo.jpg", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
                         + files.HTML),
    Hostile("bomb.zip", zip_bomb()),
    Hostile("障害報告.pdf", files.PDF),
    Hostile("ログ①.txt", "ログの内容です。\n".encode()),
]


@pytest.fixture
def requester(make_user: MakeUser) -> User:
    return make_user()


@pytest.fixture
def ticket(make_ticket: MakeTicket, requester: User) -> Ticket:
    return make_ticket(requester=requester)


@pytest.fixture
def portal(app: Flask, requester: User, login_as: LoginAs) -> FlaskClient:
    return login_as(app.test_client(), requester)


@pytest.fixture
def api_key(make_user: MakeUser, requester: User) -> str:
    admin = make_user(Role.ADMIN)
    _row, key = accounts.create_api_key(actor=actor_of(admin), now=T0, name="uploads", user_id=requester.id)
    return key


def upload_through_portal(client: FlaskClient, ticket: Ticket, hostile: Hostile) -> int:
    page = client.get(f"/portal/tickets/{ticket.number}").get_data(as_text=True)
    seen = re.search(r'name="seen_up_to"[^>]*value="(\d*)"', page)
    data = {"csrf_token": csrf_token(client, f"/portal/tickets/{ticket.number}"), "body": "添付します",
            "seen_up_to": seen.group(1) if seen else "",
            "attachments": [(io.BytesIO(hostile.content), hostile.name)]}
    response = client.post(f"/portal/tickets/{ticket.number}/reply", data=data,
                           content_type="multipart/form-data")
    return response.status_code


def upload_through_api(client: FlaskClient, key: str, ticket: Ticket, hostile: Hostile) -> int:
    response = client.post(f"/api/v1/tickets/{ticket.number}/attachments",
                           headers={"Authorization": f"Bearer {key}"}, content_type="multipart/form-data",
                           data={"files": [(io.BytesIO(hostile.content), hostile.name)]})
    return response.status_code


def assert_inert_download(response: Any, stored: Attachment, content: bytes) -> None:
    """The answer is a download only: attachment, exact name, no sniffing, sandboxed, byte-exact."""
    body = response.data
    response.close()
    assert response.status_code == 200
    assert response.mimetype not in NEVER_INLINE, response.mimetype
    assert len(response.headers.getlist("Content-Disposition")) == 1
    disposition = response.headers["Content-Disposition"]
    assert disposition.split(";")[0] == "attachment", disposition
    match = re.search(r"filename\*=UTF-8''([^;\s]+)", disposition)
    assert match, disposition
    assert unquote(match.group(1), errors="strict").encode() == stored.filename.encode()
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    policy = response.headers["Content-Security-Policy"]
    assert "default-src 'none'" in policy and "sandbox" in policy
    assert body == content


def assert_random_storage_key(stored: Attachment, store_root: Path) -> None:
    key = stored.storage_key
    assert re.fullmatch(r"[0-9a-f]{40}", key), key
    assert key != stored.sha256[:40]
    lowered = stored.filename.lower()
    assert not any(part and part in key for part in re.split(r"[^0-9a-f]+", lowered) if len(part) >= 3)
    on_disk = [p.name for p in store_root.rglob("*") if p.is_file()]
    assert not any(stored.filename in name for name in on_disk)


def _rows() -> list[Attachment]:
    return list(db.session.scalars(select(Attachment).order_by(Attachment.id)))


@pytest.mark.parametrize("hostile", HOSTILE, ids=lambda h: h.name.encode("unicode_escape").decode())
def test_a_hostile_upload_is_refused_or_served_inert(
    app: Flask, portal: FlaskClient, api_key: str, ticket: Ticket, hostile: Hostile
) -> None:
    store_root = Path(app.config["ATTACHMENT_ROOT"])
    api = app.test_client()
    for door in ("portal", "api"):
        before = {row.id for row in _rows()}
        status = (upload_through_portal(portal, ticket, hostile) if door == "portal"
                  else upload_through_api(api, api_key, ticket, hostile))
        new = [row for row in _rows() if row.id not in before]
        if not new:
            assert status == 422, f"{door}: refused with {status}"
            continue
        assert status in (201, 302), f"{door}: {status}"
        (stored,) = new
        assert stored.content_type not in NEVER_INLINE
        assert "\u202e" not in stored.filename and "\u200b" not in stored.filename
        assert_random_storage_key(stored, store_root)
        # Stored as sent: an archive is never expanded, whatever it holds.
        assert stored.size == len(hostile.content)
        for response in (
            portal.get(f"/portal/tickets/{ticket.number}/attachments/{stored.id}"),
            api.get(f"/api/v1/tickets/{ticket.number}/attachments/{stored.id}",
                    headers={"Authorization": f"Bearer {api_key}"}),
        ):
            assert_inert_download(response, stored, hostile.content)


@pytest.mark.parametrize("name", ["障害報告.pdf", "ログ①.txt"])
def test_japanese_names_round_trip_byte_exact(
    portal: FlaskClient, ticket: Ticket, name: str
) -> None:
    hostile = next(h for h in HOSTILE if h.name == name)
    assert upload_through_portal(portal, ticket, hostile) == 302
    (stored,) = _rows()
    assert stored.filename.encode() == name.encode()
    response = portal.get(f"/portal/tickets/{ticket.number}/attachments/{stored.id}")
    response.close()
    assert f"filename*=UTF-8''{quote(name)}" in response.headers["Content-Disposition"]


def test_script_and_markup_types_are_refused(portal: FlaskClient, ticket: Ticket) -> None:
    for name in ("evil.svg", "page.html", "a.jpg.php", "a\u202egnp.exe"):
        hostile = next(h for h in HOSTILE if h.name == name)
        assert upload_through_portal(portal, ticket, hostile) == 422, name
    assert _rows() == []


def test_the_same_file_twice_gets_two_unrelated_keys(portal: FlaskClient, ticket: Ticket) -> None:
    hostile = next(h for h in HOSTILE if h.name == "ログ①.txt")
    upload_through_portal(portal, ticket, hostile)
    upload_through_portal(portal, ticket, hostile)
    first, second = _rows()
    assert first.sha256 == second.sha256 and first.storage_key != second.storage_key


def _answer(client: FlaskClient, path: str, headers: dict[str, str] | None = None) -> tuple[int, str]:
    """Status and body, with the echoed request path (the language switch's ``next``) blanked."""
    response = client.get(path, headers=headers)
    body = response.get_data(as_text=True).replace(path, "PATH")
    response.close()
    return response.status_code, body


def test_another_users_file_and_a_missing_file_get_the_same_404(
    app: Flask, portal: FlaskClient, api_key: str, ticket: Ticket, make_user: MakeUser,
    make_ticket: MakeTicket, login_as: LoginAs,
) -> None:
    other_user = make_user()
    other_ticket = make_ticket(requester=other_user)
    other_client = login_as(app.test_client(), other_user)
    assert upload_through_portal(other_client, other_ticket, HOSTILE[-1]) == 302
    (theirs,) = _rows()
    missing = theirs.id + 1000
    bearer = {"Authorization": f"Bearer {api_key}"}
    api = app.test_client()

    mine = f"/tickets/{ticket.number}/attachments"
    portal_answers = {_answer(portal, f"/portal{mine}/{theirs.id}"),
                      _answer(portal, f"/portal{mine}/{missing}")}
    api_answers = {_answer(api, f"/api/v1{mine}/{theirs.id}", bearer),
                   _answer(api, f"/api/v1{mine}/{missing}", bearer)}
    assert len(portal_answers) == 1 and next(iter(portal_answers))[0] == 404
    assert len(api_answers) == 1 and next(iter(api_answers))[0] == 404
    # Through the other user's ticket number: refused at the ticket, with the same status.
    theirs_path = f"/tickets/{other_ticket.number}/attachments/{theirs.id}"
    assert _answer(portal, f"/portal{theirs_path}")[0] == 404
    assert _answer(api, f"/api/v1{theirs_path}", bearer)[0] == 404
