"""Business-time arithmetic: worked examples on real calendars, then invariants on random ones."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from helpdesk.sla.calendar import (
    CalendarRules,
    Closure,
    NoOpenTime,
    OpeningHours,
    add_business_time,
    business_time_between,
    open_intervals,
)
from helpdesk.sla.holidays import japanese_public_holidays

JST = ZoneInfo("Asia/Tokyo")
HOUR = timedelta(hours=1)
MINUTE = timedelta(minutes=1)
YEAR_END = Closure(date(2026, 12, 29), date(2027, 1, 3), is_annual=True)

#: 平日 9:00〜18:15, closed on public holidays and over the year end.
OFFICE = CalendarRules(
    hours=tuple(OpeningHours(day, time(9), time(18, 15)) for day in range(5)),
    public_holidays=japanese_public_holidays(2026, 2027),
    closures=(YEAR_END,),
)
#: A night shift, 22:00–06:00 every night.
NIGHTS = CalendarRules(
    hours=tuple(OpeningHours(day, time(22), time(6)) for day in range(7)),
    public_holidays=japanese_public_holidays(2026, 2027),
)
ALWAYS = CalendarRules(
    is_24x7=True,
    hours=OFFICE.hours,
    public_holidays=OFFICE.public_holidays,
    closures=(YEAR_END,),
)


def jst(*args: int) -> datetime:
    return datetime(*args, tzinfo=JST)


def add(calendar: CalendarRules, start: datetime, duration: timedelta) -> datetime:
    return add_business_time(calendar, start, duration)


def between(calendar: CalendarRules, start: datetime, end: datetime) -> timedelta:
    return business_time_between(calendar, start, end)


# --- Worked examples --------------------------------------------------------------------------


def test_jpholiday_knows_the_september_2026_run_of_three_holidays() -> None:
    assert {date(2026, 9, 21), date(2026, 9, 22), date(2026, 9, 23)} <= OFFICE.public_holidays


def test_four_hours_from_friday_evening_skip_the_weekend_and_the_september_holidays() -> None:
    # Fri 17:00–18:15 is 1h15; Sat/Sun, then 敬老の日, 国民の休日 and 秋分の日; Thu 09:00 + 2h45.
    due = add(OFFICE, jst(2026, 9, 18, 17), 4 * HOUR)
    assert due == jst(2026, 9, 24, 11, 45)
    assert due.tzinfo is UTC


def test_business_time_over_the_september_holidays_is_fridays_last_hour_and_a_quarter() -> None:
    assert between(OFFICE, jst(2026, 9, 18, 17), jst(2026, 9, 24, 9)) == timedelta(hours=1, minutes=15)


def test_the_year_end_closure_pauses_the_clock_until_the_fourth_of_january() -> None:
    # Mon 2026-12-28 17:00–18:15 is 1h15; 12/29–1/3 closed; Mon 2027-01-04 09:00 + 45 min.
    assert add(OFFICE, jst(2026, 12, 28, 17), 2 * HOUR) == jst(2027, 1, 4, 9, 45)
    assert between(OFFICE, jst(2026, 12, 28, 18, 15), jst(2027, 1, 4, 9)) == timedelta(0)


def test_an_annual_closure_recurs_the_following_year() -> None:
    assert add(OFFICE, jst(2027, 12, 28, 18), HOUR) == jst(2028, 1, 4, 9, 45)


@pytest.mark.parametrize(
    "start",
    [
        jst(2026, 9, 20, 10),  # Sunday
        jst(2026, 9, 22, 12),  # 国民の休日
        jst(2026, 9, 23, 23, 59, 59),  # 秋分の日, a second before midnight
        jst(2026, 9, 24, 7),  # before opening
    ],
)
def test_a_start_in_a_closed_period_counts_from_the_next_opening(start: datetime) -> None:
    assert add(OFFICE, start, HOUR) == jst(2026, 9, 24, 10)
    assert between(OFFICE, start, jst(2026, 9, 24, 9)) == timedelta(0)


def test_a_start_inside_the_year_end_closure_counts_from_the_fourth_of_january() -> None:
    assert add(OFFICE, jst(2026, 12, 31, 12), 30 * MINUTE) == jst(2027, 1, 4, 9, 30)


def test_adding_nothing_returns_the_start_even_when_closed() -> None:
    assert add(OFFICE, jst(2026, 9, 21, 3), timedelta(0)) == jst(2026, 9, 21, 3)


def test_a_duration_that_fills_the_day_ends_at_closing_not_at_the_next_opening() -> None:
    assert add(OFFICE, jst(2026, 9, 18, 9), timedelta(hours=9, minutes=15)) == jst(2026, 9, 18, 18, 15)


def test_arithmetic_is_exact_to_the_second() -> None:
    assert add(OFFICE, jst(2026, 9, 18, 18, 14, 59), timedelta(seconds=2)) == jst(2026, 9, 24, 9, 0, 1)
    assert between(OFFICE, jst(2026, 9, 18, 18, 14, 59), jst(2026, 9, 24, 9, 0, 1)) == timedelta(seconds=2)


def test_a_night_shift_runs_past_midnight() -> None:
    # Fri 23:00 → Sat 06:00 is 7h, then Sat 22:00 + 1h.
    assert add(NIGHTS, jst(2026, 9, 4, 23), 8 * HOUR) == jst(2026, 9, 5, 23)


def test_a_night_shift_counts_nothing_on_a_holiday_even_the_part_after_midnight() -> None:
    # Sun 20 22:00–24:00 counts; 21–23 are holidays; Wed 23 22:00's shift counts from Thu 00:00.
    assert between(NIGHTS, jst(2026, 9, 20, 21), jst(2026, 9, 24, 7)) == 8 * HOUR
    assert add(NIGHTS, jst(2026, 9, 20, 23), 2 * HOUR) == jst(2026, 9, 24, 1)


def test_an_interval_ending_at_midnight_then_one_from_midnight_equal_one_overnight_interval() -> None:
    split = CalendarRules(
        hours=tuple(OpeningHours(day, time(22), time(0)) for day in range(7))
        + tuple(OpeningHours(day, time(0), time(6)) for day in range(7)),
    )
    whole = CalendarRules(hours=NIGHTS.hours)
    start = jst(2026, 9, 4, 23, 30)
    for duration in (30 * MINUTE, 7 * HOUR, 20 * HOUR):
        assert add(split, start, duration) == add(whole, start, duration)
    assert add(split, jst(2026, 9, 4, 23), HOUR) == jst(2026, 9, 5, 0)


def test_overlapping_intervals_count_each_second_once() -> None:
    calendar = CalendarRules(hours=(OpeningHours(0, time(9), time(12)), OpeningHours(0, time(11), time(13))))
    assert between(calendar, jst(2026, 9, 7), jst(2026, 9, 8)) == 4 * HOUR


def test_a_24x7_calendar_ignores_holidays_and_closures() -> None:
    assert add(ALWAYS, jst(2026, 12, 31, 12), 3 * 24 * HOUR) == jst(2027, 1, 3, 12)
    assert between(ALWAYS, jst(2026, 9, 21), jst(2026, 9, 24)) == 3 * 24 * HOUR


def test_a_calendar_not_observing_public_holidays_opens_on_them() -> None:
    calendar = CalendarRules(
        hours=OFFICE.hours, public_holidays=OFFICE.public_holidays, observes_public_holidays=False
    )
    assert add(calendar, jst(2026, 9, 21, 9), HOUR) == jst(2026, 9, 21, 10)


def test_business_time_backwards_is_negative() -> None:
    assert between(OFFICE, jst(2026, 9, 24, 11, 45), jst(2026, 9, 18, 17)) == -4 * HOUR


def test_days_lose_or_gain_an_hour_when_clocks_change() -> None:
    berlin = ZoneInfo("Europe/Berlin")
    whole_days = CalendarRules(
        hours=tuple(OpeningHours(day, time(0), time(0)) for day in range(7)), timezone=berlin
    )
    assert (
        between(whole_days, datetime(2026, 3, 29, tzinfo=berlin), datetime(2026, 3, 30, tzinfo=berlin))
        == 23 * HOUR
    )
    assert (
        between(whole_days, datetime(2026, 10, 25, tzinfo=berlin), datetime(2026, 10, 26, tzinfo=berlin))
        == 25 * HOUR
    )


def test_opening_hours_across_a_skipped_hour_last_the_real_time() -> None:
    new_york = ZoneInfo("America/New_York")
    sunday_night = CalendarRules(hours=(OpeningHours(6, time(1), time(4)),), timezone=new_york)
    day = (datetime(2026, 3, 8, tzinfo=new_york), datetime(2026, 3, 9, tzinfo=new_york))
    assert between(sunday_night, *day) == 2 * HOUR
    assert list(open_intervals(sunday_night, *day)) == [
        (datetime(2026, 3, 8, 6, tzinfo=UTC), datetime(2026, 3, 8, 8, tzinfo=UTC))
    ]


def test_wall_times_skipped_by_the_clock_change_count_from_the_change_and_never_twice() -> None:
    # 2026-03-08 02:00–03:00 does not exist in New York: 01:00 EST jumps to 03:00 EDT at 07:00 UTC.
    new_york = ZoneInfo("America/New_York")
    day = (datetime(2026, 3, 8, tzinfo=new_york), datetime(2026, 3, 9, tzinfo=new_york))
    into_the_gap = CalendarRules(
        hours=(OpeningHours(6, time(1), time(2, 30)), OpeningHours(6, time(3), time(4))), timezone=new_york
    )
    out_of_the_gap = CalendarRules(hours=(OpeningHours(6, time(2, 30), time(3, 30)),), timezone=new_york)
    assert between(into_the_gap, *day) == 2 * HOUR
    assert list(open_intervals(out_of_the_gap, *day)) == [
        (datetime(2026, 3, 8, 7, tzinfo=UTC), datetime(2026, 3, 8, 7, 30, tzinfo=UTC))
    ]


def test_a_calendar_that_never_opens_raises_instead_of_searching_forever() -> None:
    with pytest.raises(NoOpenTime):
        add(CalendarRules(), jst(2026, 9, 18), MINUTE)


def test_naive_instants_and_negative_durations_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        add(OFFICE, datetime(2026, 9, 18, 9), HOUR)
    with pytest.raises(ValueError, match="timezone-aware"):
        between(OFFICE, jst(2026, 9, 18, 9), datetime(2026, 9, 18, 10))
    with pytest.raises(ValueError, match="negative"):
        add(OFFICE, jst(2026, 9, 18, 9), -HOUR)


def test_malformed_hours_and_closures_are_refused() -> None:
    with pytest.raises(ValueError, match="weekday"):
        OpeningHours(7, time(9), time(17))
    with pytest.raises(ValueError, match="whole seconds"):
        OpeningHours(0, time(9), time.max)
    with pytest.raises(ValueError, match="before it starts"):
        Closure(date(2026, 5, 2), date(2026, 5, 1))


# --- Invariants on random calendars -------------------------------------------------------------

PROPERTY = settings(max_examples=300, deadline=None)
ZONES = [JST, ZoneInfo("UTC"), ZoneInfo("Europe/Berlin"), ZoneInfo("America/New_York")]
FIRST, LAST = date(2026, 1, 1), date(2027, 12, 31)

times_of_day = st.integers(0, 24 * 60 - 1).map(lambda minutes: time(minutes // 60, minutes % 60))
hours = st.builds(OpeningHours, weekday=st.integers(0, 6), opens=times_of_day, closes=times_of_day)


@st.composite
def closures(draw: st.DrawFn) -> Closure:
    first = draw(st.dates(FIRST, LAST))
    return Closure(first, first + timedelta(days=draw(st.integers(0, 20))), is_annual=draw(st.booleans()))


@st.composite
def calendars(draw: st.DrawFn, zones: list[ZoneInfo] = ZONES) -> CalendarRules:
    return CalendarRules(
        hours=tuple(draw(st.lists(hours, min_size=1, max_size=8))),
        timezone=draw(st.sampled_from(zones)),
        public_holidays=draw(st.frozensets(st.dates(FIRST, LAST + timedelta(days=90)), max_size=25)),
        observes_public_holidays=draw(st.booleans()),
        closures=tuple(draw(st.lists(closures(), max_size=3))),
    )


instants = st.datetimes(datetime(2026, 1, 1), datetime(2027, 12, 31), timezones=st.just(UTC))
durations = st.timedeltas(timedelta(0), timedelta(weeks=3))


@PROPERTY
@given(calendars(), instants, durations, durations)
def test_adding_twice_equals_adding_the_sum(
    calendar: CalendarRules, start: datetime, first: timedelta, second: timedelta
) -> None:
    assert add(calendar, add(calendar, start, first), second) == add(calendar, start, first + second)


@PROPERTY
@given(calendars(), instants, durations)
def test_business_time_to_the_sum_is_the_duration(
    calendar: CalendarRules, start: datetime, duration: timedelta
) -> None:
    assert between(calendar, start, add(calendar, start, duration)) == duration


@PROPERTY
@given(calendars(), instants, durations, durations)
def test_a_longer_duration_never_ends_earlier(
    calendar: CalendarRules, start: datetime, first: timedelta, second: timedelta
) -> None:
    shorter, longer = sorted((first, second))
    assert add(calendar, start, shorter) <= add(calendar, start, longer)


@PROPERTY
@given(calendars(), instants, instants, durations)
def test_a_later_start_never_ends_earlier(
    calendar: CalendarRules, first: datetime, second: datetime, duration: timedelta
) -> None:
    earlier, later = sorted((first, second))
    assert add(calendar, earlier, duration) <= add(calendar, later, duration)


@PROPERTY
@given(calendars(), instants, instants, instants)
def test_business_time_adds_up_over_any_three_instants(
    calendar: CalendarRules, a: datetime, b: datetime, c: datetime
) -> None:
    assert between(calendar, a, b) + between(calendar, b, c) == between(calendar, a, c)


@PROPERTY
@given(calendars(), instants, durations)
def test_no_counted_second_falls_on_a_closed_day(
    calendar: CalendarRules, start: datetime, duration: timedelta
) -> None:
    end = add(calendar, start, duration)
    periods = list(open_intervals(calendar, start, end))
    for opens, closes in periods:
        assert start <= opens < closes <= end
        assert not calendar.is_closed_on(opens.astimezone(calendar.timezone).date())
        assert not calendar.is_closed_on(
            (closes - timedelta(microseconds=1)).astimezone(calendar.timezone).date()
        )
    for (_, closes), (opens, _) in zip(periods, periods[1:], strict=False):
        assert closes <= opens
    assert sum((closes - opens for opens, closes in periods), timedelta()) == duration


@PROPERTY
@given(calendars(), st.data())
def test_a_closed_day_counts_nothing(calendar: CalendarRules, data: st.DataObject) -> None:
    closed = [
        FIRST + timedelta(days=n) for n in range(730) if calendar.is_closed_on(FIRST + timedelta(days=n))
    ]
    assume(closed)
    day = data.draw(st.sampled_from(closed))
    tz = calendar.timezone
    midnight = datetime.combine(day, time(0), tzinfo=tz)
    next_midnight = datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz)
    assert between(calendar, midnight, next_midnight) == timedelta(0)


@settings(max_examples=150, deadline=None)
@given(
    calendars(zones=[JST, ZoneInfo("UTC")]),
    st.datetimes(datetime(2026, 1, 1), datetime(2027, 12, 31)),
    st.integers(0, 2 * 24 * 60),
)
def test_business_time_equals_a_count_of_open_minutes(
    calendar: CalendarRules, naive: datetime, minutes: int
) -> None:
    start = naive.replace(second=0, microsecond=0, tzinfo=calendar.timezone)
    instants_ = (start + n * MINUTE for n in range(minutes))
    assert between(calendar, start, start + minutes * MINUTE) == MINUTE * sum(
        _is_open_by_definition(calendar, instant) for instant in instants_
    )


def _is_open_by_definition(calendar: CalendarRules, instant: datetime) -> bool:
    """Straight from the rules, without the module's day profiles (fixed-offset zones only)."""
    local = instant.astimezone(calendar.timezone)
    if calendar.is_closed_on(local.date()):
        return False
    second = local.hour * 3600 + local.minute * 60 + local.second
    for interval in calendar.hours:
        begin, end = interval.span
        if interval.weekday == local.weekday() and begin <= second < end:
            return True
        if interval.weekday == (local.weekday() - 1) % 7 and second + 86_400 < end:
            return True
    return False


