"""How ownership of a ticket moves between parties: handoffs and the demarcation matrix.

The ledger of who held a ticket when lives in ``helpdesk.responsibility``; a handoff
changes it only when the receiver accepts.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from helpdesk.accounts.models import Party
from helpdesk.core.db import Model, str_enum
from helpdesk.tickets.models import Ticket
from helpdesk.tickets.states import TicketType


class HandoffKind(StrEnum):
    """Escalation forwards a ticket; handback returns it with a resolution."""

    ESCALATION = "escalation"
    HANDBACK = "handback"


class HandoffState(StrEnum):
    """``requested`` is the only open state; responsibility moves only on ``accepted``."""

    REQUESTED = "requested"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"
    EXPIRED = "expired"


class RejectReason(StrEnum):
    """The fixed list a receiver chooses from when rejecting."""

    OUT_OF_SCOPE = "out_of_scope"  # must name the party that should take it
    INSUFFICIENT_INFORMATION = "insufficient_information"  # must list what is missing
    DUPLICATE = "duplicate"
    NOT_REPRODUCIBLE = "not_reproducible"
    OTHER = "other"


class Handoff(Model):
    """A request to move responsibility from one party to another."""

    __tablename__ = "handoffs"
    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    kind: Mapped[HandoffKind] = mapped_column(str_enum(HandoffKind))
    state: Mapped[HandoffState] = mapped_column(str_enum(HandoffState))
    from_party_id: Mapped[int] = mapped_column(ForeignKey("parties.id"))
    to_party_id: Mapped[int] = mapped_column(ForeignKey("parties.id"), index=True)
    #: The sender's key: the same request twice is one handoff.
    idempotency_key: Mapped[str] = mapped_column(String(200))
    summary_symptom: Mapped[str] = mapped_column(Text, default="")
    summary_impact: Mapped[str] = mapped_column(Text, default="")
    summary_steps_taken: Mapped[str] = mapped_column(Text, default="")
    summary_requester_contact: Mapped[str] = mapped_column(Text, default="")
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    requested_at: Mapped[datetime]
    #: From the receiver's acknowledgement target for the ticket's priority.
    ack_due_at: Mapped[datetime | None]
    #: Set once when the deadline passes unanswered; counted against the receiver.
    ack_overdue_at: Mapped[datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None]
    reject_reason: Mapped[RejectReason | None] = mapped_column(str_enum(RejectReason))
    reject_text: Mapped[str] = mapped_column(Text, default="")
    #: For an out-of-scope rejection: the party that should take it.
    suggested_party_id: Mapped[int | None] = mapped_column(ForeignKey("parties.id"))
    #: The receiver's own reference, e.g. the vendor's ticket number.
    receiver_reference: Mapped[str] = mapped_column(String(100), default="")
    #: Handback only: what caused it, what was done, when service came back.
    handback_cause: Mapped[str] = mapped_column(Text, default="")
    handback_action: Mapped[str] = mapped_column(Text, default="")
    handback_restored_at: Mapped[datetime | None]

    ticket: Mapped[Ticket] = relationship()
    from_party: Mapped[Party] = relationship(foreign_keys=[from_party_id])
    to_party: Mapped[Party] = relationship(foreign_keys=[to_party_id])
    suggested_party: Mapped[Party | None] = relationship(foreign_keys=[suggested_party_id])
    shares: Mapped[list[HandoffShare]] = relationship(
        back_populates="handoff", cascade="all, delete-orphan"
    )

    __table_args__ = (
        UniqueConstraint("from_party_id", "idempotency_key"),
        Index("ix_handoffs_open_due", "state", "ack_due_at"),
    )


class HandoffShare(Model):
    """A message or attachment the sender chose to share; the receiver sees only these."""

    __tablename__ = "handoff_shares"
    id: Mapped[int] = mapped_column(primary_key=True)
    handoff_id: Mapped[int] = mapped_column(ForeignKey("handoffs.id", ondelete="CASCADE"), index=True)
    message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id", ondelete="CASCADE"))
    attachment_id: Mapped[int | None] = mapped_column(
        ForeignKey("attachments.id", ondelete="CASCADE")
    )

    handoff: Mapped[Handoff] = relationship(back_populates="shares")


class Demarcation(Model):
    """A row of the demarcation matrix (責任分界表): who handles this service × type."""

    __tablename__ = "demarcations"
    id: Mapped[int] = mapped_column(primary_key=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id"))
    ticket_type: Mapped[TicketType] = mapped_column(str_enum(TicketType))
    party_id: Mapped[int] = mapped_column(ForeignKey("parties.id"))
    #: May the help desk resolve it at first line without a handoff?
    first_line_allowed: Mapped[bool] = mapped_column(Boolean, default=True)
    note: Mapped[str] = mapped_column(Text, default="")

    party: Mapped[Party] = relationship()

    __table_args__ = (UniqueConstraint("service_id", "ticket_type"),)
