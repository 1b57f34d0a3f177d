"""Calendars, versioned targets and the clocks that measure tickets and parties against them."""

from __future__ import annotations

from datetime import date, datetime, time
from enum import StrEnum

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, String, Time, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from helpdesk.core.db import Model, str_enum
from helpdesk.tickets.states import Priority, TicketType


class Metric(StrEnum):
    """What a clock measures."""

    FIRST_RESPONSE = "first_response"
    RESOLUTION = "resolution"
    RESTORATION = "restoration"  # faults: service back, apart from closure
    ACKNOWLEDGE = "acknowledge"  # a party acknowledging a handoff
    HOLD = "hold"  # a party resolving while it holds the ticket


class SlaEventKind(StrEnum):
    """What a sweep found."""

    WARNING = "warning"
    BREACH = "breach"


class BusinessCalendar(Model):
    """Opening hours in a time zone, minus public holidays and closures; or 24x7."""

    __tablename__ = "business_calendars"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    timezone: Mapped[str] = mapped_column(String(64), default="Asia/Tokyo")
    is_24x7: Mapped[bool] = mapped_column(Boolean, default=False)
    #: Whether Japanese public holidays close this calendar.
    observes_public_holidays: Mapped[bool] = mapped_column(Boolean, default=True)

    hours: Mapped[list[CalendarHours]] = relationship(
        back_populates="calendar", cascade="all, delete-orphan", order_by="CalendarHours.weekday"
    )


class CalendarHours(Model):
    """One opening interval on one weekday (0 = Monday); several per day allowed."""

    __tablename__ = "calendar_hours"
    id: Mapped[int] = mapped_column(primary_key=True)
    calendar_id: Mapped[int] = mapped_column(
        ForeignKey("business_calendars.id", ondelete="CASCADE"), index=True
    )
    weekday: Mapped[int]
    opens_at: Mapped[time] = mapped_column(Time)
    closes_at: Mapped[time] = mapped_column(Time)

    calendar: Mapped[BusinessCalendar] = relationship(back_populates="hours")


class Closure(Model):
    """Days a calendar is closed besides public holidays (year-end 12/29–1/3, moves …)."""

    __tablename__ = "closures"
    id: Mapped[int] = mapped_column(primary_key=True)
    #: None closes every calendar that observes closures.
    calendar_id: Mapped[int | None] = mapped_column(
        ForeignKey("business_calendars.id", ondelete="CASCADE"), index=True
    )
    first_day: Mapped[date] = mapped_column(Date)
    last_day: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(String(200), default="")
    #: Recurs every year on the same month/day span (the year-end closure).
    is_annual: Mapped[bool] = mapped_column(Boolean, default=False)


class SlaPolicy(Model):
    """A version of the targets; clocks keep the version they started with."""

    __tablename__ = "sla_policies"
    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(unique=True)
    is_current: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    note: Mapped[str] = mapped_column(String(500), default="")
    #: A running clock warns once it has used this share of its target.
    warning_percent: Mapped[int] = mapped_column(default=75)
    #: Ticket statuses that pause the clocks (waiting on the requester).
    pause_statuses: Mapped[list[str]] = mapped_column(JSON, default=lambda: ["pending"])

    targets: Mapped[list[SlaTarget]] = relationship(
        back_populates="policy", cascade="all, delete-orphan"
    )


class SlaTarget(Model):
    """Minutes allowed for one metric of one (type, priority), on one calendar."""

    __tablename__ = "sla_targets"
    id: Mapped[int] = mapped_column(primary_key=True)
    policy_id: Mapped[int] = mapped_column(ForeignKey("sla_policies.id", ondelete="CASCADE"))
    ticket_type: Mapped[TicketType] = mapped_column(str_enum(TicketType))
    priority: Mapped[Priority] = mapped_column(str_enum(Priority, length=4))
    metric: Mapped[Metric] = mapped_column(str_enum(Metric))
    minutes: Mapped[int]
    calendar_id: Mapped[int] = mapped_column(ForeignKey("business_calendars.id"))

    policy: Mapped[SlaPolicy] = relationship(back_populates="targets")

    __table_args__ = (UniqueConstraint("policy_id", "ticket_type", "priority", "metric"),)


