"""Building outbound mail: headers we clean ourselves, threading, the reply address, text and HTML.

This Python (3.11.7) has header-injection bugs in the ``email`` package (CVE-2024-6923, CVE-2026-1299),
so no value reaches a header before :func:`clean_header` has taken out every line break and control
character; a subject cannot add a ``Bcc:``. Mail is UTF-8 (ISO-2022-JP is not needed for any client
still in use), threaded with ``Message-ID`` / ``In-Reply-To`` / ``References``, marked
``Auto-Submitted: auto-generated`` so well-behaved auto-responders stay quiet, and replies to an address
carrying the signed reply token of :mod:`helpdesk.mail.tokens`.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime

#: Every character that could end a header line or smuggle one: CR, LF, the other C0/C1 controls,
#: and Unicode line and paragraph separators.
_UNSAFE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u0085]+")
_ADDRESS = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")
#: A subject longer than this is cut (mail clients show far less; RFC 5322 lines stay short).
SUBJECT_MAX = 200


class UnsafeAddress(ValueError):
    """An address that is not a plain ``local@domain`` (spaces, controls, display-name tricks)."""


def clean_header(value: str, *, limit: int = 998) -> str:
    """``value`` on one line: every control character and line break becomes a space, runs collapse."""
    return re.sub(r"\s{2,}", " ", _UNSAFE.sub(" ", value)).strip()[:limit]


def clean_address(address: str) -> str:
    """A bare address we are willing to put in a header.

    :raises UnsafeAddress: anything but ``local@domain`` of safe characters.
    """
    value = address.strip()
    if not _ADDRESS.match(value) or len(value) > 254:
        raise UnsafeAddress(repr(address))
    return value


def new_message_id(domain: str, *, prefix: str = "hd") -> str:
    """A fresh Message-ID without brackets: ``hd.<random>@<domain>``."""
    return f"{prefix}.{secrets.token_hex(12)}@{clean_header(domain)}"


@dataclass(frozen=True)
class Outgoing:
    """One mail to send, in plain values."""

    to_address: str
    to_name: str
    from_address: str
    from_name: str
    subject: str
    text: str
    html: str = ""
    message_id: str = ""
    #: The mail this answers (its Message-ID) and the thread so far, oldest first.
    in_reply_to: str = ""
    references: Sequence[str] = field(default_factory=tuple)
    #: Where replies go (``helpdesk+<token>@…``); empty: to ``from_address``.
    reply_to: str = ""
    date: datetime | None = None


def build(mail: Outgoing) -> EmailMessage:
    """The RFC 5322 message for ``mail``, every header value cleaned by us first.

    :raises UnsafeAddress: a recipient, sender or reply address that is not a plain address.
    :raises ValueError: no Message-ID (make one with :func:`new_message_id`; it is what threads replies).
    """
    if not _id(mail.message_id):
        raise ValueError("an outgoing mail needs its Message-ID")
    message = EmailMessage()
    message["From"] = Address(display_name=clean_header(mail.from_name, limit=100),
                              addr_spec=clean_address(mail.from_address))
    message["To"] = Address(display_name=clean_header(mail.to_name, limit=100),
                            addr_spec=clean_address(mail.to_address))
    if mail.reply_to:
        message["Reply-To"] = clean_address(mail.reply_to)
    message["Subject"] = clean_header(mail.subject, limit=SUBJECT_MAX)
    if mail.date is not None:
        message["Date"] = format_datetime(mail.date)
    message["Message-ID"] = f"<{_id(mail.message_id)}>"
    if mail.in_reply_to:
        message["In-Reply-To"] = f"<{_id(mail.in_reply_to)}>"
    thread = [_id(i) for i in mail.references if i][-20:]
    if thread:
        message["References"] = " ".join(f"<{i}>" for i in thread)
    message["Auto-Submitted"] = "auto-generated"
    message["X-Auto-Response-Suppress"] = "All"
    message.set_content(mail.text, charset="utf-8")
    if mail.html:
        message.add_alternative(mail.html, subtype="html", charset="utf-8")
    return message


def _id(value: str) -> str:
    """A message id without brackets, spaces or controls (what we put between < and >)."""
    return re.sub(r"[<>\s]", "", _UNSAFE.sub("", value))[:250]
