"""Where webhooks may go: never to loopback, private, link-local or other internal addresses.

Checked when an administrator saves a URL and again right before each send (the name may
resolve elsewhere by then). Configuration may allow named hosts explicitly (tests allow
127.0.0.1 for their receiver).
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Collection
from urllib.parse import urlsplit


class RefusedAddress(ValueError):
    """The URL is malformed, not http(s), or points somewhere internal."""


def check_url(url: str, *, allowed_hosts: Collection[str] = (), allow_http: bool = False) -> None:
    """Accept a webhook URL or raise.

    :raises RefusedAddress: with the reason in plain words.
    """
    parts = urlsplit(url)
    if parts.scheme not in ({"https", "http"} if allow_http else {"https"}):
        raise RefusedAddress("scheme")
    if not parts.hostname or parts.username or parts.password:
        raise RefusedAddress("host")
    if parts.hostname in allowed_hosts:
        return
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or (443 if parts.scheme == "https" else 80),
                                   proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError) as exc:
        raise RefusedAddress("resolve") from exc
    for info in infos:
        address = ipaddress.ip_address(info[4][0])
        if not address.is_global or address.is_multicast:
            raise RefusedAddress("internal")
