"""Domain errors. Services raise them; ``helpdesk.web.common.errors`` maps them once.

Each error carries a message already marked for translation (``lazy_gettext``) or a
plain string, plus optional per-field messages for forms and API problem details.
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import exc as sa_exc


class DomainError(Exception):
    """Base of every error a service may raise on purpose."""

    status = 400
    code = "domain_error"

    def __init__(self, message: object = "", *, fields: Mapping[str, object] | None = None) -> None:
        super().__init__(str(message))
        self.message = message
        self.fields: dict[str, object] = dict(fields or {})


class NotFound(DomainError):
    """The object does not exist, or the actor may not know that it exists."""

    status = 404
    code = "not_found"


class PermissionDenied(DomainError):
    """The actor may not do this."""

    status = 403
    code = "permission_denied"


class InvalidTransition(DomainError):
    """The object's state does not allow this operation now."""

    status = 409
    code = "invalid_transition"


class Conflict(DomainError):
    """The operation collides with existing data (a duplicate, a stale version)."""

    status = 409
    code = "conflict"


class ValidationFailed(DomainError):
    """The input is malformed or breaks a rule; ``fields`` says which field and why."""

    status = 422
    code = "validation_failed"


class Unauthenticated(DomainError):
    """Credentials are missing, wrong, expired, or the account cannot log in now."""

    status = 401
    code = "unauthenticated"


def is_database_outage(error: BaseException) -> bool:
    """True when ``error`` means the database cannot be reached or used right now (a restart, a lost
    connection, a lock that did not clear in time): nothing was written, and the same request may
    succeed in a moment. Errors in what we asked of it (a constraint, bad SQL) are not outages."""
    if isinstance(error, (sa_exc.OperationalError, sa_exc.InterfaceError)):
        return True
    return isinstance(error, sa_exc.DBAPIError) and error.connection_invalidated
