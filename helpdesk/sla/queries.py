"""Reading clocks: badges for queue rows, a ticket's clocks, the supervisor's SLA overview."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import ColumnElement, and_, case, func, select
from sqlalchemy.orm import selectinload

from helpdesk.core.db import db
from helpdesk.sla import calendars
from helpdesk.sla.calendar import CalendarRules, business_time_between
from helpdesk.sla.models import BusinessCalendar, Metric, SlaClock, SlaPolicy
from helpdesk.tickets.models import Ticket
from helpdesk.tickets.states import OPEN_STATUSES, Priority, TicketType


class Level(StrEnum):
    """How a clock stands; every level has a word and an icon on screen, not only a colour."""

    OK = "ok"
    WARNING = "warning"  # past the warning share of its target
    BREACHED = "breached"  # past its due time, still running
    PAUSED = "paused"
    MET = "met"  # stopped in time
    MISSED = "missed"  # stopped late


@dataclass(frozen=True)
class ClockView:
    """One clock as a person reads it."""

    id: int
    ticket_id: int
    metric: Metric
    level: Level
    #: Business time left (negative once due); for a stopped clock, what was left when it stopped.
    remaining: timedelta
    due_at: datetime
    started_at: datetime
    stopped_at: datetime | None
    target_minutes: int
    priority: Priority
    ticket_type: TicketType
    party_id: int | None
    policy_version: int | None = None
    is_24x7: bool = False

    @property
    def is_restoration_hour(self) -> bool:
        """The one-hour restoration target of a P1 fault, still running: the console shows a countdown."""
        return (
            self.metric is Metric.RESTORATION
            and self.priority is Priority.P1
            and self.level in (Level.OK, Level.WARNING, Level.BREACHED)
        )


#: What a clock whose calendar was deleted counts on: every second.
WALL_CLOCK = CalendarRules(is_24x7=True)


class RulesCache:
    """Calendar rules by id, read once per request or sweep."""

    def __init__(self, now: datetime) -> None:
        self._now = now
        self._rules: dict[int, CalendarRules] = {}

    def get(self, calendar_id: int) -> CalendarRules:
        """The rules of a calendar (wall-clock time for an unknown one)."""
        if calendar_id not in self._rules:
            self._rules[calendar_id] = calendars.rules_for(calendar_id, around=self._now) or WALL_CLOCK
        return self._rules[calendar_id]


def view_of(
    clock: SlaClock, *, now: datetime, rules: RulesCache, versions: dict[int, int] | None = None
) -> ClockView:
    """How ``clock`` stands at ``now``."""
    calendar = rules.get(clock.calendar_id)
    if clock.stopped_at is not None:
        remaining = business_time_between(calendar, clock.stopped_at, clock.due_at)
        level = Level.MET if clock.stopped_at <= clock.due_at else Level.MISSED
    elif clock.paused_at is not None:
        remaining = business_time_between(calendar, clock.paused_at, clock.due_at)  # frozen while paused
        level = Level.PAUSED
    else:
        remaining = business_time_between(calendar, now, clock.due_at)
        if now >= clock.due_at:
            level = Level.BREACHED
        elif clock.warn_at is not None and now >= clock.warn_at:
            level = Level.WARNING
        else:
            level = Level.OK
    return ClockView(
        id=clock.id,
        ticket_id=clock.ticket_id,
        metric=clock.metric,
        level=level,
        remaining=remaining,
        due_at=clock.due_at,
        started_at=clock.started_at,
        stopped_at=clock.stopped_at,
        target_minutes=clock.target_minutes,
        priority=clock.priority,
        ticket_type=clock.ticket_type,
        party_id=clock.party_id,
        policy_version=(versions or {}).get(clock.policy_id or 0),
        is_24x7=calendar.is_24x7,
    )


_URGENCY = {Level.BREACHED: 0, Level.WARNING: 1, Level.OK: 2, Level.PAUSED: 3, Level.MISSED: 4, Level.MET: 5}


def ticket_badges(ticket_ids: Collection[int], *, now: datetime) -> dict[int, ClockView]:
    """Each ticket's most pressing unstopped ticket clock (not a party's), in one statement."""
    if not ticket_ids:
        return {}
    clocks = db.session.scalars(
        select(SlaClock).where(
            SlaClock.ticket_id.in_(list(ticket_ids)),
            SlaClock.segment_id.is_(None),
            SlaClock.stopped_at.is_(None),
        )
    )
    rules = RulesCache(now)
    badges: dict[int, ClockView] = {}
    for clock in clocks:
        view = view_of(clock, now=now, rules=rules)
        best = badges.get(clock.ticket_id)
        if best is None or (_URGENCY[view.level], view.remaining) < (_URGENCY[best.level], best.remaining):
            badges[clock.ticket_id] = view
    return badges


def list_restoration_countdowns(
    *, now: datetime, include_confidential: bool, ticket_ids: Collection[int] | None = None, limit: int = 5
) -> list[tuple[ClockView, Ticket]]:
    """Running one-hour restoration clocks of open P1 tickets (all, or ``ticket_ids``), soonest first.

    At most ``limit``: a banner each; the rest are in the "breaching soon" view.

    The open P1 tickets are a subquery (a semi-join the planner starts from the open-queue
    index); handing their ids over as a list cost a bound parameter each, and a storm can
    leave a thousand of them open.
    """
    tickets = select(Ticket.id).where(Ticket.priority == Priority.P1, Ticket.status.in_(OPEN_STATUSES))
    if not include_confidential:
        tickets = tickets.where(Ticket.is_confidential.is_(False))
    if ticket_ids is not None:
        tickets = tickets.where(Ticket.id.in_(list(ticket_ids) or [-1]))
    stmt = (
        select(SlaClock, Ticket)
        .join(Ticket, Ticket.id == SlaClock.ticket_id)
        .where(
            SlaClock.ticket_id.in_(tickets),
            SlaClock.metric == Metric.RESTORATION,
            SlaClock.priority == Priority.P1,
            SlaClock.segment_id.is_(None),
            SlaClock.stopped_at.is_(None),
            SlaClock.paused_at.is_(None),
        )
        .order_by(SlaClock.due_at, SlaClock.id)
        .limit(limit)
    )
    rules = RulesCache(now)
    return [
        (view_of(clock, now=now, rules=rules), ticket) for clock, ticket in db.session.execute(stmt).all()
    ]


def list_clocks(ticket_id: int, *, now: datetime) -> list[ClockView]:
    """Every clock of a ticket, ticket clocks first, then the parties' in the order they started."""
    clocks = list(
        db.session.scalars(
            select(SlaClock)
            .where(SlaClock.ticket_id == ticket_id)
            .order_by(SlaClock.segment_id.is_not(None), SlaClock.started_at, SlaClock.id)
        )
    )
    versions = dict(db.session.execute(select(SlaPolicy.id, SlaPolicy.version)).all())
    rules = RulesCache(now)
    return [view_of(c, now=now, rules=rules, versions=versions) for c in clocks]


