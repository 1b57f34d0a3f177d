"""Ticket lists as CSV files for Excel: streamed, audited, safe to open.

Excel in Japan opens UTF-8 only with a byte-order mark, so every file starts with one;
lines end in CRLF and cells are quoted by the ``csv`` module. A cell that Excel would
read as a formula (``=``, ``+``, ``-``, ``@``, tab, CR first) gets a leading apostrophe,
so a ticket subject can never run as a formula on the reader's machine. Headers and
labels are in the reader's language; times are Japan time.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from flask_babel import lazy_gettext as _l

from helpdesk.audit import services as audit
from helpdesk.core.actor import Actor
from helpdesk.core.db import db, unit_of_work
from helpdesk.core.time import TOKYO
from helpdesk.tickets.labels import CHANNEL_LABELS, STATUS_LABELS, TYPE_LABELS
from helpdesk.tickets.rows import TicketRow

BOM = "\ufeff"
#: What Excel (and LibreOffice) take as the start of a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

@dataclass(frozen=True)
class _Reader:
    """The reader's language and the enum words in it, translated once per file, not per cell."""

    locale: str
    words: dict[str, str]

    @classmethod
    def of(cls, locale: str) -> _Reader:
        tables = (TYPE_LABELS, STATUS_LABELS, CHANNEL_LABELS)
        return cls(locale, {f"{type(m).__name__}.{m.value}": str(w) for t in tables for m, w in t.items()})

    def word(self, member: StrEnum) -> str:
        return self.words.get(f"{type(member).__name__}.{member.value}", member.value)


Cell = Callable[[TicketRow, _Reader], str]


def _when(value: datetime) -> str:
    return value.astimezone(TOKYO).strftime("%Y-%m-%d %H:%M")


#: Column key → (header, cell of a row for a reader).
COLUMNS: dict[str, tuple[Any, Cell]] = {
    "number": (_l("番号"), lambda r, reader: r.number),
    "subject": (_l("件名"), lambda r, reader: r.subject),
    "type": (_l("種別"), lambda r, reader: reader.word(r.type)),
    "status": (_l("状態"), lambda r, reader: reader.word(r.status)),
    "priority": (_l("優先度"), lambda r, reader: r.priority.value),
    "service": (_l("サービス"), lambda r, reader: r.service.pick(reader.locale) if r.service else ""),
    "site": (_l("拠点"), lambda r, reader: r.site.pick(reader.locale) if r.site else ""),
    "requester": (_l("依頼者"), lambda r, reader: r.requester),
    "assignee": (_l("担当者"), lambda r, reader: r.assignee or ""),
    "holder": (_l("責任"), lambda r, reader: r.holder.pick(reader.locale) if r.holder else ""),
    "channel": (_l("受付経路"), lambda r, reader: reader.word(r.channel)),
    "created": (_l("受付日時"), lambda r, reader: _when(r.created_at)),
    "updated": (_l("更新日時"), lambda r, reader: _when(r.updated_at)),
}
#: What the console's lists download.
DESK_COLUMNS = tuple(COLUMNS)
#: What a vendor's list of held tickets downloads: what its queue shows, no requester or desk staff.
PARTY_COLUMNS = ("number", "subject", "type", "status", "priority", "service", "site", "created", "updated")
#: What a requester's own list downloads: what the portal shows them, nothing internal.
REQUESTER_COLUMNS = ("number", "subject", "type", "status", "service", "created", "updated")


def safe_cell(value: str) -> str:
    """``value`` as a spreadsheet will show it, never run it: a formula start gets an apostrophe."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def _lines(rows: Iterable[Sequence[str]]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue().encode("utf-8")


def stream_tickets_csv(
    batches: Iterable[Sequence[TicketRow]],
    *,
    columns: Sequence[str],
    locale: str,
    actor: Actor,
    now: datetime,
    source: str,
    criteria: Mapping[str, str],
) -> Iterator[bytes]:
    """The rows of ``batches`` as CSV bytes: the BOM and the header first, then one chunk per batch.

    Only the ``columns`` named (keys of :data:`COLUMNS`). Once the last row is sent, or
    the download stops early (the reader went away, the database failed), one audit event
    ``tickets.exported_csv`` is written in its own transaction with ``source`` (which
    list), ``criteria`` (its filters), the rows sent and whether the file was complete.
    The caller decides who may download which list; the batches must already hold only
    what ``actor`` may see.

    :raises KeyError: an unknown column (before anything is sent).
    """
    chosen = [COLUMNS[key] for key in columns]
    reader = _Reader.of(locale)
    sent = 0
    try:
        yield BOM.encode("utf-8") + _lines([[str(header) for header, _cell in chosen]])
        for batch in batches:
            yield _lines([safe_cell(cell(row, reader)) for _header, cell in chosen] for row in batch)
            sent += len(batch)
    except BaseException:
        db.session.rollback()  # the cursor left mid-list, or a failed statement
        _record_export(actor, now=now, source=source, criteria=criteria, rows=sent, completed=False)
        raise
    _record_export(actor, now=now, source=source, criteria=criteria, rows=sent, completed=True)


def _record_export(actor: Actor, *, now: datetime, source: str, criteria: Mapping[str, str], rows: int,
                   completed: bool) -> None:
    with unit_of_work():
        audit.record(actor, "tickets.exported_csv", subject_type="ticket_list", subject_id=source, now=now,
                     data={"source": source, "criteria": dict(criteria), "rows": rows,
                           "completed": completed})