@PROPERTY
@given(calendars(), instants, instants, durations)
def test_24x7_is_wall_clock_arithmetic(
    calendar: CalendarRules, a: datetime, b: datetime, duration: timedelta
) -> None:
    always = CalendarRules(
        is_24x7=True,
        hours=calendar.hours,
        timezone=calendar.timezone,
        public_holidays=calendar.public_holidays,
        closures=calendar.closures,
    )
    assert add(always, a, duration) == a + duration
    assert between(always, a, b) == b - a


@PROPERTY
@given(st.sampled_from(ZONES), instants, instants)
def test_a_calendar_open_all_day_every_day_is_wall_clock_arithmetic_even_across_clock_changes(
    zone: ZoneInfo, a: datetime, b: datetime
) -> None:
    whole_days = CalendarRules(
        hours=tuple(OpeningHours(day, time(0), time(0)) for day in range(7)), timezone=zone
    )
    assert between(whole_days, a, b) == b - a


# --- The fast path (fixed-offset zones: day totals and prefix sums) against the day-by-day walk ----

FIXED_ZONES = [JST, ZoneInfo("UTC")]


def _walk_between(calendar: CalendarRules, start: datetime, end: datetime) -> timedelta:
    return sum((b - a for a, b in open_intervals(calendar, start, end)), timedelta())


