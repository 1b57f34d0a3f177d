"""The vendor queue: what a receiving party sees of a handoff, and nothing more."""

from __future__ import annotations

import io
from typing import Any

import pytest
from flask import Flask

from helpdesk.accounts.models import Party, PartyKind, Role
from helpdesk.core.db import db, unit_of_work
from helpdesk.core.storage import FileStore
from helpdesk.handoff import services as handoffs
from helpdesk.handoff.models import Handoff, HandoffState
from helpdesk.responsibility.services import find_open_segment
from helpdesk.tickets import services as tickets
from helpdesk.tickets.attachments import AttachmentLimits, Upload
from helpdesk.tickets.states import MessageKind
from tests import files
from tests.conftest import T0, LoginAs, MakeTicket, MakeUser, actor_of, csrf_token


@pytest.fixture
def handed(
    app: Flask, base_data: dict[str, Any], make_user: MakeUser, make_ticket: MakeTicket
) -> dict[str, Any]:
    """A ticket escalated to operations with one note and one file shared and one note kept back."""
    with unit_of_work() as session:
        session.add(Party(code="carrier", kind=PartyKind.CARRIER, name_ja="回線事業者", name_en="Carrier",
                          is_active=True, created_at=T0))
    requester = make_user(Role.REQUESTER, family_name="佐藤", given_name="美咲")
    agent = actor_of(make_user(Role.AGENT))
    ticket = make_ticket(requester=requester, subject="共有フォルダに接続できない")
    limits = AttachmentLimits(FileStore(app.config["ATTACHMENT_ROOT"]), 1024 * 1024, 5)
    note = MessageKind.INTERNAL_NOTE
    shared = tickets.add_message(ticket.id, note, "FS-02 のイベントログを添付", actor=agent, now=T0,
                                 uploads=[Upload("ログ①.pdf", io.BytesIO(files.PDF))], limits=limits)
    kept = tickets.add_message(ticket.id, note, "社外秘: 担当者の所感", actor=agent, now=T0)
    handoff = handoffs.request_handoff(ticket.id, handoffs.HandoffRequest(
        to_party_id=base_data["parties"]["operations"].id, idempotency_key="k1",
        symptom="接続エラー 0x80070035",
        impact="総務課 12名", steps_taken="端末再起動", requester_contact="内線 2314",
        shared_message_ids=[shared.id]), actor=agent, now=T0)
    return {"ticket": ticket, "handoff": handoff, "shared": shared, "kept": kept, "requester": requester,
            "vendor": make_user(Role.VENDOR), "carrier": make_user(Role.VENDOR, party="carrier")}


def test_vendor_sees_only_what_was_shared(app: Flask, handed: dict[str, Any], login_as: LoginAs) -> None:
    client = login_as(app.test_client(), handed["vendor"])

    queue = client.get("/vendor/").get_data(as_text=True)
    page = client.get(f"/vendor/handoffs/{handed['handoff'].id}").get_data(as_text=True)

    assert handed["ticket"].number in queue and "受領待ちの引き継ぎ" in queue
    assert "接続エラー 0x80070035" in page and "FS-02 のイベントログを添付" in page and "ログ①.pdf" in page
    assert "社外秘" not in page and "佐藤" not in page  # unshared note, requester's name
    file_id = handed["shared"].attachments[0].id
    download = client.get(f"/vendor/tickets/{handed['ticket'].number}/attachments/{file_id}")
    download.close()
    assert download.status_code == 200


def test_another_party_learns_nothing(app: Flask, handed: dict[str, Any], login_as: LoginAs) -> None:
    client = login_as(app.test_client(), handed["carrier"])
    number = handed["ticket"].number

    assert client.get(f"/vendor/handoffs/{handed['handoff'].id}").status_code == 404
    assert client.get(f"/vendor/tickets/{number}").status_code == 404
    token = csrf_token(client, "/vendor/")
    assert client.post(f"/vendor/handoffs/{handed['handoff'].id}/accept",
                       data={"csrf_token": token}).status_code == 404
    assert number not in client.get("/vendor/").get_data(as_text=True)


def test_accept_then_hand_back(app: Flask, handed: dict[str, Any], login_as: LoginAs) -> None:
    client = login_as(app.test_client(), handed["vendor"])
    ticket, handoff = handed["ticket"], handed["handoff"]

    accepted = client.post(f"/vendor/handoffs/{handoff.id}/accept", data={
        "csrf_token": csrf_token(client, f"/vendor/handoffs/{handoff.id}"), "receiver_reference": "OPS-5521"})
    assert accepted.status_code == 302
    assert find_open_segment(ticket.id).party.code == "operations"
    page = client.get(f"/vendor/tickets/{ticket.number}").get_data(as_text=True)
    assert "ヘルプデスクへ返却する" in page and "対応責任の推移" in page

    token = csrf_token(client, f"/vendor/tickets/{ticket.number}")
    refused = client.post(f"/vendor/tickets/{ticket.number}/handback",
                          data={"csrf_token": token, "idempotency_key": "b1", "cause": "", "action": ""})
    assert refused.status_code == 422 and "原因を入力してください。" in refused.get_data(as_text=True)
    back = client.post(f"/vendor/tickets/{ticket.number}/handback", data={
        "csrf_token": token, "idempotency_key": "b1", "cause": "ディスク満杯", "action": "不要ファイル削除",
        "restored_at": "2026-11-27T10:40"})
    again = client.post(f"/vendor/tickets/{ticket.number}/handback", data={
        "csrf_token": token, "idempotency_key": "b1", "cause": "ディスク満杯", "action": "不要ファイル削除"})
    assert (back.status_code, again.status_code) == (302, 302)
    handback = db.session.query(Handoff).filter_by(kind="handback").one()  # a double submit is one
    assert handback.state is HandoffState.REQUESTED
    assert handback.handback_restored_at.isoformat() == "2026-11-27T01:40:00+00:00"  # 10:40 in Tokyo


