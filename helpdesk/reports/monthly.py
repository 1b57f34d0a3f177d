"""The monthly service-level report to the ministry, computed from the raw records.

One Japan calendar month (Asia/Tokyo, from the 1st 00:00 to the next 1st 00:00), measured as of
``as_of`` (the month's end, or the generation time while the month is still running). Every
figure is one set-based statement (``GROUP BY``, a window function), except the percentiles and
wall-clock durations, which are computed here over rows bounded by the month.

Definitions (the report page's notes repeat them for its readers):

* **Received**: tickets whose ``created_at`` lies in the month (a phone ticket's is the call's start).
* **First-contact resolution (FCR)**: a ticket received in the month that phone intake marked
  "resolved during the call" (``is_first_contact_resolution``: resolved and closed in the same
  transaction as the logged call) and that was never reopened. The rate is over phone tickets
  received in the month, the only channel where a request can be settled while the requester is
  still on the line; the rate over every ticket received is given beside it.
* **SLA compliance** (per priority; ticket clocks, not the parties' own): a clock is *met* in the
  month it stopped, when it stopped without a recorded breach; it is *missed* in the month its
  breach was recorded (``breached_at``, which is its due time) whether it stopped later or is still
  running. Each clock therefore counts once, in one month. Response is the first-response clock;
  resolution is the resolution clock, or for faults and security incidents the restoration clock.
* **P1 restoration within one hour**: P1 restoration clocks whose ticket's ``restored_at`` lies in
  the month; minutes are wall-clock from detection (the ticket's ``created_at``) to restoration.
* **Serious incidents**: major incidents registered as serious (重大障害) and detected in the month.
* **Per party**: handoffs received = handoffs to the party requested in the month; acknowledgement
  time = requested → decided (accepted or rejected) for those decided, p50/p90 by nearest rank;
  missed acknowledgements = deadlines that passed unanswered in the month (``ack_overdue_at``);
  time held = wall-clock overlap of the party's responsibility segments with the month;
  rejections = handoffs to the party rejected in the month, by reason; own targets = the party's
  acknowledgement deadlines (met when decided by the deadline, in the month decided; missed in the
  month the deadline passed) and hold clocks (met/missed by the same rule as the SLA compliance).
* **Satisfaction**: ratings given in the month (``rated_at``).
* **Backlog at month end**: tickets that a responsibility segment held at the month's last instant
  (so not closed then) and whose last status change before it (audit trail) was not to
  ``resolved``; grouped by the holding party of that segment and by the ticket's priority
  (today's: priority changes are not replayed).
"""

from __future__ import annotations

import hashlib
import json
import math
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, case, func, or_, select

from helpdesk.accounts.models import Party, Site
from helpdesk.audit.models import AuditEvent
from helpdesk.core.db import db
from helpdesk.core.time import TOKYO
from helpdesk.handoff.models import Handoff, HandoffState
from helpdesk.incidents.models import MajorIncident
from helpdesk.responsibility.models import ResponsibilitySegment
from helpdesk.sla.models import Metric, SlaClock
from helpdesk.tickets.models import Service, Ticket
from helpdesk.tickets.states import Channel, Priority, TicketStatus

#: Bumped whenever a definition or the layout of the content changes; stored with each snapshot.
CODE_VERSION = "monthly-1"
P1_TARGET_MINUTES = 60
RATINGS = range(1, 6)
#: Shown instead of a confidential (security) ticket's subject.
CONFIDENTIAL_SUBJECT = "（機密）"


# --- the figures ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Ratio:
    """``numerator`` of ``denominator``; ``rate`` rounded to 4 places, None when nothing was measured."""

    numerator: int
    denominator: int
    rate: float | None

    @classmethod
    def of(cls, numerator: int, denominator: int) -> Ratio:
        return cls(numerator, denominator, round(numerator / denominator, 4) if denominator else None)


@dataclass(frozen=True)
class Count:
    """Tickets sharing one value: an enum value or a code as ``key``, reference data's names beside it."""

    key: str
    count: int
    name_ja: str = ""
    name_en: str = ""


@dataclass(frozen=True)
class Intake:
    total: int
    by_type: list[Count]
    by_channel: list[Count]
    by_site: list[Count]
    by_service: list[Count]


