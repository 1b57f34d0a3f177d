"""Queue views as data, filters, capped counts, and the ticket-number jump."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from helpdesk.accounts.models import Role
from helpdesk.tickets import queries, queues
from helpdesk.tickets import services as tickets
from helpdesk.tickets.states import Channel, Impact, Priority, TicketStatus, TicketType, Urgency
from tests.conftest import T0, MakeTicket, MakeUser, actor_of


def _numbers(page: queues.QueuePage) -> list[str]:
    return [t.number for t in page.items]


def test_views_slice_the_open_tickets(make_ticket: MakeTicket, make_user: MakeUser) -> None:
    agent = make_user(Role.AGENT)
    mine, unassigned, pending, closed = (make_ticket(now=T0 + timedelta(minutes=i)) for i in range(4))
    actor = actor_of(agent)
    tickets.assign(mine.id, agent.id, actor=actor, now=T0)
    tickets.change_status(pending.id, TicketStatus.PENDING, actor=actor, now=T0)
    tickets.change_status(closed.id, TicketStatus.RESOLVED, actor=actor, now=T0)
    none = queues.QueueFilters(sort="oldest")
    assert _numbers(queues.list_queue(actor, "open", none, now=T0)) == [
        mine.number,
        unassigned.number,
        pending.number,
    ]
    assert _numbers(queues.list_queue(actor, "mine", none, now=T0)) == [mine.number]
    assert _numbers(queues.list_queue(actor, "unassigned", none, now=T0)) == [
        unassigned.number, pending.number]
    assert _numbers(queues.list_queue(actor, "pending", none, now=T0)) == [pending.number]
    assert _numbers(queues.list_queue(actor, "team", none, now=T0)) == [
        mine.number,
        unassigned.number,
        pending.number,
    ]
    assert _numbers(queues.list_queue(actor, "elsewhere", none, now=T0)) == []
    assert queues.count_views(actor, now=T0) == {
        "open": 3,
        "unassigned": 2,
        "mine": 1,
        "team": 3,
        "pending": 1,
        "elsewhere": 0,
        "breaching": 0,  # the SLA domain's view: no targets are set in this test
    }


def test_tab_counts_may_be_reused_for_the_same_viewer_within_their_age(
    make_ticket: MakeTicket, make_user: MakeUser
) -> None:
    agent, other = make_user(Role.AGENT), make_user(Role.AGENT)
    make_ticket(now=T0)
    ten_seconds = timedelta(seconds=10)
    later = T0 + timedelta(days=400)  # no earlier test's counts are this new
    assert queues.count_views(actor_of(agent), now=later, max_age=ten_seconds)["open"] == 1
    make_ticket(now=T0)
    # Within the age the same viewer gets the counts already made; a fresh read is always fresh.
    soon = later + timedelta(seconds=9)
    assert queues.count_views(actor_of(agent), now=soon, max_age=ten_seconds)["open"] == 1
    assert queues.count_views(actor_of(agent), now=soon)["open"] == 2
    # Another viewer, or the same one once the age has passed, is counted again.
    assert queues.count_views(actor_of(other), now=soon, max_age=ten_seconds)["open"] == 2
    assert queues.count_views(actor_of(agent), now=later + ten_seconds, max_age=ten_seconds)["open"] == 2


def test_filters_and_sorting(make_ticket: MakeTicket, make_user: MakeUser) -> None:
    actor = actor_of(make_user(Role.AGENT))
    p1 = make_ticket(impact=Impact.SITE, urgency=Urgency.HIGH, now=T0 + timedelta(minutes=5))
    p4 = make_ticket(impact=Impact.PERSON, urgency=Urgency.LOW, channel=Channel.PHONE, now=T0)
    inquiry = make_ticket(type=TicketType.INQUIRY, now=T0 + timedelta(minutes=1))
    by_priority = queues.list_queue(actor, "open", queues.QueueFilters(), now=T0)
    assert _numbers(by_priority)[0] == p1.number
    newest = queues.list_queue(actor, "open", queues.QueueFilters(sort="newest"), now=T0)
    assert _numbers(newest) == [p1.number, inquiry.number, p4.number]
    assert _numbers(queues.list_queue(actor, "open", queues.QueueFilters(priority=Priority.P1), now=T0)) == [
        p1.number
    ]
    assert _numbers(queues.list_queue(actor, "open", queues.QueueFilters(channel=Channel.PHONE), now=T0)) == [
        p4.number
    ]
    inquiries = queues.QueueFilters(type=TicketType.INQUIRY)
    assert _numbers(queues.list_queue(actor, "open", inquiries, now=T0)) == [
        inquiry.number
    ]


def test_paging_fetches_one_extra_row_instead_of_counting_everything(
    make_ticket: MakeTicket, make_user: MakeUser
) -> None:
    actor = actor_of(make_user(Role.AGENT))
    for i in range(5):
        make_ticket(now=T0 + timedelta(minutes=i))
    first = queues.list_queue(actor, "open", queues.QueueFilters(sort="oldest"), now=T0, per_page=2)
    last = queues.list_queue(actor, "open", queues.QueueFilters(sort="oldest"), now=T0, page=3, per_page=2)
    assert (len(first.items), first.has_next, first.total) == (2, True, 5)
    assert (len(last.items), last.has_next) == (1, False)


def test_confidential_tickets_stay_out_of_the_desks_queues(
    make_ticket: MakeTicket, make_user: MakeUser
) -> None:
    make_ticket(type=TicketType.SECURITY)
    agent, security = actor_of(make_user(Role.AGENT)), actor_of(make_user(Role.SECURITY))
    assert queues.list_queue(agent, "open", queues.QueueFilters(), now=T0).items == []
    assert len(queues.list_queue(security, "open", queues.QueueFilters(), now=T0).items) == 1


def test_ticket_numbers_are_recognised_in_many_spellings(db: Any) -> None:
    now = datetime(2026, 11, 28, tzinfo=UTC)
    assert queries.normalise_number("HD-2026-000123", now=now) == "HD-2026-000123"
    assert queries.normalise_number("hd2026-123", now=now) == "HD-2026-000123"
    assert queries.normalise_number("１２３", now=now) == "HD-2026-000123"  # full-width digits
    assert queries.normalise_number("HD-2025-7", now=now) == "HD-2025-000007"
    assert queries.normalise_number("印刷できない", now=now) is None


def test_bulk_change_reports_each_ticket_and_audits_each_once(
    make_ticket: MakeTicket, make_user: MakeUser, db: Any
) -> None:
    from sqlalchemy import select

    from helpdesk.audit.models import AuditEvent

    agent = make_user(Role.AGENT)
    actor = actor_of(agent)
    ok1, ok2 = make_ticket(), make_ticket()
    secret = make_ticket(type=TicketType.SECURITY)
    resolved = make_ticket()
    tickets.change_status(resolved.id, TicketStatus.RESOLVED, actor=actor, now=T0)
    report = tickets.bulk_change(
        [ok1.id, ok2.id, secret.id, resolved.id], tickets.BulkAction.STATUS, "pending", actor=actor, now=T0
    )
    assert report.succeeded == [ok1.number, ok2.number]
    assert [number for number, _ in report.failed] == [str(secret.id), resolved.number]  # no number leaks
    events = db.session.scalars(
        select(AuditEvent).where(
            AuditEvent.action == "ticket.status_changed", AuditEvent.data["to"].as_string() == "pending"
        )
    ).all()
    assert len(events) == 2
    assigned = tickets.bulk_change(
        [ok1.id, ok2.id], tickets.BulkAction.ASSIGN, str(agent.id), actor=actor, now=T0
    )
    assert len(assigned.succeeded) == 2
    bad = tickets.bulk_change([ok1.id], tickets.BulkAction.PRIORITY, "P9", actor=actor, now=T0)
    assert bad.failed == [(ok1.number, "値が正しくありません。")]


def test_saved_views_are_personal_and_keep_only_filter_keys(make_user: MakeUser) -> None:
    from helpdesk.core.errors import NotFound, ValidationFailed

    alice, bob = actor_of(make_user(Role.AGENT)), actor_of(make_user(Role.AGENT))
    view = queues.save_view(
        "本省の障害", {"view": "open", "type": "fault", "site": "1", "evil": "x"}, actor=alice, now=T0
    )
    assert view.params == {"view": "open", "type": "fault", "site": "1"}
    again = queues.save_view("本省の障害", {"view": "mine"}, actor=alice, now=T0)
    assert again.id == view.id  # same name overwrites
    assert [v.name for v in queues.list_saved_views(alice.user_id or 0)] == ["本省の障害"]
    assert queues.list_saved_views(bob.user_id or 0) == []
    with pytest.raises(NotFound):
        queues.delete_view(view.id, actor=bob, now=T0)
    with pytest.raises(ValidationFailed):
        queues.save_view("  ", {"view": "open"}, actor=alice, now=T0)
    queues.delete_view(view.id, actor=alice, now=T0)
    assert queues.list_saved_views(alice.user_id or 0) == []
