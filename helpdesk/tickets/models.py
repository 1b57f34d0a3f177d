"""Tickets, their conversation and files, and the service catalogue."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from helpdesk.accounts.models import Site, User
from helpdesk.core.db import BilingualName, Model, str_enum
from helpdesk.tickets.states import (
    Channel,
    Impact,
    MessageKind,
    Priority,
    ResolutionCode,
    TicketStatus,
    TicketType,
    Urgency,
)


class Service(BilingualName, Model):
    """An entry of the service catalogue: what a ticket is about (mail, VPN, printers …)."""

    __tablename__ = "services"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    category: Mapped[str] = mapped_column(String(40), default="")
    sort_order: Mapped[int] = mapped_column(default=0)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)



class TicketNumberCounter(Model):
    """Last ticket number handed out per year (HD-2026-000123)."""

    __tablename__ = "ticket_number_counters"
    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last_value: Mapped[int] = mapped_column(BigInteger, default=0)


#: The condition of the partial indexes over open tickets (``states.OPEN_STATUSES``).
OPEN_PREDICATE = "status IN ('new', 'open', 'pending')"


class Ticket(Model):
    """Something a member of staff needs, from first contact to closure."""

    __tablename__ = "tickets"
    id: Mapped[int] = mapped_column(primary_key=True)
    #: Human number, ``HD-<year>-<6 digits>``; what staff read out on the phone.
    number: Mapped[str] = mapped_column(String(20), unique=True)
    type: Mapped[TicketType] = mapped_column(str_enum(TicketType))
    channel: Mapped[Channel] = mapped_column(str_enum(Channel))
    status: Mapped[TicketStatus] = mapped_column(str_enum(TicketStatus))
    impact: Mapped[Impact] = mapped_column(str_enum(Impact))
    urgency: Mapped[Urgency] = mapped_column(str_enum(Urgency))
    priority: Mapped[Priority] = mapped_column(str_enum(Priority, length=4))
    subject: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    requester_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    site_id: Mapped[int | None] = mapped_column(ForeignKey("sites.id"))
    service_id: Mapped[int | None] = mapped_column(ForeignKey("services.id"))
    #: A fault report linked to a major incident's parent ticket.
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"), index=True)
    #: Security incidents are confidential: content only for the cleared and the requester.
    is_confidential: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    first_responded_at: Mapped[datetime | None]
    #: When service was restored (faults); recorded apart from resolution and closure.
    restored_at: Mapped[datetime | None]
    resolved_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    reopened_count: Mapped[int] = mapped_column(default=0)
    #: Resolved while the requester was still on the first call (first-contact resolution).
    is_first_contact_resolution: Mapped[bool] = mapped_column(Boolean, default=False)
    #: Set when an agent chose the priority instead of impact × urgency.
    is_priority_overridden: Mapped[bool] = mapped_column(Boolean, default=False)
    resolution_code: Mapped[ResolutionCode | None] = mapped_column(str_enum(ResolutionCode))
    #: What fixed it, as the requester reads it.
    resolution_summary: Mapped[str] = mapped_column(Text, default="")
    #: The requester's 1–5 rating after confirming the resolution, and their comment.
    satisfaction_rating: Mapped[int | None]
    satisfaction_comment: Mapped[str] = mapped_column(Text, default="")
    rated_at: Mapped[datetime | None]
    #: NFKC-normalised, lower-cased subject, description and message bodies: what text
    #: search matches (trigram-indexed on PostgreSQL, FTS5 trigram on SQLite).
    search_text: Mapped[str] = mapped_column(Text, default="")
    #: A duplicate merged into another ticket points at it (its messages moved there).
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"))
    #: The submitter's idempotency token: the same form sent twice is one ticket.
    intake_key: Mapped[str | None] = mapped_column(String(100))

    requester: Mapped[User] = relationship(foreign_keys=[requester_id])
    assignee: Mapped[User | None] = relationship(foreign_keys=[assignee_id])
    site: Mapped[Site | None] = relationship()
    service: Mapped[Service | None] = relationship()
    messages: Mapped[list[Message]] = relationship(
        back_populates="ticket", order_by="Message.id", cascade="all, delete-orphan"
    )

    __table_args__ = (
        Index("ix_tickets_status_created", "status", "created_at"),
        Index("ix_tickets_assignee_status", "assignee_id", "status"),
        Index("ix_tickets_requester_created", "requester_id", "created_at"),
        # Newest first (search walks it from the newest end and widens only as needed).
        Index("ix_tickets_created_at", "created_at", "id"),
        # The open tickets, a few thousand of a million: the queue's first page in its
        # default order straight from the index, and its counts without touching the table.
        Index("ix_tickets_open_queue", "priority", "created_at", "id",
              postgresql_include=["is_confidential", "assignee_id", "status"],
              postgresql_where=text(OPEN_PREDICATE), sqlite_where=text(OPEN_PREDICATE)),
        # A requester's open tickets, listed first beside the one being worked.
        Index("ix_tickets_open_requester", "requester_id", "created_at",
              postgresql_where=text(OPEN_PREDICATE), sqlite_where=text(OPEN_PREDICATE)),
        # The monthly report's satisfaction: ratings given within the month.
        Index("ix_tickets_rated_at", "rated_at"),
        UniqueConstraint("requester_id", "intake_key"),
        CheckConstraint("satisfaction_rating BETWEEN 1 AND 5", name="rating_range"),
    )

    @property
    def is_open(self) -> bool:
        """True until resolved or closed."""
        return self.status in (TicketStatus.NEW, TicketStatus.OPEN, TicketStatus.PENDING)


class SavedView(Model):
    """An agent's own named queue filter (view, filters and sort as query parameters)."""

    __tablename__ = "saved_views"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(60))
    #: Only the keys of ``helpdesk.tickets.queues.FILTER_KEYS``, as strings.
    params: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime]

    __table_args__ = (UniqueConstraint("user_id", "name"),)


