"""A major incident wraps a parent ticket; fault reports link to it as children."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from helpdesk.accounts.models import Site, User
from helpdesk.core.db import Model, str_enum
from helpdesk.tickets.models import Service, Ticket


class MajorIncident(Model):
    """One outage: its parent ticket, its public notice and its seriousness."""

    __tablename__ = "major_incidents"
    id: Mapped[int] = mapped_column(primary_key=True)
    #: The parent ticket; children point at it through ``tickets.parent_id``.
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    service_id: Mapped[int | None] = mapped_column(ForeignKey("services.id"))
    site_id: Mapped[int | None] = mapped_column(ForeignKey("sites.id"))
    #: The first report of the outage (the earliest linked child, or the declaration).
    detected_at: Mapped[datetime]
    declared_at: Mapped[datetime]
    declared_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    restored_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    #: Shown as a known-outage banner in the portal while open.
    is_public: Mapped[bool] = mapped_column(Boolean, default=True)
    public_notice_ja: Mapped[str] = mapped_column(Text, default="")
    public_notice_en: Mapped[str] = mapped_column(Text, default="")
    #: While open, new fault reports for its service (and site) are linked as they arrive.
    auto_link: Mapped[bool] = mapped_column(Boolean, default=True, server_default=text("true"))
    #: Registered by the ministry as a serious incident (重大障害) for the monthly report.
    is_serious: Mapped[bool] = mapped_column(Boolean, default=False)
    serious_reason: Mapped[str] = mapped_column(Text, default="")
    serious_registered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    serious_registered_at: Mapped[datetime | None]

    ticket: Mapped[Ticket] = relationship()
    service: Mapped[Service | None] = relationship()
    site: Mapped[Site | None] = relationship()
    declared_by: Mapped[User | None] = relationship(foreign_keys=[declared_by_id])

    @property
    def is_open(self) -> bool:
        """Open until its parent ticket closes."""
        return self.closed_at is None


class ProposalState(StrEnum):
    """Where a detected cluster of reports stands."""

    PROPOSED = "proposed"
    DECLARED = "declared"
    DISMISSED = "dismissed"


class IncidentProposal(Model):
    """A cluster of fault reports the detector found, waiting for a supervisor's decision.

    At most one proposal per service and site is pending at a time (a partial unique index), so
    overlapping detector runs propose an outage once.
    """

    __tablename__ = "incident_proposals"
    id: Mapped[int] = mapped_column(primary_key=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id"))
    site_id: Mapped[int | None] = mapped_column(ForeignKey("sites.id"))
    #: ``site_id`` or 0: what the uniqueness of pending proposals is keyed on (NULLs never clash).
    site_key: Mapped[int] = mapped_column(default=0)
    state: Mapped[ProposalState] = mapped_column(str_enum(ProposalState))
    report_count: Mapped[int]
    first_report_at: Mapped[datetime]
    last_report_at: Mapped[datetime]
    proposed_at: Mapped[datetime]
    decided_at: Mapped[datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("major_incidents.id"))

    service: Mapped[Service] = relationship()
    site: Mapped[Site | None] = relationship()

    __table_args__ = (
        Index(
            "uq_incident_proposals_pending",
            "service_id",
            "site_key",
            unique=True,
            postgresql_where=text("state = 'proposed'"),
            sqlite_where=text("state = 'proposed'"),
        ),
    )


class IncidentUpdate(Model):
    """A progress update posted on an incident; every linked requester and subscriber hears it once."""

    __tablename__ = "incident_updates"
    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("major_incidents.id", ondelete="CASCADE"), index=True)
    body: Mapped[str] = mapped_column(Text)
    posted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    posted_at: Mapped[datetime]

    posted_by: Mapped[User | None] = relationship()


class IncidentSubscription(Model):
    """A member of staff who asked to hear the incident's updates without filing a report."""

    __tablename__ = "incident_subscriptions"
    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("major_incidents.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    created_at: Mapped[datetime]

    __table_args__ = (UniqueConstraint("incident_id", "user_id"),)
