"""Recording webhook events and delivering them, at least once and never twice at the same time.

Events come from outbox rows (so a webhook leaves only after the change that caused it
committed). Each becomes one :class:`WebhookDelivery` per interested party endpoint with a
``webhook-id`` derived from the outbox row, so a redelivered outbox row adds nothing. A
delivery is claimed with a lease before it is sent, sent outside any transaction, and its
outcome recorded afterwards; failures back off exponentially with jitter for up to 24 hours,
honouring ``Retry-After``. Redirects are never followed; a 410 switches the endpoint off.

On-call hears of trouble through the outbox (:data:`TASK_WEBHOOK_ALERT`): once when an
endpoint's attempts have failed ``alert_after_failures`` times in a row, once when it is
switched off or a delivery is given up, and once when it answers again after an alert.
"""

from __future__ import annotations

import json
import logging
import random
import secrets
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any

import httpx
from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select, update

from helpdesk.accounts.models import Party, PartyKind
from helpdesk.accounts.policy import require_administer
from helpdesk.audit import services as audit
from helpdesk.core import outbox
from helpdesk.core.actor import Actor
from helpdesk.core.db import db, unit_of_work
from helpdesk.core.errors import NotFound, ValidationFailed
from helpdesk.handoff.models import Handoff
from helpdesk.tickets.models import Message, Ticket
from helpdesk.webhooks.addresses import RefusedAddress, check_url, pinned
from helpdesk.webhooks.models import WebhookDelivery, WebhookEndpoint
from helpdesk.webhooks.signing import sign

log = logging.getLogger(__name__)
_NAMESPACE = uuid.UUID("5b0f6f3e-8f7c-4e0e-9a44-2f1f2d8f6c10")
#: Outbox task that tells on-call about a failing, recovered or switched-off endpoint.
TASK_WEBHOOK_ALERT = "notifications.webhook_alert"


@dataclass(frozen=True)
class DeliverySettings:
    """How deliveries behave (from the app settings)."""

    allowed_hosts: frozenset[str] = frozenset()
    allow_http: bool = False
    timeout_seconds: float = 10.0
    give_up_after: timedelta = timedelta(hours=24)
    first_retry: timedelta = timedelta(seconds=30)
    max_backoff: timedelta = timedelta(hours=2)
    #: Failed attempts in a row (over the endpoint's deliveries) before on-call is alerted.
    alert_after_failures: int = 3
    #: A worker holds a delivery this long while sending it; if it dies, the delivery is free again
    #: after it. Longer than the time-out, so a slow send is never sent twice at once.
    lease: timedelta = timedelta(seconds=60)
    #: Sends one request; tests may pass a client with a transport of their own.
    client_factory: Callable[[float], httpx.Client] = field(
        default=lambda timeout: httpx.Client(timeout=timeout, follow_redirects=False)
    )


def settings_from(config: Mapping[str, Any]) -> DeliverySettings:
    """Delivery settings from the app's configuration."""
    return DeliverySettings(
        allowed_hosts=frozenset(config.get("WEBHOOK_ALLOWED_HOSTS") or ()),
        allow_http=bool(config.get("WEBHOOK_ALLOW_HTTP", False)),
        timeout_seconds=float(config.get("WEBHOOK_TIMEOUT_SECONDS", 10.0)),
        give_up_after=timedelta(hours=float(config.get("WEBHOOK_GIVE_UP_HOURS", 24.0))),
        first_retry=timedelta(seconds=float(config.get("WEBHOOK_FIRST_RETRY_SECONDS", 30.0))),
        max_backoff=timedelta(seconds=float(config.get("WEBHOOK_MAX_BACKOFF_SECONDS", 7200.0))),
        alert_after_failures=int(config.get("WEBHOOK_ALERT_AFTER_FAILURES", 3)),
        lease=timedelta(seconds=float(config.get("WEBHOOK_LEASE_SECONDS", 60.0))),
    )


# --- configuration --------------------------------------------------------------------------


