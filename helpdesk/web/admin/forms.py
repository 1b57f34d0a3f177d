"""Forms of the admin pages."""

from __future__ import annotations

from flask_wtf import FlaskForm
from werkzeug.exceptions import BadRequest


class ConfirmForm(FlaskForm):  # type: ignore[misc]
    """A button that only needs the CSRF token."""

    def validate_or_400(self) -> None:
        """:raises BadRequest: the token is missing or wrong."""
        if not self.validate_on_submit():
            raise BadRequest()
