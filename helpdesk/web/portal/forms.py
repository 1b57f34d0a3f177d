"""Forms of the staff portal."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    HiddenField,
    IntegerField,
    MultipleFileField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from helpdesk.tickets.services import BODY_MAX, SUBJECT_MAX

TYPE_CHOICES = [
    SelectChoice("inquiry", _l("使い方の問い合わせ")),
    SelectChoice("fault", _l("障害の連絡（使えない・つながらない）")),
    SelectChoice("request", _l("申請（アカウント・機器など）")),
    SelectChoice("security", _l("セキュリティ事案（不審メール・ウイルス・紛失など）")),
]
IMPACT_CHOICES = [
    SelectChoice("person", _l("自分だけ")),
    SelectChoice("division", _l("課・係の複数人")),
    SelectChoice("site", _l("拠点全体")),
    SelectChoice("ministry", _l("省全体")),
]
URGENCY_CHOICES = [
    SelectChoice("low", _l("急ぎではない")),
    SelectChoice("medium", _l("今日中に解決したい")),
    SelectChoice("high", _l("業務が止まっている")),
]


class NewTicketForm(FlaskForm):  # type: ignore[misc]
    """What staff tell us about a new problem or question."""

    type = RadioField(_l("種類"), choices=TYPE_CHOICES, default="inquiry",
                      validators=[DataRequired(message=_l("種類を選んでください。"))])
    service = SelectField(_l("対象のサービス"), choices=[], validate_choice=True)
    impact = RadioField(_l("影響の範囲"), choices=IMPACT_CHOICES, default="person",
                        validators=[DataRequired(message=_l("影響の範囲を選んでください。"))])
    urgency = RadioField(_l("緊急度"), choices=URGENCY_CHOICES, default="medium",
                         validators=[DataRequired(message=_l("緊急度を選んでください。"))])
    subject = StringField(_l("件名"), validators=[
        DataRequired(message=_l("件名を入力してください。")),
        Length(max=SUBJECT_MAX, message=_l("件名は%(max)d文字以内で入力してください。")),
    ])
    description = TextAreaField(_l("内容"), validators=[
        DataRequired(message=_l("内容を入力してください。")),
        Length(max=BODY_MAX, message=_l("内容が長すぎます。")),
    ])
    attachments = MultipleFileField(_l("添付ファイル（任意・複数可）"))
    #: One per form render: a double click or a client retry opens one ticket.
    idempotency_token = HiddenField()


class ReplyForm(FlaskForm):  # type: ignore[misc]
    """The requester's reply; ``seen_up_to`` guards against answering a stale page."""

    body = TextAreaField(_l("返信"), validators=[
        DataRequired(message=_l("返信内容を入力してください。")),
        Length(max=BODY_MAX, message=_l("内容が長すぎます。")),
    ])
    seen_up_to = IntegerField(validators=[Optional()])
    attachments = MultipleFileField(_l("添付ファイル（任意・複数可）"))


class ReopenForm(FlaskForm):  # type: ignore[misc]
    """Why the resolution did not work."""

    reason = TextAreaField(_l("まだ解決していない理由"), validators=[
        DataRequired(message=_l("解決していない理由を入力してください。")),
        Length(max=BODY_MAX, message=_l("内容が長すぎます。")),
    ])


RATING_CHOICES = [SelectChoice(str(n), label) for n, label in (
    (5, _l("5 とても満足")), (4, _l("4 満足")), (3, _l("3 ふつう")), (2, _l("2 不満")),
    (1, _l("1 とても不満")),
)]


class RatingForm(FlaskForm):  # type: ignore[misc]
    """1–5 satisfaction and an optional comment."""

    rating = RadioField(_l("今回の対応の満足度"), choices=RATING_CHOICES,
                        validators=[DataRequired(message=_l("満足度を選んでください。"))])
    comment = TextAreaField(_l("ご意見（任意）"), validators=[
        Optional(), Length(max=2000, message=_l("コメントが長すぎます。"))])
