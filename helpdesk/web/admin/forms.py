"""Forms of the administration pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, URLField
from wtforms.validators import DataRequired, Length


class WebhookForm(FlaskForm):  # type: ignore[misc]
    """A party's receiving URL; ticking ``rotate`` issues a new signing secret."""

    url = URLField(_l("送信先URL"), validators=[DataRequired(message=_l("URLを入力してください。")),
                                                 Length(max=2000)])
    rotate = BooleanField(_l("署名用シークレットを再発行する"))
