"""Linking related tickets and merging a duplicate of the same requester."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from helpdesk.accounts.models import Role
from helpdesk.core.errors import InvalidTransition, ValidationFailed
from helpdesk.tickets import queries, relations
from helpdesk.tickets import services as tickets
from helpdesk.tickets.search import search_tickets
from helpdesk.tickets.states import MessageKind, ResolutionCode, TicketStatus
from tests.conftest import T0, LoginAs, MakeTicket, MakeUser, actor_of, csrf_token


def test_links_are_symmetric_and_idempotent(make_ticket: MakeTicket, make_user: MakeUser) -> None:
    agent = actor_of(make_user(Role.AGENT))
    a, b = make_ticket(), make_ticket()
    assert relations.link(b.id, a.id, actor=agent, now=T0) is True
    assert relations.link(a.id, b.id, actor=agent, now=T0) is False
    assert [t.id for t in relations.list_related(a.id)] == [b.id]
    assert [t.id for t in relations.list_related(b.id)] == [a.id]
    with pytest.raises(ValidationFailed):
        relations.link(a.id, a.id, actor=agent, now=T0)


def test_merge_moves_the_conversation_and_closes_the_duplicate(
    make_ticket: MakeTicket, make_user: MakeUser
) -> None:
    requester, agent = make_user(), actor_of(make_user(Role.AGENT))
    original = make_ticket(requester=requester, subject="VPNに接続できない")
    duplicate = make_ticket(requester=requester, subject="VPNがつながりません（再送）")
    tickets.add_message(
        duplicate.id,
        MessageKind.PUBLIC_REPLY,
        "証明書エラーの画面を添付します",
        actor=actor_of(requester),
        now=T0,
    )
    target = relations.merge(duplicate.id, original.id, actor=agent, now=T0)
    assert target.id == original.id
    bodies = [e.message.body for e in queries.timeline(original.id, include_internal=True) if e.message]
    assert "証明書エラーの画面を添付します" in bodies
    merged = queries.get_ticket(duplicate.id)
    assert merged.status is TicketStatus.CLOSED
    assert merged.resolution_code is ResolutionCode.DUPLICATE
    assert merged.merged_into_id == original.id
    assert original.number in merged.resolution_summary  # what the requester reads
    assert [t.number for t in search_tickets(agent, "証明書エラー").items] == [original.number]


def test_merge_refuses_other_requesters_and_closed_targets(
    make_ticket: MakeTicket, make_user: MakeUser
) -> None:
    agent = actor_of(make_user(Role.AGENT))
    mine, theirs = make_ticket(), make_ticket()
    with pytest.raises(ValidationFailed):
        relations.merge(mine.id, theirs.id, actor=agent, now=T0)
    requester = make_user()
    first, second = make_ticket(requester=requester), make_ticket(requester=requester)
    tickets.resolve(first.id, ResolutionCode.ANSWERED, "案内済み", actor=agent, now=T0)
    tickets.confirm_resolution(first.id, actor=actor_of(requester), now=T0)
    with pytest.raises(InvalidTransition):
        relations.merge(second.id, first.id, actor=agent, now=T0)


def test_merge_from_the_workspace_and_the_requester_is_pointed_on(
    app: Flask, make_user: MakeUser, make_ticket: MakeTicket, login_as: LoginAs, db: Any
) -> None:
    requester = make_user()
    original, duplicate = make_ticket(requester=requester), make_ticket(requester=requester)
    desk = login_as(app.test_client(), make_user(Role.AGENT))
    response = desk.post(
        f"/console/tickets/{duplicate.number}/relations",
        data={"csrf_token": csrf_token(desk, "/console/"), "other": original.number, "action": "merge"},
    )
    assert response.headers["Location"].endswith(f"/console/tickets/{original.number}")
    staff = login_as(app.test_client(), requester)
    page = staff.get(f"/portal/tickets/{duplicate.number}").get_data(as_text=True)
    assert f"このお問い合わせは {original.number} と同じ内容のため、そちらで対応します。" in page
