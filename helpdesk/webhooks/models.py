"""Where each party wants its events, and every delivery with its attempts."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from helpdesk.accounts.models import Party
from helpdesk.core.db import Model


class WebhookEndpoint(Model):
    """A party's receiving URL and the secret its signatures are made with."""

    __tablename__ = "webhook_endpoints"
    id: Mapped[int] = mapped_column(primary_key=True)
    party_id: Mapped[int] = mapped_column(ForeignKey("parties.id", ondelete="CASCADE"), unique=True)
    url: Mapped[str] = mapped_column(String(2000))
    #: HMAC-SHA256 key. Stored as given: the receiver must hold the same key to verify.
    secret: Mapped[str] = mapped_column(String(200))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    #: Why it was switched off (a 410 from the receiver, or an administrator).
    disabled_reason: Mapped[str] = mapped_column(String(500), default="")
    #: Failed attempts since the last success, over all its deliveries.
    consecutive_failures: Mapped[int] = mapped_column(default=0, server_default="0")
    #: When on-call was told of the current run of failures; cleared by the next success.
    alerted_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    party: Mapped[Party] = relationship()


class WebhookDelivery(Model):
    """One event for one endpoint; ``event_id`` is the ``webhook-id`` and never changes on retries."""

    __tablename__ = "webhook_deliveries"
    id: Mapped[int] = mapped_column(primary_key=True)
    endpoint_id: Mapped[int] = mapped_column(ForeignKey("webhook_endpoints.id", ondelete="CASCADE"))
    event_id: Mapped[str] = mapped_column(String(64))
    event_type: Mapped[str] = mapped_column(String(60))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime]
    #: Retries stop 24 hours after this: the creation, or an administrator's replay.
    retry_window_from: Mapped[datetime]
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None]
    #: A worker sending it holds it until then, so two workers never send the same delivery at once.
    locked_until: Mapped[datetime | None]
    last_attempt_at: Mapped[datetime | None]
    last_status: Mapped[int | None]
    last_error: Mapped[str] = mapped_column(Text, default="")
    delivered_at: Mapped[datetime | None]
    gave_up_at: Mapped[datetime | None]

    endpoint: Mapped[WebhookEndpoint] = relationship()

    __table_args__ = (
        UniqueConstraint("endpoint_id", "event_id"),
        Index("ix_webhook_deliveries_due", "delivered_at", "gave_up_at", "next_attempt_at"),
    )
