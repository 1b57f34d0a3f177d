"""Handoff forms shared by the console (sender, handback receiver) and the vendor queue (receiver)."""

from __future__ import annotations

from uuid import uuid4

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateTimeLocalField,
    HiddenField,
    MultipleFileField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    widgets,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from helpdesk.handoff import queries as handoffs
from helpdesk.handoff.models import RejectReason
from helpdesk.handoff.services import TEXT_MAX
from helpdesk.web.common.i18n import select_locale

REJECT_REASON_CHOICES = [
    SelectChoice(RejectReason.OUT_OF_SCOPE.value, _l("対応範囲外（対応すべき事業者を指定）")),
    SelectChoice(RejectReason.INSUFFICIENT_INFORMATION.value, _l("情報不足（不足している情報を記入）")),
    SelectChoice(RejectReason.DUPLICATE.value, _l("重複")),
    SelectChoice(RejectReason.NOT_REPRODUCIBLE.value, _l("再現しない")),
    SelectChoice(RejectReason.OTHER.value, _l("その他（理由を記入）")),
]


def party_choices(*, exclude: int | None) -> list[SelectChoice]:
    """Active parties to hand to or suggest, in the reader's language, after a "choose" entry."""
    locale = select_locale()
    return [SelectChoice("", _("（選択してください）"))] + [
        SelectChoice(str(p.id), p.display_name(locale)) for p in handoffs.list_parties_for_handoff(exclude)
    ]


def new_key() -> str:
    """A fresh idempotency key for a form: a double submission is one handoff."""
    return uuid4().hex


class _Checkboxes(SelectMultipleField):  # type: ignore[misc]
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class EscalateForm(FlaskForm):  # type: ignore[misc]
    """Ask another party to take the ticket: whom, what to tell them, what to share."""

    idempotency_key = HiddenField(default=new_key)
    to_party = SelectField(_l("引き継ぎ先"), choices=[], validate_choice=True)
    symptom = TextAreaField(_l("症状"), validators=[
        DataRequired(message=_l("症状を入力してください。")), Length(max=TEXT_MAX)])
    impact = TextAreaField(_l("影響（利用者・拠点・サービス）"), validators=[Length(max=TEXT_MAX)])
    steps_taken = TextAreaField(_l("実施済みの対応"), validators=[Length(max=TEXT_MAX)])
    requester_contact = StringField(_l("依頼者の連絡先"), validators=[Length(max=500)])
    shared_messages = _Checkboxes(_l("共有するやりとり"), choices=[], coerce=int, validate_choice=True)
    shared_attachments = _Checkboxes(_l("共有するファイル"), choices=[], coerce=int, validate_choice=True)


class AcceptForm(FlaskForm):  # type: ignore[misc]
    """Take the ticket, optionally with the receiver's own reference."""

    receiver_reference = StringField(_l("自社の管理番号（任意）"), validators=[Optional(), Length(max=100)])


class RejectForm(FlaskForm):  # type: ignore[misc]
    """Refuse with a reason from the fixed list."""

    reason = SelectField(_l("理由"), choices=REJECT_REASON_CHOICES, validate_choice=True)
    text = TextAreaField(_l("説明"), validators=[Length(max=TEXT_MAX)])
    suggested_party = SelectField(_l("対応すべき事業者"), choices=[], validate_choice=False)


class HandbackForm(FlaskForm):  # type: ignore[misc]
    """Return the ticket to the help desk with what was found and done."""

    idempotency_key = HiddenField(default=new_key)
    cause = TextAreaField(_l("原因"), validators=[
        DataRequired(message=_l("原因を入力してください。")), Length(max=TEXT_MAX)])
    action = TextAreaField(_l("対応内容"), validators=[
        DataRequired(message=_l("対応内容を入力してください。")), Length(max=TEXT_MAX)])
    restored_at = DateTimeLocalField(_l("復旧日時（日本時間・任意）"), format="%Y-%m-%dT%H:%M",
                                     validators=[Optional()])


class PartyNoteForm(FlaskForm):  # type: ignore[misc]
    """A message across the boundary between the help desk and another party."""

    body = TextAreaField(_l("本文"), validators=[
        DataRequired(message=_l("本文を入力してください。")), Length(max=TEXT_MAX)])
    attachments = MultipleFileField(_l("添付ファイル"))


class WithdrawForm(FlaskForm):  # type: ignore[misc]
    """Take a request back, with an optional note."""

    reason = StringField(_l("取り下げの理由（任意）"), validators=[Optional(), Length(max=500)])
