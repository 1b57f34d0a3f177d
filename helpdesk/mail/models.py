"""Every mail that entered or left, kept for threading, idempotency and audit."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, ForeignKey, Index, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from helpdesk.core.db import Model, str_enum


class MailDirection(StrEnum):
    """Inbound from staff, or outbound from us."""

    INBOUND = "inbound"
    OUTBOUND = "outbound"


class MailStatus(StrEnum):
    """Lifecycle of a mail row."""

    QUEUED = "queued"  # outbound, waiting for the sender task
    SENT = "sent"
    FAILED = "failed"  # outbound, gave up after retries
    ACCEPTED = "accepted"  # inbound, became a ticket or a reply
    QUARANTINED = "quarantined"  # inbound, waits for an agent's review
    IGNORED = "ignored"  # inbound auto-replies, bulk mail, loops


class MailMessage(Model):
    """One mail; ``message_id`` makes inbound polling and outbound sending idempotent."""

    __tablename__ = "mail_messages"
    id: Mapped[int] = mapped_column(primary_key=True)
    direction: Mapped[MailDirection] = mapped_column(str_enum(MailDirection))
    status: Mapped[MailStatus] = mapped_column(str_enum(MailStatus))
    message_id: Mapped[str] = mapped_column(String(255), unique=True)
    in_reply_to: Mapped[str] = mapped_column(String(255), default="")
    references: Mapped[str] = mapped_column(Text, default="")
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"), index=True)
    ticket_message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id"))
    recipient_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    from_address: Mapped[str] = mapped_column(String(254))
    to_addresses: Mapped[str] = mapped_column(Text)
    subject: Mapped[str] = mapped_column(String(500), default="")
    body_text: Mapped[str] = mapped_column(Text, default="")
    #: Outbound: the HTML alternative, and where replies go (the signed per-ticket address).
    body_html: Mapped[str] = mapped_column(Text, default="")
    reply_to: Mapped[str] = mapped_column(String(254), default="")
    #: Outbound: the notification this mail carries (one mail per notification at most).
    notification_id: Mapped[int | None] = mapped_column(ForeignKey("notifications.id", ondelete="SET NULL"),
                                                        unique=True)
    #: Inbound: the file names the mail carried, read once at intake (shown without re-parsing it).
    attachment_names: Mapped[list[str]] = mapped_column(JSON, default=list)
    #: zlib-compressed raw RFC 5322 bytes, kept for audit and re-parsing.
    raw_compressed: Mapped[bytes | None] = mapped_column(LargeBinary)
    #: Why an inbound mail was quarantined or ignored; why an outbound one failed.
    status_reason: Mapped[str] = mapped_column(Text, default="")
    attempts: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reviewed_at: Mapped[datetime | None]

    __table_args__ = (
        Index("ix_mail_messages_status", "direction", "status", "created_at"),
        # The per-sender rate limit counts a sender's recent mails.
        Index("ix_mail_messages_sender", "from_address", "created_at"),
    )


class MailAddress(Model):
    """What we know of an address from its mail: bounces, so outbound mail stops going to it."""

    __tablename__ = "mail_addresses"
    id: Mapped[int] = mapped_column(primary_key=True)
    address: Mapped[str] = mapped_column(String(254), unique=True)
    bounce_count: Mapped[int] = mapped_column(default=0)
    bounced_at: Mapped[datetime | None]
    #: The report that said so (Message-ID of the delivery status report).
    last_bounce_message_id: Mapped[str] = mapped_column(String(255), default="")
