"""Forms of the console's knowledge base."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from helpdesk.knowledge.services import BODY_MAX, TITLE_MAX

AUDIENCE_CHOICES = [
    SelectChoice("staff", _l("職員に公開（ポータルで読めます）")),
    SelectChoice("agents", _l("ヘルプデスク内のみ（手順書など）")),
]


class ArticleForm(FlaskForm):  # type: ignore[misc]
    """An article's text and filing; ``base_version`` guards against overwriting a newer save."""

    title = StringField(_l("タイトル"), validators=[
        DataRequired(message=_l("タイトルを入力してください。")),
        Length(max=TITLE_MAX, message=_l("タイトルは%(max)d文字以内で入力してください。")),
    ])
    category = SelectField(_l("カテゴリ"), choices=[], validate_choice=True)
    tags = StringField(_l("タグ（読点・カンマ区切り）"), validators=[
        Optional(), Length(max=500, message=_l("タグが長すぎます。"))])
    audience = RadioField(_l("公開範囲"), choices=AUDIENCE_CHOICES, default="staff",
                          validators=[DataRequired(message=_l("公開範囲を選んでください。"))])
    body = TextAreaField(_l("本文（Markdown）"), validators=[
        Length(max=BODY_MAX, message=_l("本文が長すぎます。"))])
    base_version = HiddenField()


class CategoryForm(FlaskForm):  # type: ignore[misc]
    """Add a knowledge-base category, or rename one (``category_id``)."""

    name_ja = StringField(_l("カテゴリ名（日本語）"), validators=[
        DataRequired(message=_l("カテゴリ名を入力してください。")),
        Length(max=100, message=_l("カテゴリ名は%(max)d文字以内で入力してください。")),
    ])
    name_en = StringField(_l("カテゴリ名（英語・任意）"), validators=[
        Optional(), Length(max=100, message=_l("英語名は%(max)d文字以内で入力してください。"))])
    category_id = HiddenField()
