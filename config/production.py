"""Production: every per-host value and secret must come from ``HELPDESK_*`` variables."""

from __future__ import annotations

from config.base import Base


class Production(Base):
    """Nothing falls back: a missing secret key or database URL stops the start."""

    ENV_NAME = "production"
    #: ``__Host-``: browsers keep the cookie only when it is Secure, host-only and for path /, so a
    #: sibling host or a plain-HTTP page cannot plant or overwrite a session (fixation).
    SESSION_COOKIE_NAME = "__Host-helpdesk_session"
