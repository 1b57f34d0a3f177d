"""Production: every per-host value and secret must come from ``HELPDESK_*`` variables."""

from __future__ import annotations

from config.base import Base


class Production(Base):
    """Nothing falls back: a missing secret key or database URL stops the start."""

    ENV_NAME = "production"
