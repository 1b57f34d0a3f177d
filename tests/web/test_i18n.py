"""Translations looked up once per request still follow a language switch and ``force_locale``.

Each test pushes its own app context: in production every request has one, and ``g`` (where
the looked-up catalogue is kept) lives there.
"""

from __future__ import annotations

from flask import Flask, render_template_string
from flask_babel import force_locale, refresh

from helpdesk.tickets.states import TicketStatus, TicketType
from helpdesk.web.common.labels import status_label, type_label


def test_page_text_and_enum_labels_follow_the_locale_within_one_request(app: Flask) -> None:
    page = "{{ _('対応中') }}|{{ status_label(status) }}|{{ type_label('fault') }}"
    with app.app_context(), app.test_request_context("/"):
        assert render_template_string(page, status=TicketStatus.OPEN) == "対応中|対応中|障害"
        # Mail to an English reader is rendered inside the Japanese request.
        with force_locale("en"):
            assert render_template_string(page, status=TicketStatus.OPEN) == "In progress|In progress|Fault"
        assert render_template_string(page, status=TicketStatus.OPEN) == "対応中|対応中|障害"


def test_a_language_switch_mid_request_is_seen_after_refresh(app: Flask) -> None:
    with app.app_context(), app.test_request_context("/") as ctx:
        assert render_template_string("{{ _('完了') }}") == "完了"
        ctx.session["locale"] = "en"
        refresh()
        assert render_template_string("{{ _('完了') }}") == "Closed"


def test_labels_name_unknown_values_as_they_are(app: Flask) -> None:
    with app.app_context(), app.test_request_context("/"):
        assert status_label("archived") == "archived"
        assert type_label(TicketType.SECURITY) == "セキュリティ事案"
