"""The demarcation matrix (責任分界表): service × ticket type → the party that handles it.

Administrators edit it row by row or replace it from a CSV file (all rows or none, with
an error per row); it is exported as CSV for the contract documents. The console suggests
the target party of an escalation from it.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select

from helpdesk.accounts.models import Party
from helpdesk.accounts.policy import require_administer
from helpdesk.audit import services as audit
from helpdesk.core.actor import Actor
from helpdesk.core.db import db, unit_of_work
from helpdesk.core.errors import ValidationFailed
from helpdesk.handoff.models import Demarcation
from helpdesk.tickets.models import Service
from helpdesk.tickets.states import TicketType

#: Column order of the CSV file; the first line is this header.
CSV_COLUMNS = ("service", "ticket_type", "party", "first_line_allowed", "note")
TRUE_WORDS = {"1", "true", "yes", "y", "はい", "可", "○"}
FALSE_WORDS = {"0", "false", "no", "n", "いいえ", "不可", "×", ""}


@dataclass(frozen=True)
class Row:
    """One line of the matrix, by codes."""

    service: str
    ticket_type: str
    party: str
    first_line_allowed: bool
    note: str = ""


def list_matrix() -> list[tuple[Service, TicketType, Demarcation | None]]:
    """Every active service × every ticket type, with its row when there is one."""
    services = list(db.session.scalars(select(Service).where(Service.is_active.is_(True))
                                       .order_by(Service.sort_order, Service.id)))
    rows = {(d.service_id, d.ticket_type): d for d in db.session.scalars(select(Demarcation))}
    return [(service, kind, rows.get((service.id, kind))) for service in services for kind in TicketType]


def export_csv() -> str:
    """The matrix as CSV (UTF-8 with BOM, so Excel opens it with the Japanese intact)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for service, kind, row in list_matrix():
        if row is not None:
            writer.writerow([service.code, kind.value, row.party.code, "1" if row.first_line_allowed else "0",
                             row.note])
    return "\ufeff" + buffer.getvalue()


def parse_csv(text: str) -> list[Row]:
    """Read the CSV file; every problem is reported with its line number.

    :raises ValidationFailed: a wrong header, or rows with unknown codes or values.
    """
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    header = next(reader, None)
    if header is None or tuple(h.strip() for h in header) != CSV_COLUMNS:
        raise ValidationFailed(_l("1行目は %(header)s にしてください。", header=",".join(CSV_COLUMNS)),
                               fields={"line 1": _l("見出しが違います。")})
    services = set(db.session.scalars(select(Service.code)))
    parties = set(db.session.scalars(select(Party.code).where(Party.is_active.is_(True))))
    kinds = {k.value for k in TicketType}
    rows, errors, seen = [], {}, set()
    for number, cells in enumerate(reader, start=2):
        if not any(c.strip() for c in cells):
            continue
        cells = [c.strip() for c in cells] + [""] * (len(CSV_COLUMNS) - len(cells))
        service, kind, party, allowed, note = cells[:5]
        problem = None
        if service not in services:
            problem = _l("サービスコード「%(code)s」がありません。", code=service)
        elif kind not in kinds:
            problem = _l("種別は %(kinds)s のいずれかです。", kinds=", ".join(sorted(kinds)))
        elif party not in parties:
            problem = _l("事業者コード「%(code)s」がありません。", code=party)
        elif allowed.lower() not in TRUE_WORDS | FALSE_WORDS:
            problem = _l("一次対応可否は 1 か 0 で指定してください。")
        elif (service, kind) in seen:
            problem = _l("同じサービスと種別の行が重複しています。")
        if problem is not None:
            errors[f"line {number}"] = problem
            continue
        seen.add((service, kind))
        rows.append(Row(service, kind, party, allowed.lower() in TRUE_WORDS, note[:1000]))
    if errors:
        raise ValidationFailed(_l("%(n)d行に誤りがあります。どの行も取り込んでいません。", n=len(errors)),
                               fields=errors)
    return rows


def replace_matrix(rows: list[Row], *, actor: Actor, now: datetime) -> int:
    """Replace the whole matrix with ``rows`` in one transaction; one audit event with the counts.

    :raises PermissionDenied: not an administrator.
    """
    require_administer(actor)
    with unit_of_work() as session:
        services = {s.code: s.id for s in session.scalars(select(Service))}
        parties = {p.code: p.id for p in session.scalars(select(Party))}
        removed = getattr(session.execute(delete(Demarcation)), "rowcount", 0) or 0
        session.add_all([
            Demarcation(service_id=services[r.service], ticket_type=TicketType(r.ticket_type),
                        party_id=parties[r.party], first_line_allowed=r.first_line_allowed, note=r.note)
            for r in rows
        ])
        audit.record(actor, "demarcation.replaced", subject_type="demarcation", subject_id="matrix", now=now,
                     data={"rows": len(rows), "removed": int(removed)})
    return len(rows)


def set_row(row: Row, *, actor: Actor, now: datetime) -> None:
    """Set one cell of the matrix (an empty party removes the row).

    :raises PermissionDenied: not an administrator.
    :raises ValidationFailed: unknown service, type or party.
    """
    require_administer(actor)
    with unit_of_work() as session:
        service = session.scalar(select(Service).where(Service.code == row.service))
        party = session.scalar(select(Party).where(Party.code == row.party)) if row.party else None
        known_type = row.ticket_type in {k.value for k in TicketType}
        if service is None or not known_type or (row.party and party is None):
            raise ValidationFailed(_l("入力内容を確認してください。"),
                                   fields={"party": _l("一覧から選んでください。")})
        kind = TicketType(row.ticket_type)
        current = session.scalar(select(Demarcation).where(Demarcation.service_id == service.id,
                                                           Demarcation.ticket_type == kind))
        if party is None:
            if current is not None:
                session.delete(current)
        elif current is None:
            session.add(Demarcation(service_id=service.id, ticket_type=kind, party_id=party.id,
                                    first_line_allowed=row.first_line_allowed, note=row.note))
        else:
            current.party_id, current.first_line_allowed = party.id, row.first_line_allowed
            current.note = row.note
        audit.record(actor, "demarcation.row_set", subject_type="demarcation",
                     subject_id=f"{row.service}:{row.ticket_type}", now=now,
                     data={"party": row.party or None, "first_line_allowed": row.first_line_allowed})