class TicketLink(Model):
    """Two related tickets; stored once with the smaller id first."""

    __tablename__ = "ticket_links"
    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"))
    related_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime]

    __table_args__ = (
        UniqueConstraint("ticket_id", "related_id"),
        CheckConstraint("ticket_id < related_id", name="ordered"),
    )


class CannedResponse(Model):
    """A reusable reply; ``{requester_name}``-style placeholders are filled when inserted."""

    __tablename__ = "canned_responses"
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(100), unique=True)
    body: Mapped[str] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime]


class TicketPresence(Model):
    """An agent who has a ticket's workspace open right now; refreshed by a heartbeat.

    Ephemeral: rows older than a few heartbeats mean nothing and are deleted.
    """

    __tablename__ = "ticket_presence"
    #: One row per (ticket, agent): the key is what the heartbeat upserts on.
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True,
                                         index=True)
    #: Typing a reply or a note at the last heartbeat.
    is_typing: Mapped[bool] = mapped_column(Boolean, default=False)
    seen_at: Mapped[datetime]

    user: Mapped[User] = relationship()


class Message(Model):
    """One entry of the conversation: a public reply, an internal note, a call, a system line."""

    __tablename__ = "messages"
    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    kind: Mapped[MessageKind] = mapped_column(str_enum(MessageKind))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: The party the author acted for (help desk, operations …); None for requesters.
    author_party_id: Mapped[int | None] = mapped_column(ForeignKey("parties.id"))
    #: Party notes: the party it is addressed to (the author's party and this one may read it).
    audience_party_id: Mapped[int | None] = mapped_column(ForeignKey("parties.id"))
    body: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime]
    #: Phone calls: ``inbound`` or ``outbound``, who called, how long.
    call_direction: Mapped[str | None] = mapped_column(String(10))
    caller_name: Mapped[str | None] = mapped_column(String(200))
    caller_number: Mapped[str | None] = mapped_column(String(40))
    call_duration_seconds: Mapped[int | None]

    ticket: Mapped[Ticket] = relationship(back_populates="messages")
    author: Mapped[User | None] = relationship()
    attachments: Mapped[list[Attachment]] = relationship(back_populates="message")

    @property
    def is_public(self) -> bool:
        """Only public replies (and the opening description) reach the requester."""
        return self.kind is MessageKind.PUBLIC_REPLY


class Attachment(Model):
    """A file on a ticket, stored outside the web root under a random key."""

    __tablename__ = "attachments"
    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id", ondelete="SET NULL"))
    #: The name exactly as given (Japanese names kept byte for byte after NFC).
    filename: Mapped[str] = mapped_column(String(255))
    #: Detected from the content, never from the name.
    content_type: Mapped[str] = mapped_column(String(120))
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    storage_key: Mapped[str] = mapped_column(String(80), unique=True)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: Shown to the requester (public) or internal only.
    is_public: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime]

    message: Mapped[Message | None] = relationship(back_populates="attachments")
