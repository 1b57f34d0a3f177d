"""Japanese-aware text search over tickets.

Text and queries are NFKC-normalised and lower-cased, so full-width and half-width
forms (ＶＰＮ / VPN, ｶﾅ / カナ) match. Every whitespace-separated term must occur as a
substring. Terms of three characters or more use the trigram index (pg_trgm on
PostgreSQL, FTS5 trigram on SQLite); shorter terms — 障害, 印刷 — are answered by LIKE
on the same column, because trigram indexes silently miss them.

Results are newest first, and a page with its capped count needs at most
``COUNT_CAP + 1`` matches, so the newest tickets are searched first and the search
widens only while too few match: a common term (メール matches a third of all tickets)
is answered from the newest few thousand instead of sorting hundreds of thousands.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Integer,
    Select,
    Text,
    and_,
    column,
    delete,
    event,
    func,
    insert,
    inspect,
    select,
    table,
)
from sqlalchemy.orm import joinedload

from helpdesk.core.actor import Actor
from helpdesk.core.db import db
from helpdesk.tickets.models import Ticket
from helpdesk.tickets.rows import BATCH_SIZE, TicketRow, iter_rows

MAX_TERMS = 8
COUNT_CAP = 1000
#: The search tries about this many newest tickets first, then this many, then all.
WINDOWS = (50_000, 500_000)


def normalise(*parts: str) -> str:
    """The form text is stored and searched in."""
    return "\n".join(unicodedata.normalize("NFKC", p).lower() for p in parts if p)


def terms_of(query: str) -> list[str]:
    """Distinct search terms of a query, normalised; at most ``MAX_TERMS``."""
    seen: list[str] = []
    for term in normalise(query).split():
        if term not in seen:
            seen.append(term)
    return seen[:MAX_TERMS]


def _like_pattern(term: str) -> str:
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


class TrigramSearch:
    """Substring search over one model's ``search_text`` column, answered from an index where possible.

    PostgreSQL's gin_trgm_ops index (made by the migration) serves LIKE by itself. On SQLite the
    migration makes a standalone FTS5 trigram table named ``fts_table`` (rowid = the model's id);
    this object keeps it in step in the same transaction. Tickets and knowledge-base articles
    share this, so both search Japanese the same way.
    """

    def __init__(self, model: Any, fts_table: str) -> None:
        self.model = model
        self.fts_table = fts_table
        self._fts = table(fts_table, column("rowid", Integer), column("search_text", Text))
        self._present: dict[str, bool] = {}
        event.listen(model, "after_insert", self._index)
        event.listen(model, "after_update", self._index)
        event.listen(model, "after_delete", self._unindex)

    def has_fts_table(self, connection: Connection | None = None) -> bool:
        """Whether the migration could create the FTS5 table (SQLite 3.34+); asked once per database."""
        bind = connection if connection is not None else db.engine
        url = str(bind.engine.url)
        if url not in self._present:
            self._present[url] = inspect(bind).has_table(self.fts_table)
        return self._present[url]

    def _fts_applies(self, connection: Connection) -> bool:
        return connection.dialect.name == "sqlite" and self.has_fts_table(connection)

    def _index(self, _mapper: object, connection: Connection, row: Any) -> None:
        """Keep SQLite's FTS5 copy of ``search_text`` in step, in the same transaction."""
        if not self._fts_applies(connection):
            return
        if not inspect(row).attrs.search_text.history.has_changes():
            return
        connection.execute(delete(self._fts).where(self._fts.c.rowid == row.id))
        connection.execute(insert(self._fts).values(rowid=row.id, search_text=row.search_text))

    def _unindex(self, _mapper: object, connection: Connection, row: Any) -> None:
        if self._fts_applies(connection):
            connection.execute(delete(self._fts).where(self._fts.c.rowid == row.id))

    def condition(self, term: str) -> ColumnElement[bool]:
        """One normalised term as a WHERE clause, answered from the index where the engine can."""
        if db.engine.dialect.name == "sqlite" and len(term) >= 3 and self.has_fts_table():
            phrase = '"' + term.replace('"', '""') + '"'
            matching = select(self._fts.c.rowid).where(self._fts.c.search_text.op("MATCH")(phrase))
            return self.model.id.in_(matching)  # type: ignore[no-any-return]
        # PostgreSQL uses the gin_trgm_ops index for LIKE with 3+ characters by itself.
        return self.model.search_text.like(_like_pattern(term), escape="\\")  # type: ignore[no-any-return]


TICKETS = TrigramSearch(Ticket, "ticket_search")


def term_condition(term: str) -> ColumnElement[bool]:
    """One term as a WHERE clause over tickets (see :class:`TrigramSearch`)."""
    return TICKETS.condition(term)


@dataclass
class SearchPage:
    """Search results: a page of tickets, whether more follow, and a capped count."""

    items: list[Ticket]
    page: int
    has_next: bool
    total: int
    total_is_capped: bool
    terms: list[str]


def search_tickets(actor: Actor, query: str, *, page: int = 1, per_page: int = 50) -> SearchPage:
    """Tickets (open or not) whose text contains every term, newest first, that the actor may see.

    Confidential tickets appear only for security-cleared actors; requesters search their own.
    """
    terms = terms_of(query)
    page = max(1, page)
    if not terms:
        return SearchPage(items=[], page=page, has_next=False, total=0, total_is_capped=False, terms=[])
    stmt = _matching(actor, terms)
    offset = (page - 1) * per_page
    # Enough matches to fill this page, tell whether another follows, and cap the count.
    needed = max(offset + per_page + 1, COUNT_CAP + 1)
    for since in _window_starts():
        # Every ticket outside the window is older than every one inside: if the window
        # holds ``needed`` matches, they are the newest ``needed`` of the whole table.
        scoped = stmt if since is None else stmt.where(Ticket.created_at >= since)
        ids = list(db.session.scalars(
            scoped.order_by(Ticket.created_at.desc(), Ticket.id.desc()).limit(needed)
        ))
        if len(ids) == needed:
            break
    page_ids = ids[offset:offset + per_page + 1]
    loaded = {t.id: t for t in db.session.scalars(
        select(Ticket).where(Ticket.id.in_(page_ids))
        .options(joinedload(Ticket.requester), joinedload(Ticket.assignee))
    ).unique()} if page_ids else {}
    rows = [loaded[i] for i in page_ids]
    return SearchPage(items=rows[:per_page], page=page, has_next=len(rows) > per_page,
                      total=min(len(ids), COUNT_CAP), total_is_capped=len(ids) > COUNT_CAP, terms=terms)


def iter_search(actor: Actor, query: str, *, batch_size: int = BATCH_SIZE) -> Iterator[list[TicketRow]]:
    """Every ticket :func:`search_tickets` would list for ``query`` (uncapped), newest first, in batches.

    The same terms and visibility; an empty query yields nothing. One streamed statement
    walking the creation-time index from the newest end, so memory stays bounded.
    """
    terms = terms_of(query)
    if not terms:
        return iter(())
    return iter_rows(_matching(actor, terms), (Ticket.created_at.desc(), Ticket.id.desc()),
                     batch_size=batch_size)


def _matching(actor: Actor, terms: list[str]) -> Select[int]:
    """Ids of the tickets containing every term that ``actor`` may find.

    Confidential tickets only for the security-cleared; requesters only their own.
    """
    stmt = select(Ticket.id).where(and_(*(term_condition(t) for t in terms)))
    if actor.role == "requester":
        return stmt.where(Ticket.requester_id == actor.user_id)
    if not actor.is_security_cleared:
        return stmt.where(Ticket.is_confidential.is_(False))
    return stmt


def _window_starts() -> Iterator[datetime | None]:
    """Creation times bounding ever wider windows of the newest tickets, ending with None (all).

    The bounds come from primary-key lookups, so they cost nothing; they need not be exact,
    because a window that holds too few matches only makes the search widen.
    """
    newest_id = db.session.scalar(select(func.max(Ticket.id)))
    for size in WINDOWS:
        if newest_id is None or newest_id <= size:
            break
        since = db.session.scalar(
            select(Ticket.created_at).where(Ticket.id <= newest_id - size).order_by(Ticket.id.desc()).limit(1)
        )
        if since is not None:
            yield since
    yield None
