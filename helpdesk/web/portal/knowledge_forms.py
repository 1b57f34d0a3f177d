"""Forms of the portal's knowledge base."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

STAR_CHOICES = [SelectChoice(str(n), label) for n, label in (
    (5, _l("★5 とても役に立った")), (4, _l("★4 役に立った")), (3, _l("★3 ふつう")),
    (2, _l("★2 あまり役に立たなかった")), (1, _l("★1 役に立たなかった")),
)]


class ArticleRatingForm(FlaskForm):  # type: ignore[misc]
    """A reader's 1–5 stars for an article and an optional comment; rating again replaces it."""

    stars = RadioField(_l("この記事の評価"), choices=STAR_CHOICES,
                       validators=[DataRequired(message=_l("評価を選んでください。"))])
    comment = TextAreaField(_l("ご意見（任意）"), validators=[
        Optional(), Length(max=2000, message=_l("コメントが長すぎます。"))])


class SolvedForm(FlaskForm):  # type: ignore[misc]
    """"この記事で解決しました": the page's one-time key, where the reader came from, what they had typed."""

    key = HiddenField()
    source = HiddenField()
    draft_subject = HiddenField()
