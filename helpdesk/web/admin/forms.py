"""Forms of the administration pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
    URLField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional


class WebhookForm(FlaskForm):  # type: ignore[misc]
    """A party's receiving URL; ticking ``rotate`` issues a new signing secret."""

    url = URLField(_l("送信先URL"), validators=[DataRequired(message=_l("URLを入力してください。")),
                                                 Length(max=2000)])
    rotate = BooleanField(_l("署名用シークレットを再発行する"))


def _target_minutes(label: str) -> IntegerField:
    return IntegerField(label, validators=[Optional(), NumberRange(min=1, max=7 * 24 * 60,
                                                                   message=_l("1〜10080分で指定してください。"))])


class PartyForm(FlaskForm):  # type: ignore[misc]
    """A party's names, contact, calendar, state, and acknowledgement and hold targets (minutes)."""

    name_ja = StringField(_l("名称"), validators=[DataRequired(message=_l("名称を入力してください。")),
                                                 Length(max=200)])
    name_en = StringField(_l("英語名"), validators=[Length(max=200)])
    contact_email = EmailField(_l("連絡先メール"), validators=[Optional(), Length(max=254)])
    calendar = SelectField(_l("営業カレンダー"), choices=[], validate_choice=True, default="")
    is_active = BooleanField(_l("有効"))
    ack_p1 = _target_minutes(_l("受領目標 P1（分）"))
    ack_p2 = _target_minutes(_l("受領目標 P2（分）"))
    ack_p3 = _target_minutes(_l("受領目標 P3（分）"))
    ack_p4 = _target_minutes(_l("受領目標 P4（分）"))
    hold_p1 = _target_minutes(_l("保有中の解決目標 P1（分）"))
    hold_p2 = _target_minutes(_l("保有中の解決目標 P2（分）"))
    hold_p3 = _target_minutes(_l("保有中の解決目標 P3（分）"))
    hold_p4 = _target_minutes(_l("保有中の解決目標 P4（分）"))


class ClosureForm(FlaskForm):  # type: ignore[misc]
    """Days a calendar (or every calendar) is closed besides public holidays."""

    calendar = SelectField(_l("カレンダー"), choices=[], validate_choice=True, default="")
    first_day = DateField(_l("開始日"), validators=[DataRequired(message=_l("開始日を入力してください。"))])
    last_day = DateField(_l("終了日"), validators=[DataRequired(message=_l("終了日を入力してください。"))])
    reason = StringField(_l("理由"), validators=[DataRequired(message=_l("理由を入力してください。")),
                                                Length(max=200)])
    is_annual = BooleanField(_l("毎年繰り返す（年末年始など）"))


class SeriousIncidentForm(FlaskForm):  # type: ignore[misc]
    """The ministry's decision that an incident is serious (重大障害), and why."""

    serious = BooleanField(_l("重大障害として登録する"))
    reason = TextAreaField(_l("理由（月次報告に記載されます）"), validators=[
        Length(max=2000, message=_l("2000文字以内です。"))])
