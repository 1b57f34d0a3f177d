"""Template labels that need a lookup: a party's name from the code an audit event recorded."""

from __future__ import annotations

from flask import Flask, g

from helpdesk.accounts import queries as accounts
from helpdesk.web.common.i18n import select_locale


def party_label(code: object) -> str:
    """The party's name in the reader's language, or the code itself when it is unknown.

    Names are read once per request, however many events a timeline shows.
    """
    names: dict[str, str] | None = g.get("party_names")
    if names is None:
        locale = select_locale()
        names = {p.code: p.display_name(locale) for p in accounts.list_active_parties()}
        g.party_names = names
    return names.get(str(code), str(code))


def init_app(app: Flask) -> None:
    """Offer ``{{ code|party_label }}`` to the templates."""
    app.add_template_filter(party_label, "party_label")
