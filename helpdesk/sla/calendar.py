"""Business-time arithmetic over weekly opening hours, holidays and closures. Pure: stdlib only.

Business time is the real time (seconds on the UTC line) that falls inside a calendar's open
periods. A calendar is open during its weekly opening hours, in local wall time, except on a
closed local day: a public holiday it observes or a day of a closure. A closed day closes all of
its 24 local hours, including the part of an overnight shift that spills into it, so no second of
a holiday or closure is ever counted. A 24x7 calendar is open at every instant.

Instants go in timezone-aware (any zone) and come out in UTC; arithmetic is exact, to the
microsecond, on ``datetime`` and ``timedelta`` values, never floats.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

TOKYO = ZoneInfo("Asia/Tokyo")
#: How many days in a row without an open second ``add_business_time`` walks before giving up.
SEARCH_DAYS = 2 * 366

_DAY = 86_400
_SECOND = timedelta(seconds=1)

#: Open periods of one local day, as (begin, end) seconds after local midnight, 0 <= begin < end <= 86400.
_Profile = tuple[tuple[int, int], ...]


class NoOpenTime(ValueError):
    """The calendar has no open second within ``SEARCH_DAYS`` days of where the search stood."""


@dataclass(frozen=True, slots=True)
class OpeningHours:
    """One weekly opening interval, attached to the weekday (0 = Monday) on which it opens.

    ``closes`` is the first time of day after ``opens`` at which the interval ends, so a
    ``closes`` at or before ``opens`` reaches into the next day: 22:00–00:00 ends at 24:00,
    22:00–06:00 runs overnight, and 00:00–00:00 is the whole day. An interval lasts from one
    second to 24 hours. Times are naive local wall times with whole seconds.

    :raises ValueError: on a weekday outside 0–6, a time with a zone or with microseconds.
    """

    weekday: int
    opens: time
    closes: time

    def __post_init__(self) -> None:
        if not 0 <= self.weekday <= 6:
            raise ValueError(f"weekday must be 0 (Monday) to 6 (Sunday), not {self.weekday}")
        for moment in (self.opens, self.closes):
            if moment.tzinfo is not None or moment.microsecond:
                raise ValueError(f"opening times are naive whole seconds (24:00 is time(0)), not {moment}")

    @property
    def span(self) -> tuple[int, int]:
        """(begin, end) in seconds after the opening day's local midnight; end may pass 86400."""
        begin = _seconds_of_day(self.opens)
        end = _seconds_of_day(self.closes)
        return begin, end if end > begin else end + _DAY


@dataclass(frozen=True, slots=True)
class Closure:
    """Days closed besides public holidays, both ends included.

    An annual closure recurs every year on the same month/day span and ignores the years of
    its dates; its span may wrap the new year (12/29–1/3).

    :raises ValueError: when a one-off closure ends before it starts.
    """

    first_day: date
    last_day: date
    is_annual: bool = False

    def __post_init__(self) -> None:
        if not self.is_annual and self.last_day < self.first_day:
            raise ValueError(f"closure ends ({self.last_day}) before it starts ({self.first_day})")

    def covers(self, day: date) -> bool:
        """Whether ``day`` is one of the closed days."""
        if not self.is_annual:
            return self.first_day <= day <= self.last_day
        key = (day.month, day.day)
        first = (self.first_day.month, self.first_day.day)
        last = (self.last_day.month, self.last_day.day)
        if first <= last:
            return first <= key <= last
        return key >= first or key <= last


