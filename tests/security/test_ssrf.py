"""S5: a webhook URL can never make the server call something internal.

A canary listener on 127.0.0.3 stands for an internal service and counts every connection it
gets; it must get none, whether the URL is refused when saved, re-checked when sent (the name
may resolve elsewhere by then) or reached through a redirect. Outbound connections from these
tests are limited to loopback, so a validator bug cannot send traffic to a private network.
"""

from __future__ import annotations

import dataclasses
import socket
import threading
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from flask import Flask

from config.production import Production
from helpdesk.accounts.models import Role
from helpdesk.core.db import db
from helpdesk.core.errors import ValidationFailed
from helpdesk.handoff import services as handoffs
from helpdesk.webhooks import services as webhooks
from helpdesk.webhooks.models import WebhookDelivery
from tests.conftest import T0, MakeTicket, MakeUser, actor_of
from tests.webhook_receiver import running_receiver

CANARY_HOST = "127.0.0.3"
#: A public address (not TEST-NET, which ``is_global`` rejects) a vendor's name resolves to at first.
PUBLIC = "93.184.215.14"
INTERNAL = "内部のアドレス"
SCHEME = "https://"


class Canary:
    """A TCP listener that accepts and counts connections, standing in for an internal service."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind((CANARY_HOST, 0))
        self.sock.listen(16)
        self.sock.settimeout(0.1)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _peer = self.sock.accept()
            except (TimeoutError, OSError):
                continue
            self.connections += 1
            conn.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)
        self.sock.close()


@pytest.fixture
def canary() -> Iterator[Canary]:
    listener = Canary()
    yield listener
    listener.close()
    # Checked here as well, so a test that forgets to look still fails.
    assert listener.connections == 0


@pytest.fixture
def resolver(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Names → addresses that ``socket.getaddrinfo`` answers for; other ``.test`` names do not resolve."""
    names: dict[str, str] = {}
    real = socket.getaddrinfo

    def fake(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        if host in names:
            family = socket.AF_INET6 if ":" in names[host] else socket.AF_INET
            return [(family, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (names[host], port or 0))]
        if isinstance(host, str) and host.endswith(".test"):
            raise socket.gaierror(socket.EAI_NONAME, "not known")
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", fake)
    return names


@pytest.fixture(autouse=True)
def loopback_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Refuse any outbound connection off loopback, in case a URL slips through the validator."""
    real = socket.socket.connect

    def connect(self: socket.socket, address: Any) -> None:
        if self.family in (socket.AF_INET, socket.AF_INET6):
            host = address[0]
            if not (host.startswith("127.") or host == "::1"):
                raise AssertionError(f"outbound connection to {address} from an SSRF test")
        real(self, address)

    monkeypatch.setattr(socket.socket, "connect", connect)


def production_settings(**overrides: Any) -> webhooks.DeliverySettings:
    """The settings the service gets in production, built from the production config class."""
    config = {name: getattr(Production, name) for name in dir(Production) if name.isupper()}
    assert not config["WEBHOOK_ALLOWED_HOSTS"] and config["WEBHOOK_ALLOW_HTTP"] is False
    return webhooks.settings_from({**config, **overrides})


def _targets(canary: Canary) -> list[str]:
    """Hosts (with port where it matters) that must never be a webhook's destination."""
    return [f"{CANARY_HOST}:{canary.port}", "2130706433", "0177.0.0.1", "0x7f.0.0.1", "127.1", "[::1]",
            "[::ffff:127.0.0.3]", "0.0.0.0",  # noqa: S104 - a URL under test, not a bind
            "169.254.169.254", "10.0.0.1", "172.16.0.1", "192.168.0.1",
            "100.64.0.1", f"loopback.vendor.test:{canary.port}"]


def _save(party_id: int, url: str, admin: Any, settings: webhooks.DeliverySettings) -> str:
    """The refusal shown for ``url``; fails the test if the URL is accepted."""
    with pytest.raises(ValidationFailed) as refused:
        webhooks.save_endpoint(party_id, url, actor=admin, now=T0, settings=settings)
    return str(refused.value.fields["url"])


@pytest.fixture
def admin_and_party(base_data: dict[str, Any], make_user: MakeUser) -> tuple[Any, int]:
    return actor_of(make_user(Role.ADMIN)), base_data["parties"]["operations"].id


def test_internal_destinations_are_refused_at_save(
    canary: Canary, resolver: dict[str, str], admin_and_party: tuple[Any, int]
) -> None:
    resolver["loopback.vendor.test"] = CANARY_HOST
    admin, party = admin_and_party
    production = production_settings()
    # Plain http is refused in production whatever the host; with it allowed the address check
    # must still hold, so a config slip does not open the door.
    http_allowed = production_settings(WEBHOOK_ALLOW_HTTP=True)
    wrong = []
    for host in _targets(canary):
        for url, settings, reason in ((f"https://{host}/hooks", production, INTERNAL),
                                      (f"http://{host}/hooks", production, SCHEME),
                                      (f"http://{host}/hooks", http_allowed, INTERNAL)):
            shown = _save(party, url, admin, settings)
            if reason not in shown:
                wrong.append(f"{url}: {shown}")
    assert wrong == []
    assert canary.connections == 0


@pytest.mark.parametrize("url", ["file:///etc/passwd", "gopher://127.0.0.3:70/_SET%20x", "ftp://127.0.0.3/",
                                 "dict://127.0.0.3:11211/stat", "//127.0.0.3/hooks", "127.0.0.3/hooks"])
def test_other_schemes_are_refused_at_save(
    canary: Canary, admin_and_party: tuple[Any, int], url: str
) -> None:
    admin, party = admin_and_party
    assert SCHEME in _save(party, url, admin, production_settings(WEBHOOK_ALLOW_HTTP=True))


def _queued_delivery(party: int, admin: Any, make_user: MakeUser, make_ticket: MakeTicket) -> int:
    """One webhook delivery for ``party``, queued through the real handoff and webhook services."""
    agent = actor_of(make_user(Role.AGENT))
    handoff = handoffs.request_handoff(make_ticket().id, handoffs.HandoffRequest(party, "k1", "症状"),
                                       actor=agent, now=T0)
    assert webhooks.record_handoff_event(handoff.id, "handoff.requested", source_key="outbox:1", now=T0) == 1
    return webhooks.list_due(now=T0)[0]


def test_a_name_that_resolves_to_loopback_by_send_time_is_not_called(
    canary: Canary, resolver: dict[str, str], admin_and_party: tuple[Any, int],
    make_user: MakeUser, make_ticket: MakeTicket
) -> None:
    admin, party = admin_and_party
    settings = production_settings()
    resolver["hooks.vendor.test"] = PUBLIC
    webhooks.save_endpoint(party, f"https://hooks.vendor.test:{canary.port}/hooks", actor=admin, now=T0,
                           settings=settings)
    delivery_id = _queued_delivery(party, admin, make_user, make_ticket)
    resolver["hooks.vendor.test"] = CANARY_HOST  # DNS rebinding between save and send

    outcome = webhooks.deliver(delivery_id, now=T0, settings=settings)

    assert (outcome.sent, outcome.delivered) == (False, False)
    delivery = db.session.get(WebhookDelivery, delivery_id)
    assert delivery is not None and delivery.last_error.startswith("refused address")
    assert delivery.next_attempt_at is not None  # retried later: the name may point back outside
    assert canary.connections == 0


def test_a_send_connects_to_the_address_it_checked_not_to_a_second_lookup(
    canary: Canary, resolver: dict[str, str], monkeypatch: pytest.MonkeyPatch,
    admin_and_party: tuple[Any, int], make_user: MakeUser, make_ticket: MakeTicket
) -> None:
    """DNS rebinding within one send: the name answers a public address to the check and the
    canary to any later lookup; the request must still go to the address that was checked."""
    admin, party = admin_and_party
    seen: list[httpx.Request] = []

    def receiver(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(204)

    settings = dataclasses.replace(production_settings(), client_factory=lambda timeout: httpx.Client(
        transport=httpx.MockTransport(receiver), follow_redirects=False, timeout=timeout))
    resolver["hooks.vendor.test"] = PUBLIC
    webhooks.save_endpoint(party, "https://hooks.vendor.test:8443/hooks", actor=admin, now=T0,
                           settings=settings)
    delivery_id = _queued_delivery(party, admin, make_user, make_ticket)
    lookups: list[str] = []
    checked = socket.getaddrinfo

    def rebinding(host: Any, *args: Any, **kwargs: Any) -> Any:
        lookups.append(host)
        if len(lookups) > 1:
            resolver["hooks.vendor.test"] = CANARY_HOST  # every later answer points inside
        return checked(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)

    outcome = webhooks.deliver(delivery_id, now=T0, settings=settings)

    assert outcome.delivered and lookups == ["hooks.vendor.test"]  # one lookup: the check's
    (request,) = seen
    assert (request.url.host, request.url.port, request.url.path) == (PUBLIC, 8443, "/hooks")
    # The receiver still sees its own name, and TLS verifies the certificate for it (SNI).
    assert request.headers["host"] == "hooks.vendor.test:8443"
    assert request.extensions["sni_hostname"] == "hooks.vendor.test"
    assert canary.connections == 0


def test_a_redirect_to_an_internal_address_is_not_followed(
    app: Flask, canary: Canary, admin_and_party: tuple[Any, int], make_user: MakeUser,
    make_ticket: MakeTicket
) -> None:
    admin, party = admin_and_party
    # The receiver is a stand-in vendor on 127.0.0.1, so that one host (and plain http) is allowed.
    settings = production_settings(WEBHOOK_ALLOWED_HOSTS=("127.0.0.1",), WEBHOOK_ALLOW_HTTP=True)
    with running_receiver() as receiver:
        _endpoint, secret = webhooks.save_endpoint(party, receiver.url, actor=admin, now=T0,
                                                   settings=settings)
        receiver.secret = secret or ""
        delivery_id = _queued_delivery(party, admin, make_user, make_ticket)
        receiver.answers = [(302, {"Location": f"http://{CANARY_HOST}:{canary.port}/latest/meta-data"})]

        outcome = webhooks.deliver(delivery_id, now=T0, settings=settings)

    assert (outcome.status, outcome.delivered) == (302, False)  # a 3xx is a failed delivery
    assert len(receiver.requests) == 1
    assert canary.connections == 0
