"""Where webhooks may go: never to loopback, private, link-local or other internal addresses.

Checked when an administrator saves a URL and again right before each send (the name may
resolve elsewhere by then). Configuration may allow named hosts explicitly (tests allow
127.0.0.1 for their receiver).
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Collection
from urllib.parse import urlsplit, urlunsplit


class RefusedAddress(ValueError):
    """The URL is malformed, not http(s), or points somewhere internal."""


def check_url(url: str, *, allowed_hosts: Collection[str] = (), allow_http: bool = False) -> str | None:
    """Accept a webhook URL or raise; return the address it was vetted at.

    Returns the first address the host resolved to (all of them checked), or None for a host
    named in ``allowed_hosts`` (not resolved here). A sender must connect to the returned
    address: resolving the name again could give another answer (DNS rebinding).

    :raises RefusedAddress: with the reason in plain words.
    """
    parts = urlsplit(url)
    if parts.scheme not in ({"https", "http"} if allow_http else {"https"}):
        raise RefusedAddress("scheme")
    if not parts.hostname or parts.username or parts.password:
        raise RefusedAddress("host")
    if parts.hostname in allowed_hosts:
        return None
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or (443 if parts.scheme == "https" else 80),
                                   proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError) as exc:
        raise RefusedAddress("resolve") from exc
    if not infos:
        raise RefusedAddress("resolve")
    for info in infos:
        address = ipaddress.ip_address(info[4][0])
        if not address.is_global or address.is_multicast:
            raise RefusedAddress("internal")
    return str(infos[0][4][0])


def pinned(url: str, address: str) -> tuple[str, str, str]:
    """``url`` with its host replaced by the vetted ``address``; also the Host header and TLS name.

    The request then reaches exactly the address that was checked, while the receiver still
    sees its own name in ``Host`` and TLS still verifies the certificate for that name (SNI).
    """
    parts = urlsplit(url)
    hostname = parts.hostname or ""
    literal = f"[{address}]" if ":" in address else address
    netloc = f"{literal}:{parts.port}" if parts.port else literal
    host_header = f"{hostname}:{parts.port}" if parts.port else hostname
    return urlunsplit(parts._replace(netloc=netloc)), host_header, hostname