def find_current_policy() -> SlaPolicy | None:
    """The policy new clocks take their targets from, with its targets."""
    return db.session.scalar(
        select(SlaPolicy).where(SlaPolicy.is_current.is_(True)).options(selectinload(SlaPolicy.targets))
    )


def list_policies() -> list[SlaPolicy]:
    """Every policy version, newest first."""
    return list(db.session.scalars(select(SlaPolicy).order_by(SlaPolicy.version.desc())))


def list_calendars() -> list[BusinessCalendar]:
    """The business calendars, by code."""
    return list(db.session.scalars(select(BusinessCalendar).order_by(BusinessCalendar.code)))


# --- the queue's "breaching soon" view and "due" sort -------------------------------------------


def breaching_condition(actor: object, now: datetime) -> ColumnElement[bool]:
    """Open tickets with a running clock past its warning share (breached ones included)."""
    return Ticket.id.in_(
        select(SlaClock.ticket_id).where(
            SlaClock.stopped_at.is_(None), SlaClock.paused_at.is_(None), SlaClock.warn_at <= now
        )
    )


#: Earliest due time among a ticket's unstopped ticket clocks; tickets without one sort last.
DUE_ORDER = (
    select(func.min(SlaClock.due_at))
    .where(SlaClock.ticket_id == Ticket.id, SlaClock.stopped_at.is_(None), SlaClock.segment_id.is_(None))
    .correlate(Ticket)
    .scalar_subquery()
    .asc()
    .nulls_last(),
    Ticket.id.asc(),
)


# --- the supervisor's overview --------------------------------------------------------------


@dataclass
class _Tally:
    """Clocks that stopped in a period, and how many of them met their due time."""

    total: int
    met: int

    @property
    def rate(self) -> float | None:
        """Share met, 0–1; None when nothing stopped in the period."""
        return self.met / self.total if self.total else None


@dataclass
class Compliance(_Tally):
    """Stopped ticket clocks of one metric and priority over a period."""

    metric: Metric = Metric.RESOLUTION
    priority: Priority = Priority.P4


@dataclass
class PartyCompliance(_Tally):
    """One party's hold clocks that stopped in the period, and the business time they ran."""

    party_id: int = 0
    held_seconds: int = 0


@dataclass
class Restoration:
    """A P1 fault's restoration clock: its start, when service came back, and whether within the hour."""

    ticket_id: int
    number: str
    subject: str
    started_at: datetime
    stopped_at: datetime | None
    due_at: datetime
    minutes: float | None


