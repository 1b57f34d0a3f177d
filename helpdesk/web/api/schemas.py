"""What the tickets API reads and writes, as pydantic models (they also feed the OpenAPI document).

Input models forbid unknown fields, so a misspelt field is an error rather than silently
ignored, and JSON bodies are read strictly: ``"5"`` or ``true`` is not the integer 5 or 1.
Output is built per caller by :func:`ticket_detail` and friends: a requester never receives
internal notes or internal files.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Annotated, Any, Literal, TypeVar, get_args

from flask import current_app, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    Strict,
    ValidationError,
)
from pydantic_core import PydanticCustomError

from helpdesk.accounts.models import Party, User
from helpdesk.core.errors import ValidationFailed
from helpdesk.handoff.models import Handoff
from helpdesk.handoff.queries import Timeline
from helpdesk.sla.queries import ClockView
from helpdesk.tickets.models import Attachment, Message, Ticket
from helpdesk.tickets.services import BODY_MAX, SUBJECT_MAX
from helpdesk.tickets.states import (
    Channel,
    Impact,
    MessageKind,
    Priority,
    ResolutionCode,
    TicketStatus,
    TicketType,
    Urgency,
)

PAGE_MAX = 100
#: The largest row id (primary keys are 32-bit integers): a larger number names no row, and
#: must not reach the database, which would refuse to compare with it.
ID_MAX = 2**31 - 1


def N_(text: str) -> str:
    """Mark a field description for extraction; the OpenAPI builder translates it per reader."""
    return text

M = TypeVar("M", bound=BaseModel)

#: RFC 3339 ``date-time``, the document's format: no bare numbers read as Unix seconds.
RFC3339 = re.compile(r"\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})")


def _whole_number(value: object) -> object:
    # JSON Schema's integer includes 5.0; strict parsing would otherwise refuse it.
    return int(value) if isinstance(value, float) and value.is_integer() else value


def _rfc3339(value: object) -> object:
    if not isinstance(value, str) or not RFC3339.fullmatch(value):
        raise PydanticCustomError("datetime_parsing", "not an RFC 3339 date-time")
    return value


def _in_utc(value: datetime) -> datetime:
    # As stored. Past either end of the calendar (0001-01-01T00:00+05:00) lies that end: nothing
    # is before or after it, and converting would overflow.
    try:
        return value.astimezone(UTC)
    except OverflowError:
        return datetime.min.replace(tzinfo=UTC) if value.year == 1 else datetime.max.replace(tzinfo=UTC)


#: Every character ``str.isspace`` counts, as a regex class body (ECMA-262 and Rust alike): the
#: services strip exactly these, so the document and they agree on what is blank.
_SPACE = r"\t-\r\x1c-\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
#: Has a character ``str.strip`` keeps.
NOT_BLANK = f"[^{_SPACE}]"
#: Text without U+0000, which PostgreSQL cannot store or compare: every string the API reads.
NO_NUL = r"^[^\x00]*$"
#: Required text: without U+0000, and not blank to the services.
FILLED = rf"^[^\x00]*[^\x00{_SPACE}][^\x00]*$"
Text = Annotated[str, Field(pattern=NO_NUL)]
Filled = Annotated[str, Field(pattern=FILLED)]
Id = Annotated[int, Field(ge=1, le=ID_MAX), BeforeValidator(_whole_number)]
#: Read from the text that passed the RFC 3339 check (so not strictly, even in a JSON body).
Moment = Annotated[AwareDatetime, Strict(False), BeforeValidator(_rfc3339), AfterValidator(_in_utc)]


class _Query(BaseModel):
    """Query parameters: numbers, booleans and times are read from their text."""

    model_config = ConfigDict(extra="forbid")


class _Input(BaseModel):
    """A JSON body: each value must already have its documented JSON type."""

    model_config = ConfigDict(extra="forbid", strict=True)


# --- input ----------------------------------------------------------------------------------


class TicketCreate(_Input):
    """A new ticket. Agents may open one for a member of staff by naming ``requester``."""

    type: TicketType = Field(
        description=N_("inquiry 問い合わせ / fault 障害 / request 申請 / security セキュリティ事案")
    )
    subject: Filled = Field(min_length=1, max_length=SUBJECT_MAX)
    description: Text = Field(default="", max_length=BODY_MAX,
                              description=N_("プレーンテキストまたは簡単な Markdown。"))
    impact: Impact = Impact.PERSON
    urgency: Urgency = Urgency.MEDIUM
    service: Text | None = Field(default=None, description=N_("サービスカタログのコード。"))
    site: Text | None = Field(default=None, description=N_("拠点コード。省略すると依頼者の拠点。"))
    requester: Text | None = Field(default=None, description=N_("依頼者のメールアドレス（窓口のみ）。"))


class TicketListQuery(_Query):
    """Filters and paging of ``GET /tickets``; results are newest first."""

    open: bool | None = Field(
        default=None, description=N_("true: 未完了（新規・対応中・回答待ち）のみ、false: それ以外。")
    )
    status: TicketStatus | None = None
    type: TicketType | None = None
    priority: Priority | None = None
    channel: Channel | None = None
    service: Text | None = Field(default=None, description=N_("サービスコード。"))
    site: Text | None = Field(default=None, description=N_("拠点コード。"))
    assignee: Id | None = Field(default=None, description=N_("担当者のユーザーID。"))
    updated_since: Moment | None = Field(
        default=None, description=N_("この日時以降に更新されたもの（タイムゾーン付き ISO 8601）。")
    )
    q: Text | None = Field(default=None, max_length=200, description=N_("全文検索の語（すべてを含むもの）。"))
    limit: int = Field(default=50, ge=1, le=PAGE_MAX)
    cursor: str | None = Field(default=None, pattern=r"^[0-9]+$",
                               description=N_("前のページの next_cursor。"))


class MessageCreate(_Input):
    """A reply to the requester or an internal note (desk only)."""

    body: Filled = Field(min_length=1, max_length=BODY_MAX)
    kind: Literal["public_reply", "internal_note", "party_note"] = "public_reply"
    seen_up_to: Id | None = Field(
        default=None,
        description=N_("書き手が読んだ最新メッセージのID。"
                       "その後に他の人が書いていれば公開返信は 409 で拒否されます。"),
    )


class Resolution(_Input):
    """How a ticket was resolved."""

    code: ResolutionCode
    summary: Filled = Field(min_length=1, max_length=BODY_MAX)


class TicketPatch(_Input):
    """Changes by the desk; all apply or none. ``priority: null`` goes back to impact × urgency;
    ``assignee: null`` unassigns."""

    type: TicketType | None = None
    impact: Impact | None = None
    urgency: Urgency | None = None
    priority: Priority | None = None
    service: Text | None = None
    site: Text | None = None
    assignee: Id | None = None
    status: TicketStatus | None = None
    status_reason: Text = Field(default="", max_length=1000)
    resolution: Resolution | None = None


# --- output ---------------------------------------------------------------------------------


class Ref(BaseModel):
    """A catalogue entry (service, site or party) by code and name."""

    code: str
    name: str


class Person(BaseModel):
    """A user as other people see them."""

    id: int
    name: str


class AttachmentOut(BaseModel):
    """A file; download it from ``url`` with the same key."""

    id: int
    filename: str
    content_type: str
    size: int
    sha256: str
    is_public: bool
    message_id: int | None
    created_at: datetime
    url: str


class MessageOut(BaseModel):
    """One message of the conversation."""

    id: int
    kind: MessageKind
    body: str
    author: Person | None
    created_at: datetime


class TicketSummary(BaseModel):
    """A ticket as lists show it."""

    number: str
    type: TicketType
    status: TicketStatus
    priority: Priority
    is_priority_overridden: bool
    impact: Impact
    urgency: Urgency
    channel: Channel
    subject: str
    is_confidential: bool
    service: Ref | None
    site: Ref | None
    requester: Person
    assignee: Person | None
    created_at: datetime
    updated_at: datetime
    url: str


class SlaClockOut(BaseModel):
    """One SLA clock: the ticket's first response and resolution/restoration, or a party's time holding it."""

    metric: str = Field(description=N_(
        "first_response / resolution / restoration（障害・セキュリティ事案）/ "
        "hold（事業者の保有中の解決）。"))
    party: str | None = Field(description=N_("保有中の解決の時計なら、その事業者のコード。"))
    state: str = Field(description=N_("ok / warning / breached / paused / met / missed。"))
    target_minutes: int
    started_at: datetime
    due_at: datetime
    stopped_at: datetime | None
    remaining_seconds: int = Field(description=N_(
        "期限までの営業時間（秒）。超過後は負。停止した時計は停止時点の値。"))
    policy_version: int | None


class TicketDetail(TicketSummary):
    """A ticket with its text, its holder, its conversation, its files and its SLA clocks."""

    description: str
    holder: Ref | None = Field(description=N_("いま責任を持つ事業者（完了後は null）。"))
    first_responded_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None
    resolution_code: ResolutionCode | None
    resolution_summary: str
    satisfaction_rating: int | None
    merged_into: str | None
    messages: list[MessageOut]
    attachments: list[AttachmentOut]
    restored_at: datetime | None = Field(description=N_("障害が復旧した日時（解決・完了とは別に記録）。"))
    sla: list[SlaClockOut] = Field(description=N_(
        "SLA の時計。依頼者には返しません。事業者には自社の時計とチケットの時計だけを返します。"))


class TicketPage(BaseModel):
    """One page of tickets; pass ``next_cursor`` as ``cursor`` for the next."""

    items: list[TicketSummary]
    next_cursor: str | None


class AttachmentList(BaseModel):
    """Files just added."""

    items: list[AttachmentOut]


class Identity(BaseModel):
    """Whom a key acts as."""

    role: str
    user_id: int | None
    party_ids: list[int]
    label: str


class Problem(BaseModel):
    """RFC 9457 problem details, in the caller's language."""

    type: str
    title: str
    status: int
    detail: str
    errors: dict[str, str] | None = None


