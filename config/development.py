"""The embedded default that ``make run`` uses: SQLite and Celery's SQLAlchemy transport."""

from __future__ import annotations

from config.base import Base


class Development(Base):
    """Local single-machine settings; values still come from the environment where set."""

    ENV_NAME = "development"
    #: Served over plain HTTP on 127.0.0.1, so the cookie cannot require TLS.
    SESSION_COOKIE_SECURE = False