class PartyTarget(Model):
    """A party's own target (OLA): acknowledge a handoff, resolve while holding."""

    __tablename__ = "party_targets"
    id: Mapped[int] = mapped_column(primary_key=True)
    party_id: Mapped[int] = mapped_column(ForeignKey("parties.id", ondelete="CASCADE"))
    priority: Mapped[Priority] = mapped_column(str_enum(Priority, length=4))
    metric: Mapped[Metric] = mapped_column(str_enum(Metric))
    minutes: Mapped[int]
    #: None: the party's own calendar.
    calendar_id: Mapped[int | None] = mapped_column(ForeignKey("business_calendars.id"))

    __table_args__ = (UniqueConstraint("party_id", "priority", "metric"),)


#: The condition of the partial indexes over running clocks.
RUNNING_PREDICATE = "stopped_at IS NULL AND paused_at IS NULL"


class SlaClock(Model):
    """One measurement with a stored ``due_at`` the sweeps can index.

    A ticket has a first-response clock and a resolution (or, for faults and security
    incidents, restoration) clock; each responsibility segment of a party with a "resolve
    while holding" target has a hold clock. ``due_at`` and ``warn_at`` always reflect the
    pauses so far; while paused they are the values from before the pause.
    """

    __tablename__ = "sla_clocks"
    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    metric: Mapped[Metric] = mapped_column(str_enum(Metric))
    #: The classification the target was taken for; a change recomputes the clock.
    ticket_type: Mapped[TicketType] = mapped_column(str_enum(TicketType))
    priority: Mapped[Priority] = mapped_column(str_enum(Priority, length=4))
    #: Per-party clocks name the party and the segment or handoff they measure.
    party_id: Mapped[int | None] = mapped_column(ForeignKey("parties.id"))
    segment_id: Mapped[int | None] = mapped_column(ForeignKey("responsibility_segments.id"))
    handoff_id: Mapped[int | None] = mapped_column(ForeignKey("handoffs.id"))
    policy_id: Mapped[int | None] = mapped_column(ForeignKey("sla_policies.id"))
    calendar_id: Mapped[int] = mapped_column(ForeignKey("business_calendars.id"))
    target_minutes: Mapped[int]
    started_at: Mapped[datetime]
    due_at: Mapped[datetime]
    warn_at: Mapped[datetime | None]
    paused_at: Mapped[datetime | None]
    #: Business seconds spent paused so far (kept for reports).
    paused_seconds: Mapped[int] = mapped_column(default=0)
    stopped_at: Mapped[datetime | None]
    warned_at: Mapped[datetime | None]
    breached_at: Mapped[datetime | None]

    pauses: Mapped[list[SlaClockPause]] = relationship(
        back_populates="clock", cascade="all, delete-orphan", order_by="SlaClockPause.started_at"
    )

    __table_args__ = (
        # The sweeps read only running clocks, a few thousand among millions of stopped ones.
        Index("ix_sla_clocks_running_due", "due_at",
              postgresql_where=text(RUNNING_PREDICATE), sqlite_where=text(RUNNING_PREDICATE)),
        Index("ix_sla_clocks_running_warn", "warn_at",
              postgresql_where=text(RUNNING_PREDICATE), sqlite_where=text(RUNNING_PREDICATE)),
        Index("ix_sla_clocks_segment", "segment_id"),
        # Reports by period: clocks that stopped, or fell due, within a week or a month.
        Index("ix_sla_clocks_stopped_at", "stopped_at"),
        Index("ix_sla_clocks_due_at", "due_at"),
    )


class SlaClockPause(Model):
    """An interval a clock did not run: waiting on the requester, or resolved until reopened."""

    __tablename__ = "sla_clock_pauses"
    id: Mapped[int] = mapped_column(primary_key=True)
    clock_id: Mapped[int] = mapped_column(ForeignKey("sla_clocks.id", ondelete="CASCADE"), index=True)
    started_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]
    #: Why: ``status:pending`` or ``resolved``.
    reason: Mapped[str] = mapped_column(String(40), default="")

    clock: Mapped[SlaClock] = relationship(back_populates="pauses")


class SlaEvent(Model):
    """A warning or breach, recorded exactly once per clock even under concurrent sweeps."""

    __tablename__ = "sla_events"
    id: Mapped[int] = mapped_column(primary_key=True)
    clock_id: Mapped[int] = mapped_column(ForeignKey("sla_clocks.id", ondelete="CASCADE"))
    kind: Mapped[SlaEventKind] = mapped_column(str_enum(SlaEventKind))
    #: When the threshold was crossed (``warn_at`` or ``due_at``), not when a sweep noticed it.
    occurred_at: Mapped[datetime]
    recorded_at: Mapped[datetime]

    __table_args__ = (UniqueConstraint("clock_id", "kind"),)
