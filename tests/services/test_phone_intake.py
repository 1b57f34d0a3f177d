"""Phone intake: finding the caller fast, logging the call, resolving during the call."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from helpdesk.accounts import queries as account_queries
from helpdesk.accounts import services as accounts
from helpdesk.accounts.models import Role
from helpdesk.core.actor import SYSTEM
from helpdesk.core.errors import PermissionDenied, ValidationFailed
from helpdesk.tickets import calls
from helpdesk.tickets import queries as ticket_queries
from helpdesk.tickets import services as tickets
from helpdesk.tickets.states import MessageKind, ResolutionCode, TicketStatus, TicketType
from tests.conftest import T0, MakeTicket, MakeUser, actor_of

NOW = T0 + timedelta(minutes=10)


def _call(summary: str = "Outlookが起動しない。再起動を案内。") -> calls.Call:
    return calls.Call(direction="inbound", started_at=T0, duration_seconds=245, summary=summary)


@pytest.fixture
def directory(db: Any, base_data: Any) -> None:
    rows = [
        {
            "email": f"staff{i:05d}@example.go.jp",
            "family_name": "佐藤",
            "given_name": f"一郎{i}",
            "family_kana": "サトウ",
            "given_kana": "イチロウ",
            "site": "hq",
            "department": "総務課",
            "extension": f"{10000 + i}",
        }
        for i in range(5000)
    ]
    rows += [
        {
            "email": "hanako.takahashi@example.go.jp",
            "family_name": "髙橋",
            "given_name": "花子",
            "family_kana": "タカハシ",
            "given_kana": "ハナコ",
            "site": "hq",
            "department": "会計課",
            "extension": "2314",
        }
    ]
    assert accounts.import_directory(rows, actor=SYSTEM, now=T0).ok


def test_the_caller_is_on_top_among_5000_staff(directory: None) -> None:
    for typed in ("2314", "たかは", "タカハ", "ﾀｶﾊ", "髙橋", "hanako", "髙橋 花子"):
        found = account_queries.search_people(typed)
        assert found[0].email == "hanako.takahashi@example.go.jp", typed
    assert account_queries.search_people("10042")[0].extension == "10042"  # exact beats longer


def test_a_call_becomes_a_phone_ticket_with_its_call_record(make_user: MakeUser) -> None:
    agent, caller = make_user(Role.AGENT), make_user()
    ticket = calls.log_call(
        caller.id,
        _call(),
        actor=actor_of(agent),
        now=NOW,
        new_ticket=tickets.NewTicket(
            type=TicketType.FAULT, subject="Outlookが起動しない", description="電話受付"
        ),
    )
    assert ticket.channel.value == "phone"
    assert ticket.requester_id == caller.id
    assert ticket.created_at == T0
    record = [e.message for e in ticket_queries.timeline(ticket.id, include_internal=True) if e.message][0]
    assert (record.kind, record.call_duration_seconds, record.created_at) == (MessageKind.PHONE_CALL, 245, T0)


def test_resolved_during_the_call_closes_it_as_first_contact_resolution(make_user: MakeUser) -> None:
    agent, caller = make_user(Role.AGENT), make_user()
    ticket = calls.log_call(
        caller.id,
        _call(),
        actor=actor_of(agent),
        now=NOW,
        new_ticket=tickets.NewTicket(type=TicketType.INQUIRY, subject="印刷の向き", description=""),
        resolved_in_call=ResolutionCode.ANSWERED,
        resolution_summary="設定画面を案内しました。",
    )
    assert ticket.status is TicketStatus.CLOSED
    assert ticket.is_first_contact_resolution


def test_a_call_on_an_existing_ticket_of_the_caller(make_user: MakeUser, make_ticket: MakeTicket) -> None:
    agent, caller = make_user(Role.AGENT), make_user()
    existing = make_ticket(requester=caller)
    logged = calls.log_call(
        caller.id, _call("進捗の問い合わせ"), actor=actor_of(agent), now=NOW, ticket_id=existing.id
    )
    assert logged.id == existing.id
    other = make_ticket()
    with pytest.raises(ValidationFailed):
        calls.log_call(caller.id, _call(), actor=actor_of(agent), now=NOW, ticket_id=other.id)


def test_call_data_is_checked_and_nothing_is_half_written(make_user: MakeUser, db: Any) -> None:
    from sqlalchemy import func, select

    from helpdesk.tickets.models import Ticket

    agent, caller = make_user(Role.AGENT), make_user()
    bad = calls.Call(
        direction="sideways", started_at=T0 + timedelta(days=1), duration_seconds=-1, summary=" "
    )
    with pytest.raises(ValidationFailed) as caught:
        calls.log_call(
            caller.id,
            bad,
            actor=actor_of(agent),
            now=NOW,
            new_ticket=tickets.NewTicket(type=TicketType.FAULT, subject="x", description=""),
        )
    assert set(caught.value.fields) == {"direction", "started_at", "duration", "summary"}
    with pytest.raises(ValidationFailed):  # resolving needs a summary; the ticket must not stay behind
        calls.log_call(
            caller.id,
            _call(),
            actor=actor_of(agent),
            now=NOW,
            resolved_in_call=ResolutionCode.FIXED,
            new_ticket=tickets.NewTicket(type=TicketType.FAULT, subject="x", description=""),
        )
    assert db.session.scalar(select(func.count()).select_from(Ticket)) == 0


def test_only_the_call_centre_logs_calls(make_user: MakeUser) -> None:
    caller = make_user()
    with pytest.raises(PermissionDenied):
        calls.log_call(
            caller.id,
            _call(),
            actor=actor_of(make_user(Role.VENDOR)),
            now=NOW,
            new_ticket=tickets.NewTicket(type=TicketType.FAULT, subject="x", description=""),
        )
