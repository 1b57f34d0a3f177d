"""Stored business calendars as :class:`~helpdesk.sla.calendar.CalendarRules` for the arithmetic.

Holidays cover the year before ``around`` through two years after it, so a deadline set
now and a duration measured over the past two years both see every public holiday.
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from helpdesk.core.db import db
from helpdesk.core.time import TOKYO
from helpdesk.sla.calendar import CalendarRules, Closure, OpeningHours
from helpdesk.sla.holidays import japanese_public_holidays
from helpdesk.sla.models import BusinessCalendar
from helpdesk.sla.models import Closure as ClosureRow


def rules_for(calendar_id: int | None, *, around: datetime) -> CalendarRules | None:
    """The rules of a stored calendar, or None when there is no such calendar (use wall-clock time)."""
    if calendar_id is None:
        return None
    calendar = db.session.scalar(select(BusinessCalendar).where(BusinessCalendar.id == calendar_id)
                                 .options(selectinload(BusinessCalendar.hours)))
    if calendar is None:
        return None
    closures = db.session.scalars(select(ClosureRow).where(
        or_(ClosureRow.calendar_id == calendar.id, ClosureRow.calendar_id.is_(None))))
    return _rules(
        tuple(OpeningHours(h.weekday, h.opens_at, h.closes_at) for h in calendar.hours),
        calendar.timezone, calendar.is_24x7, calendar.observes_public_holidays,
        tuple(sorted((Closure(c.first_day, c.last_day, is_annual=c.is_annual) for c in closures),
                     key=lambda c: (c.first_day, c.last_day, c.is_annual))),
        around.astimezone(TOKYO).year,
    )


@lru_cache(maxsize=128)
def _rules(hours: tuple[OpeningHours, ...], timezone: str, is_24x7: bool, observes_public_holidays: bool,
           closures: tuple[Closure, ...], year: int) -> CalendarRules:
    """One rules object per distinct stored content and year, so its day table is built once per process.

    Keyed on the values themselves: an edited calendar or closure is a different key, never a stale hit.
    """
    return CalendarRules(hours=hours, timezone=ZoneInfo(timezone), is_24x7=is_24x7,
                         public_holidays=japanese_public_holidays(year - 2, year + 2),
                         observes_public_holidays=observes_public_holidays, closures=closures)
