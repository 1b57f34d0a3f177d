"""Presence on a ticket: heartbeats, freshness by ``now``, typing, and who may take part."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from helpdesk.accounts.models import Role
from helpdesk.core.errors import NotFound, PermissionDenied
from helpdesk.tickets import presence
from helpdesk.tickets.models import TicketPresence
from helpdesk.tickets.states import TicketType
from tests.conftest import T0, MakeTicket, MakeUser, actor_of


def test_heartbeat_shows_the_agent_to_others_but_not_to_themselves(
    make_user: MakeUser, make_ticket: MakeTicket
) -> None:
    ticket = make_ticket()
    ishikawa = make_user(Role.AGENT, family_name="石川", given_name="真由美")
    tsutsumi = make_user(Role.SUPERVISOR, family_name="堤", given_name="康弘")
    presence.record_heartbeat(ticket.id, is_typing=False, actor=actor_of(ishikawa), now=T0)
    assert presence.list_viewers(ticket.id, now=T0, exclude_user_id=tsutsumi.id) == [
        presence.Viewer(name="石川 真由美", is_typing=False)
    ]
    assert presence.list_viewers(ticket.id, now=T0, exclude_user_id=ishikawa.id) == []


def test_repeated_heartbeats_keep_one_row_and_carry_the_typing_flag(
    make_user: MakeUser, make_ticket: MakeTicket, db: Any
) -> None:
    ticket, agent, other = make_ticket(), make_user(Role.AGENT), make_user(Role.AGENT)
    later, last = T0 + timedelta(seconds=10), T0 + timedelta(seconds=20)
    presence.record_heartbeat(ticket.id, is_typing=False, actor=actor_of(agent), now=T0)
    presence.record_heartbeat(ticket.id, is_typing=True, actor=actor_of(agent), now=later)
    assert db.session.scalar(select(func.count()).select_from(TicketPresence)) == 1
    [viewer] = presence.list_viewers(ticket.id, now=later, exclude_user_id=other.id)
    assert viewer.is_typing
    presence.record_heartbeat(ticket.id, is_typing=False, actor=actor_of(agent), now=last)
    [viewer] = presence.list_viewers(ticket.id, now=last, exclude_user_id=other.id)
    assert not viewer.is_typing


def test_a_viewer_without_a_heartbeat_for_30_seconds_is_gone(
    make_user: MakeUser, make_ticket: MakeTicket
) -> None:
    ticket, agent, other = make_ticket(), make_user(Role.AGENT), make_user(Role.AGENT)
    presence.record_heartbeat(ticket.id, is_typing=True, actor=actor_of(agent), now=T0)
    assert presence.list_viewers(ticket.id, now=T0 + timedelta(seconds=30), exclude_user_id=other.id)
    assert presence.list_viewers(ticket.id, now=T0 + timedelta(seconds=31), exclude_user_id=other.id) == []


def test_heartbeats_delete_stale_rows_of_the_ticket_and_of_the_agent(
    make_user: MakeUser, make_ticket: MakeTicket, db: Any
) -> None:
    first, second = make_ticket(), make_ticket()
    agent, colleague = make_user(Role.AGENT), make_user(Role.AGENT)
    presence.record_heartbeat(first.id, is_typing=False, actor=actor_of(agent), now=T0)
    presence.record_heartbeat(second.id, is_typing=False, actor=actor_of(colleague), now=T0)
    later = T0 + timedelta(minutes=5)
    presence.record_heartbeat(second.id, is_typing=False, actor=actor_of(agent), now=later)
    rows = db.session.execute(select(TicketPresence.ticket_id, TicketPresence.user_id)).all()
    # The agent's old row on the first ticket and the colleague's stale row here are gone.
    assert rows == [(second.id, agent.id)]


def test_typists_are_listed_first(make_user: MakeUser, make_ticket: MakeTicket) -> None:
    ticket, me = make_ticket(), make_user(Role.AGENT)
    reader = make_user(Role.AGENT, family_name="相原", given_name="一郎")
    writer = make_user(Role.AGENT, family_name="和田", given_name="花子")
    presence.record_heartbeat(ticket.id, is_typing=False, actor=actor_of(reader), now=T0)
    presence.record_heartbeat(ticket.id, is_typing=True, actor=actor_of(writer), now=T0)
    names = [v.name for v in presence.list_viewers(ticket.id, now=T0, exclude_user_id=me.id)]
    assert names == ["和田 花子", "相原 一郎"]


def test_heartbeats_write_no_audit_events(make_user: MakeUser, make_ticket: MakeTicket, db: Any) -> None:
    from helpdesk.audit.models import AuditEvent

    ticket, agent = make_ticket(), make_user(Role.AGENT)
    before = db.session.scalar(select(func.count()).select_from(AuditEvent))
    presence.record_heartbeat(ticket.id, is_typing=True, actor=actor_of(agent), now=T0)
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == before


def test_confidential_ticket_refuses_an_uncleared_agent(make_user: MakeUser, make_ticket: MakeTicket) -> None:
    ticket = make_ticket(type=TicketType.SECURITY)
    with pytest.raises(NotFound):
        presence.record_heartbeat(ticket.id, is_typing=False, actor=actor_of(make_user(Role.AGENT)), now=T0)
    presence.record_heartbeat(ticket.id, is_typing=False, actor=actor_of(make_user(Role.SECURITY)), now=T0)


def test_requester_takes_no_part_in_presence(make_user: MakeUser, make_ticket: MakeTicket) -> None:
    requester = make_user()
    ticket = make_ticket(requester=requester)
    with pytest.raises(PermissionDenied):
        presence.record_heartbeat(ticket.id, is_typing=False, actor=actor_of(requester), now=T0)
