"""REST API v1: tickets for staff tools, the desk's integrations and the vendors' tooling.

Authenticated by API key (``Authorization: Bearer``), never by cookie, so CSRF does not
apply. Keys act as their user: the same policies as the pages decide what each caller
sees and may do, and a ticket the caller may not see is a 404. Errors are
``application/problem+json`` (mapped once in ``web/common/errors``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from flask import Blueprint, Response, g, jsonify, render_template, request, url_for
from flask.blueprints import BlueprintSetupState
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from pydantic import BaseModel
from werkzeug.exceptions import MethodNotAllowed
from werkzeug.routing import IntegerConverter, Map

from helpdesk.accounts import queries as accounts_queries
from helpdesk.accounts import services as accounts
from helpdesk.core import idempotency
from helpdesk.core.actor import Actor
from helpdesk.core.errors import NotFound, PermissionDenied, Unauthenticated, ValidationFailed
from helpdesk.core.time import utcnow
from helpdesk.extensions import limiter
from helpdesk.handoff import queries as handoffs
from helpdesk.handoff import services as handoff_services
from helpdesk.sla import queries as sla
from helpdesk.tickets import policy
from helpdesk.tickets import queries as tickets
from helpdesk.tickets import services as ticket_services
from helpdesk.tickets.attachments import ALLOWED_TYPES
from helpdesk.tickets.models import Ticket
from helpdesk.tickets.services import FieldChanges, NewTicket, TicketChange
from helpdesk.tickets.states import Channel, MessageKind
from helpdesk.web.api import schemas
from helpdesk.web.api.openapi import build_document, component_of, describe, operation
from helpdesk.web.common.files import attachment_limits, download, uploads_from

bp = Blueprint("api", __name__, url_prefix="/api/v1")
F = TypeVar("F")
M = TypeVar("M", bound=BaseModel)
RATE = "600 per minute"


class IdConverter(IntegerConverter):
    """``<id:name>``: a row id, 1 to ``ID_MAX``; any other number matches no route (404)."""

    def __init__(self, url_map: Map) -> None:
        super().__init__(url_map, min=1, max=schemas.ID_MAX)


@bp.record_once
def register_converters(state: BlueprintSetupState) -> None:
    """Before the routes below are added: they use ``<id:...>``."""
    state.app.url_map.converters["id"] = IdConverter


@bp.after_app_request
def name_allowed_methods(response: Response) -> Response:
    """A 405 names the methods the address does take (``Allow``, RFC 9110).

    The shared error handler builds a new problem response and drops the header; a 405 is
    raised while routing, before any blueprint's own handler could keep it.
    """
    error = request.routing_exception
    if (isinstance(error, MethodNotAllowed) and error.valid_methods
            and request.path.startswith(f"{bp.url_prefix}/")):
        response.headers.setdefault("Allow", ", ".join(sorted(error.valid_methods)))
    return response


def api_key_required(view: F) -> F:
    """Authenticate ``Authorization: Bearer <key>``; the actor lands in ``g.actor``."""

    @wraps(view)  # type: ignore[arg-type]
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        header = request.headers.get("Authorization", "")
        scheme, _sep, key = header.partition(" ")
        if scheme.lower() != "bearer" or not key:
            raise Unauthenticated(_("APIキーを Authorization: Bearer ヘッダーで指定してください。"))
        if not (key.isascii() and key.isprintable()):  # no key looks so; NUL would reach the database
            raise Unauthenticated(_("APIキーが正しくありません。"))
        g.actor = accounts.authenticate_api_key(key.strip(), now=utcnow())
        user = accounts_queries.find_active_user(g.actor.user_id) if g.actor.user_id else None
        if user is not None:
            g.api_locale = user.locale
        return view(*args, **kwargs)  # type: ignore[operator]

    return cast(F, wrapper)


def api_actor() -> Actor:
    """The caller, as authenticated by :func:`api_key_required`."""
    return cast(Actor, g.actor)


def locale() -> str:
    """The language the answer is written in."""
    return str(get_locale() or "ja")


def respond(answer: idempotency.Answer, *, location: str | None = None) -> Response:
    """An operation's answer as a response, marked when it is a replay."""
    response = jsonify(answer.body)
    response.status_code = answer.status
    if location:
        response.headers["Location"] = location
    if answer.replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return response


