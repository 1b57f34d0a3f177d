"""Security incidents: offered to the security team at once; others see a stub or break the glass."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Flask

from helpdesk.accounts.models import Role
from helpdesk.audit.models import AuditEvent
from helpdesk.core.db import db, unit_of_work
from helpdesk.handoff.models import Handoff, HandoffState
from helpdesk.sla.models import Metric, PartyTarget
from helpdesk.tickets import services as tickets
from helpdesk.tickets.states import Priority, TicketType
from tests.conftest import T0, LoginAs, MakeTicket, MakeUser, actor_of, csrf_token

SECRET = "不審な添付ファイルを開いてしまいました"


def _p1_target(base_data: dict[str, Any]) -> None:
    with unit_of_work() as session:
        session.add(PartyTarget(party_id=base_data["parties"]["security"].id, priority=Priority.P1,
                                metric=Metric.ACKNOWLEDGE, minutes=15))


def test_a_security_incident_is_offered_to_the_security_team_at_once(
    base_data: dict[str, Any], make_ticket: MakeTicket
) -> None:
    _p1_target(base_data)
    ticket = make_ticket(type=TicketType.SECURITY, subject=SECRET)

    handoff = db.session.query(Handoff).filter_by(ticket_id=ticket.id).one()
    assert (ticket.is_confidential, ticket.priority) == (True, Priority.P1)
    assert handoff.to_party.code == "security" and handoff.state is HandoffState.REQUESTED
    assert handoff.ack_due_at == T0 + timedelta(minutes=15)


def test_reclassifying_to_security_offers_it_too(
    base_data: dict[str, Any], make_user: MakeUser, make_ticket: MakeTicket
) -> None:
    ticket = make_ticket(type=TicketType.FAULT)
    tickets.update_fields(ticket.id, tickets.FieldChanges(type=TicketType.SECURITY),
                          actor=actor_of(make_user(Role.AGENT)), now=T0)
    assert db.session.query(Handoff).filter_by(ticket_id=ticket.id).one().to_party.code == "security"


def test_uncleared_agents_see_a_stub_and_may_break_the_glass_on_the_record(
    app: Flask, base_data: dict[str, Any], make_user: MakeUser, make_ticket: MakeTicket, login_as: LoginAs
) -> None:
    ticket = make_ticket(type=TicketType.SECURITY, subject=SECRET, description="USBメモリから")
    agent = make_user(Role.AGENT)
    client = login_as(app.test_client(), agent)

    stub = client.get(f"/console/tickets/{ticket.number}").get_data(as_text=True)
    assert ticket.number in stub and "機密チケット" in stub and SECRET not in stub and "USBメモリ" not in stub

    token = csrf_token(client, f"/console/tickets/{ticket.number}")
    path = f"/console/tickets/{ticket.number}/break-glass"
    refused = client.post(path, data={"csrf_token": token, "reason": ""})
    assert refused.status_code == 422
    granted = client.post(f"/console/tickets/{ticket.number}/break-glass",
                          data={"csrf_token": token, "reason": "依頼者から至急の電話、状況確認のため"},
                          follow_redirects=True)
    page = granted.get_data(as_text=True)
    assert SECRET in page and "USBメモリから" in page and "緊急閲覧中です" in page
    event = db.session.query(AuditEvent).filter_by(action="ticket.break_glass").one()
    assert event.actor_user_id == agent.id and "至急の電話" in event.data["reason"]

    other = login_as(app.test_client(), make_user(Role.AGENT))  # the grant is personal
    assert SECRET not in other.get(f"/console/tickets/{ticket.number}").get_data(as_text=True)
    cleared = login_as(app.test_client(), make_user(Role.SECURITY))
    assert SECRET in cleared.get(f"/console/tickets/{ticket.number}").get_data(as_text=True)
