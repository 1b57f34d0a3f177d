"""Outbound mail: the notifications a person also gets by mail, queued in the outbox and sent by a worker.

A worker that wrote the notifications of an event calls :func:`queue_for_notifications`; each
notification becomes at most one ``mail_messages`` row (a unique key on the notification), in the
recipient's language, threaded with the ticket's earlier mail, replying to a signed per-ticket address
for the requester, and carrying only the number and a link for confidential tickets. :func:`send` then
delivers one row over SMTP, or, with no SMTP host set (the embedded default), to the local mail catcher:
the row itself, which administrators read at ``/admin/mail``. Nothing leaves the machine then.
"""

from __future__ import annotations

import html
import smtplib
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from typing import Any

from flask_babel import force_locale, get_locale
from flask_babel import gettext as _
from sqlalchemy import select

from helpdesk.accounts.models import Party, Role, User
from helpdesk.core import outbox
from helpdesk.core.db import db, unit_of_work
from helpdesk.handoff.models import Handoff
from helpdesk.mail import compose, tokens
from helpdesk.mail.models import MailAddress, MailDirection, MailMessage, MailStatus
from helpdesk.notifications.models import Notification, NotificationKind
from helpdesk.tickets.models import Ticket

TASK_MAIL_SEND = "mail.send"


@dataclass(frozen=True)
class DeliverySettings:
    """Where mail comes from and goes through."""

    from_address: str
    from_name: str
    public_url: str
    token_key: bytes
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_timeout: float = 10.0
    max_attempts: int = 8

    @property
    def domain(self) -> str:
        """The domain of our own addresses and Message-IDs."""
        return self.from_address.rsplit("@", 1)[-1]


def delivery_settings_from(config: Mapping[str, Any]) -> DeliverySettings:
    """Delivery settings from the app's (``MAIL_*``, ``PUBLIC_URL``, the secret key)."""
    return DeliverySettings(
        from_address=str(config["MAIL_FROM_ADDRESS"]),
        from_name=str(config["MAIL_FROM_NAME"]),
        public_url=str(config["PUBLIC_URL"]).rstrip("/"),
        token_key=tokens.key_from(str(config["SECRET_KEY"])),
        smtp_host=config.get("MAIL_SMTP_HOST") or None,
        smtp_port=int(config.get("MAIL_SMTP_PORT") or 25),
    )


def queue_for_notifications(source_key: str, *, now: datetime, settings: DeliverySettings) -> list[int]:
    """One mail per notification written from ``source_key`` whose recipient can get mail; idempotent.

    Skips inactive people, people who chose no mail, addresses that bounced, and notifications
    already mailed. Emits
    ``mail.send`` per new row in the same transaction. Returns the new rows' ids.
    """
    queued: list[int] = []
    with unit_of_work() as session:
        rows = session.execute(
            select(Notification, User)
            .join(User, User.id == Notification.user_id)
            .where(
                Notification.source_key == source_key,
                ~Notification.id.in_(
                    select(MailMessage.notification_id).where(MailMessage.notification_id.is_not(None))
                ),
            )
            .order_by(Notification.id)
        ).all()
        bounced = _bounced({user.email.lower() for _n, user in rows if user.email})
        for notification, user in rows:
            wants_mail = user.is_active and user.receives_mail and bool(user.email)
            if not wants_mail or user.email.lower() in bounced:
                continue
            ticket = session.get(Ticket, notification.ticket_id) if notification.ticket_id else None
            queued.append(_queue(_mail_for(notification, user, ticket, now=now, settings=settings), now=now))
    return queued


def _bounced(addresses: set[str]) -> set[str]:
    """Those of ``addresses`` that bounced (mail to them is not even queued)."""
    if not addresses:
        return set()
    return set(db.session.scalars(select(MailAddress.address).where(
        MailAddress.address.in_(addresses), MailAddress.bounced_at.is_not(None))))


def _queue(row: MailMessage, *, now: datetime) -> int:
    """Insert an outbound row and emit its ``mail.send``, in the caller's unit of work."""
    db.session.add(row)
    db.session.flush()
    outbox.emit(TASK_MAIL_SEND, {"mail_id": row.id}, now=now)
    return row.id


