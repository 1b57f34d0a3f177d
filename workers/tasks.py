"""Thin, idempotent tasks: each re-reads state and calls one domain service."""

from __future__ import annotations

import socket
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

from celery import shared_task
from flask import current_app
from sqlalchemy.exc import OperationalError

from helpdesk.core import idempotency, outbox, settings
from helpdesk.core.actor import SYSTEM
from helpdesk.core.storage import FileStore
from helpdesk.core.time import utcnow
from helpdesk.handoff import services as handoffs
from helpdesk.incidents import detection
from helpdesk.incidents import services as incidents
from helpdesk.mail import delivery, imap
from helpdesk.mail import services as mail_services
from helpdesk.notifications import services as notifications
from helpdesk.portability import jobs as export_jobs
from helpdesk.reports import services as reports
from helpdesk.sla import services as sla
from helpdesk.webhooks import services as webhooks
from workers import names


@shared_task(name=names.OUTBOX_RELAY, acks_late=True, ignore_result=True)
def relay_outbox() -> int:
    """Publish outbox rows the post-commit relay could not, or that were lost on the way."""
    return outbox.relay_pending(
        now=utcnow(), redeliver_after=settings.duration(current_app.config["OUTBOX_REDELIVER_AFTER"])
    )


@shared_task(name=names.HEARTBEAT, ignore_result=True)
def heartbeat() -> None:
    """Prove that beat, broker, worker and database work together (read by /healthz)."""
    outbox.record_heartbeat(socket.gethostname(), now=utcnow())


@shared_task(name=names.PRUNE_IDEMPOTENCY_KEYS, ignore_result=True)
def prune_idempotency_keys() -> int:
    """Forget API idempotency keys past their retention."""
    return idempotency.prune(now=utcnow())


#: Outbox tasks retry on database trouble; everything else is a bug to see in the logs.
OUTBOX_TASK = {
    "acks_late": True, "ignore_result": True, "autoretry_for": (OperationalError,),
    "retry_backoff": True, "retry_backoff_max": 300, "max_retries": 8,
}


def _run(outbox_id: int, notify: Callable[[Mapping[str, Any], str, datetime], int]) -> bool:
    """Run one outbox row once; its time is the event's, not our delivery's."""

    def handle(message: outbox.OutboxMessage) -> None:
        notify(message.payload, f"outbox:{outbox_id}", message.created_at)

    return outbox.run_once(outbox_id, handle, now=utcnow())


def _notify(outbox_id: int, notify: Callable[[Mapping[str, Any], str, datetime], int]) -> bool:
    """Write an event's notifications once, and queue the mail the recipients also get, in one transaction."""

    def handle(message: outbox.OutboxMessage) -> None:
        key = f"outbox:{outbox_id}"
        notify(message.payload, key, message.created_at)
        delivery.queue_for_notifications(key, now=message.created_at,
                                         settings=delivery.delivery_settings_from(current_app.config))

    return outbox.run_once(outbox_id, handle, now=utcnow())


@shared_task(name=names.TICKET_OPENED, **OUTBOX_TASK)
def ticket_opened(outbox_id: int) -> bool:
    """Tell the requester their ticket was received (once, however often delivered)."""
    return _notify(outbox_id, lambda p, key, at: notifications.notify_ticket_opened(
        int(p["ticket_id"]), source_key=key, now=at))


@shared_task(name=names.PUBLIC_REPLY, **OUTBOX_TASK)
def public_reply_added(outbox_id: int) -> bool:
    """Tell the other side of the conversation about a public reply."""
    return _notify(outbox_id, lambda p, key, at: notifications.notify_public_reply(
        int(p["message_id"]), source_key=key, now=at))


@shared_task(name=names.TICKET_RESOLVED, **OUTBOX_TASK)
def ticket_resolved(outbox_id: int) -> bool:
    """Ask the requester to confirm the resolution."""
    return _notify(outbox_id, lambda p, key, at: notifications.notify_ticket_resolved(
        int(p["ticket_id"]), source_key=key, now=at))


@shared_task(name=names.STATUS_CHANGED, **OUTBOX_TASK)
def status_changed(outbox_id: int) -> bool:
    """Tell the requester (and mail them) that the desk waits on them, reopened, or closed the ticket."""
    return _notify(outbox_id, lambda p, key, at: notifications.notify_status_changed(
        int(p["ticket_id"]), str(p["from"]), str(p["to"]), source_key=key, now=at))


@shared_task(name=names.MENTIONED, **OUTBOX_TASK)
def mentioned(outbox_id: int) -> bool:
    """Tell the staff named with @ in an internal note (and mail them)."""
    return _notify(outbox_id, lambda p, key, at: notifications.notify_mentions(
        int(p["message_id"]), source_key=key, now=at))


@shared_task(name=names.TICKET_ASSIGNED, **OUTBOX_TASK)
def ticket_assigned(outbox_id: int) -> bool:
    """Tell an agent about a ticket assigned to them."""
    return _notify(outbox_id, lambda p, key, at: notifications.notify_ticket_assigned(
        int(p["ticket_id"]), int(p["assignee_id"]), source_key=key, now=at))


