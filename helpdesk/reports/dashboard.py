"""The supervisor's dashboard: where the open tickets are, what is about to breach, what came in.

Every figure is one ``GROUP BY`` (a dozen statements whatever the number of tickets),
answered from the indexes the queue already uses: the open tickets from the partial
open-queue index, intake from the creation-time index, holders from the open-segment
index and "breaching soon" from the running-clock index. Periods are Japan days and
weeks (Monday first); time buckets are ``CASE`` expressions over bounds computed here,
so the same SQL runs on PostgreSQL and SQLite.

Confidential (security) tickets are counted only for security-cleared actors, exactly
as in the queue.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from itertools import pairwise
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, or_, select, true

from helpdesk.accounts.models import Party, Site
from helpdesk.core.actor import Actor
from helpdesk.core.db import BilingualName, db
from helpdesk.core.time import TOKYO
from helpdesk.responsibility.models import ResponsibilitySegment
from helpdesk.sla.models import Metric, SlaClock
from helpdesk.sla.queries import DUE_ORDER, ClockView, breaching_condition, ticket_badges
from helpdesk.tickets.models import Service, Ticket
from helpdesk.tickets.rows import Bilingual
from helpdesk.tickets.states import OPEN_STATUSES, Channel, Priority, TicketStatus

INTAKE_DAYS = 30
COMPLIANCE_WEEKS = 8
BREACHING_LISTED = 10
#: Backlog age buckets: key and the age (days) a ticket must be younger than; the last has no bound.
AGE_BUCKETS: tuple[tuple[str, int | None], ...] = (
    ("lt1", 1), ("1to3", 3), ("3to7", 7), ("7to30", 30), ("gt30", None),
)


@dataclass(frozen=True)
class Count:
    """How many tickets share one value: an enum value or an id as ``key``, a name as ``label``.

    ``label`` is the reader's name of reference data (parties, services, sites); empty for
    enums, which the page labels itself, and for "none" (``key`` empty).
    """

    key: str
    label: str
    count: int


@dataclass(frozen=True)
class DayCount:
    """Tickets received on one Japan day."""

    day: date
    count: int


@dataclass(frozen=True)
class ComplianceWeek:
    """SLA outcomes decided in one Japan week (Monday first).

    A clock is *met* when it stopped in time (counted in the week it stopped) and
    *breached* once its due time passed while it ran (counted in the week it fell due,
    whether it has stopped since or not). "Resolution" covers restoration clocks too.
    """

    week: date
    response_met: int = 0
    response_breached: int = 0
    resolution_met: int = 0
    resolution_breached: int = 0

    @property
    def response_rate(self) -> float | None:
        """Share of response clocks met, 0–1; None when none was decided."""
        return _rate(self.response_met, self.response_breached)

    @property
    def resolution_rate(self) -> float | None:
        """Share of resolution and restoration clocks met, 0–1; None when none was decided."""
        return _rate(self.resolution_met, self.resolution_breached)


@dataclass(frozen=True)
class AgeBucket:
    """Open tickets of one age band, by priority (every priority present, zeros included)."""

    key: str
    by_priority: dict[Priority, int]

    @property
    def total(self) -> int:
        """All open tickets of the band."""
        return sum(self.by_priority.values())


@dataclass(frozen=True)
class AtRisk:
    """An open ticket with a running clock past its warning share, and its most pressing clock."""

    number: str
    subject: str
    priority: Priority
    is_confidential: bool
    badge: ClockView | None


@dataclass(frozen=True)
class Breaching:
    """The queue's "breaching soon" view in figures: how many, how many already late, the soonest."""

    total: int
    breached: int
    soonest: list[AtRisk] = field(default_factory=list)

    @property
    def warning(self) -> int:
        """Tickets past their warning share but not yet due."""
        return self.total - self.breached


@dataclass(frozen=True)
class Dashboard:
    """Everything the dashboard shows at ``now``; lists are in display order."""

    now: datetime
    open_total: int
    by_status: list[Count]
    by_priority: list[Count]
    by_holder: list[Count]
    breaching: Breaching
    intake_today: list[Count]
    intake_daily: list[DayCount]
    compliance: list[ComplianceWeek]
    backlog_age: list[AgeBucket]
    by_service: list[Count]
    by_site: list[Count]