def save_endpoint(party_id: int, url: str, *, actor: Actor, now: datetime, settings: DeliverySettings,
                  rotate_secret: bool = False) -> tuple[WebhookEndpoint, str | None]:
    """Set a party's endpoint; returns it and the new secret when one was made (shown once).

    A new endpoint gets a secret; ``rotate_secret`` replaces an existing one. Saving
    switches a disabled endpoint on again.

    :raises PermissionDenied: not an administrator.
    :raises ValidationFailed: the URL is not https, or points at an internal address.
    """
    require_administer(actor)
    try:
        check_url(url.strip(), allowed_hosts=settings.allowed_hosts, allow_http=settings.allow_http)
    except RefusedAddress as exc:
        raise ValidationFailed(_l("URLを確認してください。"), fields={"url": _refusal(exc)}) from None
    with unit_of_work() as session:
        if session.get(Party, party_id) is None:
            raise NotFound("party")
        endpoint = session.scalar(select(WebhookEndpoint).where(WebhookEndpoint.party_id == party_id))
        new_secret = None
        if endpoint is None:
            new_secret = "whsec_" + secrets.token_urlsafe(32)
            endpoint = WebhookEndpoint(party_id=party_id, url=url.strip(), secret=new_secret, created_at=now,
                                       updated_at=now)
            session.add(endpoint)
        else:
            if rotate_secret:
                new_secret = endpoint.secret = "whsec_" + secrets.token_urlsafe(32)
            endpoint.url, endpoint.updated_at = url.strip(), now
        endpoint.is_active, endpoint.disabled_reason = True, ""
        session.flush()
        audit.record(actor, "webhook.endpoint_saved", subject_type="webhook_endpoint",
                     subject_id=endpoint.id, now=now,
                     data={"party_id": party_id, "url": endpoint.url, "secret_rotated": bool(new_secret)})
    return endpoint, new_secret


def _refusal(exc: RefusedAddress) -> object:
    return {
        "scheme": _l("https:// で始まるURLを指定してください。"),
        "host": _l("ホスト名を確認してください（ユーザー名・パスワードは含めないでください）。"),
        "resolve": _l("ホスト名を解決できません。"),
        "internal": _l("内部のアドレス（ループバック・プライベート・リンクローカル）には送信できません。"),
    }.get(str(exc), _l("URLを確認してください。"))


# --- recording events -----------------------------------------------------------------------


def record_handoff_event(handoff_id: int, event_type: str, *, source_key: str, now: datetime) -> int:
    """Queue ``event_type`` about a handoff for every other party involved that has an endpoint.

    Idempotent per ``source_key``: the same outbox row recorded twice adds nothing.
    """
    with unit_of_work() as session:
        handoff = session.get(Handoff, handoff_id)
        if handoff is None:
            return 0
        ticket = handoff.ticket
        data = {
            "handoff_id": handoff.id, "kind": handoff.kind.value, "state": handoff.state.value,
            "from_party": handoff.from_party.code, "to_party": handoff.to_party.code,
            "ack_due_at": _iso(handoff.ack_due_at), "external_ref": handoff.receiver_reference,
            "reject_reason": handoff.reject_reason.value if handoff.reject_reason else None,
            **_ticket_data(ticket),
        }
        return _record([handoff.from_party_id, handoff.to_party_id], event_type, data,
                       source_key=source_key, now=now)


def record_ticket_closed(ticket_id: int, *, source_key: str, now: datetime) -> int:
    """Tell every party a ticket was ever handed to that it is closed."""
    with unit_of_work() as session:
        ticket = session.get(Ticket, ticket_id)
        if ticket is None:
            return 0
        parties = list(session.scalars(select(Handoff.to_party_id).where(Handoff.ticket_id == ticket_id)))
        data = {**_ticket_data(ticket), "closed_at": _iso(ticket.closed_at)}
        return _record(parties, "ticket.closed", data, source_key=source_key, now=now)


def record_message_shared(message_id: int, *, source_key: str, now: datetime) -> int:
    """Tell the party a party note was addressed to that it has a message."""
    with unit_of_work() as session:
        message = session.get(Message, message_id)
        if message is None or message.audience_party_id is None:
            return 0
        data = {**_ticket_data(message.ticket), "message_id": message.id,
                "attachment_ids": [a.id for a in message.attachments]}
        if not message.ticket.is_confidential:  # a security incident's words stay on our side
            data["body"] = message.body
            data["attachments"] = [a.filename for a in message.attachments]
        return _record([message.audience_party_id], "ticket.message_shared", data, source_key=source_key,
                       now=now)


def _ticket_data(ticket: Ticket) -> dict[str, Any]:
    # Confidential tickets travel as a number only: the receiver reads the rest where it may.
    data: dict[str, Any] = {"ticket_number": ticket.number, "priority": ticket.priority.value,
                            "status": ticket.status.value}
    if not ticket.is_confidential:
        data["subject"] = ticket.subject
    return data