@shared_task(name=names.HANDOFF_REQUESTED, **OUTBOX_TASK)
def handoff_requested(outbox_id: int) -> bool:
    """Tell the receiving party a ticket waits for them (its members, and its shared address if set)."""
    return _notify(outbox_id, lambda p, key, at: _party_mail(
        notifications.notify_handoff_requested(int(p["handoff_id"]), source_key=key, now=at),
        int(p["handoff_id"]), "requested", at))


@shared_task(name=names.HANDOFF_DECIDED, **OUTBOX_TASK)
def handoff_decided(outbox_id: int) -> bool:
    """Tell the other side how a handoff ended."""
    return _notify(outbox_id, lambda p, key, at: notifications.notify_handoff_decided(
        int(p["handoff_id"]), source_key=key, now=at))


@shared_task(name=names.HANDOFF_OVERDUE, **OUTBOX_TASK)
def handoff_overdue(outbox_id: int) -> bool:
    """Alert the leads of both parties and the ministry (and the receiver's shared address if set)."""
    return _notify(outbox_id, lambda p, key, at: _party_mail(
        notifications.notify_handoff_overdue(int(p["handoff_id"]), source_key=key, now=at),
        int(p["handoff_id"]), "overdue", at))


def _party_mail(notified: int, handoff_id: int, event: str, at: datetime) -> int:
    """Queue the receiving party's shared-address mail beside the notifications just written."""
    settings = delivery.delivery_settings_from(current_app.config)
    delivery.queue_party_mail(handoff_id, event, now=at, settings=settings)
    return notified


@shared_task(name=names.HANDOFF_SWEEP, ignore_result=True)
def sweep_handoff_acknowledgements() -> int:
    """Mark overdue acknowledgements and expire stale requests (set-based, safe to overlap)."""
    now = utcnow()
    overdue = handoffs.mark_overdue_acknowledgements(now=now, actor=SYSTEM)
    expired = handoffs.expire_stale_handoffs(
        now=now, after=timedelta(hours=float(current_app.config["HANDOFF_EXPIRY_HOURS"])), actor=SYSTEM)
    return len(overdue) + len(expired)


@shared_task(name=names.MAIL_SEND, acks_late=True, ignore_result=True,
             autoretry_for=(delivery.DeliveryFailed, OperationalError), retry_backoff=30,
             retry_backoff_max=1800, max_retries=8)
def send_mail(outbox_id: int) -> bool:
    """Send one queued mail over SMTP (or keep it for the local catcher); retried with backoff.

    The SMTP hand-over cannot be rolled back, so it commits on its own (the mail row is the guard: a
    sent row is never sent again) and only then is the outbox row marked processed. A failure is
    counted and raises for a retry; the last one marks the mail failed.
    """
    payload = outbox.payload_of(outbox_id)
    if payload is None:
        return False
    settings = delivery.delivery_settings_from(current_app.config)
    delivery.send(int(payload["mail_id"]), now=utcnow(), settings=settings)
    return _run(outbox_id, lambda p, key, at: 0)


@shared_task(name=names.MAIL_POLL, ignore_result=True)
def poll_mailbox() -> int:
    """Ingest the unseen mail of the help desk's mailbox (nothing when no IMAP host is set)."""
    settings = imap.imap_settings_from(current_app.config)
    if settings is None:
        return 0
    result = imap.poll(now=utcnow(), settings=settings,
                       ingest_settings=mail_services.settings_from(current_app.config))
    return result.taken


@shared_task(name=names.SLA_SWEEP, ignore_result=True)
def sweep_sla_clocks() -> int:
    """Record warnings and breaches that fell due (set-based, exactly once even when sweeps overlap)."""
    found = sla.sweep(now=utcnow(), actor=SYSTEM)
    return len(found.warned) + len(found.breached)


@shared_task(name=names.SLA_EVENT, **OUTBOX_TASK)
def sla_event(outbox_id: int) -> bool:
    """Alert the supervisors, the holding party's leads and the assignee of a warning or breach."""
    return _notify(outbox_id, lambda p, key, at: notifications.notify_sla_event(
        int(p["event_id"]), source_key=key, now=at))


@shared_task(name=names.SLA_RECOMPUTE, **OUTBOX_TASK)
def recompute_calendar(outbox_id: int) -> bool:
    """A calendar's hours or closures changed: move the due times of its running clocks."""
    return _run(outbox_id, lambda p, key, at: sla.recompute_calendar(
        int(p["calendar_id"]) if p.get("calendar_id") is not None else None, now=utcnow()))


@shared_task(name=names.MAIL_STORM, **OUTBOX_TASK)
def mail_storm(outbox_id: int) -> bool:
    """Tell the supervisors that one address is flooding the help desk with mail."""
    return _notify(outbox_id, lambda p, key, at: notifications.notify_mail_storm(
        str(p["address"]), int(p["count"]), source_key=key, now=at))