def once(payload: object, operation_: Callable[[], idempotency.Answer]) -> idempotency.Answer:
    """Run a write once per ``Idempotency-Key`` (or simply run it when there is none)."""
    key = request.headers.get("Idempotency-Key")
    if key is None:
        return operation_()
    actor = api_actor()
    scope = f"user:{actor.user_id}" if actor.user_id is not None else f"key:{actor.api_key_id}"
    digest = idempotency.fingerprint(request.method, request.path, payload)
    return idempotency.once(scope, key, digest, operation_, now=utcnow())


def json_body(model: type[M], *, optional: bool = False) -> M:
    """The request's JSON body as ``model``; with ``optional``, no body at all reads as ``{}``.

    :raises ValidationFailed: not JSON, or not what ``model`` documents.
    """
    raw = request.get_data(cache=True)
    if optional and not raw:
        return schemas.parse_json(model, b"{}")
    return schemas.parse_json(model, raw if request.is_json else None)


def invalid(field: str, message: str) -> ValidationFailed:
    """A 422 naming one field."""
    return ValidationFailed(_("入力内容を確認してください。"), fields={field: message})


def _site_id(code: str | None) -> int | None:
    if code is None:
        return None
    site = accounts_queries.find_site_by_code(code)
    if site is None:
        raise invalid("site", _("拠点コードが正しくありません。"))
    return site.id


def readable_ticket(actor: Actor, number: str) -> tuple[Ticket, bool]:
    """A ticket the caller may read, and whether only as a party it was handed to.

    The desk and the requester read it whole; a receiving party reads what was shared.

    :raises NotFound: neither.
    """
    try:
        return tickets.get_ticket_by_number_for(actor, number), False
    except NotFound:
        return handoffs.get_ticket_for_party(actor, number), True


def _detail(ticket: Ticket) -> dict[str, Any]:
    actor = api_actor()
    include_internal = policy.can_work_ticket(actor, ticket)
    merged_into = tickets.get_ticket(ticket.merged_into_id).number if ticket.merged_into_id else None
    detail = schemas.ticket_detail(
        ticket, locale=locale(), holder=tickets.holders([ticket.id]).get(ticket.id),
        merged_into=merged_into,
        messages=tickets.list_messages(ticket.id, include_internal=include_internal),
        attachments=tickets.list_attachments(ticket.id, public_only=not include_internal),
        sla=clocks_for(actor, ticket),
    )
    return detail.model_dump(mode="json")


def clocks_for(actor: Actor, ticket: Ticket) -> list[schemas.SlaClockOut]:
    """The desk reads every clock; another party the ticket's and its own; a requester none."""
    if ticket.requester_id == actor.user_id and not policy.can_work_ticket(actor, ticket):
        return []
    is_desk = actor.role in policy.DESK_ROLES
    codes = {p.id: p.code for p in accounts_queries.list_active_parties()}
    return [schemas.sla_clock_out(c, codes) for c in sla.list_clocks(ticket.id, now=utcnow())
            if is_desk or c.party_id is None or c.party_id in actor.party_ids]


# --- documents ------------------------------------------------------------------------------


@bp.get("/openapi.json")
@operation("GET", "/openapi.json", _l("この API の OpenAPI 3.1 定義"), is_public=True,
           responses={200: (_l("OpenAPI 3.1 の JSON"), None)})
def openapi_document() -> Response:
    """The machine-readable description of this API (no key needed)."""
    return jsonify(build_document(server_url=url_for("api.openapi_document", _external=True)
                                  .removesuffix("/openapi.json")))


@bp.get("/docs")
def docs() -> str:
    """The same document as a readable page, in the reader's language."""
    return render_template("api/docs.html", document=build_document(), describe=describe,
                           component_of=component_of)


# --- who am I -------------------------------------------------------------------------------


@bp.get("/me")
@limiter.limit(RATE)
@api_key_required
@operation("GET", "/me", _l("このキーで操作する利用者"),
           responses={200: (_l("役割と所属"), schemas.Identity)})
def me() -> Response:
    """Who the presented key acts as."""
    actor = api_actor()
    identity = schemas.Identity(role=actor.role, user_id=actor.user_id, party_ids=sorted(actor.party_ids),
                                label=actor.label)
    return jsonify(identity.model_dump(mode="json"))


