"""Pure ticket vocabulary: the priority matrix and the status table."""

from __future__ import annotations

import pytest

from helpdesk.tickets.states import (
    Impact,
    Priority,
    TicketStatus,
    TicketType,
    Urgency,
    can_transition,
    compute_priority,
)


@pytest.mark.parametrize(
    ("impact", "urgency", "expected"),
    [
        (Impact.PERSON, Urgency.LOW, Priority.P4),
        (Impact.PERSON, Urgency.HIGH, Priority.P3),
        (Impact.DIVISION, Urgency.HIGH, Priority.P2),
        (Impact.SITE, Urgency.HIGH, Priority.P1),
        (Impact.MINISTRY, Urgency.LOW, Priority.P2),
    ],
)
def test_priority_follows_impact_and_urgency(impact: Impact, urgency: Urgency, expected: Priority) -> None:
    assert compute_priority(TicketType.INQUIRY, impact, urgency) is expected


def test_security_incidents_and_ministry_wide_outages_are_p1() -> None:
    assert compute_priority(TicketType.SECURITY, Impact.PERSON, Urgency.LOW) is Priority.P1
    assert compute_priority(TicketType.FAULT, Impact.MINISTRY, Urgency.LOW) is Priority.P1


def test_every_combination_has_a_priority() -> None:
    for ticket_type in TicketType:
        for impact in Impact:
            for urgency in Urgency:
                assert compute_priority(ticket_type, impact, urgency) in Priority


def test_closed_tickets_only_reopen() -> None:
    allowed = {s for s in TicketStatus if can_transition(TicketStatus.CLOSED, s)}
    assert allowed == {TicketStatus.OPEN}
    assert not can_transition(TicketStatus.OPEN, TicketStatus.CLOSED)