def build(actor: Actor, *, now: datetime, locale: str = "ja") -> Dashboard:
    """The dashboard as ``actor`` may see it at ``now``, names in ``locale``.

    Read-only; about a dozen aggregate statements, none per ticket. Confidential tickets
    count only when ``actor.is_security_cleared``. The caller decides who may see it.
    """
    visible = _visible(actor)
    open_visible = and_(Ticket.status.in_(OPEN_STATUSES), visible)
    by_status: dict[str, int] = defaultdict(int)
    by_priority: dict[str, int] = defaultdict(int)
    for status, priority, n in db.session.execute(
        select(Ticket.status, Ticket.priority, func.count()).where(open_visible)
        .group_by(Ticket.status, Ticket.priority)
    ):
        by_status[TicketStatus(status).value] += n
        by_priority[Priority(priority).value] += n
    return Dashboard(
        now=now,
        open_total=sum(by_status.values()),
        by_status=[Count(s.value, "", by_status[s.value]) for s in TicketStatus if s in OPEN_STATUSES],
        by_priority=[Count(p.value, "", by_priority[p.value]) for p in Priority],
        by_holder=_by_holder(open_visible, locale),
        breaching=_breaching(open_visible, actor, now),
        intake_today=_intake_today(visible, now),
        intake_daily=_intake_daily(visible, now),
        compliance=_compliance(actor, now),
        backlog_age=_backlog_age(open_visible, now),
        by_service=_by_reference(Service, Ticket.service_id, open_visible, locale),
        by_site=_by_reference(Site, Ticket.site_id, open_visible, locale),
    )


def _visible(actor: Actor) -> ColumnElement[bool]:
    """What the queue shows ``actor``: confidential tickets only to the cleared."""
    return true() if actor.is_security_cleared else Ticket.is_confidential.is_(False)


def _rate(met: int, breached: int) -> float | None:
    return met / (met + breached) if met + breached else None


def _tokyo_midnight(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=TOKYO)


def _bucket(column: Any, edges: Sequence[datetime]) -> ColumnElement[Any]:
    """The index ``i`` of the interval ``[edges[i], edges[i + 1])`` holding ``column``; NULL outside."""
    return case(
        *((and_(column >= start, column < end), i) for i, (start, end) in enumerate(pairwise(edges))),
        else_=None,
    )


def _by_holder(open_visible: ColumnElement[bool], locale: str) -> list[Count]:
    """Open tickets by the party holding their open segment, most first."""
    n = func.count().label("n")
    rows = db.session.execute(
        select(Party.id, Party.name_ja, Party.name_en, n)
        .select_from(ResponsibilitySegment)
        .join(Ticket, Ticket.id == ResponsibilitySegment.ticket_id)
        .join(Party, Party.id == ResponsibilitySegment.party_id)
        .where(ResponsibilitySegment.ended_at.is_(None), open_visible)
        .group_by(Party.id, Party.name_ja, Party.name_en)
        .order_by(n.desc(), Party.id)
    )
    return [Count(str(pid), _pick(ja, en, locale), int(count)) for pid, ja, en, count in rows]


def _breaching(open_visible: ColumnElement[bool], actor: Actor, now: datetime) -> Breaching:
    """The "breaching soon" view (the SLA domain's condition and due order) counted, and its head."""
    breaching = and_(open_visible, breaching_condition(actor, now))
    late = Ticket.id.in_(
        select(SlaClock.ticket_id).where(
            SlaClock.stopped_at.is_(None), SlaClock.paused_at.is_(None), SlaClock.due_at <= now
        )
    )
    total, breached = db.session.execute(
        select(func.count(), func.coalesce(func.sum(case((late, 1), else_=0)), 0)).where(breaching)
    ).one()
    soonest = list(db.session.execute(
        select(Ticket.id, Ticket.number, Ticket.subject, Ticket.priority, Ticket.is_confidential)
        .where(breaching).order_by(*DUE_ORDER).limit(BREACHING_LISTED)
    ))
    badges = ticket_badges([row.id for row in soonest], now=now)
    return Breaching(
        total=int(total), breached=int(breached),
        soonest=[AtRisk(row.number, row.subject, Priority(row.priority), bool(row.is_confidential),
                        badges.get(row.id)) for row in soonest],
    )


def _intake_today(visible: ColumnElement[bool], now: datetime) -> list[Count]:
    """Tickets received since midnight in Tokyo, by channel (every channel, zeros included)."""
    since = _tokyo_midnight(now.astimezone(TOKYO).date())
    counts = dict(db.session.execute(
        select(Ticket.channel, func.count())
        .where(Ticket.created_at >= since, Ticket.created_at <= now, visible)
        .group_by(Ticket.channel)
    ).all())
    return [Count(c.value, "", int(counts.get(c, 0))) for c in Channel]