File = Annotated[bytes, Field(min_length=1,
                              json_schema_extra={"contentMediaType": "application/octet-stream"})]
Visibility = Literal["public", "internal", "party"]
VISIBILITIES: tuple[str, ...] = get_args(Visibility)


def _max_files(schema: dict[str, Any]) -> None:
    # A setting, read when the document is built (per request, inside the app).
    schema["maxItems"] = int(current_app.config["MAX_ATTACHMENTS"])


class AttachmentUpload(BaseModel):
    """``multipart/form-data``: one or more ``files`` and their ``visibility`` (``party`` for vendors)."""

    model_config = ConfigDict(extra="forbid")

    files: list[File] = Field(min_length=1, json_schema_extra=_max_files)
    visibility: Visibility = "public"


# --- parsing --------------------------------------------------------------------------------


def parse(model: type[M], data: Mapping[str, str]) -> M:
    """Validate query parameters into ``model``, reading numbers, booleans and times from their text.

    :raises ValidationFailed: with a message per field, in the caller's language.
    """
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise _failed(exc) from None


def parse_json(model: type[M], raw: bytes | None) -> M:
    """Validate a JSON body into ``model`` strictly: each value must have the documented JSON type.

    ``raw`` is None when the request did not say ``Content-Type: application/json``.

    :raises ValidationFailed: not JSON, or with a message per field (dotted path), in the caller's language.
    """
    if raw is None:
        raise _not_json()
    try:
        return model.model_validate_json(raw)
    except ValidationError as exc:
        if any(error["type"] == "json_invalid" for error in exc.errors()):
            raise _not_json() from None
        raise _failed(exc) from None


