"""REST API v1, handoffs: the operations vendor's tooling and the desk's integrations.

Party keys (``flask apikey create --party CODE``) and vendor users' keys see the handoffs
addressed to or sent by their parties and what was shared with them, nothing else; the
desk escalates and withdraws. Same document, same errors, same idempotency as the tickets API.
"""

from __future__ import annotations

from typing import Any

from flask import jsonify, request
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l

from helpdesk.accounts import queries as accounts_queries
from helpdesk.accounts.models import PartyKind
from helpdesk.core import idempotency
from helpdesk.core.time import utcnow
from helpdesk.extensions import limiter
from helpdesk.handoff import queries as handoffs
from helpdesk.handoff import services as handoff_services
from helpdesk.handoff.models import Handoff, HandoffState, RejectReason
from helpdesk.tickets import queries as tickets
from helpdesk.web.api import schemas
from helpdesk.web.api.openapi import operation
from helpdesk.web.api.views import (
    RATE,
    api_actor,
    api_key_required,
    bp,
    clocks_for,
    invalid,
    json_body,
    locale,
    once,
    readable_ticket,
    respond,
)

_NOT_FOUND = _l("存在しないか、見る権限がない")
_ANSWERED = _l("回答済み・取り下げ済みなど、この状態ではできない")
_INVALID = _l("入力内容の誤り")


def _party_id(code: str | None, field: str) -> int | None:
    if code is None:
        return None
    party = accounts_queries.find_party_by_code(code)
    if party is None or not party.is_active:
        raise invalid(field, str(_l("事業者コードが正しくありません。")))
    return party.id


def _out(handoff: Handoff) -> dict[str, Any]:
    messages, files = handoffs.shares_of(handoff)
    other = handoff.from_party if handoff.to_party.kind is PartyKind.HELPDESK else handoff.to_party
    notes = handoffs.party_notes_for({other.id}, handoff.ticket_id)
    out = schemas.handoff_out(handoff, messages=messages, files=files, locale=locale(), notes=notes,
                              sla=clocks_for(api_actor(), handoff.ticket))
    return out.model_dump(mode="json")


@bp.get("/handoffs")
@limiter.limit(RATE)
@api_key_required
@operation("GET", "/handoffs", _l("自社宛ての引き継ぎの一覧"), query=schemas.HandoffListQuery,
           description=_l("呼び出し元の事業者に宛てた引き継ぎ。既定は受領待ち（requested）で、受領期限の近い順。"),
           responses={200: (_l("引き継ぎの一覧"), schemas.HandoffList),
                      422: (_l("条件の誤り"), schemas.Problem)})
def list_handoffs() -> ResponseReturnValue:
    """Handoffs addressed to the caller's parties."""
    query = schemas.parse(schemas.HandoffListQuery, request.args.to_dict())
    caller = api_actor()
    found = handoffs.list_waiting_for(caller.party_ids, include_confidential=caller.is_security_cleared,
                                      state=HandoffState(query.state) if query.state else None)
    return jsonify({"items": [_out(h) for h in found]})


@bp.get("/handoffs/<id:handoff_id>")
@limiter.limit(RATE)
@api_key_required
@operation("GET", "/handoffs/<id:handoff_id>", _l("引き継ぎを1件取得する"),
           description=_l("要約と、共有されたメッセージ・ファイルだけを返します。"),
           responses={200: (_l("引き継ぎ"), schemas.HandoffOut), 404: (_NOT_FOUND, schemas.Problem)})
def get_handoff(handoff_id: int) -> ResponseReturnValue:
    """One handoff the caller's party sent or received."""
    return jsonify(_out(handoffs.get_handoff_for(api_actor(), handoff_id)))


@bp.post("/handoffs/<id:handoff_id>/accept")
@limiter.limit(RATE)
@api_key_required
@operation("POST", "/handoffs/<id:handoff_id>/accept", _l("引き継ぎを受領する"), body=schemas.HandoffAccept,
           body_required=False,
           description=_l("受領した時点で対応責任が移ります。受領済みのものを再度受領しても変わりません。"),
           responses={200: (_l("受領した引き継ぎ"), schemas.HandoffOut),
                      403: (_l("宛先の事業者ではない"), schemas.Problem), 404: (_NOT_FOUND, schemas.Problem),
                      409: (_ANSWERED, schemas.Problem), 422: (_INVALID, schemas.Problem)})
def accept_handoff(handoff_id: int) -> ResponseReturnValue:
    """Take the ticket; responsibility moves now."""
    caller = api_actor()
    handoffs.get_handoff_for(caller, handoff_id)
    body = json_body(schemas.HandoffAccept, optional=True)
    accepted = handoff_services.accept_handoff(handoff_id, actor=caller, now=utcnow(),
                                               receiver_reference=body.external_ref)
    return jsonify(_out(accepted))


@bp.post("/handoffs/<id:handoff_id>/reject")
@limiter.limit(RATE)
@api_key_required
@operation("POST", "/handoffs/<id:handoff_id>/reject", _l("引き継ぎを差し戻す"), body=schemas.HandoffReject,
           description=_l("対応範囲外（out_of_scope）は suggested_party が、"
                          "情報不足とその他は reason が必須です。"),
           responses={200: (_l("差し戻した引き継ぎ"), schemas.HandoffOut),
                      403: (_l("宛先の事業者ではない"), schemas.Problem), 404: (_NOT_FOUND, schemas.Problem),
                      409: (_ANSWERED, schemas.Problem),
                      422: (_l("理由に必要な項目がない"), schemas.Problem)})