def _text(lines: list[str], link: str) -> str:
    """A mail's text: the lines, the link, and the note that a machine sent it (in the current locale)."""
    return "\n".join([*lines, "", link, "", _("このメールはヘルプデスクから自動で送信しています。")])


def _html(text: str) -> str:
    """The HTML alternative of a plain text: escaped, line for line."""
    return "<p>" + "<br>".join(html.escape(line) for line in text.split("\n")) + "</p>"


def _mail_for(
    notification: Notification,
    user: User,
    ticket: Ticket | None,
    *,
    now: datetime,
    settings: DeliverySettings,
) -> MailMessage:
    with force_locale(user.locale or "ja"):
        subject, lines = _words(notification, ticket)
        link = _link(user, ticket, settings) if ticket is not None else _link_without_ticket(
            notification, user, settings)
        text = _text(lines, link)
        if ticket is not None and user.id == ticket.requester_id and not ticket.is_confidential:
            text += "\n" + _("このメールに返信すると、チケットへの返信として届きます。")
    thread = _thread(ticket.id) if ticket is not None else []
    reply_to = ""
    if ticket is not None and user.id == ticket.requester_id and not ticket.is_confidential:
        local = settings.from_address.split("@", 1)[0]
        reply_to = f"{local}+{tokens.make(ticket.id, user.id, key=settings.token_key)}@{settings.domain}"
    return MailMessage(
        direction=MailDirection.OUTBOUND,
        status=MailStatus.QUEUED,
        message_id=compose.new_message_id(settings.domain),
        in_reply_to=thread[-1] if thread else "",
        references=" ".join(thread),
        ticket_id=ticket.id if ticket else None,
        recipient_user_id=user.id,
        notification_id=notification.id,
        from_address=settings.from_address,
        to_addresses=user.email,
        subject=subject[:500],
        body_text=text,
        body_html=_html(text),
        reply_to=reply_to,
        created_at=now,
        attempts=0,
    )


#: Handoff events a party's shared contact address is told of.
PARTY_EVENTS = ("requested", "overdue")


def queue_party_mail(handoff_id: int, event: str, *, now: datetime, settings: DeliverySettings) -> int | None:
    """Mail the receiving party's shared contact address (when it has one) about a handoff; once per event.

    The Message-ID is made from the handoff and the event, so a repeat queues nothing. Confidential
    tickets: the number and a link only. Returns the new row's id, or None.

    :raises ValueError: an event other than ``requested`` or ``overdue``.
    """
    if event not in PARTY_EVENTS:
        raise ValueError(f"not a party mail event: {event}")
    message_id = f"hd.handoff{handoff_id}.{event}@{settings.domain}"
    with unit_of_work() as session:
        handoff = session.get(Handoff, handoff_id)
        party = session.get(Party, handoff.to_party_id) if handoff is not None else None
        address = (party.contact_email or "").strip().lower() if party is not None else ""
        if handoff is None or not address:
            return None
        known = session.scalar(select(MailMessage.id).where(MailMessage.message_id == message_id))
        if known is not None or _bounced({address}):
            return None
        ticket = handoff.ticket
        with force_locale("ja"):
            headline = (
                _("引き継ぎの依頼が届きました")
                if event == "requested"
                else _("引き継ぎが受領期限を過ぎています")
            )
            lines = (
                [headline]
                if ticket.is_confidential
                else [headline, _("件名: %(subject)s", subject=ticket.subject)]
            )
            text = _text(lines, f"{settings.public_url}/vendor/handoffs/{handoff.id}")
        row = MailMessage(
            direction=MailDirection.OUTBOUND,
            status=MailStatus.QUEUED,
            message_id=message_id,
            in_reply_to="",
            references="",
            ticket_id=ticket.id,
            recipient_user_id=None,
            from_address=settings.from_address,
            to_addresses=address,
            subject=f"[{ticket.number}] {headline}"[:500],
            body_text=text,
            body_html=_html(text),
            reply_to="",
            created_at=now,
            attempts=0,
        )
        return _queue(row, now=now)


