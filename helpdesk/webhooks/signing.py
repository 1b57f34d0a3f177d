"""Standard Webhooks signatures: HMAC-SHA256 over ``id.timestamp.body``. Pure: stdlib only."""

from __future__ import annotations

import base64
import hashlib
import hmac


def sign(secret: str, event_id: str, timestamp: int, body: bytes) -> str:
    """The ``webhook-signature`` header value: ``v1,<base64 signature>``."""
    message = f"{event_id}.{timestamp}.".encode() + body
    digest = hmac.new(secret.encode(), message, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def verify(secret: str, event_id: str, timestamp: int, body: bytes, header: str) -> bool:
    """Whether any ``v1`` signature in ``header`` matches (what a receiver does)."""
    expected = sign(secret, event_id, timestamp, body)
    return any(hmac.compare_digest(expected, candidate) for candidate in header.split())