def _record(party_ids: list[int], event_type: str, data: dict[str, Any], *, source_key: str,
            now: datetime) -> int:
    endpoints = list(db.session.scalars(
        select(WebhookEndpoint).join(Party, Party.id == WebhookEndpoint.party_id)
        .where(WebhookEndpoint.party_id.in_(set(party_ids)), WebhookEndpoint.is_active.is_(True),
               Party.kind != PartyKind.HELPDESK)
    ))
    added = 0
    for endpoint in endpoints:
        event_id = "evt_" + uuid.uuid5(_NAMESPACE, f"{source_key}:{endpoint.id}").hex
        exists = db.session.scalar(select(WebhookDelivery.id).where(
            WebhookDelivery.endpoint_id == endpoint.id, WebhookDelivery.event_id == event_id))
        if exists:
            continue
        payload = {"type": event_type, "timestamp": _iso(now), "data": data}
        db.session.add(WebhookDelivery(endpoint_id=endpoint.id, event_id=event_id, event_type=event_type,
                                       payload=payload, created_at=now, retry_window_from=now,
                                       next_attempt_at=now))
        added += 1
    return added


def _iso(value: datetime | None) -> str | None:
    return value.astimezone(UTC).isoformat() if value else None


# --- delivering -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    """What one attempt did."""

    delivery_id: int
    sent: bool
    status: int | None = None
    delivered: bool = False


def list_due(*, now: datetime, limit: int = 100) -> list[int]:
    """Deliveries whose next attempt is due and that nobody holds (oldest first)."""
    stmt = (select(WebhookDelivery.id).join(WebhookEndpoint)
            .where(WebhookDelivery.delivered_at.is_(None), WebhookDelivery.gave_up_at.is_(None),
                   WebhookDelivery.next_attempt_at <= now, WebhookEndpoint.is_active.is_(True),
                   or_(WebhookDelivery.locked_until.is_(None), WebhookDelivery.locked_until < now))
            .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id).limit(limit))
    return list(db.session.scalars(stmt))


def deliver(delivery_id: int, *, now: datetime, settings: DeliverySettings) -> Outcome:
    """Attempt one delivery if it is due and unclaimed; record what happened.

    Safe to call from two workers at once: only the one whose lease UPDATE matched sends.
    """
    with unit_of_work() as session:
        claimed = session.execute(
            update(WebhookDelivery)
            .where(WebhookDelivery.id == delivery_id, WebhookDelivery.delivered_at.is_(None),
                   WebhookDelivery.gave_up_at.is_(None),
                   or_(WebhookDelivery.locked_until.is_(None), WebhookDelivery.locked_until < now))
            .values(locked_until=now + settings.lease)
            .returning(WebhookDelivery.id)
        ).scalar()
        if claimed is None:
            return Outcome(delivery_id, sent=False)
        delivery = session.get(WebhookDelivery, delivery_id, populate_existing=True)
        assert delivery is not None
        endpoint = delivery.endpoint
        url, secret, event_id, payload = endpoint.url, endpoint.secret, delivery.event_id, delivery.payload
        active = endpoint.is_active
    status, error, retry_after = (None, "endpoint disabled", None) if not active else _send(
        url, secret, event_id, payload, settings)
    return _settle(delivery_id, status, error, retry_after, now=now, settings=settings)


def _send(url: str, secret: str, event_id: str, payload: dict[str, Any], settings: DeliverySettings
          ) -> tuple[int | None, str, str | None]:
    try:
        address = check_url(url, allowed_hosts=settings.allowed_hosts, allow_http=settings.allow_http)
    except RefusedAddress as exc:
        return None, f"refused address: {exc}", None
    body = json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()
    timestamp = int(time.time())
    headers = {
        "content-type": "application/json", "user-agent": "Helpdesk-Webhooks/1",
        "webhook-id": event_id, "webhook-timestamp": str(timestamp),
        "webhook-signature": sign(secret, event_id, timestamp, body),
    }
    target, extensions = url, {}
    if address is not None:  # connect to the address just vetted, not to a second lookup's answer
        target, headers["host"], extensions["sni_hostname"] = pinned(url, address)
    try:
        with settings.client_factory(settings.timeout_seconds) as client:
            response = client.post(target, content=body, headers=headers, extensions=extensions)
    except httpx.HTTPError as exc:
        return None, f"{type(exc).__name__}: {exc}"[:500], None
    return response.status_code, "" if response.is_success else response.text[:500], response.headers.get(
        "retry-after")