def _not_json() -> ValidationFailed:
    return ValidationFailed(_("JSON オブジェクトを Content-Type: application/json で送ってください。"),
                            fields={"body": _("JSON の形式が正しくありません。")})


def _failed(exc: ValidationError) -> ValidationFailed:
    fields = {".".join(str(p) for p in error["loc"]) or "body": _error_text(error) for error in exc.errors()}
    return ValidationFailed(_("入力内容を確認してください。"), fields=fields)


#: pydantic error types whose message needs no context, in our words and the caller's language.
PYDANTIC_MESSAGES = {
    "missing": _l("必須です。"),
    "extra_forbidden": _l("不明な項目です。"),
    "string_too_short": _l("入力してください。"),
    "string_type": _l("文字列で指定してください。"),
    "int_parsing": _l("整数で指定してください。"),
    "int_type": _l("整数で指定してください。"),
    "int_from_float": _l("整数で指定してください。"),
    "bool_parsing": _l("true または false で指定してください。"),
    "bool_type": _l("true または false で指定してください。"),
    "model_type": _l("オブジェクトで指定してください。"),
    "model_attributes_type": _l("オブジェクトで指定してください。"),
    "dict_type": _l("オブジェクトで指定してください。"),
}


def _error_text(error: Mapping[str, Any]) -> str:
    kind, context = str(error["type"]), error.get("ctx") or {}
    if kind in PYDANTIC_MESSAGES:
        return str(PYDANTIC_MESSAGES[kind])
    if kind in {"enum", "literal_error"}:
        return str(_("次のいずれかを指定してください: %(values)s", values=context.get("expected", "")))
    if kind == "string_pattern_mismatch" and context.get("pattern") in (NO_NUL, FILLED):
        if "\x00" in str(error.get("input", "")):
            return str(_("NUL 文字（U+0000）は使えません。"))
        return str(PYDANTIC_MESSAGES["string_too_short"])
    if kind == "string_too_long":
        return str(_("%(n)s文字以内で指定してください。", n=context.get("max_length", "")))
    if kind == "greater_than_equal":
        return str(_("%(n)s以上で指定してください。", n=context.get("ge", "")))
    if kind == "less_than_equal":
        return str(_("%(n)s以下で指定してください。", n=context.get("le", "")))
    if kind.startswith(("datetime", "timezone")):
        return str(_("タイムゾーン付きの ISO 8601 日時で指定してください。"))
    return str(_("値が正しくありません。"))


