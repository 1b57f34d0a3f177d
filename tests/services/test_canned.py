"""Canned responses: supervisors write them, placeholders fill safely, agents insert them."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from helpdesk.accounts.models import Role
from helpdesk.core.errors import PermissionDenied, ValidationFailed
from helpdesk.tickets import canned
from tests.conftest import T0, LoginAs, MakeTicket, MakeUser, actor_of, csrf_token

BODY = "{requester_name} 様\n{ticket_number}「{subject}」について、{agent_name}がご案内します。"


def test_placeholders_are_filled_for_the_ticket(make_user: MakeUser, make_ticket: MakeTicket) -> None:
    supervisor = make_user(Role.SUPERVISOR)
    agent = make_user(Role.AGENT, family_name="石川", given_name="真由美")
    requester = make_user(family_name="佐藤", given_name="美咲")
    ticket = make_ticket(requester=requester, subject="VPNに接続できない")
    response = canned.save_response("受付のご連絡", BODY, actor=actor_of(supervisor), now=T0)
    text = canned.render(response.id, ticket, agent)
    assert text == f"佐藤 美咲 様\n{ticket.number}「VPNに接続できない」について、石川 真由美がご案内します。"


def test_unknown_or_attribute_placeholders_are_refused(make_user: MakeUser) -> None:
    supervisor = actor_of(make_user(Role.SUPERVISOR))
    for body in ("{requester_name.__class__}", "{password}", "{0}"):
        with pytest.raises(ValidationFailed):
            canned.save_response("危険", body, actor=supervisor, now=T0)


def test_only_supervisors_write_them(make_user: MakeUser) -> None:
    with pytest.raises(PermissionDenied):
        canned.save_response("題名", "本文", actor=actor_of(make_user(Role.AGENT)), now=T0)


def test_titles_are_unique_and_editing_keeps_the_row(make_user: MakeUser) -> None:
    supervisor = actor_of(make_user(Role.SUPERVISOR))
    first = canned.save_response("再起動のお願い", "再起動してください。", actor=supervisor, now=T0)
    canned.save_response("パスワード", "再設定します。", actor=supervisor, now=T0)
    edited = canned.save_response(
        "再起動のお願い", "PCを再起動してください。", actor=supervisor, now=T0, response_id=first.id
    )
    assert edited.id == first.id
    with pytest.raises(ValidationFailed):
        canned.save_response("パスワード", "重複", actor=supervisor, now=T0, response_id=first.id)


def test_agent_inserts_a_canned_response_into_the_reply(
    app: Flask, make_user: MakeUser, make_ticket: MakeTicket, login_as: LoginAs, db: Any
) -> None:
    supervisor = make_user(Role.SUPERVISOR)
    boss = login_as(app.test_client(), supervisor)
    saved = boss.post(
        "/console/canned",
        data={"csrf_token": csrf_token(boss, "/console/canned"), "title": "受付のご連絡", "body": BODY},
    )
    assert saved.status_code == 302
    ticket = make_ticket(subject="印刷できない")
    desk = login_as(app.test_client(), make_user(Role.AGENT))
    response_id = canned.list_responses()[0].id
    page = desk.get(f"/console/tickets/{ticket.number}?canned={response_id}").get_data(as_text=True)
    assert f"{ticket.number}「印刷できない」について" in page
