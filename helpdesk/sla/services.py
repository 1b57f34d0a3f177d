"""Targets and clocks: versioned policies, keeping each ticket's clocks in step, the breach sweep.

Clocks are kept by reconciliation: :func:`sync_ticket_clocks` looks at the ticket (its
status, classification, first response, restoration and resolution) and its responsibility
segments, and brings the clocks in line, inside the caller's unit of work. The tickets domain
calls it through a hook after every change; the handoff domain calls it after responsibility
moves. Running it twice changes nothing the second time.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import selectinload

from helpdesk.accounts.models import Party
from helpdesk.audit import services as audit
from helpdesk.core import outbox
from helpdesk.core.actor import Actor
from helpdesk.core.db import db, unit_of_work
from helpdesk.core.errors import PermissionDenied, ValidationFailed
from helpdesk.responsibility.models import ResponsibilitySegment
from helpdesk.sla import calendar_settings, timing
from helpdesk.sla.calendar import CalendarRules, NoOpenTime, business_time_between
from helpdesk.sla.models import (
    BusinessCalendar,
    CalendarHours,
    Closure,
    Metric,
    PartyTarget,
    SlaClock,
    SlaClockPause,
    SlaEvent,
    SlaEventKind,
    SlaPolicy,
    SlaTarget,
)
from helpdesk.sla.queries import DUE_ORDER, RulesCache, breaching_condition, find_current_policy
from helpdesk.tickets import queues
from helpdesk.tickets import services as tickets
from helpdesk.tickets.models import Ticket
from helpdesk.tickets.states import OPEN_STATUSES, Priority, TicketStatus, TicketType

TASK_SLA_EVENT = "notifications.sla_event"

#: Targets are whole minutes between one minute and a year.
MAX_TARGET_MINUTES = 366 * 24 * 60


def fix_metric(ticket_type: TicketType) -> Metric:
    """Faults and security incidents are measured to restoration, everything else to resolution."""
    return Metric.RESTORATION if ticket_type in (TicketType.FAULT, TicketType.SECURITY) else Metric.RESOLUTION


# --- defaults and policy versions ---------------------------------------------------------------

#: (priority, first response minutes, resolution/restoration minutes, 24x7?). A business day on the
#: office calendar (平日 9:00〜18:15) is 555 minutes.
DEFAULT_TARGETS = (
    (Priority.P1, 15, 60, True),
    (Priority.P2, 30, 240, False),
    (Priority.P3, 120, 2 * 555, False),
    (Priority.P4, 555, 5 * 555, False),
)


def install_defaults(*, actor: Actor, now: datetime) -> int:
    """Create the office and 24x7 calendars, the year-end closure and policy version 1 if missing.

    Idempotent; returns how many things it created. Audited.
    """
    created = 0
    with unit_of_work() as session:
        existing = {c.code: c for c in session.scalars(select(BusinessCalendar))}
        if "office" not in existing:
            office = BusinessCalendar(
                code="office",
                name="平日 9:00〜18:15（祝日・年末年始を除く）",
                timezone="Asia/Tokyo",
                is_24x7=False,
                observes_public_holidays=True,
            )
            office.hours = [
                CalendarHours(weekday=d, opens_at=time(9, 0), closes_at=time(18, 15)) for d in range(5)
            ]
            session.add(office)
            existing["office"] = office
            created += 1
        if "24x7" not in existing:
            existing["24x7"] = BusinessCalendar(
                code="24x7",
                name="24時間365日",
                timezone="Asia/Tokyo",
                is_24x7=True,
                observes_public_holidays=False,
            )
            session.add(existing["24x7"])
            created += 1
        if session.scalar(select(func.count()).select_from(Closure)) == 0:
            session.add(
                Closure(
                    calendar_id=None,
                    first_day=date(now.year, 12, 29),
                    last_day=date(now.year + 1, 1, 3),
                    reason="年末年始（行政機関の休日）",
                    is_annual=True,
                )
            )
            created += 1
        session.flush()
        if session.scalar(select(SlaPolicy.id).limit(1)) is None:
            policy = SlaPolicy(
                version=1,
                is_current=True,
                created_at=now,
                created_by_id=actor.user_id,
                note="既定の目標値",
                warning_percent=75,
                pause_statuses=["pending"],
            )
            for ticket_type in TicketType:
                for priority, respond, resolve, round_the_clock in DEFAULT_TARGETS:
                    calendar_id = existing["24x7" if round_the_clock else "office"].id
                    policy.targets.append(
                        SlaTarget(
                            ticket_type=ticket_type,
                            priority=priority,
                            metric=Metric.FIRST_RESPONSE,
                            minutes=respond,
                            calendar_id=calendar_id,
                        )
                    )
                    policy.targets.append(
                        SlaTarget(
                            ticket_type=ticket_type,
                            priority=priority,
                            metric=fix_metric(ticket_type),
                            minutes=resolve,
                            calendar_id=calendar_id,
                        )
                    )
            session.add(policy)
            session.flush()
            audit.record(
                actor,
                "sla.policy_published",
                subject_type="sla_policy",
                subject_id=1,
                now=now,
                data={"version": 1, "note": policy.note},
            )
            created += 1
    return created


@dataclass(frozen=True)
class TargetDraft:
    """One target of a policy being written."""

    ticket_type: TicketType
    priority: Priority
    metric: Metric
    minutes: int
    calendar_id: int

    @property
    def key(self) -> str:
        """The form field this target comes from: ``fault-P1-restoration``."""
        return f"{self.ticket_type.value}-{self.priority.value}-{self.metric.value}"


@dataclass
class PolicyDraft:
    """A new version of the targets as an administrator submits it."""

    targets: list[TargetDraft]
    warning_percent: int = 75
    pause_statuses: list[TicketStatus] = field(default_factory=lambda: [TicketStatus.PENDING])
    note: str = ""


def publish_policy(draft: PolicyDraft, *, actor: Actor, now: datetime) -> SlaPolicy:
    """Make ``draft`` the current policy as the next version; running clocks keep theirs.

    Every (type, priority) needs a first-response target and a resolution (restoration for
    faults and security incidents) target no shorter than it, each 1 minute to 1 year on a
    known calendar. One audit event lists what changed from the previous version.

    :raises PermissionDenied: the actor is not an administrator.
    :raises ValidationFailed: a missing, out-of-range or inconsistent target, a warning share
        outside 1–99 %, or pausing in every open status.
    """
    if actor.role != "admin":
        raise PermissionDenied(_l("この操作はできません。"))
    errors = check_policy(draft)
    if errors:
        raise ValidationFailed(_l("目標値を確認してください。"), fields=errors)
    with unit_of_work() as session:
        previous = session.scalar(
            select(SlaPolicy)
            .where(SlaPolicy.is_current.is_(True))
            .with_for_update()
            .options(selectinload(SlaPolicy.targets))
        )
        version = int(session.scalar(select(func.max(SlaPolicy.version))) or 0) + 1
        if previous is not None:
            previous.is_current = False
            session.flush()
        policy = SlaPolicy(
            version=version,
            is_current=True,
            created_at=now,
            created_by_id=actor.user_id,
            note=draft.note.strip()[:500],
            warning_percent=draft.warning_percent,
            pause_statuses=sorted(s.value for s in set(draft.pause_statuses)),
        )
        policy.targets = [
            SlaTarget(
                ticket_type=t.ticket_type,
                priority=t.priority,
                metric=t.metric,
                minutes=t.minutes,
                calendar_id=t.calendar_id,
            )
            for t in draft.targets
        ]
        session.add(policy)
        session.flush()
        audit.record(
            actor,
            "sla.policy_published",
            subject_type="sla_policy",
            subject_id=version,
            now=now,
            data={"version": version, "note": policy.note, "changes": _policy_diff(previous, policy)},
        )
    return policy


def check_policy(draft: PolicyDraft) -> dict[str, object]:
    """What :func:`publish_policy` would refuse in ``draft``, by field (empty: nothing).

    Lets a form show every problem at once, its own parsing errors and these together.
    """
    errors: dict[str, object] = {}
    known_calendars = set(db.session.scalars(select(BusinessCalendar.id)))
    by_key = {t.key: t for t in draft.targets}
    for target in draft.targets:
        if not 1 <= target.minutes <= MAX_TARGET_MINUTES:
            errors[target.key] = _l("1分から1年までの分数で入力してください。")
        elif target.calendar_id not in known_calendars:
            errors[target.key] = _l("カレンダーを一覧から選んでください。")
    for ticket_type in TicketType:
        for priority in Priority:
            respond = by_key.get(f"{ticket_type.value}-{priority.value}-{Metric.FIRST_RESPONSE.value}")
            resolve = by_key.get(f"{ticket_type.value}-{priority.value}-{fix_metric(ticket_type).value}")
            for needed, metric in ((respond, Metric.FIRST_RESPONSE), (resolve, fix_metric(ticket_type))):
                if needed is None:
                    errors[f"{ticket_type.value}-{priority.value}-{metric.value}"] = _l("必須です。")
            if respond and resolve and resolve.key not in errors and resolve.minutes < respond.minutes:
                errors[resolve.key] = _l("初回応答の目標より短くはできません。")
    if not 1 <= draft.warning_percent <= 99:
        errors["warning_percent"] = _l("1〜99の数で入力してください。")
    if set(draft.pause_statuses) >= set(OPEN_STATUSES) or not set(draft.pause_statuses) <= set(OPEN_STATUSES):
        errors["pause_statuses"] = _l("未完了の状態の一部だけを選んでください。")
    return errors


def _policy_diff(previous: SlaPolicy | None, policy: SlaPolicy) -> dict[str, list[object]]:
    def flat(p: SlaPolicy | None) -> dict[str, object]:
        if p is None:
            return {}
        values: dict[str, object] = {"warning_percent": p.warning_percent, "pause_statuses": p.pause_statuses}
        for t in p.targets:
            values[f"{t.ticket_type.value}-{t.priority.value}-{t.metric.value}"] = [t.minutes, t.calendar_id]
        return values

    before, after = flat(previous), flat(policy)
    return {
        k: [before.get(k), after.get(k)]
        for k in sorted(set(before) | set(after))
        if before.get(k) != after.get(k)
    }


# --- keeping the clocks of a ticket in step -----------------------------------------------------


@dataclass(frozen=True)
class _Target:
    minutes: int
    calendar_id: int
    policy_id: int | None


class _Clocks:
    """What one reconciliation needs: calendars, policies and party targets, each read once."""

    def __init__(self, now: datetime) -> None:
        self.now = now
        self.rules = RulesCache(now)
        self._policies: dict[int, SlaPolicy | None] = {}
        self._current: SlaPolicy | None | bool = False

    def current(self) -> SlaPolicy | None:
        if self._current is False:
            self._current = find_current_policy()
            if self._current is not None:  # its clocks ask for it by id next: read once
                self._policies[self._current.id] = self._current
        assert not isinstance(self._current, bool)
        return self._current

    def policy(self, policy_id: int | None) -> SlaPolicy | None:
        if policy_id is None:
            return self.current()
        if policy_id not in self._policies:
            self._policies[policy_id] = db.session.scalar(
                select(SlaPolicy).where(SlaPolicy.id == policy_id).options(selectinload(SlaPolicy.targets))
            )
        return self._policies[policy_id]

    def ticket_target(
        self, policy: SlaPolicy | None, ticket_type: TicketType, priority: Priority, metric: Metric
    ) -> _Target | None:
        if policy is None:
            return None
        for t in policy.targets:
            if (t.ticket_type, t.priority, t.metric) == (ticket_type, priority, metric):
                return _Target(t.minutes, t.calendar_id, policy.id)
        return None

    def party_target(self, party_id: int, priority: Priority) -> _Target | None:
        row = db.session.execute(
            select(PartyTarget.minutes, PartyTarget.calendar_id, Party.calendar_id)
            .join(Party, Party.id == PartyTarget.party_id)
            .where(
                PartyTarget.party_id == party_id,
                PartyTarget.priority == priority,
                PartyTarget.metric == Metric.HOLD,
            )
        ).first()
        if row is None:
            return None
        minutes, own, party_calendar = row
        calendar_id = own or party_calendar or self._fallback_calendar()
        return _Target(minutes, calendar_id, None) if calendar_id else None

    def _fallback_calendar(self) -> int | None:
        return db.session.scalar(
            select(BusinessCalendar.id).where(BusinessCalendar.is_24x7.is_(True)).limit(1)
        )

    def calendar(self, clock: SlaClock) -> CalendarRules:
        return self.rules.get(clock.calendar_id)

    def pause_statuses(self, clock: SlaClock) -> Sequence[str]:
        policy = self.policy(clock.policy_id)
        return policy.pause_statuses if policy is not None else [TicketStatus.PENDING.value]

    def warning_percent(self, clock: SlaClock) -> int:
        policy = self.policy(clock.policy_id)
        return policy.warning_percent if policy is not None else 75


def sync_ticket_clocks(ticket: Ticket, actor: Actor, now: datetime) -> None:
    """Bring the ticket's clocks in line with the ticket, inside the caller's unit of work.

    Starts missing clocks (first response and resolution/restoration from the current
    policy, a hold clock for the holding party's segment), stops clocks whose moment came
    (first response, restoration, resolution, the segment's end), resumes a resolution
    clock on reopen (the time resolved counts as a pause), pauses and resumes on the
    policy's pause statuses, and recomputes a clock whose ticket type or priority changed
    (with its own policy version; recorded in the audit trail). A clock stopped after its
    due time without a recorded breach gets one now. Idempotent.
    """
    ctx = _Clocks(now)
    clocks = list(
        db.session.scalars(
            select(SlaClock).where(SlaClock.ticket_id == ticket.id).options(selectinload(SlaClock.pauses))
        )
    )
    segments = {
        s.id: s
        for s in db.session.scalars(
            select(ResponsibilitySegment).where(ResponsibilitySegment.ticket_id == ticket.id)
        )
    }
    clocks += _start_missing(ticket, clocks, segments, ctx)
    for clock in clocks:
        segment = segments.get(clock.segment_id) if clock.segment_id is not None else None
        stop_at = _stop_moment(ticket, clock, segment)
        if clock.stopped_at is None and stop_at is not None:
            _stop(ticket, clock, stop_at, ctx, actor)
        elif clock.stopped_at is not None and stop_at is None and clock.metric is not Metric.FIRST_RESPONSE:
            _resume_after_stop(clock, ctx)
        if clock.stopped_at is not None:
            continue
        _reclassify(ticket, clock, ctx, actor)
        pausing = ticket.status.value in ctx.pause_statuses(clock)
        if pausing and clock.paused_at is None:
            clock.paused_at = now
            clock.pauses.append(SlaClockPause(started_at=now, reason=f"status:{ticket.status.value}"))
        elif not pausing and clock.paused_at is not None:
            _end_pause(clock, now, ctx)
            _recompute(clock, ctx)
    db.session.flush()


def _start_missing(
    ticket: Ticket, clocks: list[SlaClock], segments: dict[int, ResponsibilitySegment], ctx: _Clocks
) -> list[SlaClock]:
    if ticket.status not in OPEN_STATUSES:
        return []
    started: list[SlaClock] = []
    own = [c for c in clocks if c.segment_id is None]
    policy = ctx.current()
    for metric in (Metric.FIRST_RESPONSE, fix_metric(ticket.type)):
        wanted_first = metric is Metric.FIRST_RESPONSE
        if any((c.metric is Metric.FIRST_RESPONSE) == wanted_first for c in own):
            continue
        target = ctx.ticket_target(policy, ticket.type, ticket.priority, metric)
        if target is not None:
            started.append(_new_clock(ticket, metric, target, ticket.created_at, ctx))
    held = {c.segment_id for c in clocks if c.segment_id is not None}
    for segment in segments.values():
        if segment.ended_at is None and segment.id not in held:
            target = ctx.party_target(segment.party_id, ticket.priority)
            if target is not None:
                clock = _new_clock(ticket, Metric.HOLD, target, segment.started_at, ctx)
                clock.party_id, clock.segment_id = segment.party_id, segment.id
                started.append(clock)
    return started


def _new_clock(ticket: Ticket, metric: Metric, target: _Target, start: datetime, ctx: _Clocks) -> SlaClock:
    clock = SlaClock(
        ticket_id=ticket.id,
        metric=metric,
        ticket_type=ticket.type,
        priority=ticket.priority,
        policy_id=target.policy_id,
        calendar_id=target.calendar_id,
        target_minutes=target.minutes,
        started_at=start,
        due_at=start,
        warn_at=start,
        paused_seconds=0,
    )
    clock.pauses = []
    # Due times first: added before, the calendar's queries would flush it and then update it.
    _recompute(clock, ctx)
    db.session.add(clock)
    return clock


def _stop_moment(ticket: Ticket, clock: SlaClock, segment: ResponsibilitySegment | None) -> datetime | None:
    if clock.metric is Metric.FIRST_RESPONSE:
        moments = [
            m for m in (ticket.first_responded_at, ticket.resolved_at, ticket.closed_at) if m is not None
        ]
        return min(moments) if moments else None
    if clock.metric is Metric.HOLD:
        if segment is not None and segment.ended_at is not None:
            return segment.ended_at
        return ticket.resolved_at or ticket.closed_at
    if clock.metric is Metric.RESTORATION:
        return ticket.restored_at or ticket.resolved_at or ticket.closed_at
    return ticket.resolved_at or ticket.closed_at


def _stop(ticket: Ticket, clock: SlaClock, at: datetime, ctx: _Clocks, actor: Actor) -> None:
    at = max(at, clock.started_at)
    if clock.paused_at is not None:
        _end_pause(clock, max(at, clock.paused_at), ctx)
    clock.stopped_at = at
    if at > clock.due_at and clock.breached_at is None:
        # Stopped late between two sweeps: the breach is recorded (for the record, not alerted).
        clock.breached_at = clock.due_at
        clock.warned_at = clock.warned_at or clock.warn_at
        db.session.flush()
        _record_events(
            [(clock.id, SlaEventKind.BREACH, clock.due_at)],
            ctx.now,
            actor,
            notify=False,
            numbers={ticket.id: ticket.number},
            clocks={clock.id: clock},
        )


def _resume_after_stop(clock: SlaClock, ctx: _Clocks) -> None:
    assert clock.stopped_at is not None
    resumed = max(ctx.now, clock.stopped_at)
    clock.pauses.append(SlaClockPause(started_at=clock.stopped_at, ended_at=resumed, reason="resolved"))
    _count_paused(clock, clock.stopped_at, resumed, ctx)
    clock.stopped_at = None
    _recompute(clock, ctx)


def _end_pause(clock: SlaClock, at: datetime, ctx: _Clocks) -> None:
    assert clock.paused_at is not None
    for pause in clock.pauses:
        if pause.ended_at is None:
            pause.ended_at = max(at, pause.started_at)
    _count_paused(clock, clock.paused_at, at, ctx)
    clock.paused_at = None


def _count_paused(clock: SlaClock, start: datetime, end: datetime, ctx: _Clocks) -> None:
    """Add the business time of one pause to the clock's total (kept for reports)."""
    paused = business_time_between(ctx.calendar(clock), start, end)
    clock.paused_seconds += max(0, int(paused.total_seconds()))


def _reclassify(ticket: Ticket, clock: SlaClock, ctx: _Clocks, actor: Actor) -> None:
    metric = (
        fix_metric(ticket.type) if clock.metric in (Metric.RESOLUTION, Metric.RESTORATION) else clock.metric
    )
    if (clock.ticket_type, clock.priority, clock.metric) == (ticket.type, ticket.priority, metric):
        return
    if clock.metric is Metric.HOLD:
        target = (
            ctx.party_target(clock.party_id or 0, ticket.priority)
            if clock.priority != ticket.priority
            else _Target(clock.target_minutes, clock.calendar_id, None)
        )
    else:
        target = ctx.ticket_target(ctx.policy(clock.policy_id), ticket.type, ticket.priority, metric)
    before = {
        "type": clock.ticket_type.value,
        "priority": clock.priority.value,
        "metric": clock.metric.value,
        "minutes": clock.target_minutes,
        "due_at": clock.due_at.isoformat(),
    }
    clock.ticket_type, clock.priority = ticket.type, ticket.priority
    if target is None:
        return  # no target for the new class: the clock keeps measuring against its old one
    clock.metric, clock.target_minutes, clock.calendar_id = metric, target.minutes, target.calendar_id
    _recompute(clock, ctx)
    audit.record(
        actor,
        "sla.recomputed",
        subject_type="ticket",
        subject_id=ticket.number,
        ticket_id=ticket.id,
        now=ctx.now,
        data={
            "clock_id": clock.id,
            "from": before,
            "to": {
                "type": ticket.type.value,
                "priority": ticket.priority.value,
                "metric": metric.value,
                "minutes": target.minutes,
                "due_at": clock.due_at.isoformat(),
            },
        },
    )


def _recompute(clock: SlaClock, ctx: _Clocks) -> None:
    """Due and warning instants from the start, the target and the pauses (kept while paused)."""
    calendar = ctx.calendar(clock)
    target = timedelta(minutes=clock.target_minutes)
    pauses = [timing.Pause(p.started_at, p.ended_at) for p in clock.pauses]
    warn_share = timing.share_of(target, ctx.warning_percent(clock))
    try:
        due = timing.due_at(calendar, clock.started_at, target, pauses)
        warn = timing.due_at(calendar, clock.started_at, warn_share, pauses)
    except NoOpenTime:  # a calendar that never opens: the clock keeps its old instants
        due = warn = None
    if due is not None:
        clock.due_at = due
    if warn is not None:
        clock.warn_at = warn
    if (
        clock.breached_at is None
        and clock.warned_at is not None
        and clock.warn_at is not None
        and clock.warn_at > ctx.now
    ):
        clock.warned_at = None  # a longer target after a reclassification: the warning may come again


def recompute_calendar(calendar_id: int | None, *, now: datetime) -> int:
    """Recompute the due and warning instants of every unstopped clock on the calendars a change touched.

    ``calendar_id`` None means every calendar (a closure of all of them). One transaction; safe to
    repeat. Returns how many clocks were recomputed.
    """
    with unit_of_work() as session:
        ids = calendar_settings.calendar_ids_touched(calendar_id)
        clocks = list(session.scalars(
            select(SlaClock).where(SlaClock.calendar_id.in_(ids), SlaClock.stopped_at.is_(None))
            .order_by(SlaClock.id).options(selectinload(SlaClock.pauses)).with_for_update(of=SlaClock)))
        ctx = _Clocks(now)
        for clock in clocks:
            _recompute(clock, ctx)
    return len(clocks)


# --- the sweep ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class SweepResult:
    """Clock ids this sweep recorded a warning or a breach for."""

    warned: list[int]
    breached: list[int]


def sweep(*, now: datetime, actor: Actor) -> SweepResult:
    """Record every warning and breach that fell due, exactly once, and alert on them.

    Two set-based ``UPDATE … RETURNING`` statements claim the running clocks whose breach
    or warning instant has passed (a breach claims the warning too, without alerting it);
    whichever of two concurrent sweeps updates a row first owns it, and the unique
    ``(clock, kind)`` constraint on the events backs that up. Each event gets an audit entry
    on its ticket and an outbox row ``notifications.sla_event``, in the same transaction.
    """
    running = [SlaClock.stopped_at.is_(None), SlaClock.paused_at.is_(None)]
    with unit_of_work() as session:
        breached = session.execute(
            update(SlaClock)
            .where(*running, SlaClock.breached_at.is_(None), SlaClock.due_at <= now)
            .values(
                breached_at=SlaClock.due_at, warned_at=func.coalesce(SlaClock.warned_at, SlaClock.warn_at)
            )
            .returning(SlaClock.id, SlaClock.due_at)
            .execution_options(synchronize_session=False)
        ).all()
        warned = session.execute(
            update(SlaClock)
            .where(*running, SlaClock.warned_at.is_(None), SlaClock.warn_at <= now)
            .values(warned_at=SlaClock.warn_at)
            .returning(SlaClock.id, SlaClock.warn_at)
            .execution_options(synchronize_session=False)
        ).all()
        events = [(clock_id, SlaEventKind.BREACH, at) for clock_id, at in breached]
        events += [(clock_id, SlaEventKind.WARNING, at) for clock_id, at in warned if at is not None]
        if events:
            clocks = {
                c.id: c
                for c in session.scalars(select(SlaClock).where(SlaClock.id.in_([e[0] for e in events])))
            }
            numbers = dict(
                session.execute(
                    select(Ticket.id, Ticket.number).where(
                        Ticket.id.in_({c.ticket_id for c in clocks.values()})
                    )
                ).all()
            )
            _record_events(events, now, actor, notify=True, numbers=numbers, clocks=clocks)
    return SweepResult(warned=[c for c, _ in warned], breached=[c for c, _ in breached])


def _record_events(
    events: Sequence[tuple[int, SlaEventKind, datetime]],
    now: datetime,
    actor: Actor,
    *,
    notify: bool,
    numbers: dict[int, str],
    clocks: dict[int, SlaClock],
) -> None:
    rows = [
        {"clock_id": clock_id, "kind": kind, "occurred_at": at, "recorded_at": now}
        for clock_id, kind, at in events
    ]
    ids = list(
        db.session.scalars(insert(SlaEvent).returning(SlaEvent.id, sort_by_parameter_order=True), rows)
    )
    entries = []
    for clock_id, kind, at in events:
        clock = clocks[clock_id]
        entries.append(audit.Entry(
            f"sla.{kind.value}", subject_type="ticket", subject_id=numbers[clock.ticket_id],
            ticket_id=clock.ticket_id,
            data={"metric": clock.metric.value, "at": at.isoformat(), "due_at": clock.due_at.isoformat(),
                  "party_id": clock.party_id, "priority": clock.priority.value},
        ))
    audit.record_many(actor, entries, now=now)
    if notify:
        for event_id in ids:
            outbox.emit(TASK_SLA_EVENT, {"event_id": event_id}, now=now)


def register_hooks() -> None:
    """Let the tickets domain keep our clocks in step, and add the SLA queue view and sort.

    Safe to call more than once.
    """
    if sync_ticket_clocks not in tickets.ON_CHANGE:
        tickets.ON_CHANGE.append(sync_ticket_clocks)
    queues.add_view(
        queues.QueueView("breaching", _l("期限間近・超過"), breaching_condition), sort=("due", DUE_ORDER)
    )