@dataclass(frozen=True)
class FirstContact:
    phone: Ratio
    all_channels: Ratio


@dataclass(frozen=True)
class Compliance:
    """Met and missed clocks of one priority, response and resolution."""

    priority: str
    response: Ratio
    resolution: Ratio


@dataclass(frozen=True)
class Restoration:
    """One P1 restoration; times are Japan time, ISO 8601."""

    number: str
    subject: str
    detected_at: str
    restored_at: str
    minutes: int
    is_within_target: bool


@dataclass(frozen=True)
class P1Restorations:
    target_minutes: int
    within: Ratio
    items: list[Restoration]


@dataclass(frozen=True)
class SeriousIncident:
    number: str
    title: str
    detected_at: str
    restored_at: str | None
    minutes: int | None
    reason: str


@dataclass(frozen=True)
class PartyFigures:
    code: str
    name_ja: str
    name_en: str
    handoffs_received: int
    acks_decided: int
    ack_p50_seconds: int | None
    ack_p90_seconds: int | None
    acks_missed: int
    held_seconds: int
    rejections: dict[str, int]
    acknowledge_target: Ratio
    hold_target: Ratio


@dataclass(frozen=True)
class Satisfaction:
    count: int
    average: float | None
    distribution: dict[str, int]


@dataclass(frozen=True)
class Backlog:
    as_of: str
    total: int
    by_priority: list[Count]
    by_party: list[Count]


@dataclass(frozen=True)
class Period:
    month: str
    starts_at: str
    ends_at: str
    as_of: str


@dataclass(frozen=True)
class MonthlyReport:
    """The whole report; ``to_content`` is what a snapshot stores and hashes."""

    period: Period
    intake: Intake
    first_contact: FirstContact
    compliance: list[Compliance]
    p1_restorations: P1Restorations
    serious_incidents: list[SeriousIncident]
    parties: list[PartyFigures]
    satisfaction: Satisfaction
    backlog: Backlog
    code_version: str = field(default=CODE_VERSION)

    def to_content(self) -> dict[str, Any]:
        """Plain JSON values (lists, dicts, str, int, float rounded to 4 places, None)."""
        return asdict(self)


def canonical_json(content: Any) -> bytes:
    """The one serialisation that is hashed: sorted keys, no spaces, UTF-8, no NaN."""
    return json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"),
                      allow_nan=False).encode("utf-8")


def sha256_of(content: Any) -> str:
    """Hex SHA-256 of :func:`canonical_json`."""
    return hashlib.sha256(canonical_json(content)).hexdigest()


# --- months ------------------------------------------------------------------------------------------


def parse_month(value: str) -> date:
    """``YYYY-MM`` → the month's first day.

    :raises ValueError: not a month of the form ``YYYY-MM`` between 2000 and 2999.
    """
    try:
        year, month = (int(part) for part in value.split("-"))
        first = date(year, month, 1)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"not a month (YYYY-MM): {value!r}") from exc
    if len(value) != 7 or not 2000 <= year <= 2999:
        raise ValueError(f"not a month (YYYY-MM): {value!r}")
    return first


def month_bounds(first: date) -> tuple[datetime, datetime]:
    """The UTC instants of the Japan month's start and of the next month's start."""
    following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    return (datetime(first.year, first.month, 1, tzinfo=TOKYO).astimezone(UTC),
            datetime(following.year, following.month, 1, tzinfo=TOKYO).astimezone(UTC))


def previous_month(now: datetime) -> str:
    """``YYYY-MM`` of the Japan month before the one ``now`` falls in (the default to generate)."""
    local = now.astimezone(TOKYO).date().replace(day=1) - timedelta(days=1)
    return f"{local:%Y-%m}"


def _tokyo(value: datetime) -> str:
    return value.astimezone(TOKYO).isoformat(timespec="seconds")


# --- computing -----------------------------------------------------------------------------------------

#: Called after each section with (sections done, sections in all, the next section's name).
Progress = Callable[[int, int, str], None]


@dataclass(frozen=True)
class _Window:
    start: datetime
    end: datetime
    #: The instant the figures are taken at: the month's end, or earlier for a running month.
    as_of: datetime

    def contains(self, column: Any) -> ColumnElement[bool]:
        return and_(column >= self.start, column < self.end, column <= self.as_of)


