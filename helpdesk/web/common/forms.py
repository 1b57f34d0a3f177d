"""Form pieces every front door shares."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_wtf import FlaskForm
from werkzeug.exceptions import BadRequest

from helpdesk.core.errors import ValidationFailed


class CsrfForm(FlaskForm):  # type: ignore[misc]
    """A button that needs nothing but the CSRF token (confirm, mark read, bulk change …)."""

    def validate_or_400(self) -> None:
        """:raises BadRequest: the token is missing or wrong."""
        if not self.validate_on_submit():
            raise BadRequest()


def show_field_errors(form: Any, error: ValidationFailed, aliases: Mapping[str, str] | None = None) -> None:
    """Put a service's per-field messages on the form's fields (``aliases`` maps service → form names)."""
    for name, message in error.fields.items():
        field = getattr(form, (aliases or {}).get(name, name), None)
        if field is not None:
            field.errors = [*field.errors, str(message)]