@dataclass(frozen=True)
class CalendarRules:
    """What the arithmetic needs of a business calendar, as plain values.

    ``public_holidays`` is data (``helpdesk.sla.holidays`` makes the Japanese set) and must cover
    every year the arithmetic reaches. A 24x7 calendar ignores hours, holidays and closures.
    Overlapping opening intervals are merged, so a second is never counted twice.
    """

    hours: tuple[OpeningHours, ...] = ()
    timezone: ZoneInfo = TOKYO
    is_24x7: bool = False
    public_holidays: frozenset[date] = frozenset()
    observes_public_holidays: bool = True
    closures: tuple[Closure, ...] = ()
    _profiles: tuple[_Profile, ...] = field(init=False, repr=False, compare=False)
    #: Built on first use: open microseconds per local day, for the fast path (see ``_DayTable``).
    _table: list[_DayTable] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        hours = (OpeningHours(day, time(0), time(0)) for day in range(7)) if self.is_24x7 else self.hours
        object.__setattr__(self, "_profiles", _weekly_profiles(hours))
        object.__setattr__(self, "_table", [])

    def is_closed_on(self, day: date) -> bool:
        """Whether the local ``day`` is closed whole: an observed public holiday or a closure."""
        if self.is_24x7:
            return False
        if self.observes_public_holidays and day in self.public_holidays:
            return True
        return any(closure.covers(day) for closure in self.closures)


def add_business_time(calendar: CalendarRules, start: datetime, duration: timedelta) -> datetime:
    """The earliest instant, in UTC, by which ``duration`` of business time has passed since ``start``.

    ``add(t, 0) == t`` wherever ``t`` falls, and a positive duration ends inside an open period or
    at its closing instant, never at the next opening; this makes the arithmetic exactly additive:
    ``add(add(t, a), b) == add(t, a + b)`` and ``between(t, add(t, d)) == d``. A start in a closed
    period counts from the next opening.

    :raises ValueError: if ``start`` is naive or ``duration`` is negative.
    :raises NoOpenTime: if the calendar stays closed for ``SEARCH_DAYS`` days in a row.
    """
    start = _as_utc(start, "start")
    if duration < timedelta(0):
        raise ValueError(f"duration must not be negative, not {duration}")
    remaining = duration
    if not remaining:
        return start
    if calendar.is_24x7:
        return start + duration
    table = _table_for(calendar, start)
    if table is not None:
        found = table.add(start, duration)
        if found is not None:
            return found
    for opens, closes in _open_periods(calendar, start, None):
        if remaining <= closes - opens:
            return opens + remaining
        remaining -= closes - opens
    raise AssertionError("unreachable: the open periods only end by raising NoOpenTime")


def business_time_between(calendar: CalendarRules, start: datetime, end: datetime) -> timedelta:
    """The business time from ``start`` to ``end``; negative when ``end`` comes first.

    Antisymmetric, so ``between(a, b) + between(b, c) == between(a, c)`` for any three instants
    and ``between(now, due_at)`` reads as the business time left (negative once overdue).

    :raises ValueError: if either instant is naive.
    """
    start = _as_utc(start, "start")
    end = _as_utc(end, "end")
    if end < start:
        return -business_time_between(calendar, end, start)
    if calendar.is_24x7:
        return end - start
    table = _table_for(calendar, start)
    if table is not None:
        found = table.between(start, end)
        if found is not None:
            return found
    return sum((closes - opens for opens, closes in _open_periods(calendar, start, end)), timedelta())


def open_intervals(
    calendar: CalendarRules, start: datetime, end: datetime
) -> Iterator[tuple[datetime, datetime]]:
    """The open periods between ``start`` and ``end``, clipped to them, in order, as UTC pairs.

    Periods never overlap and never include a second of a closed day; two may touch at local
    midnight. Empty when ``end`` is not after ``start``.

    :raises ValueError: if either instant is naive.
    """
    return _open_periods(calendar, _as_utc(start, "start"), _as_utc(end, "end"))


