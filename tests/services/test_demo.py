"""`make run` loads the demo data: complete, idempotent, and wired for handoff suggestions."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from helpdesk.demo import loader
from helpdesk.handoff import queries as handoff_queries
from helpdesk.handoff.models import Handoff, HandoffState
from helpdesk.incidents.models import IncidentUpdate, MajorIncident
from helpdesk.responsibility import ledger
from helpdesk.responsibility.services import list_segments
from helpdesk.tickets.models import Service, Ticket
from helpdesk.tickets.states import TicketType
from tests.conftest import T0


def test_demo_load_is_complete_and_idempotent(db: Any) -> None:
    first = loader.load(ticket_count=20, now=T0)
    again = loader.load(ticket_count=20, now=T0)

    assert first.created["demarcation rows"] == 12 * len(TicketType)
    assert first.created["tickets"] == 20
    assert not any(again.created.values())
    assert db.session.query(Handoff).filter(Handoff.state == HandoffState.ACCEPTED).count() > 0
    # The live mail outage is a declared major incident with its reports linked and one update posted.
    incident = db.session.scalars(select(MajorIncident)).one()
    assert db.session.scalar(select(func.count()).where(Ticket.parent_id == incident.ticket_id)) == 5
    assert db.session.scalar(select(func.count()).select_from(IncidentUpdate)) == 1
    violations = []
    for ticket in db.session.scalars(select(Ticket)):
        spans = [ledger.Span(s.party_id, s.started_at, s.ended_at) for s in list_segments(ticket.id)]
        if ticket.closed_at is None and sum(1 for s in spans if s.ended_at is None) != 1:
            violations.append(ticket.number)
    assert violations == []
    printers = db.session.scalar(select(Service).where(Service.code == "printer"))
    fault = Ticket(type=TicketType.FAULT, service_id=printers.id)
    question = Ticket(type=TicketType.INQUIRY, service_id=printers.id)
    assert handoff_queries.suggest_party(fault).code == "terminal_vendor"
    assert handoff_queries.suggest_party(question).code == "operations"  # first line: no vendor named


def test_reference_data_alone_creates_no_ticket(db: Any) -> None:
    assert loader.load(ticket_count=0, now=T0).created["tickets"] == 0
    assert db.session.scalar(select(func.count()).select_from(Ticket)) == 0