SECTIONS: tuple[str, ...] = ("intake", "first_contact", "compliance", "p1_restorations",
                             "serious_incidents", "parties", "satisfaction", "backlog")


def build(month: str, *, as_of: datetime, progress: Progress | None = None) -> MonthlyReport:
    """Compute ``month``'s report as of ``as_of`` (clamped to the month's end); reads only.

    The same month and ``as_of`` over the same records give the same report, byte for byte
    once serialised: that is what ``flask reports verify`` relies on.

    :raises ValueError: ``month`` is not ``YYYY-MM``.
    """
    start, end = month_bounds(parse_month(month))
    window = _Window(start, end, min(as_of, end))
    results: dict[str, Any] = {}
    steps: dict[str, Callable[[_Window], Any]] = {
        "intake": _intake, "first_contact": _first_contact, "compliance": _compliance,
        "p1_restorations": _p1_restorations, "serious_incidents": _serious_incidents,
        "parties": _parties, "satisfaction": _satisfaction, "backlog": _backlog,
    }
    for index, name in enumerate(SECTIONS):
        if progress is not None:
            progress(index, len(SECTIONS), name)
        results[name] = steps[name](window)
    if progress is not None:
        progress(len(SECTIONS), len(SECTIONS), "")
    return MonthlyReport(
        period=Period(month=month, starts_at=_tokyo(start), ends_at=_tokyo(end), as_of=_tokyo(window.as_of)),
        **results,
    )


def _received(window: _Window) -> ColumnElement[bool]:
    return window.contains(Ticket.created_at)


def _counts(column: Any, window: _Window) -> list[Count]:
    rows = db.session.execute(
        select(column, func.count()).where(_received(window)).group_by(column).order_by(column)
    )
    return [Count(key=str(key.value if hasattr(key, "value") else key), count=int(n)) for key, n in rows]


def _counts_by_reference(model: Any, column: Any, window: _Window) -> list[Count]:
    """Received tickets per site or service, reference names beside the code; none last."""
    rows = db.session.execute(
        select(model.code, model.name_ja, model.name_en, func.count(Ticket.id))
        .select_from(Ticket).outerjoin(model, model.id == column)
        .where(_received(window))
        .group_by(model.code, model.name_ja, model.name_en)
    )
    counts = [Count(key=code or "", count=int(n), name_ja=ja or "", name_en=en or "")
              for code, ja, en, n in rows]
    return sorted(counts, key=lambda c: (c.key == "", -c.count, c.key))


def _intake(window: _Window) -> Intake:
    by_type = _counts(Ticket.type, window)
    return Intake(
        total=sum(c.count for c in by_type),
        by_type=by_type,
        by_channel=_counts(Ticket.channel, window),
        by_site=_counts_by_reference(Site, Ticket.site_id, window),
        by_service=_counts_by_reference(Service, Ticket.service_id, window),
    )


def _first_contact(window: _Window) -> FirstContact:
    is_fcr = and_(Ticket.is_first_contact_resolution.is_(True), Ticket.reopened_count == 0)
    phone = Ticket.channel == Channel.PHONE
    row = db.session.execute(
        select(func.count(),
               func.count(case((phone, 1))),
               func.count(case((and_(is_fcr, phone), 1))),
               func.count(case((is_fcr, 1))))
        .where(_received(window))
    ).one()
    total, phone_total, phone_fcr, all_fcr = (int(v) for v in row)
    return FirstContact(phone=Ratio.of(phone_fcr, phone_total), all_channels=Ratio.of(all_fcr, total))


def _met_missed(
    window: _Window, *where: ColumnElement[bool], group: Any
) -> dict[tuple[Any, ...], tuple[int, int]]:
    """Met and missed clocks in the month by ``group`` (a tuple of columns), per the rule above."""
    met = and_(SlaClock.breached_at.is_(None), SlaClock.stopped_at.is_not(None),
               window.contains(SlaClock.stopped_at))
    missed = and_(SlaClock.breached_at.is_not(None), window.contains(SlaClock.breached_at))
    rows = db.session.execute(
        select(*group, func.count(case((met, 1))), func.count(case((missed, 1))))
        .where(*where, or_(met, missed))
        .group_by(*group)
    )
    return {tuple(row[:-2]): (int(row[-2]), int(row[-1])) for row in rows}


