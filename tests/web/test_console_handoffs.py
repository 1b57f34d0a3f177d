"""The console side of handoffs: escalate with a pre-filled summary, withdraw, take a handback back."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from helpdesk.accounts.models import Party, Role
from helpdesk.core.db import db, unit_of_work
from helpdesk.handoff import services as handoffs
from helpdesk.handoff.models import Handoff, HandoffKind, HandoffState
from helpdesk.responsibility.services import find_open_segment
from helpdesk.tickets import services as tickets
from helpdesk.tickets.states import MessageKind
from tests.conftest import T0, LoginAs, MakeTicket, MakeUser, actor_of, csrf_token


@pytest.fixture
def scene(app: Flask, make_user: MakeUser, make_ticket: MakeTicket, login_as: LoginAs) -> dict[str, Any]:
    with unit_of_work() as session:
        session.scalar(select(Party).where(Party.code == "operations")).name_ja = "LAN運用保守事業者"
    requester = make_user(Role.REQUESTER, family_name="佐藤", given_name="美咲")
    agent = make_user(Role.AGENT)
    ticket = make_ticket(requester=requester, subject="共有フォルダに接続できない")
    note = tickets.add_message(ticket.id, MessageKind.INTERNAL_NOTE, "FS-02 を確認", actor=actor_of(agent),
                               now=T0)
    return {"ticket": ticket, "note": note, "agent": agent, "vendor": make_user(Role.VENDOR),
            "client": login_as(app.test_client(), agent)}


def test_escalation_form_is_prefilled_and_sends_only_what_is_ticked(scene: dict[str, Any]) -> None:
    client, ticket = scene["client"], scene["ticket"]
    page = client.get(f"/console/tickets/{ticket.number}").get_data(as_text=True)

    assert "他の事業者へ引き継ぐ" in page and "佐藤 美咲" in page  # requester contact pre-filled
    operations = re.search(r'<option selected value="(\d+)">LAN運用保守事業者</option>', page)
    assert operations, "the operations vendor is suggested"
    key = re.search(r'name="idempotency_key" type="hidden" value="([0-9a-f]+)"', page).group(1)
    data = {"csrf_token": csrf_token(client, f"/console/tickets/{ticket.number}"), "idempotency_key": key,
            "to_party": operations.group(1), "symptom": "接続エラー", "impact": "", "steps_taken": "",
            "requester_contact": "内線 2314", "shared_messages": [str(scene["note"].id)]}

    first = client.post(f"/console/tickets/{ticket.number}/handoffs", data=data)
    again = client.post(f"/console/tickets/{ticket.number}/handoffs", data=data)  # a double click

    assert (first.status_code, again.status_code) == (302, 302)
    handoff = db.session.query(Handoff).one()
    assert [s.message_id for s in handoff.shares] == [scene["note"].id]
    assert find_open_segment(ticket.id).party.code == "helpdesk"
    after = client.get(f"/console/tickets/{ticket.number}").get_data(as_text=True)
    assert "引き継ぎ依頼を取り下げる" in after and "受領待ち" in after and "対応責任の推移" in after
    assert "LAN運用保守事業者 に引き継ぎを依頼しました" in after  # the party's name, not its code


def test_missing_symptom_is_explained(scene: dict[str, Any]) -> None:
    client, ticket = scene["client"], scene["ticket"]
    response = client.post(f"/console/tickets/{ticket.number}/handoffs", data={
        "csrf_token": csrf_token(client, f"/console/tickets/{ticket.number}"), "idempotency_key": "k",
        "to_party": "2", "symptom": ""})

    assert response.status_code == 422 and "症状を入力してください。" in response.get_data(as_text=True)
    assert db.session.query(Handoff).count() == 0


def test_withdraw_and_take_a_handback_back(scene: dict[str, Any], base_data: dict[str, Any]) -> None:
    client, ticket = scene["client"], scene["ticket"]
    agent, vendor = actor_of(scene["agent"]), actor_of(scene["vendor"])
    operations = base_data["parties"]["operations"].id
    first = handoffs.request_handoff(ticket.id, handoffs.HandoffRequest(operations, "k1", "症状"),
                                     actor=agent, now=T0)
    token = csrf_token(client, f"/console/tickets/{ticket.number}")
    withdrawn = client.post(f"/console/handoffs/{first.id}/withdraw", data={"csrf_token": token})
    assert withdrawn.status_code == 302
    db.session.expire_all()
    assert db.session.get(Handoff, first.id).state is HandoffState.WITHDRAWN

    second = handoffs.request_handoff(ticket.id, handoffs.HandoffRequest(operations, "k2", "症状"),
                                      actor=agent, now=T0)
    handoffs.accept_handoff(second.id, actor=vendor, now=T0)
    back = handoffs.hand_back(ticket.id, handoffs.Handback("b1", cause="ディスク満杯", action="削除"),
                              actor=vendor, now=T0)
    page = client.get(f"/console/tickets/{ticket.number}").get_data(as_text=True)
    assert "返却を受領する" in page and "ディスク満杯" in page

    assert client.post(f"/console/handoffs/{back.id}/accept", data={"csrf_token": token}).status_code == 302
    assert back.kind is HandoffKind.HANDBACK
    assert find_open_segment(ticket.id).party.code == "helpdesk"