@dataclass
class Overview:
    """What the supervisor's SLA page shows."""

    since: datetime
    running: dict[Level, int] = field(default_factory=dict)
    at_risk: list[tuple[ClockView, Ticket]] = field(default_factory=list)
    compliance: list[Compliance] = field(default_factory=list)
    parties: list[PartyCompliance] = field(default_factory=list)
    restorations: list[Restoration] = field(default_factory=list)

    @property
    def restored_within_hour(self) -> int:
        """P1 restorations in the period that met the one-hour target."""
        return sum(1 for r in self.restorations if r.stopped_at is not None and r.stopped_at <= r.due_at)


def overview(*, now: datetime, days: int = 30, include_confidential: bool, limit: int = 50) -> Overview:
    """Running clocks by level, the most pressing ones, and compliance over the last ``days`` days.

    Aggregates run in the database (a handful of statements whatever the number of tickets);
    confidential tickets are left out of the lists unless ``include_confidential``.
    """
    since = now - timedelta(days=days)
    result = Overview(since=since)
    running = and_(SlaClock.stopped_at.is_(None), SlaClock.segment_id.is_(None))
    level = case(
        (SlaClock.paused_at.is_not(None), Level.PAUSED.value),
        (SlaClock.due_at <= now, Level.BREACHED.value),
        (SlaClock.warn_at <= now, Level.WARNING.value),
        else_=Level.OK.value,
    )
    counts = db.session.execute(select(level, func.count()).where(running).group_by(level))
    result.running = {Level(name): int(n) for name, n in counts}
    visible = Ticket.is_confidential.is_(False) if not include_confidential else Ticket.id.is_not(None)
    pressing = db.session.execute(
        select(SlaClock, Ticket)
        .join(Ticket, Ticket.id == SlaClock.ticket_id)
        .where(
            running,
            SlaClock.paused_at.is_(None),
            SlaClock.warn_at <= now,
            visible,
            Ticket.status.in_(OPEN_STATUSES),
        )
        .order_by(SlaClock.due_at, SlaClock.id)
        .limit(limit)
    ).all()
    rules = RulesCache(now)
    result.at_risk = [(view_of(clock, now=now, rules=rules), ticket) for clock, ticket in pressing]
    stopped = and_(SlaClock.stopped_at >= since, SlaClock.stopped_at <= now)
    met = func.sum(case((SlaClock.stopped_at <= SlaClock.due_at, 1), else_=0))
    rows = db.session.execute(
        select(SlaClock.metric, SlaClock.priority, func.count(), met)
        .where(stopped, SlaClock.segment_id.is_(None))
        .group_by(SlaClock.metric, SlaClock.priority)
        .order_by(SlaClock.metric, SlaClock.priority)
    )
    result.compliance = [Compliance(int(n), int(k or 0), metric=Metric(m), priority=Priority(p))
                         for m, p, n, k in rows]
    party_rows = db.session.execute(
        select(SlaClock.party_id, func.count(), met)
        .where(stopped, SlaClock.metric == Metric.HOLD)
        .group_by(SlaClock.party_id)
    ).all()
    held = _held_seconds([r[0] for r in party_rows if r[0] is not None], since=since, now=now, rules=rules)
    result.parties = [
        PartyCompliance(int(p), int(n), int(k or 0), held.get(int(p), 0))
        for p, n, k in party_rows
        if p is not None
    ]
    restorations = db.session.execute(
        select(SlaClock, Ticket)
        .join(Ticket, Ticket.id == SlaClock.ticket_id)
        .where(
            SlaClock.metric == Metric.RESTORATION,
            SlaClock.priority == Priority.P1,
            SlaClock.segment_id.is_(None),
            SlaClock.started_at >= since,
            visible,
        )
        .order_by(SlaClock.started_at.desc())
    ).all()
    result.restorations = [
        Restoration(
            ticket.id,
            ticket.number,
            ticket.subject,
            clock.started_at,
            clock.stopped_at,
            clock.due_at,
            (clock.stopped_at - clock.started_at).total_seconds() / 60 if clock.stopped_at else None,
        )
        for clock, ticket in restorations
    ]
    return result


def _held_seconds(
    party_ids: Sequence[int], *, since: datetime, now: datetime, rules: RulesCache
) -> dict[int, int]:
    """Business seconds each party's stopped hold clocks ran, on the party's own calendar."""
    if not party_ids:
        return {}
    totals: dict[int, int] = defaultdict(int)
    clocks = db.session.scalars(
        select(SlaClock).where(
            SlaClock.metric == Metric.HOLD,
            SlaClock.party_id.in_(party_ids),
            SlaClock.stopped_at >= since,
            SlaClock.stopped_at <= now,
        )
    )
    for clock in clocks:
        assert clock.stopped_at is not None
        assert clock.party_id is not None
        run = business_time_between(rules.get(clock.calendar_id), clock.started_at, clock.stopped_at)
        totals[clock.party_id] += max(0, int(run.total_seconds()) - clock.paused_seconds)
    return dict(totals)