def _deliver_due() -> int:
    """Attempt every due webhook delivery now (each claimed with a lease, so workers never collide)."""
    settings = webhooks.settings_from(current_app.config)
    return sum(webhooks.deliver(delivery_id, now=utcnow(), settings=settings).delivered
               for delivery_id in webhooks.list_due(now=utcnow()))


@shared_task(name=names.WEBHOOK_HANDOFF_EVENT, **OUTBOX_TASK)
def record_webhook_handoff_event(outbox_id: int) -> bool:
    """Queue a handoff event for the parties' endpoints, then try to deliver it at once."""
    done = _run(outbox_id, lambda p, key, at: webhooks.record_handoff_event(
        int(p["handoff_id"]), str(p["event"]), source_key=key, now=at))
    _deliver_due()
    return done


@shared_task(name=names.WEBHOOK_TICKET_CLOSED, **OUTBOX_TASK)
def record_webhook_ticket_closed(outbox_id: int) -> bool:
    """Queue ``ticket.closed`` for the parties the ticket was handed to, then try to deliver it."""
    done = _run(outbox_id, lambda p, key, at: webhooks.record_ticket_closed(
        int(p["ticket_id"]), source_key=key, now=at))
    _deliver_due()
    return done


@shared_task(name=names.WEBHOOK_MESSAGE_SHARED, **OUTBOX_TASK)
def record_webhook_message_shared(outbox_id: int) -> bool:
    """Queue ``ticket.message_shared`` for the party a note was addressed to, then try to deliver it."""
    done = _run(outbox_id, lambda p, key, at: webhooks.record_message_shared(
        int(p["message_id"]), source_key=key, now=at))
    _deliver_due()
    return done


@shared_task(name=names.WEBHOOK_SWEEP, ignore_result=True)
def deliver_due_webhooks() -> int:
    """Retry failed deliveries whose backoff has passed (the beat runs this every 30 s)."""
    return _deliver_due()


@shared_task(name=names.WEBHOOK_ALERT, **OUTBOX_TASK)
def webhook_alert(outbox_id: int) -> bool:
    """Tell on-call (and mail them) that a party's endpoint fails, answers again, or was switched off."""
    return _notify(outbox_id, lambda p, key, at: notifications.notify_webhook_alert(
        p, source_key=key, now=at))


@shared_task(name=names.INCIDENT_DETECT, ignore_result=True)
def detect_incidents() -> int:
    """Propose a major incident for each service with a cluster of fault reports (set-based), and link
    the reports a declaration missed while they were in flight."""
    now = utcnow()
    proposed = detection.detect(now=now, settings=detection.detection_settings_from(current_app.config))
    return len(proposed) + detection.link_stragglers(now=now)


@shared_task(name=names.INCIDENT_PROPOSED, **OUTBOX_TASK)
def incident_proposed(outbox_id: int) -> bool:
    """Tell the supervisors (and mail them) that an outage is proposed for declaration."""
    return _notify(outbox_id, lambda p, key, at: detection.notify_proposed(
        int(p["proposal_id"]), source_key=key, now=at))


@shared_task(name=names.INCIDENT_UPDATE, **OUTBOX_TASK)
def incident_update(outbox_id: int) -> bool:
    """Tell every linked requester and subscriber of an incident's update, once each, by app and mail."""
    return _notify(outbox_id, lambda p, key, at: incidents.broadcast_update(
        int(p["update_id"]), source_key=key, now=at))


def _run_job(outbox_id: int, run: Callable[[int], object], what: str) -> bool:
    """Run the background job an outbox row names, then mark the row done.

    The progress commits as the work goes, so the job (not the outbox row) is the guard: a job
    already done is not redone. A failure leaves the job failed with its message and is not retried
    (the person asks again); only a lost database connection is retried.
    """
    payload = outbox.payload_of(outbox_id)
    if payload is None:
        return False
    try:
        run(int(payload["job_id"]))
    except OperationalError:
        raise
    except Exception:  # noqa: BLE001 - recorded on the job by the domain; the row is done with
        current_app.logger.exception("%s job of outbox row %s failed", what, outbox_id)
    return _run(outbox_id, lambda p, key, at: 0)


@shared_task(name=names.REPORT_GENERATE, **OUTBOX_TASK)
def generate_monthly_report(outbox_id: int) -> bool:
    """Generate the monthly report a person asked for, with its progress; once, however often delivered."""
    return _run_job(outbox_id, lambda job_id: reports.run_job(job_id, clock=utcnow), "report")


@shared_task(name=names.DATA_EXPORT, **OUTBOX_TASK)
def export_all_data(outbox_id: int) -> bool:
    """Write the full data export an administrator asked for, with progress; once, however often delivered.

    The export root and the attachment store come from the settings here: the domain reads none.
    """
    config = current_app.config
    return _run_job(outbox_id, lambda job_id: export_jobs.run_export_job(
        job_id, clock=utcnow, store=FileStore(config["ATTACHMENT_ROOT"]),
        root=settings.export_root(config, current_app.instance_path)), "export")
