"""Where a clock's target falls due and how much of it has run, around its pauses. Pure: stdlib only.

A clock runs on one business calendar from its start, except during its pauses (waiting on
the requester, or the time between a resolution and a reopen). Pauses never overlap and at
most the last one is still open. Everything is exact business time, as in
:mod:`helpdesk.sla.calendar`, so ``running_time(start, due_at(start, d)) == d``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from helpdesk.sla.calendar import CalendarRules, add_business_time, business_time_between


@dataclass(frozen=True)
class Pause:
    """One interval the clock did not run; ``ended_at`` None while it is still paused."""

    started_at: datetime
    ended_at: datetime | None = None


def running_time(
    calendar: CalendarRules, start: datetime, at: datetime, pauses: Iterable[Pause]
) -> timedelta:
    """Business time the clock has run from ``start`` to ``at``, not counting its pauses.

    Zero when ``at`` is not after ``start``; an open pause counts up to ``at``.
    """
    if at <= start:
        return timedelta(0)
    total = business_time_between(calendar, start, at)
    for pause in pauses:
        begin = max(pause.started_at, start)
        end = min(pause.ended_at or at, at)
        if end > begin:
            total -= business_time_between(calendar, begin, end)
    return total


def due_at(
    calendar: CalendarRules, start: datetime, target: timedelta, pauses: Iterable[Pause]
) -> datetime | None:
    """The instant the clock will have run ``target``; None if an open pause comes first.

    A target reached exactly when a pause begins is due at that instant.

    :raises ValueError: a negative target, or naive instants.
    :raises NoOpenTime: the calendar never opens again.
    """
    if target < timedelta(0):
        raise ValueError(f"target must not be negative, not {target}")
    remaining, cursor = target, start
    for pause in sorted(pauses, key=lambda p: p.started_at):
        if pause.ended_at is not None and pause.ended_at <= cursor:
            continue
        begin = max(pause.started_at, cursor)
        run = business_time_between(calendar, cursor, begin)
        if run >= remaining:
            return add_business_time(calendar, cursor, remaining)
        remaining -= run
        if pause.ended_at is None:
            return None
        cursor = pause.ended_at
    return add_business_time(calendar, cursor, remaining)


def share_of(target: timedelta, percent: int) -> timedelta:
    """``percent`` % of ``target``, rounded down to the whole second (where a warning falls)."""
    return timedelta(seconds=int(target.total_seconds()) * percent // 100)
