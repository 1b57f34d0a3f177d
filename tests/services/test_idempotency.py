"""Idempotency keys: one effect per key, even for concurrent duplicates; expiry and pruning."""

from __future__ import annotations

import threading
import time
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask

from helpdesk.core import idempotency
from helpdesk.core.db import db
from helpdesk.core.errors import ValidationFailed
from helpdesk.core.idempotency import Answer, IdempotencyRecord, KeyReused
from helpdesk.tickets import services as tickets
from helpdesk.tickets.models import Ticket
from helpdesk.tickets.states import TicketType
from tests.conftest import T0, MakeUser, actor_of


def _opener(user: Any, calls: list[int], *, pause: float = 0.0) -> Any:
    def operation() -> Answer:
        calls.append(1)
        ticket = tickets.open_ticket(
            tickets.NewTicket(type=TicketType.INQUIRY, subject="VPNの申請方法", description=""),
            actor=actor_of(user), now=T0,
        )
        time.sleep(pause)  # hold the transaction open while the duplicate arrives
        return Answer(status=201, body={"number": ticket.number})

    return operation


def test_a_repeat_replays_the_first_answer(make_user: MakeUser) -> None:
    user, calls = make_user(), []
    digest = idempotency.fingerprint("POST", "/api/v1/tickets", {"subject": "VPN"})

    first = idempotency.once("user:1", "k1", digest, _opener(user, calls), now=T0)
    again = idempotency.once("user:1", "k1", digest, _opener(user, calls), now=T0 + timedelta(hours=1))

    assert (first.replayed, again.replayed) == (False, True)
    assert again.body == first.body and len(calls) == 1
    with pytest.raises(KeyReused):
        idempotency.once("user:1", "k1", "other", _opener(user, calls), now=T0)
    with pytest.raises(ValidationFailed):
        idempotency.once("user:1", "", digest, _opener(user, calls), now=T0)


def test_concurrent_duplicates_have_one_effect(app: Flask, make_user: MakeUser) -> None:
    user, calls = make_user(), []
    digest = idempotency.fingerprint("POST", "/api/v1/tickets", {"subject": "VPN"})
    answers: list[Answer] = []
    errors: list[BaseException] = []
    start = threading.Barrier(2)

    def request(pause: float) -> None:
        with app.app_context():
            try:
                start.wait(timeout=10)
                answers.append(idempotency.once("user:1", "same", digest, _opener(user, calls, pause=pause),
                                                now=T0))
            except BaseException as exc:
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=request, args=(pause,)) for pause in (0.5, 0.0)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert errors == []
    assert len(answers) == 2 and answers[0].body == answers[1].body
    assert sorted(a.replayed for a in answers) == [False, True]
    assert db.session.query(Ticket).count() == 1


def test_keys_expire_and_are_pruned(make_user: MakeUser) -> None:
    user, calls = make_user(), []
    idempotency.once("user:1", "old", "d", _opener(user, calls), now=T0)
    idempotency.once("user:1", "new", "d", _opener(user, calls), now=T0 + timedelta(hours=23))

    later = T0 + idempotency.RETENTION + timedelta(minutes=1)
    assert idempotency.prune(now=later) == 1
    assert [r.key for r in db.session.query(IdempotencyRecord)] == ["new"]
    rerun = idempotency.once("user:1", "old", "d", _opener(user, calls), now=later)
    assert rerun.replayed is False and len(calls) == 3
