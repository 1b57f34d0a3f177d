"""The three invariants of responsibility, checked on plain values. Pure: stdlib only."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class Span:
    """A segment reduced to what the invariants look at."""

    party_id: int
    started_at: datetime
    ended_at: datetime | None


@dataclass(frozen=True)
class Life:
    """Periods a ticket was open: (opened, closed or None while open)."""

    periods: tuple[tuple[datetime, datetime | None], ...]


def violations(spans: Sequence[Span], life: Life, *, now: datetime) -> list[str]:
    """Every broken invariant, in words; empty when the ledger is sound.

    1. exactly one open span while the ticket is open, none once closed;
    2. spans are ordered, contiguous within an open period, never overlapping;
    3. the spans' total equals the ticket's open life.
    """
    problems: list[str] = []
    ordered = sorted(spans, key=lambda s: s.started_at)
    is_open = bool(life.periods) and life.periods[-1][1] is None
    open_spans = [s for s in ordered if s.ended_at is None]
    if is_open and len(open_spans) != 1:
        problems.append(f"open ticket has {len(open_spans)} open segments")
    if not is_open and open_spans:
        problems.append("closed ticket has an open segment")
    for earlier, later in zip(ordered, ordered[1:], strict=False):
        if earlier.ended_at is None:
            problems.append("a segment after an open segment")
        elif later.started_at < earlier.ended_at:
            problems.append("segments overlap")
        elif later.started_at > earlier.ended_at and not _is_closed_gap(
            earlier.ended_at, later.started_at, life
        ):
            problems.append("gap between segments while the ticket was open")
    held = sum(((s.ended_at or now) - s.started_at for s in ordered), timedelta())
    lived = sum(((end or now) - start for start, end in life.periods), timedelta())
    if held != lived:
        problems.append(f"segments hold {held}, the ticket was open {lived}")
    return problems


def _is_closed_gap(gap_start: datetime, gap_end: datetime, life: Life) -> bool:
    """True when the ticket was closed over the whole gap (closed, then reopened)."""
    for (_, closed), (reopened, _) in zip(life.periods, life.periods[1:], strict=False):
        if closed is not None and closed <= gap_start and reopened >= gap_end:
            return True
    return False