def test_reject_needs_what_the_reason_needs(app: Flask, handed: dict[str, Any], login_as: LoginAs) -> None:
    client = login_as(app.test_client(), handed["vendor"])
    handoff = handed["handoff"]
    token = csrf_token(client, f"/vendor/handoffs/{handoff.id}")

    missing = client.post(f"/vendor/handoffs/{handoff.id}/reject",
                          data={"csrf_token": token, "reason": "out_of_scope", "text": "回線の問題"})
    carrier = db.session.query(Party).filter_by(code="carrier").one()
    done = client.post(f"/vendor/handoffs/{handoff.id}/reject", data={
        "csrf_token": token, "reason": "out_of_scope", "text": "回線の問題",
        "suggested_party": str(carrier.id)})

    assert missing.status_code == 422
    assert "対応すべき事業者を選んでください。" in missing.get_data(as_text=True)
    assert done.status_code == 302
    db.session.expire_all()
    assert db.session.get(Handoff, handoff.id).state is HandoffState.REJECTED
    assert find_open_segment(handed["ticket"].id).party.code == "helpdesk"


def test_party_notes_cross_the_boundary_and_never_reach_the_requester(
    app: Flask, handed: dict[str, Any], login_as: LoginAs, make_user: MakeUser
) -> None:
    ticket, handoff = handed["ticket"], handed["handoff"]
    vendor = login_as(app.test_client(), handed["vendor"])
    handoffs.accept_handoff(handoff.id, actor=actor_of(handed["vendor"]), now=T0)
    token = csrf_token(vendor, f"/vendor/tickets/{ticket.number}")

    sent = vendor.post(f"/vendor/tickets/{ticket.number}/notes", data={
        "csrf_token": token, "body": "FS-02 を再起動します。10分ほど停止します。",
        "attachments": [(io.BytesIO(files.PDF), "作業手順①.pdf")]}, content_type="multipart/form-data")
    assert sent.status_code == 302

    desk = login_as(app.test_client(), make_user(Role.AGENT))
    workspace = desk.get(f"/console/tickets/{ticket.number}").get_data(as_text=True)
    assert "FS-02 を再起動します。" in workspace and "事業者間連絡" in workspace
    assert "作業手順①.pdf" in workspace
    reply = desk.post(f"/console/tickets/{ticket.number}/party-notes", data={
        "csrf_token": csrf_token(desk, f"/console/tickets/{ticket.number}"), "body": "了解しました。"})
    assert reply.status_code == 302
    assert "了解しました。" in vendor.get(f"/vendor/tickets/{ticket.number}").get_data(as_text=True)

    staff = login_as(app.test_client(), handed["requester"])
    portal = staff.get(f"/portal/tickets/{ticket.number}").get_data(as_text=True)
    assert "FS-02 を再起動" not in portal and "了解しました。" not in portal and "作業手順" not in portal
    carrier = login_as(app.test_client(), handed["carrier"])
    assert carrier.post(f"/vendor/tickets/{ticket.number}/notes", data={
        "csrf_token": csrf_token(carrier, "/vendor/"), "body": "x"}).status_code == 404


def test_a_refused_answer_is_announced_at_the_top(
    app: Flask, handed: dict[str, Any], login_as: LoginAs
) -> None:
    client = login_as(app.test_client(), handed["vendor"])
    path = f"/vendor/handoffs/{handed['handoff'].id}"
    page = client.post(f"{path}/reject",
                       data={"csrf_token": csrf_token(client, path), "reason": "out_of_scope"})

    html = page.get_data(as_text=True)
    assert page.status_code == 422
    assert html.index('class="error-summary"') < html.index("引き継ぎ内容")  # before the summary, not below


def test_a_vendor_downloads_the_tickets_its_party_holds_and_no_others(
    app: Flask, handed: dict[str, Any], make_ticket: MakeTicket, login_as: LoginAs
) -> None:
    handoffs.accept_handoff(handed["handoff"].id, actor=actor_of(handed["vendor"]), now=T0)
    make_ticket(subject="ヘルプデスクが対応中のチケット")  # held by the help desk: not the vendor's
    client = login_as(app.test_client(), handed["vendor"])
    assert "/vendor/tickets.csv" in client.get("/vendor/").get_data(as_text=True)
    response = client.get("/vendor/tickets.csv")
    assert response.status_code == 200 and response.data.startswith(b"\xef\xbb\xbf")
    rows = [line.split(",") for line in response.data.decode("utf-8-sig").split("\r\n") if line]
    assert rows == [["番号", "件名", "種別", "状態", "優先度", "サービス", "拠点", "受付日時", "更新日時"],
                    [handed["ticket"].number, "共有フォルダに接続できない", "障害", "対応中", "P4", "メール",
                     "本省", "2026-11-27 10:00", "2026-11-27 10:00"]]
    assert "佐藤" not in response.data.decode("utf-8-sig")  # no requester column for the vendor
    # The carrier holds nothing: its download is the header alone.
    other = login_as(app.test_client(), handed["carrier"]).get("/vendor/tickets.csv")
    assert other.data.decode("utf-8-sig").split("\r\n")[1:] == [""]