def _settle(delivery_id: int, status: int | None, error: str, retry_after: str | None, *, now: datetime,
            settings: DeliverySettings) -> Outcome:
    with unit_of_work() as session:
        delivery = session.get(WebhookDelivery, delivery_id, populate_existing=True)
        assert delivery is not None
        endpoint = session.get(WebhookEndpoint, delivery.endpoint_id, populate_existing=True,
                               with_for_update=True)  # the failure count is per endpoint: one writer
        assert endpoint is not None
        delivery.attempts += 1
        delivery.last_attempt_at, delivery.last_status, delivery.last_error = now, status, error
        delivery.locked_until = None
        if status is not None and 200 <= status < 300:
            delivery.delivered_at, delivery.next_attempt_at = now, None
            if endpoint.alerted_at is not None:
                _alert(endpoint, "recovered", delivery, now=now)
            endpoint.consecutive_failures, endpoint.alerted_at = 0, None
            return Outcome(delivery_id, sent=True, status=status, delivered=True)
        endpoint.consecutive_failures += 1
        if status == 410:
            endpoint.is_active = False
            endpoint.disabled_reason = "410 Gone from the receiver"
            delivery.gave_up_at, delivery.next_attempt_at = now, None
            log.warning("webhook endpoint %s disabled by 410", delivery.endpoint_id)
            _alert(endpoint, "disabled", delivery, now=now)
            return Outcome(delivery_id, sent=True, status=status)
        wait = _backoff(delivery.attempts, settings)
        asked = _retry_after(retry_after, now)
        if asked is not None:
            wait = max(wait, asked)
        if now + wait - delivery.retry_window_from > settings.give_up_after:
            delivery.gave_up_at, delivery.next_attempt_at = now, None
            log.error("webhook delivery %s given up after %s attempts", delivery_id, delivery.attempts)
            _alert(endpoint, "gave_up", delivery, now=now)
        else:
            delivery.next_attempt_at = now + wait
            if endpoint.alerted_at is None and endpoint.consecutive_failures >= settings.alert_after_failures:
                _alert(endpoint, "failing", delivery, now=now)
    return Outcome(delivery_id, sent=status is not None, status=status)


def _alert(endpoint: WebhookEndpoint, event: str, delivery: WebhookDelivery, *, now: datetime) -> None:
    """Queue an alert for on-call in the transaction that recorded the attempt (so it is said once)."""
    if event != "recovered":
        endpoint.alerted_at = now
    party = endpoint.party
    outbox.emit(TASK_WEBHOOK_ALERT, {
        "event": event, "endpoint_id": endpoint.id, "party": party.name_ja,
        "party_en": party.name_en, "failures": endpoint.consecutive_failures,
        "status": delivery.last_status, "error": delivery.last_error[:200],
        "event_type": delivery.event_type,
    }, now=now)


def _backoff(attempts: int, settings: DeliverySettings) -> timedelta:
    """Exponential with ±20 % jitter, so many failing deliveries do not return in step."""
    base: timedelta = min(settings.first_retry * (2 ** (attempts - 1)), settings.max_backoff)
    jitter = random.uniform(0.8, 1.2)  # noqa: S311 - jitter, not security
    return base * jitter


def _retry_after(header: str | None, now: datetime) -> timedelta | None:
    if not header:
        return None
    if header.strip().isdigit():
        return timedelta(seconds=min(int(header), 86_400))
    try:
        return max(parsedate_to_datetime(header) - now, timedelta())
    except (TypeError, ValueError):
        return None


def replay(delivery_id: int, *, actor: Actor, now: datetime) -> WebhookDelivery:
    """An administrator sends a delivery again (same ``webhook-id``: the receiver may dedupe).

    :raises PermissionDenied: not an administrator.
    :raises NotFound: no such delivery.
    """
    require_administer(actor)
    with unit_of_work() as session:
        delivery = session.get(WebhookDelivery, delivery_id)
        if delivery is None:
            raise NotFound("delivery")
        delivery.gave_up_at, delivery.delivered_at, delivery.next_attempt_at = None, None, now
        delivery.retry_window_from = now
        delivery.endpoint.is_active = True
        audit.record(actor, "webhook.delivery_replayed", subject_type="webhook_delivery",
                     subject_id=delivery.id, now=now,
                     data={"event_id": delivery.event_id, "event_type": delivery.event_type})
    return delivery
