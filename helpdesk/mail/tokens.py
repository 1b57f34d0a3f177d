"""Signed reply tokens: which ticket and which person a reply address belongs to.

Outbound mail replies to ``<local>+<token>@<domain>``; a reply arriving there names its ticket and the
person it was sent to, and the signature proves we issued it. A token that looks like one but does not
verify is forged (or damaged): such a mail goes to quarantine, never into a ticket.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass

#: ``t<ticket id>-u<user id>-<16 hex>``.
TOKEN = re.compile(r"\bt(\d{1,12})-u(\d{1,12})-([0-9a-f]{16})\b")


@dataclass(frozen=True)
class ReplyToken:
    """A verified token's ticket and recipient."""

    ticket_id: int
    user_id: int


class ForgedToken(ValueError):
    """A token-shaped string whose signature is wrong."""


def key_from(secret: str) -> bytes:
    """The signing key for reply tokens, derived from the app's secret key (never the key itself)."""
    return hashlib.sha256(b"helpdesk-mail-reply-token:" + secret.encode()).digest()


def make(ticket_id: int, user_id: int, *, key: bytes) -> str:
    """The token for replies to ``ticket_id`` by ``user_id``."""
    return f"t{ticket_id}-u{user_id}-{_signature(ticket_id, user_id, key)}"


def find(addresses: list[str], *, key: bytes) -> ReplyToken | None:
    """The token in the first address that has one (``local+token@domain``), verified.

    :raises ForgedToken: a token whose signature does not match.
    """
    for address in addresses:
        local = address.split("@", 1)[0]
        if "+" not in local:
            continue
        match = TOKEN.search(local.split("+", 1)[1].lower())
        if match is None:
            continue
        ticket_id, user_id, signature = int(match.group(1)), int(match.group(2)), match.group(3)
        if not hmac.compare_digest(signature, _signature(ticket_id, user_id, key)):
            raise ForgedToken(match.group(0))
        return ReplyToken(ticket_id, user_id)
    return None


def _signature(ticket_id: int, user_id: int, key: bytes) -> str:
    return hmac.new(key, f"{ticket_id}:{user_id}".encode(), hashlib.sha256).hexdigest()[:16]