# --- tickets --------------------------------------------------------------------------------


@bp.post("/tickets")
@limiter.limit(RATE)
@api_key_required
@operation("POST", "/tickets", _l("チケットを起票する"), body=schemas.TicketCreate,
           accepts_idempotency_key=True,
           description=_l("窓口はメールアドレスで依頼者を指定して代理起票できます。"
                          "チャネルは api になります。"),
           responses={201: (_l("起票したチケット"), schemas.TicketDetail),
                      403: (_l("他の人の代理起票は窓口のみ"), schemas.Problem),
                      409: (_l("同じ Idempotency-Key が別の内容に使われています"), schemas.Problem),
                      422: (_l("入力内容の誤り（項目ごとの説明付き）"), schemas.Problem)})
def create_ticket() -> Response:
    """Open a ticket as the key's user, or for a member of staff (desk only)."""
    body = json_body(schemas.TicketCreate)
    actor = api_actor()

    def create() -> idempotency.Answer:
        ticket = ticket_services.open_ticket(_new_ticket(body, actor), actor=actor, now=utcnow())
        return idempotency.Answer(status=201, body=_detail(ticket))

    answer = once(body.model_dump(mode="json"), create)
    return respond(answer, location=str(answer.body.get("url", "")))


def _new_ticket(body: schemas.TicketCreate, actor: Actor) -> NewTicket:
    requester_id = None
    if body.requester is not None:
        if not policy.can_open_ticket_for_others(actor):
            raise PermissionDenied(_("他の人の代わりにチケットを起票する権限がありません。"))
        requester = accounts_queries.find_user_by_email(body.requester)
        if requester is None or not requester.is_active:
            raise invalid("requester", _("登録されているメールアドレスを指定してください。"))
        requester_id = requester.id
    return NewTicket(type=body.type, subject=body.subject, description=body.description,
                     impact=body.impact, urgency=body.urgency, channel=Channel.API,
                     service_code=body.service, site_id=_site_id(body.site),
                     requester_id=requester_id)


@bp.get("/tickets")
@limiter.limit(RATE)
@api_key_required
@operation("GET", "/tickets", _l("チケットの一覧"), query=schemas.TicketListQuery,
           description=_l("新しい順。職員は自分のチケット、窓口は機密以外のすべて（許可された人は機密も）。"),
           responses={200: (_l("一覧の1ページ"), schemas.TicketPage),
                      403: (_l("この一覧を使えない利用者（事業者は引き継ぎ経由）"), schemas.Problem),
                      422: (_l("条件の誤り"), schemas.Problem)})
def list_tickets() -> Response:
    """Tickets the caller may see, newest first, with a cursor for the next page."""
    actor = api_actor()
    if not policy.can_list_tickets(actor):
        raise PermissionDenied(_("この一覧は利用できません。"))
    query = schemas.parse(schemas.TicketListQuery, request.args.to_dict())
    before_id = _cursor_id(query.cursor)
    filters = tickets.TicketListFilters(
        is_open=query.open, status=query.status, type=query.type, priority=query.priority,
        channel=query.channel, service_code=query.service, site_code=query.site,
        assignee_id=query.assignee, updated_since=query.updated_since, text=query.q or "",
    )
    found = tickets.list_visible_tickets(actor, filters, before_id=before_id, limit=query.limit)
    next_cursor = str(found.next_before_id) if found.next_before_id is not None else None
    page = schemas.TicketPage(items=[schemas.ticket_summary(t, locale()) for t in found.items],
                              next_cursor=next_cursor)
    response = jsonify(page.model_dump(mode="json"))
    if next_cursor is not None:
        args = {**request.args.to_dict(), "cursor": next_cursor}
        response.headers["Link"] = f'<{url_for("api.list_tickets", _external=True, **args)}>; rel="next"'
    return response


def _cursor_id(cursor: str | None) -> int | None:
    if cursor is None:
        return None
    # Digits only (the query model checks). Every id is below a number past the largest: the
    # first page, which must not reach the database as a number it cannot compare.
    before = int(cursor)
    return before if before <= schemas.ID_MAX else None