def _walk_add(calendar: CalendarRules, start: datetime, duration: timedelta) -> datetime:
    remaining, cursor = duration, start
    while True:
        for opens, closes in open_intervals(calendar, cursor, cursor + timedelta(days=60)):
            if remaining <= closes - opens:
                return opens + remaining
            remaining -= closes - opens
        cursor += timedelta(days=60)


@PROPERTY
@given(calendars(FIXED_ZONES), instants, instants)
def test_the_fast_business_time_equals_the_day_by_day_walk(
    calendar: CalendarRules, a: datetime, b: datetime
) -> None:
    start, end = sorted((a, b))
    assert between(calendar, start, end) == _walk_between(calendar, start, end)


@PROPERTY
@given(calendars(FIXED_ZONES), instants, durations)
def test_the_fast_addition_equals_the_day_by_day_walk(
    calendar: CalendarRules, start: datetime, duration: timedelta
) -> None:
    assume(any(p for p in calendar._profiles))
    assume(duration > timedelta(0))
    assert add(calendar, start, duration) == _walk_add(calendar, start, duration)


def test_a_zone_with_summer_time_takes_the_day_by_day_walk() -> None:
    from helpdesk.sla.calendar import _table_for

    berlin = CalendarRules(hours=OFFICE.hours, timezone=ZoneInfo("Europe/Berlin"))
    assert _table_for(berlin, jst(2026, 3, 1)) is None
    assert _table_for(OFFICE, jst(2026, 3, 1)) is not None
