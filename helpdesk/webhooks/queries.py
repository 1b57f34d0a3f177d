"""Reading webhook endpoints and the delivery log."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from helpdesk.accounts.models import Party, PartyKind
from helpdesk.core.db import db
from helpdesk.webhooks.models import WebhookDelivery, WebhookEndpoint


def list_parties_with_endpoints() -> list[tuple[Party, WebhookEndpoint | None]]:
    """Every active party that can receive handoffs, with its endpoint if it has one."""
    parties = list(db.session.scalars(
        select(Party).where(Party.is_active.is_(True), Party.kind != PartyKind.HELPDESK).order_by(Party.code)
    ))
    endpoints = {e.party_id: e for e in db.session.scalars(select(WebhookEndpoint))}
    return [(party, endpoints.get(party.id)) for party in parties]


def list_deliveries(*, limit: int = 50) -> list[WebhookDelivery]:
    """The newest deliveries, for the admin log."""
    stmt = (select(WebhookDelivery).order_by(WebhookDelivery.id.desc()).limit(limit)
            .options(joinedload(WebhookDelivery.endpoint).joinedload(WebhookEndpoint.party)))
    return list(db.session.scalars(stmt))
