"""WSGI entry point: ``app = create_app()`` for waitress, gunicorn and ``flask``."""

from __future__ import annotations

from helpdesk import create_app

app = create_app()
