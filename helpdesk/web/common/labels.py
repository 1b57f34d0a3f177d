"""Template labels that need a lookup: a party's name from the code an audit event recorded, and
the words for a ticket's type, status and channel."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import TypeVar

from flask import Flask, g

from helpdesk.accounts import queries as accounts
from helpdesk.tickets.labels import CHANNEL_LABELS, STATUS_LABELS, TYPE_LABELS
from helpdesk.web.common.i18n import request_translations, select_locale

Member = TypeVar("Member", bound=StrEnum)


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


def _label(table: Mapping[Member, object], value: object) -> str:
    """``value``'s word from ``table`` (an enum member or its stored value), else the value itself.

    Each table is translated once per request and catalogue (mail in the recipient's language
    is rendered inside someone else's request): list pages ask for a label on every row.
    """
    cache: dict[tuple[int, int], dict[str, str]] = g.setdefault("enum_labels", {})
    key_of_table = (id(request_translations()), id(table))
    words = cache.get(key_of_table)
    if words is None:
        words = cache[key_of_table] = {member.value: str(word) for member, word in table.items()}
    key = value.value if isinstance(value, StrEnum) else str(value)
    return words.get(key, key)


def type_label(value: object) -> str:
    """問い合わせ, 障害, …: a ticket type in the reader's language."""
    return _label(TYPE_LABELS, value)


def status_label(value: object) -> str:
    """新規, 対応中, …: a ticket status (or a status recorded in an audit event)."""
    return _label(STATUS_LABELS, value)


def channel_label(value: object) -> str:
    """ポータル, 電話, …: how a ticket reached the desk."""
    return _label(CHANNEL_LABELS, value)


def init_app(app: Flask) -> None:
    """Offer ``{{ code|party_label }}`` and the ticket enum labels to the templates."""
    app.add_template_filter(party_label, "party_label")
    app.add_template_global(type_label, "type_label")
    app.add_template_global(status_label, "status_label")
    app.add_template_global(status_label, "status_label_value")
    app.add_template_global(channel_label, "channel_label")