@bp.get("/tickets/<number>")
@limiter.limit(RATE)
@api_key_required
@operation("GET", "/tickets/<number>", _l("チケットを1件取得する"),
           description=_l("職員には公開の返信と公開ファイルだけが含まれます。"),
           responses={200: (_l("チケット"), schemas.TicketDetail),
                      404: (_l("存在しないか、見る権限がない"), schemas.Problem)})
def get_ticket(number: str) -> Response:
    """One ticket with the conversation and files the caller may read."""
    return jsonify(_detail(tickets.get_ticket_by_number_for(api_actor(), number)))


@bp.patch("/tickets/<number>")
@limiter.limit(RATE)
@api_key_required
@operation("PATCH", "/tickets/<number>", _l("チケットを更新する（窓口）"), body=schemas.TicketPatch,
           description=_l("分類・優先度・担当・状態・解決をまとめて変更します。一部でも拒否されれば何も変わりません。"),
           responses={200: (_l("更新後のチケット"), schemas.TicketDetail),
                      403: (_l("更新する権限がない"), schemas.Problem),
                      404: (_l("存在しないか、見る権限がない"), schemas.Problem),
                      409: (_l("状態遷移が許されていない"), schemas.Problem),
                      422: (_l("入力内容の誤り"), schemas.Problem)})
def update_ticket(number: str) -> Response:
    """Change classification, assignee, status or resolution in one operation."""
    actor = api_actor()
    ticket = tickets.get_workable_ticket_for(actor, number)
    body = json_body(schemas.TicketPatch)
    given = body.model_fields_set
    fields = FieldChanges(type=body.type, impact=body.impact, urgency=body.urgency,
                          service_code=body.service, site_id=_site_id(body.site), priority=body.priority,
                          clear_priority_override="priority" in given and body.priority is None)
    change = TicketChange(
        fields=fields, reassign="assignee" in given, assignee_id=body.assignee, status=body.status,
        status_reason=body.status_reason,
        resolution=(body.resolution.code, body.resolution.summary) if body.resolution else None,
    )
    updated = ticket_services.change_ticket(ticket.id, change, actor=actor, now=utcnow())
    return jsonify(_detail(updated))


@bp.post("/tickets/<number>/messages")
@limiter.limit(RATE)
@api_key_required
@operation("POST", "/tickets/<number>/messages", _l("返信・内部メモ・事業者間連絡を追加する"),
           body=schemas.MessageCreate, accepts_idempotency_key=True,
           description=_l("職員は公開の返信のみ。窓口は internal_note で依頼者に見えないメモを書けます。"
                          "party_note は窓口と引き継ぎ先の事業者の間の連絡で、依頼者には表示されません。"),
           responses={201: (_l("追加したメッセージ"), schemas.MessageOut),
                      403: (_l("この種類を書く権限がない"), schemas.Problem),
                      404: (_l("存在しないか、見る権限がない"), schemas.Problem),
                      409: (_l("完了済み、または seen_up_to より新しいやりとりがある"), schemas.Problem),
                      422: (_l("入力内容の誤り"), schemas.Problem)})
def add_message(number: str) -> Response:
    """A public reply, an internal note, or a party note across the contractors' boundary."""
    actor = api_actor()
    body = json_body(schemas.MessageCreate)
    if body.kind == "party_note":
        ticket, _as_party = readable_ticket(actor, number)
    else:
        ticket = tickets.get_ticket_by_number_for(actor, number)

    def write() -> idempotency.Answer:
        if body.kind == "party_note":
            message = handoff_services.post_party_note(ticket.id, body.body, actor=actor, now=utcnow())
        else:
            message = ticket_services.add_message(ticket.id, MessageKind(body.kind), body.body, actor=actor,
                                                  now=utcnow(), seen_up_to=body.seen_up_to)
        return idempotency.Answer(status=201, body=schemas.message_out(message).model_dump(mode="json"))

    return respond(once(body.model_dump(mode="json"), write))


