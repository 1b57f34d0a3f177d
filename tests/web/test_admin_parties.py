"""Parties as configuration: targets that set handoff deadlines, and members who act and lead."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Flask

from helpdesk.accounts.models import PartyMembership, Role
from helpdesk.audit.models import AuditEvent
from helpdesk.core.db import db
from helpdesk.handoff import services as handoffs
from helpdesk.sla.models import PartyTarget
from tests.conftest import T0, LoginAs, MakeTicket, MakeUser, actor_of, csrf_token


def test_targets_set_here_become_handoff_deadlines(
    app: Flask, base_data: dict[str, Any], make_user: MakeUser, make_ticket: MakeTicket, login_as: LoginAs
) -> None:
    client = login_as(app.test_client(), make_user(Role.ADMIN))
    operations = base_data["parties"]["operations"]
    prefix = f"party-{operations.id}"
    token = csrf_token(client, "/admin/parties")

    refused = client.post(f"/admin/parties/{operations.id}", data={
        "csrf_token": token, f"{prefix}-name_ja": "LAN運用保守事業者", f"{prefix}-ack_p4": "0"})
    saved = client.post(f"/admin/parties/{operations.id}", data={
        "csrf_token": token, f"{prefix}-name_ja": "LAN運用保守事業者", f"{prefix}-name_en": "LAN Ops",
        f"{prefix}-is_active": "y", f"{prefix}-ack_p4": "45", f"{prefix}-ack_p1": "10"})

    assert refused.status_code == 422 and "1〜10080分" in refused.get_data(as_text=True)
    assert saved.status_code == 302
    assert {t.priority.value: t.minutes for t in db.session.query(PartyTarget)} == {"P1": 10, "P4": 45}
    ticket = make_ticket()  # P4
    handoff = handoffs.request_handoff(ticket.id, handoffs.HandoffRequest(operations.id, "k", "症状"),
                                       actor=actor_of(make_user(Role.AGENT)), now=T0)
    assert handoff.ack_due_at == T0 + timedelta(minutes=45)
    assert db.session.query(AuditEvent).filter_by(action="party.updated").count() == 1


def test_members_are_added_led_and_removed(
    app: Flask, base_data: dict[str, Any], make_user: MakeUser, login_as: LoginAs
) -> None:
    client = login_as(app.test_client(), make_user(Role.ADMIN))
    carrier_engineer = make_user(Role.VENDOR, email="eng@carrier.example.co.jp", party="security")
    staff = make_user(Role.REQUESTER, email="staff@example.go.jp")
    operations = base_data["parties"]["operations"].id
    token = csrf_token(client, "/admin/parties")

    client.post(f"/admin/parties/{operations}/members",
                data={"csrf_token": token, "email": "ENG@carrier.example.co.jp", "is_lead": "1"})
    refused = client.post(f"/admin/parties/{operations}/members",
                          data={"csrf_token": token, "email": staff.email}, follow_redirects=True)

    membership = db.session.query(PartyMembership).filter_by(party_id=operations,
                                                             user_id=carrier_engineer.id).one()
    assert membership.is_lead is True
    assert "所属できます" in refused.get_data(as_text=True)
    client.post(f"/admin/parties/{operations}/members/{carrier_engineer.id}/remove",
                data={"csrf_token": token})
    remaining = db.session.query(PartyMembership).filter_by(party_id=operations, user_id=carrier_engineer.id)
    assert remaining.count() == 0