# --- building answers -----------------------------------------------------------------------


def _person(user: User | None) -> Person | None:
    return Person(id=user.id, name=user.display_name) if user is not None else None


def _ref(item: Any, locale: str) -> Ref | None:
    return Ref(code=item.code, name=item.display_name(locale)) if item is not None else None


def ticket_summary(ticket: Ticket, locale: str) -> TicketSummary:
    """A ticket as lists show it."""
    return TicketSummary(**_summary_fields(ticket, locale))


def _summary_fields(ticket: Ticket, locale: str) -> dict[str, Any]:
    requester = _person(ticket.requester)
    assert requester is not None
    return {
        "number": ticket.number, "type": ticket.type, "status": ticket.status,
        "priority": ticket.priority, "is_priority_overridden": ticket.is_priority_overridden,
        "impact": ticket.impact, "urgency": ticket.urgency, "channel": ticket.channel,
        "subject": ticket.subject, "is_confidential": ticket.is_confidential,
        "service": _ref(ticket.service, locale), "site": _ref(ticket.site, locale),
        "requester": requester, "assignee": _person(ticket.assignee),
        "created_at": ticket.created_at, "updated_at": ticket.updated_at,
        "url": url_for("api.get_ticket", number=ticket.number, _external=True),
    }


def attachment_out(ticket: Ticket, attachment: Attachment) -> AttachmentOut:
    """A file with its download address."""
    return AttachmentOut(
        id=attachment.id, filename=attachment.filename, content_type=attachment.content_type,
        size=attachment.size, sha256=attachment.sha256, is_public=attachment.is_public,
        message_id=attachment.message_id, created_at=attachment.created_at,
        url=url_for("api.get_attachment", number=ticket.number, attachment_id=attachment.id,
                    _external=True),
    )


def message_out(message: Message) -> MessageOut:
    """One message."""
    return MessageOut(id=message.id, kind=message.kind, body=message.body,
                      author=_person(message.author), created_at=message.created_at)


def sla_clock_out(clock: ClockView, party_codes: Mapping[int, str]) -> SlaClockOut:
    """One clock as the API shows it."""
    return SlaClockOut(metric=clock.metric.value, party=party_codes.get(clock.party_id or 0),
                       state=clock.level.value, target_minutes=clock.target_minutes,
                       started_at=clock.started_at, due_at=clock.due_at, stopped_at=clock.stopped_at,
                       remaining_seconds=int(clock.remaining.total_seconds()),
                       policy_version=clock.policy_version)