@bp.post("/tickets/<number>/attachments")
@limiter.limit(RATE)
@api_key_required
@operation("POST", "/tickets/<number>/attachments", _l("ファイルを添付する"), body=schemas.AttachmentUpload,
           body_media_type="multipart/form-data", accepts_idempotency_key=True,
           body_encoding={"files": {
               "contentType": ", ".join(ALLOWED_TYPES),
               # Every file part is named: the name is kept and given back on download.
               "headers": {"Content-Disposition": {
                   "required": True, "schema": {"type": "string"},
                   "example": 'form-data; name="files"; filename="障害報告.pdf"'}},
           }},
           description=_l("種類は内容から判定します。1つでも受け付けられないファイルがあれば、どれも保存しません。"
                          "引き継ぎを受けた事業者が送るファイルは、ヘルプデスクへの連絡（party_note）として届きます。"),
           responses={201: (_l("添付したファイル"), schemas.AttachmentList),
                      403: (_l("この公開範囲で追加する権限がない"), schemas.Problem),
                      404: (_l("存在しないか、見る権限がない"), schemas.Problem),
                      409: (_l("完了したチケット"), schemas.Problem),
                      413: (_l("リクエストが大きすぎる"), schemas.Problem),
                      422: (_l("ファイルがない、または受け付けられない種類・大きさ"), schemas.Problem)})
def add_attachments(number: str) -> Response:
    """Attach files without a message; public unless ``visibility=internal`` (desk only).

    A party the ticket was handed to sends files to the help desk instead (``visibility=party``
    is implied): they arrive as a party note, never visible to the requester.
    """
    actor = api_actor()
    ticket, for_party = readable_ticket(actor, number)
    extra = (set(request.form) - {"visibility", "files"}) | (set(request.files) - {"files"})
    if extra:
        raise invalid(sorted(extra)[0], _("不明な項目です。"))
    if "files" in request.form:  # a part without a file name: not a file
        raise invalid("files", _("ファイルを選んでください。"))
    visibility = request.form.get("visibility", "party" if for_party else "public")
    if visibility not in schemas.VISIBILITIES:
        raise invalid("visibility", _("次のいずれかを指定してください: %(values)s",
                                       values=", ".join(f"'{v}'" for v in schemas.VISIBILITIES)))
    # A documented value the caller's position does not allow is a refusal, not an input error.
    if (visibility == "party") != for_party:
        raise PermissionDenied(_("この操作はできません。"))
    uploads = uploads_from(request.files.getlist("files"))
    digests = [[u.filename, _digest(u.stream)] for u in uploads]

    def attach() -> idempotency.Answer:
        if for_party:
            if not uploads:
                raise invalid("files", _("ファイルを選んでください。"))
            note = handoff_services.post_party_note(ticket.id, _("ファイルを送ります。"), actor=actor,
                                                    now=utcnow(), uploads=uploads, limits=attachment_limits())
            rows = list(note.attachments)
        else:
            rows = ticket_services.add_attachments(ticket.id, uploads, is_public=visibility == "public",
                                                   actor=actor, now=utcnow(), limits=attachment_limits())
        answer = schemas.AttachmentList(items=[schemas.attachment_out(ticket, row) for row in rows])
        return idempotency.Answer(status=201, body=answer.model_dump(mode="json"))

    return respond(once({"visibility": visibility, "files": digests}, attach))


def _digest(stream: Any) -> str:
    digest = hashlib.sha256()
    for chunk in iter(lambda: stream.read(65536), b""):
        digest.update(chunk)
    stream.seek(0)
    return digest.hexdigest()


@bp.get("/tickets/<number>/attachments/<id:attachment_id>")
@limiter.limit(RATE)
@api_key_required
@operation("GET", "/tickets/<number>/attachments/<id:attachment_id>", _l("添付ファイルをダウンロードする"),
           download=True,
           responses={200: (_l("ファイルの内容（Content-Disposition: attachment）"), None),
                      404: (_l("存在しないか、見る権限がない"), schemas.Problem)})
def get_attachment(number: str, attachment_id: int) -> Response:
    """The file's bytes, as a download with the portal's safe headers."""
    actor = api_actor()
    ticket, as_party = readable_ticket(actor, number)
    if as_party:
        # A receiving party downloads what a handoff shared with it, and nothing else.
        for attachment in handoffs.files_for_party(actor.party_ids, ticket.id):
            if attachment.id == attachment_id:
                return download(attachment)
        raise NotFound("attachment")
    public_only = not policy.can_work_ticket(actor, ticket)
    return download(tickets.get_attachment(ticket, attachment_id, public_only=public_only))
