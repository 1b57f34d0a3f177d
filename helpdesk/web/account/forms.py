"""Forms of the account pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, HiddenField, PasswordField, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, Length


class LoginForm(FlaskForm):  # type: ignore[misc]
    """E-mail and password."""

    email = EmailField(_l("メールアドレス"), validators=[
        DataRequired(message=_l("メールアドレスを入力してください。")),
        Email(message=_l("メールアドレスの形式が正しくありません。")),
        Length(max=254),
    ])
    password = PasswordField(_l("パスワード"), validators=[
        DataRequired(message=_l("パスワードを入力してください。")), Length(max=1024),
    ])
    next = HiddenField()


class LocaleForm(FlaskForm):  # type: ignore[misc]
    """The language switch."""

    locale = SelectField(
        _l("表示言語"), choices=[SelectChoice("ja", "日本語"), SelectChoice("en", "English")]
    )
    next = HiddenField()


class PasswordChangeForm(FlaskForm):  # type: ignore[misc]
    """The current password, and a new one typed twice."""

    current = PasswordField(_l("現在のパスワード"), validators=[
        DataRequired(message=_l("現在のパスワードを入力してください。")), Length(max=1024),
    ])
    password = PasswordField(_l("新しいパスワード"), validators=[
        DataRequired(message=_l("パスワードを入力してください。")), Length(max=1024),
    ])
    confirm = PasswordField(_l("新しいパスワード（確認）"), validators=[
        DataRequired(message=_l("確認のためもう一度入力してください。")),
    ])


class MailPreferenceForm(FlaskForm):  # type: ignore[misc]
    """Whether notifications also come by mail."""

    receives_mail = BooleanField(_l("お知らせをメールでも受け取る"))


class ShortcutsForm(FlaskForm):  # type: ignore[misc]
    """The console's keyboard shortcuts, on or off."""

    enabled = BooleanField(_l("コンソールでキーボードショートカットを使う"))
