"""Writing audit events: always inside the caller's unit of work."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, text

from helpdesk.audit.models import AuditChainHead, AuditEvent
from helpdesk.core.actor import Actor
from helpdesk.core.db import db, is_postgresql

GENESIS = "0" * 64
#: Any constant serves; it names the lock that serialises appends to the chain.
_CHAIN_LOCK_ID = 0x48445F4155444954  # "HD_AUDIT"


def canonical(event: AuditEvent) -> bytes:
    """The bytes the hash covers: every field but ``id`` and ``hash``, in a fixed form."""
    body = {
        "seq": event.seq,
        "occurred_at": event.occurred_at.isoformat(timespec="microseconds"),
        "actor_user_id": event.actor_user_id,
        "actor_api_key_id": event.actor_api_key_id,
        "actor_role": event.actor_role,
        "action": event.action,
        "subject_type": event.subject_type,
        "subject_id": event.subject_id,
        "ticket_id": event.ticket_id,
        "data": event.data,
        "prev_hash": event.prev_hash,
    }
    return json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def chain_hash(event: AuditEvent) -> str:
    """SHA-256 of :func:`canonical`."""
    return hashlib.sha256(canonical(event)).hexdigest()


def record(
    actor: Actor,
    action: str,
    *,
    subject_type: str,
    subject_id: object,
    now: datetime,
    ticket_id: int | None = None,
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append an event to the chain in the caller's transaction.

    Appends are serialised (on PostgreSQL by locking the chain head's row, and by a
    transaction-scoped advisory lock for the very first append, before that row exists;
    SQLite has one writer), so the chain stays linear under concurrent requests. The lock
    is held until the caller commits.

    :raises RuntimeError: outside a unit of work.
    """
    session = db.session()
    if not session.info.get("uow_depth"):
        raise RuntimeError("audit.record() must run inside unit_of_work()")
    head = _chain_head()
    if head is None and is_postgresql():
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _CHAIN_LOCK_ID})
        head = _chain_head()
    if head is None:
        head = AuditChainHead(id=1, seq=0, hash=GENESIS)
        session.add(head)
    event = AuditEvent(
        seq=head.seq + 1,
        occurred_at=now,
        actor_user_id=actor.user_id,
        actor_api_key_id=actor.api_key_id,
        actor_role=actor.role,
        action=action,
        subject_type=subject_type,
        subject_id=str(subject_id),
        ticket_id=ticket_id,
        data=_jsonable(data or {}),
        prev_hash=head.hash,
    )
    event.hash = chain_hash(event)
    session.add(event)
    head.seq, head.hash = event.seq, event.hash
    session.flush()
    return event


@dataclass(frozen=True)
class Entry:
    """One event of a batch for :func:`record_many`."""

    action: str
    subject_type: str
    subject_id: object
    ticket_id: int | None = None
    data: dict[str, Any] | None = None


def record_many(actor: Actor, entries: Sequence[Entry], *, now: datetime) -> list[AuditEvent]:
    """Append several events by one actor at one instant, in order, in the caller's transaction.

    The same chain as calling :func:`record` for each, for the price of one head lock and one
    batched insert (a sweep that records thousands of breaches at once).

    :raises RuntimeError: outside a unit of work.
    """
    if not entries:
        return []
    first = record(actor, entries[0].action, subject_type=entries[0].subject_type,
                   subject_id=entries[0].subject_id, now=now, ticket_id=entries[0].ticket_id,
                   data=entries[0].data)
    head = _chain_head()  # locked by the first append until the caller commits
    assert head is not None
    events = [first]
    for entry in entries[1:]:
        event = AuditEvent(
            seq=events[-1].seq + 1, occurred_at=now, actor_user_id=actor.user_id,
            actor_api_key_id=actor.api_key_id, actor_role=actor.role, action=entry.action,
            subject_type=entry.subject_type, subject_id=str(entry.subject_id), ticket_id=entry.ticket_id,
            data=_jsonable(entry.data or {}), prev_hash=events[-1].hash,
        )
        event.hash = chain_hash(event)
        events.append(event)
    db.session.add_all(events[1:])
    head.seq, head.hash = events[-1].seq, events[-1].hash
    db.session.flush()
    return events


def _chain_head() -> AuditChainHead | None:
    """The head, read afresh and (on PostgreSQL) locked until the caller commits."""
    stmt = select(AuditChainHead).where(AuditChainHead.id == 1).execution_options(populate_existing=True)
    return db.session.scalar(stmt.with_for_update() if is_postgresql() else stmt)


def _jsonable(data: dict[str, Any]) -> dict[str, Any]:
    """Round-trip through JSON so the stored value equals what the hash covered."""
    result: dict[str, Any] = json.loads(json.dumps(data, default=str, ensure_ascii=False))
    return result
