"""Where each role lands, and safe redirects."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import url_for

from helpdesk.core.actor import Actor

HOME_ENDPOINTS = {
    "requester": "portal.home",
    "agent": "console.queue",
    "supervisor": "console.queue",
    "security": "console.queue",
    "vendor": "vendor.queue",
    "admin": "admin.users",
}


def home_url(actor: Actor) -> str:
    """The landing page of the actor's role."""
    return url_for(HOME_ENDPOINTS.get(actor.role, "account.profile"))


def safe_next(target: str | None) -> str | None:
    """``target`` if it is a path on this site, else None (no open redirects)."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    if "\\" in target:
        return None
    return target


def ticket_endpoint(actor: Actor) -> str | None:
    """Where this role opens a ticket: the portal page for staff, the workspace for the desk."""
    if actor.role == "requester":
        return "portal.ticket"
    if actor.role in {"agent", "supervisor", "security"}:
        return "console.ticket"
    return None
