"""Forms of the agents' console."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    HiddenField,
    IntegerField,
    MultipleFileField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, Regexp

from helpdesk.tickets.services import BODY_MAX

TYPE_CHOICES = [
    SelectChoice("inquiry", _l("問い合わせ")), SelectChoice("fault", _l("障害")),
    SelectChoice("request", _l("申請")), SelectChoice("security", _l("セキュリティ事案")),
]
IMPACT_CHOICES = [
    SelectChoice("person", _l("個人")), SelectChoice("division", _l("課・係")),
    SelectChoice("site", _l("拠点全体")), SelectChoice("ministry", _l("省全体")),
]
URGENCY_CHOICES = [
    SelectChoice("low", _l("低")), SelectChoice("medium", _l("中")), SelectChoice("high", _l("高")),
]
PRIORITY_CHOICES = [SelectChoice("auto", _l("自動（影響×緊急度）"))] + [
    SelectChoice(p, p) for p in ("P1", "P2", "P3", "P4")
]
RESOLUTION_CHOICES = [
    SelectChoice("answered", _l("回答済み")), SelectChoice("fixed", _l("修正・復旧")),
    SelectChoice("workaround", _l("回避策で復旧")), SelectChoice("fulfilled", _l("申請対応済み")),
    SelectChoice("no_fault", _l("異常なし")), SelectChoice("duplicate", _l("重複")),
    SelectChoice("withdrawn", _l("取り下げ")),
]


class MessageForm(FlaskForm):  # type: ignore[misc]
    """A public reply or an internal note; ``seen_up_to`` guards against stale replies."""

    body = TextAreaField(_l("本文"), validators=[
        DataRequired(message=_l("本文を入力してください。")),
        Length(max=BODY_MAX, message=_l("本文が長すぎます。")),
    ])
    seen_up_to = IntegerField(validators=[Optional()])
    attachments = MultipleFileField(_l("添付ファイル"))


class AssignForm(FlaskForm):  # type: ignore[misc]
    """Who works the ticket; empty means unassigned."""

    assignee = SelectField(_l("担当者"), choices=[], validate_choice=True)


class FieldsForm(FlaskForm):  # type: ignore[misc]
    """Classification of the ticket."""

    type = SelectField(_l("種別"), choices=TYPE_CHOICES)
    impact = SelectField(_l("影響範囲"), choices=IMPACT_CHOICES)
    urgency = SelectField(_l("緊急度"), choices=URGENCY_CHOICES)
    priority = SelectField(_l("優先度"), choices=PRIORITY_CHOICES)
    service = SelectField(_l("サービス"), choices=[], validate_choice=True)
    site = SelectField(_l("拠点"), choices=[], validate_choice=True)


class ResolveForm(FlaskForm):  # type: ignore[misc]
    """Resolution code and the summary the requester reads."""

    code = SelectField(_l("解決区分"), choices=RESOLUTION_CHOICES)
    summary = TextAreaField(_l("解決内容（依頼者に表示されます）"), validators=[
        DataRequired(message=_l("解決内容を入力してください。")),
        Length(max=BODY_MAX, message=_l("解決内容が長すぎます。")),
    ])


class RestorationForm(FlaskForm):  # type: ignore[misc]
    """When a fault's service came back (Japan time); the restoration clock stops there."""

    restored_at = DateTimeLocalField(_l("復旧日時（日本時間）"), format="%Y-%m-%dT%H:%M", validators=[
        DataRequired(message=_l("復旧日時を入力してください。"))])


class StatusForm(FlaskForm):  # type: ignore[misc]
    """Move to waiting-on-requester, back to open, or reopen."""

    target = HiddenField(validators=[DataRequired()])


def _with_any(choices: list[SelectChoice]) -> list[SelectChoice]:
    return [SelectChoice("", _l("すべて")), *choices]


class QueueFilterForm(FlaskForm):  # type: ignore[misc]
    """Filters of a queue view; a GET form, so no CSRF token."""

    class Meta:
        csrf = False

    view = HiddenField(default="open")
    type = SelectField(_l("種別"), choices=_with_any(TYPE_CHOICES), default="")
    priority = SelectField(
        _l("優先度"), default="", choices=_with_any([SelectChoice(p, p) for p in ("P1", "P2", "P3", "P4")])
    )
    status = SelectField(_l("状態"), default="", choices=_with_any([
        SelectChoice("new", _l("新規")), SelectChoice("open", _l("対応中")),
        SelectChoice("pending", _l("回答待ち")),
    ]))
    channel = SelectField(_l("受付経路"), default="", choices=_with_any([
        SelectChoice("portal", _l("ポータル")), SelectChoice("phone", _l("電話")),
        SelectChoice("mail", _l("メール")), SelectChoice("api", "API"),
    ]))
    service = SelectField(_l("サービス"), choices=[], default="")
    site = SelectField(_l("拠点"), choices=[], default="")
    assignee = SelectField(_l("担当者"), choices=[], default="")
    sort = SelectField(_l("並び順"), default="priority", choices=[
        SelectChoice("priority", _l("優先度の高い順")), SelectChoice("oldest", _l("古い順")),
        SelectChoice("newest", _l("新しい順")), SelectChoice("updated", _l("更新の新しい順")),
        SelectChoice("due", _l("SLA期限の近い順")),
    ])


