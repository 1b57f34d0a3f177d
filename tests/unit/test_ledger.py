"""The responsibility invariants, checked by the pure ledger function."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from helpdesk.responsibility.ledger import Life, Span, violations

T = datetime(2026, 11, 27, tzinfo=UTC)
H = timedelta(hours=1)


def test_contiguous_segments_of_an_open_ticket_are_sound() -> None:
    spans = [Span(1, T, T + H), Span(2, T + H, None)]
    assert violations(spans, Life(((T, None),)), now=T + 3 * H) == []


def test_two_open_segments_are_reported() -> None:
    spans = [Span(1, T, None), Span(2, T + H, None)]
    assert "open ticket has 2 open segments" in violations(spans, Life(((T, None),)), now=T + 2 * H)


def test_overlap_and_gap_are_reported() -> None:
    overlap = [Span(1, T, T + 2 * H), Span(2, T + H, None)]
    gap = [Span(1, T, T + H), Span(2, T + 2 * H, None)]
    life = Life(((T, None),))
    assert "segments overlap" in violations(overlap, life, now=T + 3 * H)
    assert "gap between segments while the ticket was open" in violations(gap, life, now=T + 3 * H)


def test_closed_ticket_with_an_open_segment_is_reported() -> None:
    spans = [Span(1, T, None)]
    assert "closed ticket has an open segment" in violations(spans, Life(((T, T + H),)), now=T + 2 * H)


@given(st.lists(st.tuples(st.integers(1, 4), st.integers(1, 10_000)), min_size=1, max_size=20))
def test_any_chain_of_transfers_holds_exactly_the_open_life(moves: list[tuple[int, int]]) -> None:
    spans, start = [], T
    for party, seconds in moves:
        end = start + timedelta(seconds=seconds)
        spans.append(Span(party, start, end))
        start = end
    spans[-1] = Span(spans[-1].party_id, spans[-1].started_at, None)
    assert violations(spans, Life(((T, None),)), now=start) == []
