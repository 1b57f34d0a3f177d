"""Ticket vocabulary and the status transition table. Pure: standard library only."""

from __future__ import annotations

from enum import StrEnum


class TicketType(StrEnum):
    """What the requester needs."""

    INQUIRY = "inquiry"  # 問い合わせ
    FAULT = "fault"  # 障害
    REQUEST = "request"  # 申請
    SECURITY = "security"  # セキュリティ事案 (always confidential)


class Channel(StrEnum):
    """How the ticket reached us."""

    PORTAL = "portal"
    PHONE = "phone"
    MAIL = "mail"
    API = "api"


class TicketStatus(StrEnum):
    """Where the work is. Who owns it is a separate question (responsibility segments)."""

    NEW = "new"
    OPEN = "open"
    PENDING = "pending"  # waiting on the requester
    RESOLVED = "resolved"
    CLOSED = "closed"


class Impact(StrEnum):
    """How widely the problem is felt."""

    PERSON = "person"
    DIVISION = "division"
    SITE = "site"
    MINISTRY = "ministry"


class Urgency(StrEnum):
    """How soon the requester's work is stopped by it."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


class Priority(StrEnum):
    """P1 is the most urgent; P1 faults carry the one-hour restoration target."""

    P1 = "P1"
    P2 = "P2"
    P3 = "P3"
    P4 = "P4"


class MessageKind(StrEnum):
    """Entries of a ticket's conversation."""

    PUBLIC_REPLY = "public_reply"  # seen by the requester
    INTERNAL_NOTE = "internal_note"  # never seen by the requester
    PHONE_CALL = "phone_call"  # a logged call, internal
    SYSTEM = "system"  # written by the system
    PARTY_NOTE = "party_note"  # between the help desk and another party; never seen by the requester


class ResolutionCode(StrEnum):
    """How a ticket was resolved, for reports on both contractors."""

    ANSWERED = "answered"  # usage question answered
    FIXED = "fixed"  # fault repaired / configuration corrected
    WORKAROUND = "workaround"  # service usable again, cause remains
    FULFILLED = "fulfilled"  # request carried out
    NO_FAULT = "no_fault"  # nothing wrong found / user error
    DUPLICATE = "duplicate"
    WITHDRAWN = "withdrawn"  # the requester no longer needs it


OPEN_STATUSES = frozenset({TicketStatus.NEW, TicketStatus.OPEN, TicketStatus.PENDING})

#: Allowed status changes; reopening is resolved → open (and closed → open within the
#: reopen window, which the service checks).
TRANSITIONS: dict[TicketStatus, frozenset[TicketStatus]] = {
    TicketStatus.NEW: frozenset({TicketStatus.OPEN, TicketStatus.PENDING, TicketStatus.RESOLVED}),
    TicketStatus.OPEN: frozenset({TicketStatus.PENDING, TicketStatus.RESOLVED}),
    TicketStatus.PENDING: frozenset({TicketStatus.OPEN, TicketStatus.RESOLVED}),
    TicketStatus.RESOLVED: frozenset({TicketStatus.OPEN, TicketStatus.CLOSED}),
    TicketStatus.CLOSED: frozenset({TicketStatus.OPEN}),
}


def can_transition(current: TicketStatus, target: TicketStatus) -> bool:
    """True when the table allows moving from ``current`` to ``target``."""
    return target in TRANSITIONS[current]


_MATRIX: dict[tuple[Impact, Urgency], Priority] = {
    (Impact.MINISTRY, Urgency.HIGH): Priority.P1,
    (Impact.MINISTRY, Urgency.MEDIUM): Priority.P1,
    (Impact.MINISTRY, Urgency.LOW): Priority.P2,
    (Impact.SITE, Urgency.HIGH): Priority.P1,
    (Impact.SITE, Urgency.MEDIUM): Priority.P2,
    (Impact.SITE, Urgency.LOW): Priority.P3,
    (Impact.DIVISION, Urgency.HIGH): Priority.P2,
    (Impact.DIVISION, Urgency.MEDIUM): Priority.P3,
    (Impact.DIVISION, Urgency.LOW): Priority.P3,
    (Impact.PERSON, Urgency.HIGH): Priority.P3,
    (Impact.PERSON, Urgency.MEDIUM): Priority.P4,
    (Impact.PERSON, Urgency.LOW): Priority.P4,
}


def compute_priority(ticket_type: TicketType, impact: Impact, urgency: Urgency) -> Priority:
    """Priority from impact × urgency; security incidents and ministry-wide outages are P1."""
    if ticket_type is TicketType.SECURITY:
        return Priority.P1
    if ticket_type is TicketType.FAULT and impact is Impact.MINISTRY:
        return Priority.P1
    return _MATRIX[(impact, urgency)]
