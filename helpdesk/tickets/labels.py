"""Words for the ticket enums in the reader's language: one table for pages, CSV downloads and reports.

Lazy strings: each is translated when it is turned into text, in whatever language is
current then (a page's, or a report's).
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from helpdesk.tickets.states import Channel, TicketStatus, TicketType

TYPE_LABELS = {
    TicketType.INQUIRY: _l("問い合わせ"),
    TicketType.FAULT: _l("障害"),
    TicketType.REQUEST: _l("申請"),
    TicketType.SECURITY: _l("セキュリティ事案"),
}
STATUS_LABELS = {
    TicketStatus.NEW: _l("新規"),
    TicketStatus.OPEN: _l("対応中"),
    TicketStatus.PENDING: _l("回答待ち"),
    TicketStatus.RESOLVED: _l("解決済み"),
    TicketStatus.CLOSED: _l("完了"),
}
CHANNEL_LABELS = {
    Channel.PORTAL: _l("ポータル"),
    Channel.PHONE: _l("電話"),
    Channel.MAIL: _l("メール"),
    Channel.API: _l("API"),
}
