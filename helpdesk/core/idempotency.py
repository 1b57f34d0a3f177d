"""Idempotency keys for API writes: a retried request has its effect once.

A client that sends ``Idempotency-Key`` with a ``POST`` may send the same request again
after a time-out or a dropped connection. :func:`once` records the key in the same
transaction as the operation's effect, together with the answer that was given, so the
retry gets that answer back and nothing happens twice. The record is inserted *before*
the operation runs: a concurrent duplicate waits on the unique key (PostgreSQL) or on the
write lock (SQLite) and then replays the first request's answer.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, String, delete
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from helpdesk.core.db import Model, db, unit_of_work
from helpdesk.core.errors import Conflict, ValidationFailed

#: How long a key is remembered; a retry later than this is a new request.
RETENTION = timedelta(hours=24)
KEY_MAX = 200


class IdempotencyRecord(Model):
    """One idempotency key of one caller, with the answer its first request got."""

    __tablename__ = "idempotency_records"
    #: Whose key it is (``user:<id>``): two callers may use the same key independently.
    scope: Mapped[str] = mapped_column(String(100), primary_key=True)
    key: Mapped[str] = mapped_column(String(KEY_MAX), primary_key=True)
    #: sha256 of the request (method, path, body); the same key with another request is refused.
    fingerprint: Mapped[str] = mapped_column(String(64))
    status: Mapped[int]
    body: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(index=True)


@dataclass(frozen=True)
class Answer:
    """What an operation answered: an HTTP status and a JSON body; ``replayed`` on a retry."""

    status: int
    body: dict[str, Any]
    replayed: bool = False


class KeyReused(Conflict):
    """The key was used before for a different request."""

    code = "idempotency_key_reused"


def random_key() -> str:
    """A key for a caller who sent none: the request is then simply not deduplicated."""
    return secrets.token_hex(16)


def fingerprint(method: str, path: str, payload: object) -> str:
    """A stable digest of a request; ``payload`` is any JSON-serialisable value."""
    canonical = json.dumps([method.upper(), path, payload], sort_keys=True, ensure_ascii=False,
                           separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def once(scope: str, key: str, request_fingerprint: str, operation: Callable[[], Answer], *,
         now: datetime) -> Answer:
    """Run ``operation`` once per (scope, key); a repeat returns the first answer.

    The record and the operation's writes commit together: if the operation raises,
    nothing is remembered and a retry runs it afresh.

    :raises ValidationFailed: an empty or over-long key.
    :raises KeyReused: the key was used within :data:`RETENTION` for another request.
    """
    if not key or len(key) > KEY_MAX or not key.isprintable():
        raise ValidationFailed(_l("Idempotency-Key は%(n)d文字以内の印字可能な文字列で指定してください。",
                                  n=KEY_MAX), fields={"Idempotency-Key": _l("形式が正しくありません。")})
    previous = _find(scope, key, now)
    if previous is not None:
        return _replay(previous, request_fingerprint)
    try:
        with unit_of_work() as session:
            record = IdempotencyRecord(scope=scope, key=key, fingerprint=request_fingerprint,
                                       status=0, body={}, created_at=now)
            session.add(record)
            session.flush()
            answer = operation()
            record.status, record.body = answer.status, answer.body
    except IntegrityError:
        # A concurrent request with the same key committed first.
        previous = _find(scope, key, now)
        if previous is None:
            raise
        return _replay(previous, request_fingerprint)
    return answer


def _find(scope: str, key: str, now: datetime) -> IdempotencyRecord | None:
    record = db.session.get(IdempotencyRecord, (scope, key), populate_existing=True)
    if record is None:
        return None
    if record.created_at < now - RETENTION:
        with unit_of_work() as session:
            session.delete(record)
        return None
    return record


def _replay(record: IdempotencyRecord, request_fingerprint: str) -> Answer:
    if record.fingerprint != request_fingerprint:
        raise KeyReused(_l("この Idempotency-Key は別の内容のリクエストに使われています。"))
    return Answer(status=record.status, body=record.body, replayed=True)


def prune(*, now: datetime) -> int:
    """Forget keys older than :data:`RETENTION` (one statement); returns how many."""
    with unit_of_work() as session:
        result = session.execute(
            delete(IdempotencyRecord).where(IdempotencyRecord.created_at < now - RETENTION)
        )
    return int(getattr(result, "rowcount", 0) or 0)

