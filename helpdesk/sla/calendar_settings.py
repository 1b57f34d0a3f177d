"""Business calendars as configuration: weekly opening hours and closures, edited by administrators.

A change takes effect for every deadline computed afterwards; the running clocks of the
calendars it touches are recomputed in the background (``sla.recompute_calendar``), so a
typhoon closure added this morning moves today's due times.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from helpdesk.accounts.policy import require_administer
from helpdesk.audit import services as audit
from helpdesk.core import outbox
from helpdesk.core.actor import Actor
from helpdesk.core.db import db, unit_of_work
from helpdesk.core.errors import NotFound, ValidationFailed
from helpdesk.sla.calendar import OpeningHours
from helpdesk.sla.models import BusinessCalendar, CalendarHours, Closure

TASK_SLA_RECOMPUTE = "sla.recompute_calendar"
WEEKDAYS = range(7)
#: "09:00-12:00, 13:00-18:15"; 24:00 closes at midnight; an end at or before the start runs overnight.
_INTERVAL = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*[-–〜~]\s*(\d{1,2}):(\d{2})\s*$")


@dataclass(frozen=True)
class CalendarOverview:
    """A calendar with its hours by weekday (as text) and the closures that apply to it."""

    calendar: BusinessCalendar
    hours_text: dict[int, str]
    closures: list[Closure]


def list_overview() -> list[CalendarOverview]:
    """Every calendar by code, with its weekly hours and its own and the global closures."""
    calendars = list(
        db.session.scalars(
            select(BusinessCalendar)
            .order_by(BusinessCalendar.code)
            .options(selectinload(BusinessCalendar.hours))
        )
    )
    closures = list(db.session.scalars(select(Closure).order_by(Closure.first_day, Closure.id)))
    return [
        CalendarOverview(c, hours_text(c), [x for x in closures if x.calendar_id in (None, c.id)])
        for c in calendars
    ]


def list_global_closures() -> list[Closure]:
    """Closures of every calendar (the year-end closure), by first day."""
    return list(
        db.session.scalars(
            select(Closure).where(Closure.calendar_id.is_(None)).order_by(Closure.first_day, Closure.id)
        )
    )


def hours_text(calendar: BusinessCalendar) -> dict[int, str]:
    """Each weekday's intervals as "09:00-12:00, 13:00-18:15" ('' when closed)."""
    text: dict[int, list[str]] = {d: [] for d in WEEKDAYS}
    for h in sorted(calendar.hours, key=lambda h: (h.weekday, h.opens_at)):
        closes = "24:00" if h.closes_at == time(0) else h.closes_at.strftime("%H:%M")
        text[h.weekday].append(f"{h.opens_at.strftime('%H:%M')}-{closes}")
    return {d: ", ".join(parts) for d, parts in text.items()}


def parse_hours(text: str) -> list[tuple[time, time]]:
    """Intervals from "09:00-12:00, 13:00-18:15" ('、' also separates); empty text is a closed day.

    :raises ValueError: a malformed interval, a time past 24:00, or an interval of no length.
    """
    intervals: list[tuple[time, time]] = []
    for part in re.split(r"[,、，]", text):
        if not part.strip():
            continue
        match = _INTERVAL.match(part)
        if match is None:
            raise ValueError(part)
        h1, m1, h2, m2 = (int(g) for g in match.groups())
        if h1 > 23 or m1 > 59 or m2 > 59 or h2 > 24 or (h2 == 24 and m2):
            raise ValueError(part)
        opens, closes = time(h1, m1), time(0 if h2 == 24 else h2, m2)
        if opens == closes and h2 != 24 and (h1, m1) != (0, 0):
            raise ValueError(part)
        OpeningHours(0, opens, closes)  # the pure module's own checks
        intervals.append((opens, closes))
    return intervals


