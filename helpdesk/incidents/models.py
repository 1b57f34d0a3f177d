"""A major incident wraps a parent ticket; fault reports link to it as children."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from helpdesk.core.db import Model


class MajorIncident(Model):
    """One outage: its parent ticket, its public notice and its seriousness."""

    __tablename__ = "major_incidents"
    id: Mapped[int] = mapped_column(primary_key=True)
    #: The parent ticket; children point at it through ``tickets.parent_id``.
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    service_id: Mapped[int | None] = mapped_column(ForeignKey("services.id"))
    site_id: Mapped[int | None] = mapped_column(ForeignKey("sites.id"))
    detected_at: Mapped[datetime]
    declared_at: Mapped[datetime]
    declared_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    restored_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    #: Shown as a known-outage banner in the portal while open.
    is_public: Mapped[bool] = mapped_column(Boolean, default=True)
    public_notice_ja: Mapped[str] = mapped_column(Text, default="")
    public_notice_en: Mapped[str] = mapped_column(Text, default="")
    #: Registered by the ministry as a serious incident (重大障害) for the monthly report.
    is_serious: Mapped[bool] = mapped_column(Boolean, default=False)
    serious_reason: Mapped[str] = mapped_column(Text, default="")
    serious_registered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    serious_registered_at: Mapped[datetime | None]
