"""Reading the trail, and verifying its chain."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy import select

from helpdesk.audit.models import AuditChainHead, AuditEvent
from helpdesk.audit.services import GENESIS, chain_hash
from helpdesk.core.db import db


@dataclass(frozen=True)
class ChainProblem:
    """One break in the chain: where, and what kind."""

    seq: int
    kind: str  # "edited" | "inserted" | "missing" | "head"
    detail: str


def verify_chain(batch: int = 5000) -> tuple[int, list[ChainProblem]]:
    """Walk the whole chain; return how many events were checked and every problem found.

    - ``edited``: an event's hash no longer matches its content;
    - ``inserted``/``missing``: sequence numbers repeat or skip, or a link points
      at something other than the previous event's hash;
    - ``head``: the newest event does not match the recorded chain head (the
      newest events were deleted or the head was rewritten).
    """
    problems: list[ChainProblem] = []
    expected_seq, prev_hash, checked = 1, GENESIS, 0
    for event in _events_in_order(batch):
        checked += 1
        if event.seq < expected_seq:
            problems.append(ChainProblem(event.seq, "inserted", f"sequence {event.seq} repeats"))
        elif event.seq > expected_seq:
            problems.append(
                ChainProblem(event.seq, "missing", f"events {expected_seq}..{event.seq - 1} absent")
            )
        if chain_hash(event) != event.hash:
            problems.append(ChainProblem(event.seq, "edited", f"event {event.id} content changed"))
        if event.prev_hash != prev_hash:
            problems.append(
                ChainProblem(event.seq, "inserted", f"event {event.id} does not link to its predecessor")
            )
        expected_seq, prev_hash = event.seq + 1, event.hash
    head = db.session.get(AuditChainHead, 1)
    head_seq, head_hash = (head.seq, head.hash) if head else (0, GENESIS)
    if head_seq != expected_seq - 1 or head_hash != prev_hash:
        problems.append(
            ChainProblem(head_seq, "head", f"chain head says #{head_seq}, trail ends at #{expected_seq - 1}")
        )
    return checked, problems


def _events_in_order(batch: int) -> Iterator[AuditEvent]:
    last = 0
    while True:
        rows = list(
            db.session.scalars(
                select(AuditEvent).where(AuditEvent.seq > last).order_by(AuditEvent.seq).limit(batch)
            )
        )
        if not rows:
            return
        yield from rows
        last = rows[-1].seq
        db.session.expunge_all()


def list_for_ticket(ticket_id: int) -> list[AuditEvent]:
    """Every event of one ticket, oldest first."""
    stmt = select(AuditEvent).where(AuditEvent.ticket_id == ticket_id).order_by(AuditEvent.seq)
    return list(db.session.scalars(stmt))