def _words(notification: Notification, ticket: Ticket | None) -> tuple[str, list[str]]:
    """Subject and lines in the current locale. Confidential tickets: the number and nothing else."""
    number = ticket.number if ticket is not None else ""
    tag = f"[{number}] " if number else ""
    if ticket is not None and ticket.is_confidential:
        return tag + _("セキュリティ事案の更新"), [
            _("%(number)s に更新があります。内容はリンク先で確認してください。", number=number)
        ]
    kind, data = notification.kind, notification.data or {}
    headline = {
        NotificationKind.TICKET_RECEIVED: _("お問い合わせを受け付けました"),
        NotificationKind.PUBLIC_REPLY: _("ヘルプデスクから回答がありました"),
        NotificationKind.REQUESTER_REPLIED: _("依頼者から返信がありました"),
        NotificationKind.TICKET_RESOLVED: _("解決しました。内容をご確認ください"),
        NotificationKind.TICKET_ASSIGNED: _("あなたの担当になりました"),
        NotificationKind.STATUS_CHANGED: _("状態が変わりました"),
        NotificationKind.HANDOFF_REQUESTED: _("引き継ぎの依頼が届きました"),
        NotificationKind.HANDOFF_DECIDED: _("引き継ぎへの回答がありました"),
        NotificationKind.HANDOFF_OVERDUE: _("引き継ぎが受領期限を過ぎています"),
        NotificationKind.SLA_WARNING: _("SLA期限が近づいています"),
        NotificationKind.SLA_BREACH: _("SLA期限を過ぎました"),
        NotificationKind.MAIL_STORM: _("短時間に大量のメールが届いています"),
        NotificationKind.MENTIONED: _("内部メモであなたの名前が挙がりました"),
        NotificationKind.INCIDENT_UPDATE: _("障害情報の更新: %(title)s", title=data.get("title", "")),
        NotificationKind.INCIDENT_PROPOSED: _("大規模障害の候補: %(service)s",
                                              service=data.get("service", "")),
        NotificationKind.WEBHOOK_ALERT: _webhook_alert_headline(data),
    }.get(kind, _("お知らせ"))
    if kind is NotificationKind.STATUS_CHANGED:
        headline = {
            "pending": _("ヘルプデスクからの確認にご回答ください"),
            "open": _("チケットを再開しました"),
            "closed": _("チケットを完了しました"),
        }.get(str(data.get("to")), headline)
    lines = [headline]
    if ticket is not None:
        lines.append(_("件名: %(subject)s", subject=ticket.subject))
    if kind is NotificationKind.TICKET_RESOLVED and ticket is not None and ticket.resolution_summary:
        lines += [
            "",
            ticket.resolution_summary,
            "",
            _("解決していれば「解決した」を、まだなら「まだ解決していない」をリンク先で選んでください。"),
        ]
    if (
        kind is NotificationKind.STATUS_CHANGED
        and data.get("to") == "closed"
        and ticket is not None
        and ticket.rated_at is None
    ):
        lines += ["", _("よろしければ、リンク先で対応の満足度（1〜5）を評価してください。")]
    if kind is NotificationKind.INCIDENT_UPDATE:
        lines += ["", str(data.get("body", ""))]
    if kind is NotificationKind.INCIDENT_PROPOSED:
        lines.append(_("%(service)sの障害報告が%(count)s件届いています。大規模障害として宣言するか判断してください。",
                       service=data.get("service", ""), count=data.get("count", "")))
    if kind is NotificationKind.WEBHOOK_ALERT:
        lines.append(_("直近の応答: %(answer)s", answer=data.get("status") or data.get("error") or "-"))
    if kind is NotificationKind.MAIL_STORM:
        lines.append(
            _("%(address)s から %(count)s 通", address=data.get("address", ""), count=data.get("count", ""))
        )
    return tag + headline, lines


def _webhook_alert_headline(data: dict[str, Any]) -> str:
    english = str(get_locale()) == "en" and data.get("party_en")
    party = str(data.get("party_en") if english else data.get("party", ""))
    headlines: dict[str, str] = {
        "recovered": _("%(party)s へのWebhook送信が回復しました", party=party),
        "disabled": _("%(party)s へのWebhook送信を停止しました（410）", party=party),
        "gave_up": _("%(party)s へのWebhook送信を打ち切りました", party=party),
    }
    failing = _("%(party)s へのWebhook送信が失敗し続けています", party=party)
    return str(headlines.get(str(data.get("event")), failing))


