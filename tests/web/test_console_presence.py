"""Presence over HTTP: the heartbeat's JSON answer, who may send it, and the first render."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient

from helpdesk.accounts.models import Role
from helpdesk.core.time import utcnow
from helpdesk.tickets import presence
from helpdesk.tickets.states import TicketType
from tests.conftest import LoginAs, MakeTicket, MakeUser, actor_of, csrf_token


def _token(client: FlaskClient, number: str) -> str:
    html = client.get(f"/console/tickets/{number}").get_data(as_text=True)
    match = re.search(r'data-csrf="([^"]+)"', html)
    assert match, "the workspace carries the token its script sends"
    return match.group(1)


def _beat(client: FlaskClient, number: str, token: str, **body: object) -> tuple[int, dict[str, object]]:
    response = client.post(f"/console/tickets/{number}/presence", json=body,
                           headers={"X-CSRFToken": token, "Accept": "application/json"})
    return response.status_code, response.get_json()


def test_heartbeat_answers_the_other_agents_and_whether_they_type(
    app: Flask, make_user: MakeUser, make_ticket: MakeTicket, login_as: LoginAs
) -> None:
    ticket = make_ticket()
    ishikawa = login_as(app.test_client(), make_user(Role.AGENT, family_name="石川", given_name="真由美"))
    tsutsumi = login_as(app.test_client(), make_user(Role.SUPERVISOR, family_name="堤", given_name="康弘"))
    first = _beat(ishikawa, ticket.number, _token(ishikawa, ticket.number), typing=True)
    assert first == (200, {"others": []})
    status, body = _beat(tsutsumi, ticket.number, _token(tsutsumi, ticket.number), typing=False)
    assert (status, body) == (200, {"others": [{"name": "石川 真由美", "typing": True}]})


def test_heartbeat_takes_a_form_body_too(
    app: Flask, make_user: MakeUser, make_ticket: MakeTicket, login_as: LoginAs
) -> None:
    ticket, watcher = make_ticket(), make_user(Role.AGENT)
    client = login_as(app.test_client(), make_user(Role.AGENT, family_name="石川", given_name="真由美"))
    response = client.post(f"/console/tickets/{ticket.number}/presence", data={"typing": "1"},
                           headers={"X-CSRFToken": _token(client, ticket.number)})
    assert response.status_code == 200
    [viewer] = presence.list_viewers(ticket.id, now=utcnow(), exclude_user_id=watcher.id)
    assert viewer.is_typing


def test_a_body_that_is_not_an_object_means_not_typing(
    app: Flask, make_user: MakeUser, make_ticket: MakeTicket, login_as: LoginAs
) -> None:
    ticket, watcher = make_ticket(), make_user(Role.AGENT)
    client = login_as(app.test_client(), make_user(Role.AGENT))
    response = client.post(f"/console/tickets/{ticket.number}/presence", json=["typing"],
                           headers={"X-CSRFToken": _token(client, ticket.number)})
    assert response.status_code == 200
    [viewer] = presence.list_viewers(ticket.id, now=utcnow(), exclude_user_id=watcher.id)
    assert not viewer.is_typing


def test_heartbeat_without_the_csrf_header_is_refused_as_json(
    app: Flask, make_user: MakeUser, make_ticket: MakeTicket, login_as: LoginAs
) -> None:
    ticket = make_ticket()
    client = login_as(app.test_client(), make_user(Role.AGENT))
    response = client.post(f"/console/tickets/{ticket.number}/presence", json={"typing": True},
                           headers={"Accept": "application/json"})
    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"
    assert presence.list_viewers(ticket.id, now=utcnow(), exclude_user_id=None) == []


def test_confidential_ticket_is_404_for_an_uncleared_agent(
    app: Flask, make_user: MakeUser, make_ticket: MakeTicket, login_as: LoginAs
) -> None:
    ticket = make_ticket(type=TicketType.SECURITY, subject="不審メールの添付を開いてしまった")
    agent = login_as(app.test_client(), make_user(Role.AGENT))
    status, body = _beat(agent, ticket.number, csrf_token(agent, "/console/"))
    assert status == 404
    assert "不審メール" not in str(body)
    security = login_as(app.test_client(), make_user(Role.SECURITY))
    assert _beat(security, ticket.number, _token(security, ticket.number))[0] == 200


def test_unknown_ticket_is_404(app: Flask, make_user: MakeUser, login_as: LoginAs) -> None:
    client = login_as(app.test_client(), make_user(Role.AGENT))
    assert _beat(client, "HD-2026-999999", csrf_token(client, "/console/"))[0] == 404


def test_workspace_shows_current_viewers_without_javascript(
    app: Flask, make_user: MakeUser, make_ticket: MakeTicket, login_as: LoginAs
) -> None:
    ticket = make_ticket()
    typist = make_user(Role.AGENT, family_name="石川", given_name="真由美")
    presence.record_heartbeat(ticket.id, is_typing=True, actor=actor_of(typist), now=utcnow())
    client = login_as(app.test_client(), make_user(Role.AGENT))
    html = client.get(f"/console/tickets/{ticket.number}").get_data(as_text=True)
    assert 'aria-live="polite"' in html
    assert "石川 真由美さんが入力中" in html
    assert "js/presence.js" in html