class PhoneCallForm(FlaskForm):  # type: ignore[misc]
    """One call: who, when, how long, what was said, and where it goes."""

    caller_id = IntegerField(validators=[DataRequired(message=_l("発信者を選んでください。"))])
    direction = RadioField(_l("通話"), default="inbound", choices=[
        SelectChoice("inbound", _l("着信")), SelectChoice("outbound", _l("発信（折り返し）")),
    ])
    started_at = DateTimeLocalField(_l("通話開始"), format="%Y-%m-%dT%H:%M",
                                    validators=[DataRequired(message=_l("通話開始時刻を入力してください。"))])
    duration = StringField(_l("通話時間（分:秒）"), default="0:00", validators=[
        DataRequired(message=_l("通話時間を入力してください。")),
        Regexp(r"^\d{1,3}:[0-5]\d$", message=_l("通話時間は 分:秒 の形（例 4:05）で入力してください。")),
    ])
    summary = TextAreaField(_l("通話の要点"), validators=[
        DataRequired(message=_l("通話の要点を入力してください。")), Length(max=BODY_MAX),
    ])
    target = RadioField(_l("記録先"), default="new", choices=[], validate_choice=True)
    type = SelectField(_l("種別"), choices=TYPE_CHOICES)
    impact = SelectField(_l("影響範囲"), choices=IMPACT_CHOICES, default="person")
    urgency = SelectField(_l("緊急度"), choices=URGENCY_CHOICES, default="medium")
    service = SelectField(_l("サービス"), choices=[], validate_choice=True)
    subject = StringField(_l("件名（新規チケット）"), validators=[Length(max=200)])
    resolved = BooleanField(_l("通話中に解決した（一次解決）"))
    resolution_code = SelectField(_l("解決区分"), choices=RESOLUTION_CHOICES)
    resolution_summary = TextAreaField(_l("解決内容（依頼者に表示されます）"),
                                       validators=[Length(max=BODY_MAX)])


class CannedForm(FlaskForm):  # type: ignore[misc]
    """A canned response: title and body with placeholders; ``response_id`` when editing."""

    response_id = IntegerField(validators=[Optional()])
    title = StringField(_l("題名"), validators=[DataRequired(message=_l("題名を入力してください。")),
                                                Length(max=100)])
    body = TextAreaField(_l("本文"), validators=[DataRequired(message=_l("本文を入力してください。")),
                                                 Length(max=BODY_MAX)])


class BreakGlassForm(FlaskForm):  # type: ignore[misc]
    """Why an uncleared agent must read a confidential ticket now (recorded in the audit trail)."""

    reason = TextAreaField(_l("緊急閲覧の理由"), validators=[
        DataRequired(message=_l("緊急閲覧の理由を入力してください。")), Length(max=1000)])


class DeclareIncidentForm(FlaskForm):  # type: ignore[misc]
    """A major incident: what is down, where, and what staff are told in the portal."""

    title = StringField(_l("件名"), validators=[
        DataRequired(message=_l("件名を入力してください。")),
        Length(max=200, message=_l("200文字以内です。"))])
    service = SelectField(_l("影響サービス"), validate_choice=False)
    site = SelectField(_l("影響拠点（空欄は全拠点）"), validate_choice=False)
    notice_ja = TextAreaField(_l("ポータルのお知らせ（日本語、空欄なら自動）"), validators=[
        Length(max=1000, message=_l("1000文字以内です。"))])
    notice_en = TextAreaField(_l("ポータルのお知らせ（英語）"), validators=[
        Length(max=1000, message=_l("1000文字以内です。"))])
    is_public = BooleanField(_l("ポータルにお知らせを表示する"), default=True)
    auto_link = BooleanField(_l("このサービスの新しい障害報告を自動で紐付ける"), default=True)
    from_ticket = HiddenField()


class IncidentNoticeForm(FlaskForm):  # type: ignore[misc]
    """Change the banner and the self-linking of an incident."""

    notice_ja = TextAreaField(_l("ポータルのお知らせ（日本語）"), validators=[
        DataRequired(message=_l("お知らせを入力してください。")),
        Length(max=1000, message=_l("1000文字以内です。"))])
    notice_en = TextAreaField(_l("ポータルのお知らせ（英語）"), validators=[
        Length(max=1000, message=_l("1000文字以内です。"))])
    is_public = BooleanField(_l("ポータルにお知らせを表示する"))
    auto_link = BooleanField(_l("このサービスの新しい障害報告を自動で紐付ける"))


class IncidentUpdateForm(FlaskForm):  # type: ignore[misc]
    """News for every linked requester and subscriber."""

    body = TextAreaField(_l("お知らせの内容（紐付いた全員に通知・メールされます）"), validators=[
        DataRequired(message=_l("お知らせの内容を入力してください。")),
        Length(max=5000, message=_l("5000文字以内です。"))])


class IncidentRestorationForm(RestorationForm):
    """Restoration of the whole outage, with optional news."""

    message = TextAreaField(_l("あわせて送るお知らせ（任意）"), validators=[Length(max=5000)])


class LinkReportsForm(FlaskForm):  # type: ignore[misc]
    """Ticket numbers to link, separated by spaces, commas or lines."""

    numbers = TextAreaField(_l("チケット番号（空白・改行区切り）"), validators=[
        DataRequired(message=_l("チケット番号を入力してください。"))])


class LinkToIncidentForm(FlaskForm):  # type: ignore[misc]
    """From a ticket's workspace: the incident it belongs to."""

    incident = SelectField(_l("大規模障害"), validate_choice=False, validators=[
        DataRequired(message=_l("大規模障害を選んでください。"))])
