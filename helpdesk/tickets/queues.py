"""Queue views defined as data: each is a name, a label and a condition on open tickets.

Higher domains add views (the SLA domain's "breaching soon") with :func:`add_view`;
the console renders whatever this table holds. Paging fetches one row more than a
page instead of counting, and counts are capped, so a queue stays fast at a million
tickets.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, Select, and_, func, select, true
from sqlalchemy.orm import joinedload

from helpdesk.accounts.models import Party, PartyKind
from helpdesk.audit import services as audit
from helpdesk.core.actor import Actor
from helpdesk.core.db import db, unit_of_work
from helpdesk.core.errors import NotFound, ValidationFailed
from helpdesk.responsibility.models import ResponsibilitySegment
from helpdesk.tickets.models import SavedView, Service, Ticket
from helpdesk.tickets.rows import BATCH_SIZE, TicketRow, iter_rows
from helpdesk.tickets.states import (
    OPEN_STATUSES,
    Channel,
    Priority,
    TicketStatus,
    TicketType,
)

#: Counting stops here; the console shows "10,000件以上".
COUNT_CAP = 10_000


def _held_by_condition(party_condition: ColumnElement[bool]) -> ColumnElement[bool]:
    segment_holder = (
        select(ResponsibilitySegment.ticket_id)
        .join(Party, Party.id == ResponsibilitySegment.party_id)
        .where(ResponsibilitySegment.ended_at.is_(None), party_condition)
    )
    return Ticket.id.in_(segment_holder)


@dataclass(frozen=True)
class QueueView:
    """A named slice of the open tickets; the condition may depend on who looks and when."""

    key: str
    label: object
    condition: Callable[[Actor, datetime], ColumnElement[bool]]


#: Views by key, in tab order. Higher domains add theirs (the SLA domain's "breaching soon").
QUEUE_VIEWS: dict[str, QueueView] = {
    view.key: view
    for view in (
        QueueView("open", _l("未完了すべて"), lambda actor, now: true()),
        QueueView("unassigned", _l("未割当"), lambda actor, now: Ticket.assignee_id.is_(None)),
        QueueView("mine", _l("自分の担当"), lambda actor, now: Ticket.assignee_id == actor.user_id),
        QueueView("team", _l("自チームが責任"),
                  lambda actor, now: _held_by_condition(Party.id.in_(actor.party_ids or {-1}))),
        QueueView("pending", _l("依頼者の回答待ち"),
                  lambda actor, now: Ticket.status == TicketStatus.PENDING),
        QueueView("elsewhere", _l("他の事業者が責任"),
                  lambda actor, now: _held_by_condition(Party.kind != PartyKind.HELPDESK)),
    )
}

#: Orders by key; higher domains may add theirs (the SLA domain's "due").
SORTS: dict[str, tuple[ColumnElement[Any], ...]] = {
    "priority": (Ticket.priority.asc(), Ticket.created_at.asc(), Ticket.id.asc()),
    "oldest": (Ticket.created_at.asc(), Ticket.id.asc()),
    "newest": (Ticket.created_at.desc(), Ticket.id.desc()),
    "updated": (Ticket.updated_at.desc(), Ticket.id.desc()),
}


def add_view(view: QueueView, *, sort: tuple[str, tuple[ColumnElement[Any], ...]] | None = None) -> None:
    """Register a view (and optionally a sort) from a higher domain; registering again replaces it."""
    QUEUE_VIEWS[view.key] = view
    if sort is not None:
        SORTS[sort[0]] = sort[1]


@dataclass
class QueueFilters:
    """Narrowing of a view; None means any."""

    type: TicketType | None = None
    priority: Priority | None = None
    status: TicketStatus | None = None
    service_code: str | None = None
    site_id: int | None = None
    channel: Channel | None = None
    assignee_id: int | None = None
    sort: str = "priority"

    def conditions(self) -> list[ColumnElement[bool]]:
        """The WHERE clauses these filters add."""
        found: list[ColumnElement[bool]] = []
        if self.type is not None:
            found.append(Ticket.type == self.type)
        if self.priority is not None:
            found.append(Ticket.priority == self.priority)
        if self.status is not None:
            found.append(Ticket.status == self.status)
        if self.service_code:
            found.append(Ticket.service_id.in_(select(Service.id).where(Service.code == self.service_code)))
        if self.site_id is not None:
            found.append(Ticket.site_id == self.site_id)
        if self.channel is not None:
            found.append(Ticket.channel == self.channel)
        if self.assignee_id is not None:
            found.append(Ticket.assignee_id == self.assignee_id)
        return found


@dataclass
class QueuePage:
    """A page of a queue: its rows, whether more follow, and a capped count."""

    items: list[Ticket]
    page: int
    per_page: int
    has_next: bool
    total: int
    total_is_capped: bool = False
    view: str = "open"
    filters: QueueFilters = field(default_factory=QueueFilters)


def _base(actor: Actor, view: QueueView, filters: QueueFilters, now: datetime) -> Select[Ticket]:
    stmt = select(Ticket).where(Ticket.status.in_(OPEN_STATUSES), view.condition(actor, now),
                                and_(true(), *filters.conditions()))
    if not actor.is_security_cleared:
        stmt = stmt.where(Ticket.is_confidential.is_(False))
    return stmt


def list_queue(
    actor: Actor, view_key: str, filters: QueueFilters, *, now: datetime, page: int = 1, per_page: int = 50,
    total: int | None = None,
) -> QueuePage:
    """One page of a queue view at ``now``, sorted as asked (unknown views and sorts fall back).

    ``total``: how many match, when the caller already knows (an unfiltered view's tab count,
    capped as :func:`count_views` caps it); otherwise it is counted here.
    """
    view = QUEUE_VIEWS.get(view_key, QUEUE_VIEWS["open"])
    order = SORTS.get(filters.sort, SORTS["priority"])
    page = max(1, page)
    stmt = _base(actor, view, filters, now)
    # The page's ids first, then their rows: choosing the page reads only the open-queue index,
    # where sorting whole rows made the planner fetch every matching ticket (2,000 of them for
    # "held elsewhere" at a million tickets) only to keep 51.
    page_ids = list(db.session.scalars(
        stmt.with_only_columns(Ticket.id).order_by(*order).offset((page - 1) * per_page).limit(per_page + 1)
    ))
    found = {t.id: t for t in db.session.scalars(
        select(Ticket).where(Ticket.id.in_(page_ids or [-1]))
        .options(joinedload(Ticket.requester), joinedload(Ticket.assignee), joinedload(Ticket.service))
    ).unique()}
    rows = [found[i] for i in page_ids if i in found]
    if total is None:
        matching = stmt.with_only_columns(Ticket.id).limit(COUNT_CAP + 1).subquery()
        total = int(db.session.scalar(select(func.count()).select_from(matching)) or 0)
    return QueuePage(items=rows[:per_page], page=page, per_page=per_page, has_next=len(rows) > per_page,
                     total=min(total, COUNT_CAP), total_is_capped=total > COUNT_CAP, view=view.key,
                     filters=filters)


@dataclass(frozen=True)
class _CountsSeen:
    at: datetime
    counts: dict[str, int]


#: Tab counts by who looks (what they see depends on their id, parties and clearance).
_counts_seen: dict[tuple[int | None, frozenset[int], bool], _CountsSeen] = {}
_COUNTS_KEPT = 1000


def count_views(actor: Actor, *, now: datetime, max_age: timedelta = timedelta(0)) -> dict[str, int]:
    """Capped counts of every view at ``now``, for the tabs; one statement for all of them.

    With ``max_age``, counts this process computed for the same viewer no longer than
    ``max_age`` before ``now`` are answered again instead (tabs may lag; lists never do).
    """
    viewer = (actor.user_id, frozenset(actor.party_ids or ()), actor.is_security_cleared)
    seen = _counts_seen.get(viewer)
    if seen is not None and timedelta(0) <= now - seen.at < max_age:
        return dict(seen.counts)
    counts = [
        select(func.count()).select_from(
            _base(actor, view, QueueFilters(), now).with_only_columns(Ticket.id).limit(COUNT_CAP + 1)
            .subquery()
        ).scalar_subquery().label(key)
        for key, view in QUEUE_VIEWS.items()
    ]
    row = db.session.execute(select(*counts)).one()
    found = {key: int(value or 0) for key, value in zip(QUEUE_VIEWS, row, strict=True)}
    if max_age > timedelta(0):
        if len(_counts_seen) >= _COUNTS_KEPT:
            _counts_seen.clear()
        _counts_seen[viewer] = _CountsSeen(now, found)
    return dict(found)


def iter_queue(
    actor: Actor, view_key: str, filters: QueueFilters, *, now: datetime, batch_size: int = BATCH_SIZE
) -> Iterator[list[TicketRow]]:
    """Every ticket of a queue view at ``now`` (not one page), sorted as asked, in batches.

    Sees exactly what :func:`list_queue` sees (unknown views and sorts fall back alike);
    one streamed statement, so memory stays bounded at any length.
    """
    view = QUEUE_VIEWS.get(view_key, QUEUE_VIEWS["open"])
    order = SORTS.get(filters.sort, SORTS["priority"])
    return iter_rows(_base(actor, view, filters, now), order, batch_size=batch_size)


#: Query parameters a saved view may carry; anything else is dropped.
FILTER_KEYS = ("view", "type", "priority", "status", "channel", "service", "site", "assignee", "sort")
SAVED_VIEWS_PER_USER = 30


def list_saved_views(user_id: int) -> list[SavedView]:
    """A person's saved views, by name."""
    stmt = select(SavedView).where(SavedView.user_id == user_id).order_by(SavedView.name)
    return list(db.session.scalars(stmt))