def _open_periods(
    calendar: CalendarRules, start: datetime, end: datetime | None
) -> Iterator[tuple[datetime, datetime]]:
    """Open periods from ``start`` (UTC) on, day by local day, until ``end`` or forever.

    Forever stops with ``NoOpenTime`` after ``SEARCH_DAYS`` days in a row without open time.
    """
    tz = calendar.timezone
    day = start.astimezone(tz).date()
    idle_days = 0
    while True:
        midnight = datetime.combine(day, time(0))
        if end is not None and _instant(tz, midnight) >= end:
            return
        is_idle = True
        if not calendar.is_closed_on(day):
            for begin, finish in calendar._profiles[day.weekday()]:
                is_idle = False
                opens = max(start, _instant(tz, midnight + timedelta(seconds=begin)))
                closes = _instant(tz, midnight + timedelta(seconds=finish))
                if end is not None:
                    closes = min(closes, end)
                if opens < closes:
                    yield opens, closes
        idle_days = idle_days + 1 if is_idle else 0
        if end is None and idle_days > SEARCH_DAYS:
            raise NoOpenTime(f"no open time in the {SEARCH_DAYS} days up to {day}")
        day += timedelta(days=1)


# --- the fast path: zones without clock changes, day totals and prefix sums ------------------------

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_US = timedelta(microseconds=1)
_DAY_US = _DAY * 1_000_000
#: The fast path covers this many years either side of the first instant asked about (the span of
#: public holidays a stored calendar is given).
_TABLE_YEARS = 2


@lru_cache(maxsize=64)
def _fixed_offset_us(tz: ZoneInfo, first_year: int, last_year: int) -> int | None:
    """The zone's UTC offset in microseconds if it stays the same through those years (Asia/Tokyo), else None.

    Sampled every six hours; a zone with clock changes (summer time) takes the general path.
    """
    moment = datetime(first_year, 1, 1, tzinfo=UTC) - timedelta(days=1)
    last = datetime(last_year + 1, 1, 1, tzinfo=UTC) + timedelta(days=1)
    offset = moment.astimezone(tz).utcoffset()
    while moment < last:
        if moment.astimezone(tz).utcoffset() != offset:
            return None
        moment += timedelta(hours=6)
    assert offset is not None
    return offset // _US


class _DayTable:
    """Open periods and their prefix sums per local day over a span of years, in integer microseconds.

    Exactly the arithmetic of :func:`_open_periods` for a zone with a fixed offset, where a local
    wall time is the UTC instant plus the offset: ``between`` in O(days at the ends) and ``add`` by
    bisection. Both answer None when an instant lies outside the span (the caller falls back).
    """

    def __init__(self, calendar: CalendarRules, offset_us: int, first: date, last: date) -> None:
        self.offset_us = offset_us
        self.first_day = (first - date(1970, 1, 1)).days
        self.periods: list[tuple[tuple[int, int], ...]] = []
        self.prefix: list[int] = [0]
        day = first
        while day <= last:
            periods = () if calendar.is_closed_on(day) else tuple(
                (begin * 1_000_000, end * 1_000_000) for begin, end in calendar._profiles[day.weekday()])
            self.periods.append(periods)
            self.prefix.append(self.prefix[-1] + sum(end - begin for begin, end in periods))
            day += timedelta(days=1)

    def _local(self, instant: datetime) -> tuple[int, int] | None:
        """(index of the local day in the table, microseconds into it), or None outside the table."""
        us = (instant - _EPOCH) // _US + self.offset_us
        day = us // _DAY_US - self.first_day
        if not 0 <= day < len(self.periods):
            return None
        return day, us % _DAY_US

    def _instant(self, day: int, within_us: int) -> datetime:
        return _EPOCH + _US * ((day + self.first_day) * _DAY_US + within_us - self.offset_us)

    def _open_in(self, day: int, begin: int, end: int) -> int:
        return sum(max(0, min(p_end, end) - max(p_begin, begin)) for p_begin, p_end in self.periods[day])

    def between(self, start: datetime, end: datetime) -> timedelta | None:
        """Business time from ``start`` to a later ``end``."""
        a, b = self._local(start), self._local(end)
        if a is None or b is None:
            return None
        (day_a, in_a), (day_b, in_b) = a, b
        if day_a == day_b:
            return _US * self._open_in(day_a, in_a, in_b)
        total = self._open_in(day_a, in_a, _DAY_US) + self.prefix[day_b] - self.prefix[day_a + 1]
        return _US * (total + self._open_in(day_b, 0, in_b))

    def add(self, start: datetime, duration: timedelta) -> datetime | None:
        """The instant ``duration`` (positive) of business time after ``start``."""
        local = self._local(start)
        if local is None:
            return None
        day, within = local
        remaining = duration // _US
        for p_begin, p_end in self.periods[day]:
            if p_end <= within:
                continue
            opens = max(p_begin, within)
            if remaining <= p_end - opens:
                return self._instant(day, opens + remaining)
            remaining -= p_end - opens
        # The first later day whose cumulative open time reaches what remains.
        target = self.prefix[day + 1] + remaining
        after = bisect_left(self.prefix, target, lo=day + 2)
        if after >= len(self.prefix):
            return None
        day = after - 1
        remaining = target - self.prefix[day]
        for p_begin, p_end in self.periods[day]:
            if remaining <= p_end - p_begin:
                return self._instant(day, p_begin + remaining)
            remaining -= p_end - p_begin
        raise AssertionError("unreachable: the prefix sums put the end inside this day")


