"""Japanese public holidays as data for the pure calendar arithmetic, from jpholiday."""

from __future__ import annotations

from datetime import date
from functools import lru_cache

import jpholiday


@lru_cache(maxsize=16)  # ~11 ms a call, asked on every timeline and deadline: the years never change
def japanese_public_holidays(first_year: int, last_year: int) -> frozenset[date]:
    """Every Japanese public holiday from ``first_year`` through ``last_year``, both included.

    Includes substitute holidays (振替休日) and citizens' holidays (国民の休日) as jpholiday knows
    them; the year-end closure is not a public holiday (it is a ``Closure``). Callers cover every
    year their arithmetic may reach, e.g. this year through two years ahead.

    :raises ValueError: if ``last_year`` is before ``first_year``.
    """
    if last_year < first_year:
        raise ValueError(f"last_year ({last_year}) is before first_year ({first_year})")
    return frozenset(
        day for year in range(first_year, last_year + 1) for day, _name in jpholiday.year_holidays(year)
    )