def save_view(name: str, params: Mapping[str, str], *, actor: Actor, now: datetime) -> SavedView:
    """Save (or overwrite) a named queue filter of one's own; audited.

    :raises ValidationFailed: empty or over-long name, nothing to save, or too many views.
    """
    name = name.strip()
    kept = {k: str(v)[:60] for k, v in params.items() if k in FILTER_KEYS and v}
    if not name or len(name) > 60:
        raise ValidationFailed(_l("名前を60文字以内で入力してください。"),
                               fields={"name": _l("1〜60文字です。")})
    if actor.user_id is None:
        raise ValidationFailed(_l("保存できません。"))
    with unit_of_work() as session:
        view = session.scalar(select(SavedView).where(SavedView.user_id == actor.user_id,
                                                      SavedView.name == name))
        if view is None:
            if len(list_saved_views(actor.user_id)) >= SAVED_VIEWS_PER_USER:
                raise ValidationFailed(_l("保存できるビューは%(n)d個までです。", n=SAVED_VIEWS_PER_USER))
            view = SavedView(user_id=actor.user_id, name=name, params=kept, created_at=now)
            session.add(view)
        else:
            view.params = kept
        session.flush()
        audit.record(actor, "queue.view_saved", subject_type="saved_view", subject_id=view.id, now=now,
                     data={"name": name, "params": kept})
    return view


def delete_view(view_id: int, *, actor: Actor, now: datetime) -> None:
    """Delete one of one's own saved views; idempotent.

    :raises NotFound: it belongs to someone else.
    """
    with unit_of_work() as session:
        view = session.get(SavedView, view_id)
        if view is None:
            return
        if view.user_id != actor.user_id:
            raise NotFound("saved view")
        session.delete(view)
        audit.record(actor, "queue.view_deleted", subject_type="saved_view", subject_id=view_id, now=now)