def _table_for(calendar: CalendarRules, around: datetime) -> _DayTable | None:
    """The calendar's day table, built on first use around ``around``; None for zones with clock changes."""
    if calendar._table:
        return calendar._table[0]
    year = around.astimezone(calendar.timezone).year
    if not 1 + _TABLE_YEARS < year < 9998 - _TABLE_YEARS:
        return None
    offset = _fixed_offset_us(calendar.timezone, year - _TABLE_YEARS, year + _TABLE_YEARS)
    if offset is None:
        return None
    table = _DayTable(calendar, offset, date(year - _TABLE_YEARS, 1, 1), date(year + _TABLE_YEARS, 12, 31))
    calendar._table.append(table)
    return table


def _weekly_profiles(hours: Iterable[OpeningHours]) -> tuple[_Profile, ...]:
    """Each weekday's merged open periods, with overnight intervals split at local midnight."""
    pieces: list[list[tuple[int, int]]] = [[] for _ in range(7)]
    for interval in hours:
        begin, end = interval.span
        pieces[interval.weekday].append((begin, min(end, _DAY)))
        if end > _DAY:
            pieces[(interval.weekday + 1) % 7].append((0, end - _DAY))
    return tuple(_merged(day) for day in pieces)


def _merged(periods: list[tuple[int, int]]) -> _Profile:
    merged: list[tuple[int, int]] = []
    for begin, end in sorted(periods):
        if merged and begin <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((begin, end))
    return tuple(merged)


def _instant(tz: ZoneInfo, wall: datetime) -> datetime:
    """The first UTC instant whose local wall time is at or after the naive ``wall``.

    Monotonic in ``wall``, so local periods that touch stay touching and never overlap: a
    repeated wall time (clocks set back) maps to its first occurrence, and a skipped one (clocks
    set forward) to the instant of the jump.
    """
    instant = wall.replace(tzinfo=tz).astimezone(UTC)
    if _wall(tz, instant) == wall:
        return instant
    low, high = sorted((instant, wall.replace(tzinfo=tz, fold=1).astimezone(UTC)))
    while high - low > _SECOND:
        middle = low + (high - low) // _SECOND // 2 * _SECOND
        if _wall(tz, middle) >= wall:
            high = middle
        else:
            low = middle
    return high


def _wall(tz: ZoneInfo, instant: datetime) -> datetime:
    return instant.astimezone(tz).replace(tzinfo=None)


def _as_utc(value: datetime, name: str) -> datetime:
    if value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, not {value!r}")
    return value.astimezone(UTC)


def _seconds_of_day(moment: time) -> int:
    return moment.hour * 3600 + moment.minute * 60 + moment.second