def _intake_daily(visible: ColumnElement[bool], now: datetime) -> list[DayCount]:
    """Tickets received per Japan day over the last :data:`INTAKE_DAYS` days, today last."""
    today = now.astimezone(TOKYO).date()
    days = [today - timedelta(days=INTAKE_DAYS - 1 - i) for i in range(INTAKE_DAYS)]
    edges = [_tokyo_midnight(d) for d in days] + [_tokyo_midnight(today + timedelta(days=1))]
    bucket = _bucket(Ticket.created_at, edges).label("bucket")
    counts: dict[int, int] = dict(db.session.execute(
        select(bucket, func.count())
        .where(Ticket.created_at >= edges[0], Ticket.created_at <= now, visible)
        .group_by(bucket)
    ).all())
    return [DayCount(day, int(counts.get(i, 0))) for i, day in enumerate(days)]


def _compliance(actor: Actor, now: datetime) -> list[ComplianceWeek]:
    """Ticket clocks' outcomes per Japan week over the last :data:`COMPLIANCE_WEEKS` weeks."""
    today = now.astimezone(TOKYO).date()
    this_monday = today - timedelta(days=today.weekday())
    weeks = [this_monday - timedelta(weeks=COMPLIANCE_WEEKS - 1 - i) for i in range(COMPLIANCE_WEEKS)]
    edges = [_tokyo_midnight(w) for w in weeks] + [_tokyo_midnight(this_monday + timedelta(weeks=1))]
    met = and_(SlaClock.stopped_at.is_not(None), SlaClock.stopped_at <= SlaClock.due_at)
    breached = or_(
        and_(SlaClock.stopped_at.is_not(None), SlaClock.stopped_at > SlaClock.due_at),
        and_(SlaClock.stopped_at.is_(None), SlaClock.paused_at.is_(None), SlaClock.due_at <= now),
        and_(SlaClock.stopped_at.is_(None), SlaClock.paused_at.is_not(None),
             SlaClock.due_at <= SlaClock.paused_at),
    )
    outcome = case((met, "met"), (breached, "breached"), else_=None).label("outcome")
    decided_at = case((met, SlaClock.stopped_at), else_=SlaClock.due_at)
    week = _bucket(decided_at, edges).label("week")
    kind = case((SlaClock.metric == Metric.FIRST_RESPONSE, "response"), else_="resolution").label("kind")
    stmt = (
        select(kind, outcome, week, func.count())
        .where(
            SlaClock.segment_id.is_(None),
            SlaClock.metric.in_([Metric.FIRST_RESPONSE, Metric.RESOLUTION, Metric.RESTORATION]),
            or_(SlaClock.stopped_at.between(edges[0], now), SlaClock.due_at.between(edges[0], now)),
        )
        .group_by(kind, outcome, week)
    )
    if not actor.is_security_cleared:
        stmt = stmt.join(Ticket, Ticket.id == SlaClock.ticket_id).where(Ticket.is_confidential.is_(False))
    tally: dict[tuple[int, str], int] = {}
    for kind_value, outcome_value, index, n in db.session.execute(stmt):
        if outcome_value is not None and index is not None:
            tally[(int(index), f"{kind_value}_{outcome_value}")] = int(n)
    return [
        ComplianceWeek(
            week=monday,
            **{key: tally.get((i, key), 0) for key in ("response_met", "response_breached",
                                                       "resolution_met", "resolution_breached")},
        )
        for i, monday in enumerate(weeks)
    ]


def _backlog_age(open_visible: ColumnElement[bool], now: datetime) -> list[AgeBucket]:
    """Open tickets by age since they were received (see :data:`AGE_BUCKETS`) and priority."""
    band = case(
        *((Ticket.created_at > now - timedelta(days=days), key) for key, days in AGE_BUCKETS if days),
        else_=AGE_BUCKETS[-1][0],
    ).label("band")
    counts: dict[tuple[str, str], int] = {
        (b, p): int(n) for b, p, n in db.session.execute(
            select(band, Ticket.priority, func.count()).where(open_visible).group_by(band, Ticket.priority)
        )
    }
    return [AgeBucket(key, {p: counts.get((key, p.value), 0) for p in Priority}) for key, _ in AGE_BUCKETS]


def _by_reference(model: type[BilingualName], column: Any, open_visible: ColumnElement[bool],
                  locale: str) -> list[Count]:
    """Open tickets by a reference column (service, site), most first; tickets without one last."""
    ref: Any = model
    n = func.count().label("n")
    rows = db.session.execute(
        select(ref.id, ref.name_ja, ref.name_en, n)
        .select_from(Ticket)
        .outerjoin(ref, ref.id == column)
        .where(open_visible)
        .group_by(ref.id, ref.name_ja, ref.name_en)
        .order_by(ref.id.is_(None), n.desc(), ref.id)
    )
    return [Count(str(rid) if rid is not None else "", _pick(ja, en, locale) if rid is not None else "",
                  int(count)) for rid, ja, en, count in rows]


def _pick(ja: str, en: str | None, locale: str) -> str:
    return Bilingual(ja, en or "").pick(locale)