def set_hours(calendar_id: int, texts: Mapping[int, str], *, actor: Actor, now: datetime) -> None:
    """Replace a calendar's weekly opening hours; recomputes its running clocks in the background.

    :raises PermissionDenied: not an administrator.
    :raises NotFound: no such calendar.
    :raises ValidationFailed: a malformed day (keyed ``hours-<weekday>``), or no open time at all.
    """
    require_administer(actor)
    parsed: dict[int, list[tuple[time, time]]] = {}
    errors: dict[str, object] = {}
    for day in WEEKDAYS:
        try:
            parsed[day] = parse_hours(texts.get(day, ""))
        except ValueError:
            errors[f"hours-{day}"] = _l("「09:00-12:00, 13:00-18:15」の形で入力してください。")
    if not errors and not any(parsed.values()):
        errors["hours-0"] = _l("少なくとも1日は営業時間を入力してください。")
    if errors:
        raise ValidationFailed(_l("営業時間を確認してください。"), fields=errors)
    with unit_of_work() as session:
        calendar = session.get(BusinessCalendar, calendar_id, options=[selectinload(BusinessCalendar.hours)])
        if calendar is None:
            raise NotFound("calendar")
        before = hours_text(calendar)
        calendar.hours = [
            CalendarHours(weekday=day, opens_at=o, closes_at=c) for day in WEEKDAYS for o, c in parsed[day]
        ]
        session.flush()
        after = hours_text(calendar)
        if before == after:
            return
        audit.record(
            actor,
            "calendar.hours_changed",
            subject_type="calendar",
            subject_id=calendar.code,
            now=now,
            data={"from": before, "to": after},
        )
        outbox.emit(TASK_SLA_RECOMPUTE, {"calendar_id": calendar.id}, now=now)


def add_closure(
    calendar_id: int | None,
    first_day: date,
    last_day: date,
    reason: str,
    *,
    is_annual: bool,
    actor: Actor,
    now: datetime,
) -> Closure:
    """Close one calendar (or every calendar) on those days; recomputes the running clocks it touches.

    :raises PermissionDenied: not an administrator.
    :raises NotFound: no such calendar.
    :raises ValidationFailed: no reason, or a one-off closure that ends before it starts.
    """
    require_administer(actor)
    errors: dict[str, object] = {}
    if not reason.strip():
        errors["reason"] = _l("理由を入力してください。")
    if not is_annual and last_day < first_day:
        errors["last_day"] = _l("終了日は開始日以降にしてください。")
    if errors:
        raise ValidationFailed(_l("休業日の内容を確認してください。"), fields=errors)
    with unit_of_work() as session:
        if calendar_id is not None and session.get(BusinessCalendar, calendar_id) is None:
            raise NotFound("calendar")
        closure = Closure(
            calendar_id=calendar_id,
            first_day=first_day,
            last_day=last_day,
            reason=reason.strip()[:200],
            is_annual=is_annual,
        )
        session.add(closure)
        session.flush()
        audit.record(
            actor,
            "calendar.closure_added",
            subject_type="closure",
            subject_id=closure.id,
            now=now,
            data={
                "calendar_id": calendar_id,
                "first_day": first_day.isoformat(),
                "last_day": last_day.isoformat(),
                "is_annual": is_annual,
                "reason": closure.reason,
            },
        )
        outbox.emit(TASK_SLA_RECOMPUTE, {"calendar_id": calendar_id}, now=now)
    return closure


def remove_closure(closure_id: int, *, actor: Actor, now: datetime) -> None:
    """Reopen the days of a closure; idempotent. Recomputes the running clocks it touched.

    :raises PermissionDenied: not an administrator.
    """
    require_administer(actor)
    with unit_of_work() as session:
        closure = session.get(Closure, closure_id)
        if closure is None:
            return
        session.delete(closure)
        audit.record(
            actor,
            "calendar.closure_removed",
            subject_type="closure",
            subject_id=closure_id,
            now=now,
            data={
                "calendar_id": closure.calendar_id,
                "first_day": closure.first_day.isoformat(),
                "last_day": closure.last_day.isoformat(),
                "reason": closure.reason,
            },
        )
        outbox.emit(TASK_SLA_RECOMPUTE, {"calendar_id": closure.calendar_id}, now=now)


def calendar_ids_touched(calendar_id: int | None) -> list[int]:
    """The calendars a change to ``calendar_id`` affects: itself, or all of them for a global closure."""
    stmt = select(BusinessCalendar.id)
    if calendar_id is not None:
        stmt = stmt.where(BusinessCalendar.id == calendar_id)
    return list(db.session.scalars(stmt))