def _link(user: User, ticket: Ticket, settings: DeliverySettings) -> str:
    if user.role is Role.REQUESTER:
        return f"{settings.public_url}/portal/tickets/{ticket.number}"
    if user.role in (Role.VENDOR,):
        return f"{settings.public_url}/vendor/"
    return f"{settings.public_url}/console/tickets/{ticket.number}"


def _link_without_ticket(notification: Notification, user: User, settings: DeliverySettings) -> str:
    """Where a mail about no ticket points: the incident pages, or the notification list."""
    if notification.kind is NotificationKind.INCIDENT_UPDATE and user.role is Role.REQUESTER:
        return f"{settings.public_url}/portal/status"
    if notification.kind in (NotificationKind.INCIDENT_UPDATE, NotificationKind.INCIDENT_PROPOSED):
        return f"{settings.public_url}/console/incidents"
    if notification.kind is NotificationKind.WEBHOOK_ALERT and user.role is Role.ADMIN:
        return f"{settings.public_url}/admin/webhooks"
    return f"{settings.public_url}/notifications"


def _thread(ticket_id: int) -> list[str]:
    """Message-IDs of the ticket's earlier mail, oldest first (the last ten)."""
    ids = db.session.scalars(
        select(MailMessage.message_id)
        .where(MailMessage.ticket_id == ticket_id)
        .order_by(MailMessage.id.desc())
        .limit(10)
    )
    return list(reversed(list(ids)))


def _message_of(
    row: MailMessage, recipient: User | None, *, now: datetime, settings: DeliverySettings
) -> EmailMessage:
    return compose.build(
        compose.Outgoing(
            to_address=row.to_addresses,
            to_name=recipient.display_name if recipient else "",
            from_address=row.from_address,
            from_name=settings.from_name,
            subject=row.subject,
            text=row.body_text,
            html=row.body_html,
            message_id=row.message_id,
            in_reply_to=row.in_reply_to,
            references=tuple(row.references.split()),
            reply_to=row.reply_to,
            date=now,
        )
    )


class DeliveryFailed(Exception):
    """The SMTP server refused or could not be reached; the task retries with backoff."""


def send(mail_id: int, *, now: datetime, settings: DeliverySettings) -> bool:
    """Deliver one queued mail; True when this call sent it. Idempotent: a sent row is not sent again.

    With an SMTP host the mail goes over SMTP (the row stays locked meanwhile, so two workers never
    send it twice); without one it is kept for the local catcher. A failure counts an attempt and
    raises :class:`DeliveryFailed` for a retry, until ``max_attempts``, when the row is marked failed.
    """
    with unit_of_work() as session:
        row = session.scalar(
            select(MailMessage)
            .where(MailMessage.id == mail_id, MailMessage.direction == MailDirection.OUTBOUND)
            .with_for_update()
        )
        if row is None or row.status is not MailStatus.QUEUED:
            return False
        recipient = session.get(User, row.recipient_user_id) if row.recipient_user_id else None
        try:
            message = _message_of(row, recipient, now=now, settings=settings)
        except compose.UnsafeAddress as exc:  # never retried: the address will not get better
            row.status, row.status_reason = MailStatus.FAILED, f"unsafe address: {exc}"[:500]
            return False
        row.attempts += 1
        try:
            if settings.smtp_host:
                with smtplib.SMTP(
                    settings.smtp_host, settings.smtp_port, timeout=settings.smtp_timeout
                ) as smtp:
                    smtp.send_message(message)
        except (OSError, smtplib.SMTPException) as exc:
            row.status_reason = f"{type(exc).__name__}: {exc}"[:500]
            if row.attempts >= settings.max_attempts:
                row.status = MailStatus.FAILED
                return False
            failed = DeliveryFailed(row.status_reason)
        else:
            row.status, row.sent_at = MailStatus.SENT, now
            row.raw_compressed = zlib.compress(message.as_bytes())
            row.status_reason = "smtp" if settings.smtp_host else "catcher"
            return True
    raise failed


def list_outbound(*, limit: int = 100) -> list[MailMessage]:
    """The newest outbound mail (the catcher's inbox when no SMTP host is set)."""
    return list(
        db.session.scalars(
            select(MailMessage)
            .where(MailMessage.direction == MailDirection.OUTBOUND)
            .order_by(MailMessage.id.desc())
            .limit(limit)
        )
    )
