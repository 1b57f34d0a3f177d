"""Stored business calendars as :class:`~helpdesk.sla.calendar.CalendarRules` for the arithmetic.

Holidays cover the year before ``around`` through two years after it, so a deadline set
now and a duration measured over the past two years both see every public holiday.
"""

from __future__ import annotations

from datetime import datetime
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
    year = around.astimezone(TOKYO).year
    return CalendarRules(
        hours=tuple(OpeningHours(h.weekday, h.opens_at, h.closes_at) for h in calendar.hours),
        timezone=ZoneInfo(calendar.timezone), is_24x7=calendar.is_24x7,
        public_holidays=japanese_public_holidays(year - 2, year + 2),
        observes_public_holidays=calendar.observes_public_holidays,
        closures=tuple(Closure(c.first_day, c.last_day, is_annual=c.is_annual) for c in closures),
    )
