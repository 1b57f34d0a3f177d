"""Import every model so that metadata (Alembic, ``create_all`` in drift checks) is complete."""

from __future__ import annotations

from helpdesk.accounts import models as accounts_models
from helpdesk.audit import models as audit_models
from helpdesk.core import idempotency as idempotency_models
from helpdesk.core import outbox as outbox_models
from helpdesk.handoff import models as handoff_models
from helpdesk.incidents import models as incidents_models
from helpdesk.jobs import models as jobs_models
from helpdesk.knowledge import models as knowledge_models
from helpdesk.knowledge import search as knowledge_search  # registers the FTS5 upkeep events
from helpdesk.mail import models as mail_models
from helpdesk.notifications import models as notifications_models
from helpdesk.reports import models as reports_models
from helpdesk.responsibility import models as responsibility_models
from helpdesk.sla import models as sla_models
from helpdesk.tickets import models as tickets_models
from helpdesk.tickets import search as tickets_search  # registers the FTS5 upkeep events
from helpdesk.webhooks import models as webhooks_models

ALL_MODULES = (
    accounts_models,
    audit_models,
    idempotency_models,
    outbox_models,
    handoff_models,
    incidents_models,
    jobs_models,
    knowledge_models,
    knowledge_search,
    mail_models,
    notifications_models,
    reports_models,
    responsibility_models,
    sla_models,
    tickets_models,
    tickets_search,
    webhooks_models,
)
