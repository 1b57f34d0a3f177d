"""Clock arithmetic around pauses: worked examples on the office calendar, then invariants."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpdesk.sla.timing import Pause, due_at, running_time, share_of
from tests.unit.test_business_calendar import ALWAYS, HOUR, MINUTE, NIGHTS, OFFICE, jst

START = jst(2026, 9, 17, 10)  # Thursday, the week of the September holidays


def test_without_pauses_the_due_time_is_plain_business_time() -> None:
    # Thu 10:00 + 16 business hours: Thu 8h15, Fri 7h45 -> Fri 16:45.
    assert due_at(OFFICE, START, 16 * HOUR, []) == jst(2026, 9, 18, 16, 45)


def test_a_pause_moves_the_due_time_by_the_business_time_it_covered() -> None:
    # Paused Thu 11:00–15:00 (4 business hours): due 4 business hours later, over the holidays.
    pauses = [Pause(jst(2026, 9, 17, 11), jst(2026, 9, 17, 15))]
    due = due_at(OFFICE, START, 16 * HOUR, pauses)
    assert due == jst(2026, 9, 24, 11, 30)  # Fri 16:45–18:15, then Thu 9:00 + 2h30
    assert running_time(OFFICE, START, due, pauses) == 16 * HOUR


def test_a_pause_over_closed_time_costs_nothing() -> None:
    pauses = [Pause(jst(2026, 9, 19, 9), jst(2026, 9, 23, 18))]  # the weekend and holidays
    assert due_at(OFFICE, START, 16 * HOUR, pauses) == due_at(OFFICE, START, 16 * HOUR, [])


def test_an_open_pause_before_the_target_leaves_no_due_time() -> None:
    assert due_at(OFFICE, START, 4 * HOUR, [Pause(jst(2026, 9, 17, 11))]) is None
    assert running_time(OFFICE, START, jst(2026, 9, 17, 17), [Pause(jst(2026, 9, 17, 11))]) == HOUR


def test_an_open_pause_after_the_target_does_not_matter() -> None:
    assert due_at(OFFICE, START, HOUR, [Pause(jst(2026, 9, 17, 12))]) == jst(2026, 9, 17, 11)


def test_a_target_reached_as_a_pause_begins_is_due_then() -> None:
    assert due_at(OFFICE, START, HOUR, [Pause(jst(2026, 9, 17, 11))]) == jst(2026, 9, 17, 11)


def test_a_pause_before_the_start_is_ignored() -> None:
    pauses = [Pause(jst(2026, 9, 16, 10), jst(2026, 9, 16, 12))]
    assert due_at(OFFICE, START, HOUR, pauses) == jst(2026, 9, 17, 11)
    assert running_time(OFFICE, START, jst(2026, 9, 17, 11), pauses) == HOUR


def test_the_one_hour_restoration_on_24x7_is_wall_clock_time_plus_pauses() -> None:
    start = jst(2027, 1, 1, 0, 30)  # New Year's Day: the closure does not stop a 24x7 clock
    assert due_at(ALWAYS, start, HOUR, []) == jst(2027, 1, 1, 1, 30)
    assert due_at(ALWAYS, start, HOUR, [Pause(jst(2027, 1, 1, 1), jst(2027, 1, 1, 1, 20))]) == jst(
        2027, 1, 1, 1, 50
    )


def test_running_time_is_zero_before_the_start() -> None:
    assert running_time(OFFICE, START, START - HOUR, []) == timedelta(0)


def test_a_negative_target_is_refused() -> None:
    with pytest.raises(ValueError, match="must not be negative"):
        due_at(OFFICE, START, -MINUTE, [])


def test_share_of_rounds_down_to_the_second() -> None:
    assert share_of(60 * MINUTE, 75) == 45 * MINUTE
    assert share_of(timedelta(seconds=7), 75) == timedelta(seconds=5)


# --- Invariants -------------------------------------------------------------------------------

calendars = st.sampled_from([OFFICE, NIGHTS, ALWAYS])
offsets = st.integers(min_value=0, max_value=20 * 24 * 3600)
durations = st.integers(min_value=0, max_value=60 * 3600).map(lambda s: timedelta(seconds=s))


@st.composite
def closed_pauses(draw: st.DrawFn) -> list[Pause]:
    """Up to four ordered, non-overlapping, closed pauses after START."""
    points = sorted(draw(st.lists(offsets, min_size=0, max_size=8, unique=True)))
    if len(points) % 2:
        points = points[:-1]
    return [
        Pause(START + timedelta(seconds=a), START + timedelta(seconds=b))
        for a, b in zip(points[::2], points[1::2], strict=True)
    ]


@settings(max_examples=300, deadline=None)
@given(calendar=calendars, target=durations, pauses=closed_pauses())
def test_the_clock_has_run_exactly_its_target_when_due(
    calendar: object, target: timedelta, pauses: list[Pause]
) -> None:
    due = due_at(calendar, START, target, pauses)  # type: ignore[arg-type]
    assert due is not None
    assert running_time(calendar, START, due, pauses) == target  # type: ignore[arg-type]


@settings(max_examples=200, deadline=None)
@given(calendar=calendars, a=durations, b=durations, pauses=closed_pauses())
def test_a_longer_target_is_never_due_earlier(
    calendar: object, a: timedelta, b: timedelta, pauses: list[Pause]
) -> None:
    first, second = sorted((a, b))
    early = due_at(calendar, START, first, pauses)  # type: ignore[arg-type]
    late = due_at(calendar, START, second, pauses)  # type: ignore[arg-type]
    assert early is not None and late is not None and early <= late


@settings(max_examples=200, deadline=None)
@given(calendar=calendars, pauses=closed_pauses(), at=offsets)
def test_running_time_never_exceeds_business_time_and_never_goes_negative(
    calendar: object, pauses: list[Pause], at: int
) -> None:
    from helpdesk.sla.calendar import business_time_between

    moment: datetime = START + timedelta(seconds=at)
    run = running_time(calendar, START, moment, pauses)  # type: ignore[arg-type]
    assert timedelta(0) <= run <= business_time_between(calendar, START, moment)  # type: ignore[arg-type]
