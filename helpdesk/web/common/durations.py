"""Durations as people read them: "3時間12分", "45分" ("3 h 12 min" in English)."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from flask_babel import gettext as _


def duration_text(value: timedelta) -> str:
    """The absolute length of ``value`` in whole hours and minutes, rounded down; the sign is the caller's.

    Under a minute reads as "1分未満" so a clock about to fall due never says "0分".
    """
    minutes = int(abs(value.total_seconds())) // 60
    if minutes == 0:
        return str(_("1分未満"))
    hours, minutes = divmod(minutes, 60)
    if not hours:
        return str(_("%(m)d分", m=minutes))
    if not minutes:
        return str(_("%(h)d時間", h=hours))
    return str(_("%(h)d時間%(m)d分", h=hours, m=minutes))


def init_app(app: Flask) -> None:
    """Offer ``{{ remaining|duration }}`` to the templates."""
    app.add_template_filter(duration_text, "duration")
