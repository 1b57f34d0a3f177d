"""Canned responses: reusable replies with placeholders, managed by supervisors."""

from __future__ import annotations

import re
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from helpdesk.accounts.models import User
from helpdesk.audit import services as audit
from helpdesk.core.actor import Actor
from helpdesk.core.db import db, unit_of_work
from helpdesk.core.errors import NotFound, PermissionDenied, ValidationFailed
from helpdesk.tickets.models import CannedResponse, Ticket

#: The placeholders a canned response may use, and what each becomes.
PLACEHOLDERS = ("requester_name", "ticket_number", "subject", "agent_name")
_PLACEHOLDER = re.compile(r"\{(\w+)\}")
_BRACED = re.compile(r"\{([^{}]*)\}")


def list_responses() -> list[CannedResponse]:
    """Every canned response, by title."""
    return list(db.session.scalars(select(CannedResponse).order_by(CannedResponse.title)))


def render(response_id: int, ticket: Ticket, agent: User) -> str:
    """The response's body with its placeholders filled for this ticket.

    :raises NotFound: no such response.
    """
    response = db.session.get(CannedResponse, response_id)
    if response is None:
        raise NotFound("canned response")
    values = {"requester_name": ticket.requester.display_name, "ticket_number": ticket.number,
              "subject": ticket.subject, "agent_name": agent.display_name}
    # Plain substitution, never str.format: a template must not reach object attributes.
    return _PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), response.body)


def save_response(
    title: str, body: str, *, actor: Actor, now: datetime, response_id: int | None = None
) -> CannedResponse:
    """Create or update a canned response; supervisors only; audited.

    :raises PermissionDenied: not a supervisor.
    :raises ValidationFailed: empty fields, a taken title, or an unknown placeholder.
    """
    if actor.role != "supervisor":
        raise PermissionDenied(_l("定型文を編集できるのはスーパーバイザーだけです。"))
    title, errors = title.strip(), {}
    if not title or len(title) > 100:
        errors["title"] = _l("題名を100文字以内で入力してください。")
    if not body.strip():
        errors["body"] = _l("本文を入力してください。")
    unknown = _unknown_placeholders(body)
    if unknown:
        errors["body"] = _l("使えない差し込み項目があります: %(names)s", names=", ".join(sorted(unknown)))
    if errors:
        raise ValidationFailed(_l("入力内容を確認してください。"), fields=errors)
    with unit_of_work() as session:
        clash = session.scalar(select(CannedResponse).where(CannedResponse.title == title))
        response = session.get(CannedResponse, response_id) if response_id else CannedResponse()
        if response is None:
            raise NotFound("canned response")
        if clash is not None and clash.id != response.id:
            raise ValidationFailed(_l("同じ題名の定型文があります。"),
                                   fields={"title": _l("別の題名にしてください。")})
        response.title, response.body, response.updated_at = title, body.strip(), now
        response.created_by_id = response.created_by_id or actor.user_id
        session.add(response)
        session.flush()
        audit.record(actor, "canned.saved", subject_type="canned_response", subject_id=response.id, now=now,
                     data={"title": title})
    return response


def _unknown_placeholders(body: str) -> set[str]:
    return set(_BRACED.findall(body)) - set(PLACEHOLDERS)