def reject_handoff(handoff_id: int) -> ResponseReturnValue:
    """Refuse the ticket; the sender stays responsible."""
    caller = api_actor()
    handoffs.get_handoff_for(caller, handoff_id)
    body = json_body(schemas.HandoffReject)
    rejected = handoff_services.reject_handoff(
        handoff_id, RejectReason(body.reason_code), body.reason, actor=caller, now=utcnow(),
        suggested_party_id=_party_id(body.suggested_party, "suggested_party"),
    )
    return jsonify(_out(rejected))


@bp.post("/handoffs/<id:handoff_id>/withdraw")
@limiter.limit(RATE)
@api_key_required
@operation("POST", "/handoffs/<id:handoff_id>/withdraw", _l("引き継ぎ依頼を取り下げる"),
           body=schemas.HandoffWithdraw, body_required=False,
           responses={200: (_l("取り下げた引き継ぎ"), schemas.HandoffOut),
                      403: (_l("依頼元の事業者ではない"), schemas.Problem),
                      404: (_NOT_FOUND, schemas.Problem),
                      409: (_ANSWERED, schemas.Problem), 422: (_INVALID, schemas.Problem)})
def withdraw_handoff(handoff_id: int) -> ResponseReturnValue:
    """The sender takes the request back."""
    caller = api_actor()
    handoffs.get_handoff_for(caller, handoff_id)
    body = json_body(schemas.HandoffWithdraw, optional=True)
    return jsonify(_out(handoff_services.withdraw_handoff(handoff_id, actor=caller, now=utcnow(),
                                                          reason=body.reason)))


@bp.post("/tickets/<number>/handoffs")
@limiter.limit(RATE)
@api_key_required
@operation("POST", "/tickets/<number>/handoffs", _l("引き継ぎを依頼する"), body=schemas.HandoffCreate,
           accepts_idempotency_key=True,
           description=_l("いま対応責任を持つ事業者が、別の事業者に引き継ぎを依頼します。"
                          "受領されるまで責任は移りません。"),
           responses={201: (_l("依頼した引き継ぎ"), schemas.HandoffOut),
                      403: (_l("対応責任を持つ事業者ではない"), schemas.Problem),
                      404: (_NOT_FOUND, schemas.Problem),
                      409: (_l("完了済み、または別の引き継ぎが受領待ち"), schemas.Problem),
                      422: (_l("入力内容の誤り"), schemas.Problem)})
def request_handoff(number: str) -> ResponseReturnValue:
    """Ask another party to take the ticket."""
    caller = api_actor()
    ticket = tickets.get_ticket_by_number_for(caller, number)
    body = json_body(schemas.HandoffCreate)
    to_party_id = _party_id(body.to_party, "to_party")
    assert to_party_id is not None
    key = request.headers.get("Idempotency-Key") or idempotency.random_key()

    def send() -> idempotency.Answer:
        handoff = handoff_services.request_handoff(ticket.id, handoff_services.HandoffRequest(
            to_party_id=to_party_id, idempotency_key=key, symptom=body.symptom, impact=body.impact,
            steps_taken=body.steps_taken, requester_contact=body.requester_contact,
            shared_message_ids=body.shared_message_ids, shared_attachment_ids=body.shared_attachment_ids,
        ), actor=caller, now=utcnow())
        return idempotency.Answer(status=201, body=_out(handoff))

    return respond(once(body.model_dump(mode="json"), send))


@bp.post("/tickets/<number>/handback")
@limiter.limit(RATE)
@api_key_required
@operation("POST", "/tickets/<number>/handback", _l("ヘルプデスクへ返却する"), body=schemas.HandbackCreate,
           accepts_idempotency_key=True,
           description=_l("原因・対応内容・復旧日時を添えて返却を依頼します。"
                          "ヘルプデスクが受領するまで責任は返却元に残ります。"),
           responses={201: (_l("返却の引き継ぎ"), schemas.HandoffOut),
                      403: (_l("対応責任を持つ事業者ではない"), schemas.Problem),
                      404: (_NOT_FOUND, schemas.Problem),
                      409: (_l("ヘルプデスクが担当中、または別の引き継ぎが受領待ち"), schemas.Problem),
                      422: (_l("入力内容の誤り"), schemas.Problem)})
def hand_back(number: str) -> ResponseReturnValue:
    """Return the ticket the caller's party holds to the help desk."""
    caller = api_actor()
    ticket = handoffs.get_ticket_for_party(caller, number)
    body = json_body(schemas.HandbackCreate)
    key = request.headers.get("Idempotency-Key") or idempotency.random_key()

    def send() -> idempotency.Answer:
        handoff = handoff_services.hand_back(ticket.id, handoff_services.Handback(
            idempotency_key=key, cause=body.cause, action=body.action, restored_at=body.restored_at,
        ), actor=caller, now=utcnow())
        return idempotency.Answer(status=201, body=_out(handoff))

    return respond(once(body.model_dump(mode="json"), send))


@bp.get("/tickets/<number>/responsibility")
@limiter.limit(RATE)
@api_key_required
@operation("GET", "/tickets/<number>/responsibility", _l("対応責任の推移を取得する"),
           description=_l("区間ごとの事業者と時間（秒、実時間）、事業者ごとの合計。"),
           responses={200: (_l("対応責任の推移"), schemas.ResponsibilityOut),
                      404: (_NOT_FOUND, schemas.Problem)})
def responsibility(number: str) -> ResponseReturnValue:
    """The responsibility segments with durations per party."""
    ticket, _as_party = readable_ticket(api_actor(), number)
    timeline = handoffs.responsibility_timeline(ticket.id, now=utcnow())
    return jsonify(schemas.responsibility_out(ticket.number, timeline, locale()).model_dump(mode="json"))
