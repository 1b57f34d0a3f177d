"""Form pieces every front door shares."""

from __future__ import annotations

from flask_wtf import FlaskForm
from werkzeug.exceptions import BadRequest


class CsrfForm(FlaskForm):  # type: ignore[misc]
    """A button that needs nothing but the CSRF token (confirm, mark read, bulk change …)."""

    def validate_or_400(self) -> None:
        """:raises BadRequest: the token is missing or wrong."""
        if not self.validate_on_submit():
            raise BadRequest()