def ticket_detail(
    ticket: Ticket, *, locale: str, holder: Party | None, merged_into: str | None,
    messages: Sequence[Message], attachments: Sequence[Attachment], sla: Sequence[SlaClockOut] = (),
) -> TicketDetail:
    """A ticket with what the caller may read of its conversation, files and clocks."""
    return TicketDetail(
        **_summary_fields(ticket, locale), description=ticket.description,
        holder=_ref(holder, locale), first_responded_at=ticket.first_responded_at,
        resolved_at=ticket.resolved_at, closed_at=ticket.closed_at,
        resolution_code=ticket.resolution_code, resolution_summary=ticket.resolution_summary,
        satisfaction_rating=ticket.satisfaction_rating, merged_into=merged_into,
        messages=[message_out(m) for m in messages],
        attachments=[attachment_out(ticket, a) for a in attachments],
        restored_at=ticket.restored_at, sla=list(sla),
    )


# --- handoffs -------------------------------------------------------------------------------


class HandoffCreate(_Input):
    """Ask another party to take a ticket (the desk, or a party holding it)."""

    to_party: Text = Field(description=N_("引き継ぎ先の事業者コード。"))
    symptom: Filled = Field(min_length=1, max_length=10_000)
    impact: Text = Field(default="", max_length=10_000)
    steps_taken: Text = Field(default="", max_length=10_000)
    requester_contact: Text = Field(default="", max_length=10_000)
    shared_message_ids: list[Id] = Field(default_factory=list, description=N_("共有するメッセージのID。"))
    shared_attachment_ids: list[Id] = Field(default_factory=list, description=N_("共有するファイルのID。"))


class HandoffAccept(_Input):
    """Take the ticket."""

    external_ref: Text = Field(default="", max_length=100, description=N_("受領側の管理番号（任意）。"))


#: What each reason needs, as the service checks it: the document says so too.
_REJECT_RULES: dict[str, Any] = {"allOf": [
    {"if": {"properties": {"reason_code": {"const": "out_of_scope"}}, "required": ["reason_code"]},
     "then": {"properties": {"suggested_party": {"type": "string"}}, "required": ["suggested_party"]}},
    {"if": {"properties": {"reason_code": {"enum": ["insufficient_information", "other"]}},
            "required": ["reason_code"]},
     "then": {"properties": {"reason": {"pattern": NOT_BLANK}}, "required": ["reason"]}},
]}


class HandoffReject(_Input):
    """Refuse the ticket; the sender stays responsible."""

    model_config = ConfigDict(json_schema_extra=_REJECT_RULES)

    reason_code: Literal["out_of_scope", "insufficient_information", "duplicate", "not_reproducible", "other"]
    reason: Text = Field(default="", max_length=10_000,
                         description=N_("説明。情報不足・その他では必須。"))
    suggested_party: Text | None = Field(
        default=None, description=N_("対応範囲外のとき、対応すべき事業者コード。")
    )


class HandoffWithdraw(_Input):
    """Take a request back before it is answered."""

    reason: Text = Field(default="", max_length=500)


class HandbackCreate(_Input):
    """Return the ticket to the help desk."""

    cause: Filled = Field(min_length=1, max_length=10_000)
    action: Filled = Field(min_length=1, max_length=10_000)
    restored_at: Moment | None = Field(
        default=None, description=N_("復旧日時（タイムゾーン付き ISO 8601）。")
    )


class HandoffTicket(BaseModel):
    """What a receiving party learns of the ticket itself."""

    number: str
    type: TicketType
    priority: Priority
    status: TicketStatus
    subject: str
    service: Ref | None
    site: Ref | None
    sla: list[SlaClockOut] = Field(default_factory=list, description=N_(
        "チケットの時計（P1 障害の1時間復旧目標など）と、呼び出した事業者自身の保有中の時計。"))