def _compliance(window: _Window) -> list[Compliance]:
    kind = case((SlaClock.metric == Metric.FIRST_RESPONSE, "response"), else_="resolution")
    figures = _met_missed(
        window, SlaClock.party_id.is_(None),
        SlaClock.metric.in_((Metric.FIRST_RESPONSE, Metric.RESOLUTION, Metric.RESTORATION)),
        group=(SlaClock.priority, kind),
    )

    def ratio(priority: Priority, what: str) -> Ratio:
        met, missed = figures.get((priority, what), (0, 0))
        return Ratio.of(met, met + missed)

    return [Compliance(priority=p.value, response=ratio(p, "response"), resolution=ratio(p, "resolution"))
            for p in Priority]


def _minutes(start: datetime, end: datetime) -> int:
    """Whole minutes, rounded down: 60 min 59 s is still within one hour."""
    return int((end - start).total_seconds() // 60)


def _subject(subject: str, is_confidential: bool) -> str:
    return CONFIDENTIAL_SUBJECT if is_confidential else subject


def _p1_restorations(window: _Window) -> P1Restorations:
    rows = db.session.execute(
        select(Ticket.number, Ticket.subject, Ticket.is_confidential, Ticket.created_at, Ticket.restored_at)
        .join(SlaClock, SlaClock.ticket_id == Ticket.id)
        .where(SlaClock.metric == Metric.RESTORATION, SlaClock.party_id.is_(None),
               SlaClock.priority == Priority.P1, Ticket.restored_at.is_not(None),
               window.contains(Ticket.restored_at))
        .distinct()
        .order_by(Ticket.restored_at, Ticket.number)
    )
    items = []
    for number, subject, confidential, detected, restored in rows:
        assert restored is not None  # selected for it
        minutes = _minutes(detected, restored)
        items.append(Restoration(number=number, subject=_subject(subject, confidential),
                                 detected_at=_tokyo(detected), restored_at=_tokyo(restored), minutes=minutes,
                                 is_within_target=minutes <= P1_TARGET_MINUTES))
    within = sum(1 for item in items if item.is_within_target)
    return P1Restorations(target_minutes=P1_TARGET_MINUTES, within=Ratio.of(within, len(items)), items=items)


def _serious_incidents(window: _Window) -> list[SeriousIncident]:
    rows = db.session.execute(
        select(Ticket.number, MajorIncident.title, MajorIncident.detected_at, MajorIncident.restored_at,
               MajorIncident.serious_reason)
        .join(Ticket, Ticket.id == MajorIncident.ticket_id)
        .where(MajorIncident.is_serious.is_(True), window.contains(MajorIncident.detected_at))
        .order_by(MajorIncident.detected_at, MajorIncident.id)
    )
    result = []
    for number, title, detected, restored, reason in rows:
        # A restoration after the report's instant had not happened yet as of then.
        shown = restored if restored is not None and restored <= window.as_of else None
        result.append(SeriousIncident(
            number=number, title=title, detected_at=_tokyo(detected),
            restored_at=_tokyo(shown) if shown else None,
            minutes=_minutes(detected, shown) if shown else None, reason=reason,
        ))
    return result


def _pairs(stmt: Select[Any, Any]) -> dict[Any, int]:
    """A two-column ``GROUP BY`` (key, count) as a dict."""
    return {key: int(n) for key, n in db.session.execute(stmt)}


def nearest_rank(sorted_values: Sequence[int], percent: int) -> int | None:
    """Nearest-rank percentile: the smallest value with at least ``percent`` % of values at or below it."""
    if not sorted_values:
        return None
    rank = max(1, math.ceil(percent * len(sorted_values) / 100))
    return sorted_values[rank - 1]


def _parties(window: _Window) -> list[PartyFigures]:
    received = _pairs(select(Handoff.to_party_id, func.count()).where(window.contains(Handoff.requested_at))
                      .group_by(Handoff.to_party_id))
    durations: dict[int, list[int]] = defaultdict(list)
    for party_id, requested, decided in db.session.execute(
        select(Handoff.to_party_id, Handoff.requested_at, Handoff.decided_at)
        .where(window.contains(Handoff.requested_at), Handoff.decided_at.is_not(None),
               Handoff.decided_at <= window.as_of,
               Handoff.state.in_((HandoffState.ACCEPTED, HandoffState.REJECTED)))
    ):
        if decided is not None:  # selected for it; the check is for the type checker
            durations[party_id].append(int((decided - requested).total_seconds()))
    missed = _pairs(select(Handoff.to_party_id, func.count()).where(window.contains(Handoff.ack_overdue_at))
                    .group_by(Handoff.to_party_id))
    rejections: dict[int, dict[str, int]] = defaultdict(dict)
    for party_id, reason, n in db.session.execute(
        select(Handoff.to_party_id, Handoff.reject_reason, func.count())
        .where(Handoff.state == HandoffState.REJECTED, window.contains(Handoff.decided_at))
        .group_by(Handoff.to_party_id, Handoff.reject_reason)
    ):
        rejections[party_id][reason.value if reason else ""] = int(n)
    held = _held_seconds(window)
    holds = _met_missed(window, SlaClock.party_id.is_not(None), SlaClock.metric == Metric.HOLD,
                        group=(SlaClock.party_id,))
    acks = _acknowledgements(window)

    def ratio(figures: dict[tuple[Any, ...], tuple[int, int]], party_id: int) -> Ratio:
        met, missed_count = figures.get((party_id,), (0, 0))
        return Ratio.of(met, met + missed_count)

    result = []
    for party in db.session.scalars(select(Party).order_by(Party.id)):
        ack = sorted(durations.get(party.id, []))
        figures = PartyFigures(
            code=party.code, name_ja=party.name_ja, name_en=party.name_en,
            handoffs_received=received.get(party.id, 0), acks_decided=len(ack),
            ack_p50_seconds=nearest_rank(ack, 50), ack_p90_seconds=nearest_rank(ack, 90),
            acks_missed=missed.get(party.id, 0), held_seconds=held.get(party.id, 0),
            rejections=dict(sorted(rejections.get(party.id, {}).items())),
            acknowledge_target=ratio(acks, party.id), hold_target=ratio(holds, party.id),
        )
        # A party that did nothing in the month (an inactive one, say) is left out.
        if party.is_active or figures.handoffs_received or figures.held_seconds:
            result.append(figures)
    return result


def _acknowledgements(window: _Window) -> dict[tuple[Any, ...], tuple[int, int]]:
    """Handoffs with a deadline, met or missed in the month by the receiver, like the clocks.

    The acknowledgement target lives on the handoff (``ack_due_at``), not in a clock: met when
    decided by the deadline (counted in the month decided), missed when the deadline passed
    unanswered (counted in the month it passed, ``ack_overdue_at``).
    """
    met = and_(Handoff.ack_due_at.is_not(None), Handoff.ack_overdue_at.is_(None),
               Handoff.state.in_((HandoffState.ACCEPTED, HandoffState.REJECTED)),
               Handoff.decided_at <= Handoff.ack_due_at, window.contains(Handoff.decided_at))
    missed = window.contains(Handoff.ack_overdue_at)
    rows = db.session.execute(
        select(Handoff.to_party_id, func.count(case((met, 1))), func.count(case((missed, 1))))
        .where(or_(met, missed)).group_by(Handoff.to_party_id)
    )
    return {(party_id,): (int(m), int(x)) for party_id, m, x in rows}


def _held_seconds(window: _Window) -> dict[int, int]:
    """Wall-clock seconds of each party's segments within [start, as_of]: the overlaps, fetched and summed.

    Segments overlapping one month are bounded by the tickets open in it; summing in Python keeps
    the arithmetic identical on PostgreSQL and SQLite (no dialect's interval functions).
    """
    totals: dict[int, float] = defaultdict(float)
    segment = ResponsibilitySegment
    rows = db.session.execute(
        select(segment.party_id, segment.started_at, segment.ended_at)
        .where(segment.started_at < window.as_of,
               or_(segment.ended_at.is_(None), segment.ended_at > window.start))
    )
    for party_id, started, ended in rows:
        begin = max(started, window.start)
        finish = min(ended or window.as_of, window.as_of)
        if finish > begin:
            totals[party_id] += (finish - begin).total_seconds()
    return {party_id: int(seconds) for party_id, seconds in totals.items()}


def _satisfaction(window: _Window) -> Satisfaction:
    rows = _pairs(
        select(Ticket.satisfaction_rating, func.count())
        .where(Ticket.satisfaction_rating.is_not(None), Ticket.rated_at.is_not(None),
               window.contains(Ticket.rated_at))
        .group_by(Ticket.satisfaction_rating)
    )
    distribution = {str(r): int(rows.get(r, 0)) for r in RATINGS}
    count = sum(distribution.values())
    total = sum(r * distribution[str(r)] for r in RATINGS)
    return Satisfaction(count=count, average=round(total / count, 4) if count else None,
                        distribution=distribution)


def _backlog(window: _Window) -> Backlog:
    """Open tickets at the report's instant, from the segments and the audit trail (see the module doc)."""
    instant = window.as_of
    held = (
        select(ResponsibilitySegment.ticket_id, ResponsibilitySegment.party_id)
        .where(ResponsibilitySegment.started_at <= instant,
               or_(ResponsibilitySegment.ended_at.is_(None), ResponsibilitySegment.ended_at > instant))
        .subquery()
    )
    # The newest status change of each held ticket up to the instant (the window function picks it).
    ranked = (
        select(AuditEvent.ticket_id.label("ticket_id"), AuditEvent.data["to"].as_string().label("status"),
               func.row_number().over(partition_by=AuditEvent.ticket_id,
                                      order_by=AuditEvent.seq.desc()).label("rank"))
        .where(AuditEvent.action == "ticket.status_changed", AuditEvent.occurred_at <= instant,
               AuditEvent.ticket_id.in_(select(held.c.ticket_id)))
        .subquery()
    )
    last = select(ranked.c.ticket_id, ranked.c.status).where(ranked.c.rank == 1).subquery()
    rows = db.session.execute(
        select(Ticket.priority, Party.code, Party.name_ja, Party.name_en, func.count())
        .select_from(held)
        .join(Ticket, Ticket.id == held.c.ticket_id)
        .join(Party, Party.id == held.c.party_id)
        .outerjoin(last, last.c.ticket_id == held.c.ticket_id)
        .where(or_(last.c.status.is_(None), last.c.status != TicketStatus.RESOLVED.value))
        .group_by(Ticket.priority, Party.code, Party.name_ja, Party.name_en)
    ).all()
    by_priority: dict[str, int] = defaultdict(int)
    by_party: dict[tuple[str, str, str], int] = defaultdict(int)
    for priority, code, ja, en, n in rows:
        by_priority[priority.value] += int(n)
        by_party[(code, ja, en)] += int(n)
    return Backlog(
        as_of=_tokyo(instant),
        total=sum(by_priority.values()),
        by_priority=[Count(key=p.value, count=by_priority.get(p.value, 0)) for p in Priority],
        by_party=[Count(key=code, count=n, name_ja=ja, name_en=en)
                  for (code, ja, en), n in sorted(by_party.items(), key=lambda i: (-i[1], i[0][0]))],
    )


# --- comparing -------------------------------------------------------------------------------------------


def differences(old: Any, new: Any, path: str = "") -> list[tuple[str, Any, Any]]:
    """Every leaf where two contents differ, as ``(path, old, new)``, paths like ``parties[1].held_seconds``.

    Values must also agree in type (1 and 1.0 differ: the canonical JSON differs).
    """
    if isinstance(old, dict) and isinstance(new, dict):
        found: list[tuple[str, Any, Any]] = []
        for key in sorted(set(old) | set(new)):
            sub = f"{path}.{key}" if path else str(key)
            if key not in old or key not in new:
                found.append((sub, old.get(key), new.get(key)))
            else:
                found.extend(differences(old[key], new[key], sub))
        return found
    if isinstance(old, list) and isinstance(new, list):
        found = []
        for i in range(max(len(old), len(new))):
            sub = f"{path}[{i}]"
            if i >= len(old) or i >= len(new):
                found.append((sub, old[i] if i < len(old) else None, new[i] if i < len(new) else None))
            else:
                found.extend(differences(old[i], new[i], sub))
        return found
    return [] if old == new and type(old) is type(new) else [(path, old, new)]