class HandoffOut(BaseModel):
    """A handoff with its summary and what was shared."""

    id: int
    kind: Literal["escalation", "handback"]
    state: Literal["requested", "accepted", "rejected", "withdrawn", "expired"]
    ticket: HandoffTicket
    from_party: Ref
    to_party: Ref
    requested_at: datetime
    ack_due_at: datetime | None
    ack_overdue_at: datetime | None
    decided_at: datetime | None
    summary: dict[str, str]
    external_ref: str
    reject_reason_code: str | None
    reject_reason: str
    suggested_party: Ref | None
    handback: dict[str, str | None] | None
    shared_messages: list[MessageOut]
    shared_attachments: list[AttachmentOut]
    party_notes: list[MessageOut] = Field(description=N_("窓口と相手の事業者の間の連絡（party_note）。"))


class HandoffList(BaseModel):
    """Handoffs, the most urgent deadline first."""

    items: list[HandoffOut]


class HandoffListQuery(_Query):
    """Which handoffs addressed to the caller's parties."""

    state: Literal["requested", "accepted", "rejected", "withdrawn", "expired"] | None = "requested"


class SegmentOut(BaseModel):
    """One party's unbroken hold on the ticket."""

    party: Ref
    started_at: datetime
    ended_at: datetime | None
    seconds: int
    business_seconds: int | None = Field(
        description=N_("事業者の営業カレンダーでの秒数（カレンダーがなければ null）。")
    )


class ResponsibilityOut(BaseModel):
    """Who held the ticket when, and the total per party (wall-clock and business seconds)."""

    number: str
    segments: list[SegmentOut]
    totals: dict[str, int]
    business_totals: dict[str, int | None]


def handoff_out(handoff: Handoff, *, messages: Sequence[Message], files: Sequence[Attachment],
                locale: str, notes: Sequence[Message] = (), sla: Sequence[SlaClockOut] = ()) -> HandoffOut:
    """A handoff as its parties see it: summary, decision and what it shared."""
    ticket = handoff.ticket
    from_party, to_party = _ref(handoff.from_party, locale), _ref(handoff.to_party, locale)
    assert from_party is not None
    assert to_party is not None
    is_handback = handoff.kind.value == "handback"
    return HandoffOut(
        id=handoff.id, kind=handoff.kind.value, state=handoff.state.value,
        ticket=HandoffTicket(number=ticket.number, type=ticket.type, priority=ticket.priority,
                             status=ticket.status, subject=ticket.subject,
                             service=_ref(ticket.service, locale), site=_ref(ticket.site, locale),
                             sla=list(sla)),
        from_party=from_party, to_party=to_party, requested_at=handoff.requested_at,
        ack_due_at=handoff.ack_due_at, ack_overdue_at=handoff.ack_overdue_at, decided_at=handoff.decided_at,
        summary={} if is_handback else {
            "symptom": handoff.summary_symptom, "impact": handoff.summary_impact,
            "steps_taken": handoff.summary_steps_taken,
            "requester_contact": handoff.summary_requester_contact,
        },
        external_ref=handoff.receiver_reference,
        reject_reason_code=handoff.reject_reason.value if handoff.reject_reason else None,
        reject_reason=handoff.reject_text,
        suggested_party=_ref(handoff.suggested_party, locale),
        handback={
            "cause": handoff.handback_cause, "action": handoff.handback_action,
            "restored_at": handoff.handback_restored_at.isoformat() if handoff.handback_restored_at else None,
        } if is_handback else None,
        shared_messages=[message_out(m) for m in messages],
        shared_attachments=[attachment_out(ticket, a) for a in files],
        party_notes=[message_out(m) for m in notes],
    )


def responsibility_out(number: str, timeline: Timeline, locale: str) -> ResponsibilityOut:
    """The responsibility segments of a ticket in seconds, per segment and per party."""
    segments = []
    for span in timeline.spans:
        party = _ref(span.party, locale)
        assert party is not None
        business = int(span.business.total_seconds()) if span.business is not None else None
        segments.append(SegmentOut(party=party, started_at=span.started_at, ended_at=span.ended_at,
                                   seconds=int(span.duration.total_seconds()), business_seconds=business))
    totals = {party.code: int(total.total_seconds()) for party, total, _business in timeline.totals}
    business_totals = {party.code: int(b.total_seconds()) if b is not None else None
                       for party, _total, b in timeline.totals}
    return ResponsibilityOut(number=number, segments=segments, totals=totals,
                             business_totals=business_totals)
