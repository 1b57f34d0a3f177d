"""Inbound mail into tickets: a new ticket, a reply threaded into one, or a quarantine; never twice.

:func:`ingest` is what the IMAP poller and ``flask mail ingest`` call with a mail's bytes. It is
idempotent by Message-ID (a unique key on ``mail_messages``): the same mail polled twice, or piped in
twice, changes nothing the second time and answers as the first did.
"""

from __future__ import annotations

import io
import re
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from helpdesk.accounts.models import User
from helpdesk.accounts.services import actor_for
from helpdesk.audit import services as audit
from helpdesk.core import outbox
from helpdesk.core.actor import SYSTEM, Actor
from helpdesk.core.db import db, unit_of_work
from helpdesk.core.errors import DomainError, NotFound, PermissionDenied, ValidationFailed
from helpdesk.mail import parsing, policy, tokens
from helpdesk.mail.models import MailAddress, MailDirection, MailMessage, MailStatus
from helpdesk.tickets import services as tickets
from helpdesk.tickets.attachments import AttachmentLimits, Upload
from helpdesk.tickets.models import Message, Ticket
from helpdesk.tickets.states import Channel, MessageKind, TicketStatus, TicketType

TASK_MAIL_STORM = "notifications.mail_storm"
#: "[HD-2026-000123]" anywhere in a subject.
SUBJECT_TAG = re.compile(r"\[(HD-\d{4}-\d{6})\]", re.IGNORECASE)


@dataclass(frozen=True)
class IngestSettings:
    """What ingestion needs from the settings."""

    token_key: bytes
    limits: AttachmentLimits
    #: More than ``rate_limit`` mails from one address within ``rate_window`` are quarantined.
    rate_limit: int = 20
    rate_window: timedelta = timedelta(minutes=10)


def settings_from(config: Mapping[str, Any]) -> IngestSettings:
    """Ingestion settings from the app's: the secret key, the attachment limits, the sender rate limit."""
    return IngestSettings(
        token_key=tokens.key_from(str(config["SECRET_KEY"])),
        limits=AttachmentLimits.from_settings(config),
        rate_limit=int(config["MAIL_RATE_LIMIT"]),
        rate_window=timedelta(seconds=float(config["MAIL_RATE_WINDOW_SECONDS"])),
    )


@dataclass(frozen=True)
class IngestResult:
    """What became of a mail."""

    mail_id: int
    status: MailStatus
    reason: str
    ticket_id: int | None
    is_duplicate: bool = False


@dataclass(frozen=True)
class _Decision:
    status: MailStatus
    reason: str
    ticket: Ticket | None = None
    sender: User | None = None


def ingest(raw: bytes, *, now: datetime, settings: IngestSettings) -> IngestResult:
    """Turn one mail into a ticket, a public reply on one, a quarantine entry, or nothing (machines).

    Guarantees: one ``mail_messages`` row per Message-ID, committed with the ticket change it caused;
    the raw mail kept compressed; auto-generated mail and delivery reports never open a ticket or get
    a reply (a bounce marks the address); a reply from anyone but the ticket's requester, a forged
    reply token, an unknown sender or a sender over the rate limit is quarantined for an agent,
    never appended; files go through the portal's checks, and a refused file is listed in an
    internal note instead of refusing the mail.
    """
    mail = parsing.parse(raw)
    existing = _find(mail.message_id)
    if existing is not None:
        return _result(existing, is_duplicate=True)
    try:
        with unit_of_work() as session:
            row = MailMessage(
                direction=MailDirection.INBOUND,
                status=MailStatus.QUARANTINED,
                message_id=mail.message_id,
                in_reply_to=mail.in_reply_to[:255],
                references=" ".join(mail.references),
                from_address=mail.from_address[:254],
                to_addresses=", ".join(mail.to + mail.cc),
                subject=mail.subject[:500],
                body_text=mail.text_without_quotes,
                attachment_names=[a.filename for a in mail.attachments if not a.is_inline],
                raw_compressed=zlib.compress(raw),
                created_at=now,
                attempts=0,
            )
            session.add(row)
            session.flush()  # a concurrent ingest of the same mail fails here, on the unique key
            decision = _decide(mail, now=now, settings=settings)
            row.status, row.status_reason = decision.status, decision.reason
            if decision.status is MailStatus.ACCEPTED and decision.sender is not None:
                ticket, message = _apply(mail, decision, now=now, settings=settings)
                row.ticket_id, row.ticket_message_id = ticket.id, message.id if message else None
            elif decision.ticket is not None:
                row.ticket_id = decision.ticket.id
    except IntegrityError:
        db.session.rollback()
        existing = _find(mail.message_id)
        if existing is None:
            raise
        return _result(existing, is_duplicate=True)
    return _result(row)


def _find(message_id: str) -> MailMessage | None:
    return db.session.scalar(select(MailMessage).where(MailMessage.message_id == message_id))


def _result(row: MailMessage, *, is_duplicate: bool = False) -> IngestResult:
    return IngestResult(
        mail_id=row.id,
        status=row.status,
        reason=row.status_reason,
        ticket_id=row.ticket_id,
        is_duplicate=is_duplicate,
    )


def _decide(mail: parsing.ParsedMail, *, now: datetime, settings: IngestSettings) -> _Decision:
    if mail.is_bounce:
        for address in mail.bounced:
            _mark_bounced(address, mail.message_id, now=now)
        return _Decision(MailStatus.IGNORED, f"bounce: {', '.join(mail.bounced) or 'no failed recipient'}")
    if mail.auto_reason is not None:
        return _Decision(MailStatus.IGNORED, mail.auto_reason)
    if not mail.from_address:
        return _Decision(MailStatus.QUARANTINED, "no sender address")
    if _over_rate_limit(mail.from_address, now=now, settings=settings):
        return _Decision(MailStatus.QUARANTINED, "sender over the rate limit")
    sender = db.session.scalar(select(User).where(User.email == mail.from_address, User.is_active.is_(True)))
    try:
        target = _thread(mail, settings)
    except tokens.ForgedToken:
        return _Decision(MailStatus.QUARANTINED, "forged reply token")
    if target is not None:
        ticket, token_user_id = target
        if sender is None or sender.id != ticket.requester_id or (token_user_id not in (None, sender.id)):
            return _Decision(MailStatus.QUARANTINED, "reply from someone who is not the requester", ticket)
        if ticket.status is TicketStatus.CLOSED:
            return _Decision(MailStatus.QUARANTINED, "reply to a closed ticket", ticket)
        return _Decision(MailStatus.ACCEPTED, f"reply to {ticket.number}", ticket, sender)
    if sender is None:
        return _Decision(MailStatus.QUARANTINED, "unknown sender")
    return _Decision(MailStatus.ACCEPTED, "new ticket", None, sender)


def _thread(mail: parsing.ParsedMail, settings: IngestSettings) -> tuple[Ticket, int | None] | None:
    """The ticket a mail answers, by reply token, then In-Reply-To/References, then the subject tag.

    :raises tokens.ForgedToken: a reply address with a bad signature.
    """
    token = tokens.find(mail.to + mail.cc, key=settings.token_key)
    if token is not None:
        ticket = db.session.get(Ticket, token.ticket_id)
        return (ticket, token.user_id) if ticket is not None else None
    ids = [i for i in [mail.in_reply_to, *mail.references] if i]
    if ids:
        ticket_id = db.session.scalar(
            select(MailMessage.ticket_id)
            .where(MailMessage.message_id.in_(ids), MailMessage.ticket_id.is_not(None))
            .order_by(MailMessage.id.desc())
            .limit(1)
        )
        if ticket_id is not None:
            ticket = db.session.get(Ticket, ticket_id)
            if ticket is not None:
                return ticket, None
    tag = SUBJECT_TAG.search(mail.subject)
    if tag is not None:
        ticket = db.session.scalar(select(Ticket).where(Ticket.number == tag.group(1).upper()))
        if ticket is not None:
            return ticket, None
    return None


def _apply(
    mail: parsing.ParsedMail, decision: _Decision, *, now: datetime, settings: IngestSettings
) -> tuple[Ticket, Message | None]:
    """Open the ticket or add the reply, as the sender, with the files that pass the checks."""
    assert decision.sender is not None
    actor = actor_for(decision.sender)
    if decision.ticket is None:
        return _open_from(mail, decision.sender.id, actor=actor, now=now, settings=settings), None
    accepted, refused = _split_files(mail, settings.limits)
    message = tickets.add_message(decision.ticket.id, MessageKind.PUBLIC_REPLY, _body(mail), actor=actor,
                                  now=now, uploads=accepted, limits=settings.limits)
    _note_refused(decision.ticket, refused, now=now)
    return decision.ticket, message


def _open_from(mail: parsing.ParsedMail, requester_id: int, *, actor: Actor, now: datetime,
               settings: IngestSettings) -> Ticket:
    """A new ticket (channel mail) from a mail, for ``requester_id``, with the files that pass the checks."""
    accepted, refused = _split_files(mail, settings.limits)
    ticket = tickets.open_ticket(tickets.NewTicket(
        type=TicketType.INQUIRY, subject=(mail.subject.strip() or "（件名なし）")[:tickets.SUBJECT_MAX],
        description=_body(mail), channel=Channel.MAIL, requester_id=requester_id,
        intake_key=f"mail:{mail.message_id}"[:100],
    ), actor=actor, now=now, uploads=accepted, limits=settings.limits)
    _note_refused(ticket, refused, now=now)
    return ticket


def _body(mail: parsing.ParsedMail) -> str:
    """What of a mail goes on a ticket: the new text without quoted history."""
    return (mail.text_without_quotes or mail.text or "（本文なし）")[:tickets.BODY_MAX]


def _split_files(
    mail: parsing.ParsedMail, limits: AttachmentLimits
) -> tuple[list[Upload], list[tuple[str, str]]]:
    """The files the portal would accept, each checked on its own, and the refused ones with why."""
    accepted: list[Upload] = []
    refused: list[tuple[str, str]] = []
    for attachment in mail.attachments:
        if (
            attachment.is_inline
            and attachment.declared_type.startswith("image/")
            and len(attachment.content) < 4096
        ):
            continue  # a signature logo or a spacer, not a file anyone sent on purpose
        upload = Upload(filename=attachment.filename, stream=io.BytesIO(attachment.content))
        try:
            checked = tickets.check_uploads([upload], limits)
        except ValidationFailed as exc:
            refused.append(
                (attachment.filename, "; ".join(str(v) for v in exc.fields.values()) or str(exc.message))
            )
            continue
        except DomainError as exc:
            refused.append((attachment.filename, str(exc.message)))
            continue
        tickets.discard_checked(checked, limits)
        if len(accepted) >= limits.max_files:
            refused.append((attachment.filename, f"too many files (at most {limits.max_files})"))
            continue
        accepted.append(Upload(filename=attachment.filename, stream=io.BytesIO(attachment.content)))
    return accepted, refused


def _over_rate_limit(address: str, *, now: datetime, settings: IngestSettings) -> bool:
    """True past the limit; the mail that crosses it raises one alert to the supervisors."""
    recent = int(
        db.session.scalar(
            select(func.count())
            .select_from(MailMessage)
            .where(
                MailMessage.from_address == address,
                MailMessage.direction == MailDirection.INBOUND,
                MailMessage.created_at > now - settings.rate_window,
            )
        )
        or 0
    )
    # The row of this mail is already flushed, so ``recent`` counts it.
    if recent == settings.rate_limit + 1:
        outbox.emit(TASK_MAIL_STORM, {"address": address, "count": recent}, now=now)
    return recent > settings.rate_limit


def _mark_bounced(address: str, report_id: str, *, now: datetime) -> None:
    row = db.session.scalar(select(MailAddress).where(MailAddress.address == address))
    if row is None:
        row = MailAddress(address=address, bounce_count=0)
        db.session.add(row)
    row.bounce_count += 1
    row.bounced_at = now
    row.last_bounce_message_id = report_id[:255]


# --- held mail, reviewed by an agent ----------------------------------------------------------


def list_held(*, limit: int = 100) -> list[MailMessage]:
    """Mail waiting for review, newest first."""
    return list(
        db.session.scalars(
            select(MailMessage)
            .where(
                MailMessage.direction == MailDirection.INBOUND, MailMessage.status == MailStatus.QUARANTINED
            )
            .order_by(MailMessage.created_at.desc(), MailMessage.id.desc())
            .limit(limit)
        )
    )


def count_held() -> int:
    """How many mails wait for review."""
    return int(
        db.session.scalar(
            select(func.count())
            .select_from(MailMessage)
            .where(
                MailMessage.direction == MailDirection.INBOUND, MailMessage.status == MailStatus.QUARANTINED
            )
        )
        or 0
    )


def release_as_ticket(
    mail_id: int, requester_email: str, *, actor: Actor, now: datetime, settings: IngestSettings
) -> Ticket:
    """Open a ticket (channel mail) from a held mail for the requester an agent chose; audited.

    :raises PermissionDenied: the actor is not call-centre staff.
    :raises NotFound: no such held mail.
    :raises ValidationFailed: no such active staff member.
    """
    row = _held(mail_id, actor)
    requester = db.session.scalar(
        select(User).where(User.email == requester_email.strip().lower(), User.is_active.is_(True))
    )
    if requester is None:
        raise ValidationFailed(
            _l("依頼者が見つかりません。"),
            fields={"requester": _l("職員のメールアドレスを入力してください。")},
        )
    mail = parsing.parse(zlib.decompress(row.raw_compressed or b""))
    with unit_of_work():
        row = _held(mail_id, actor, for_update=True)
        ticket = _open_from(mail, requester.id, actor=actor, now=now, settings=settings)
        _reviewed(row, MailStatus.ACCEPTED, f"released as {ticket.number} by review", actor, now, ticket.id)
    return ticket


def release_as_note(mail_id: int, number: str, *, actor: Actor, now: datetime) -> Message:
    """Put a held mail on a ticket as an internal note (never a public reply: the sender was not the
    requester); audited.

    :raises PermissionDenied: the actor may not work the ticket.
    :raises NotFound: no such held mail or ticket.
    """
    row = _held(mail_id, actor)
    ticket = db.session.scalar(select(Ticket).where(Ticket.number == number.strip().upper()))
    if ticket is None:
        raise ValidationFailed(
            _l("チケットが見つかりません。"), fields={"number": _l("チケット番号を確認してください。")}
        )
    with unit_of_work():
        row = _held(mail_id, actor, for_update=True)
        body = f"メール（{row.from_address}、件名「{row.subject}」）:\n\n{row.body_text}"[: tickets.BODY_MAX]
        message = tickets.add_message(ticket.id, MessageKind.INTERNAL_NOTE, body, actor=actor, now=now)
        _reviewed(
            row, MailStatus.ACCEPTED, f"added to {ticket.number} as a note by review", actor, now, ticket.id
        )
    return message


def discard(mail_id: int, *, actor: Actor, now: datetime) -> None:
    """Decide a held mail needs nothing (spam, a loop); kept, marked ignored, audited.

    :raises PermissionDenied: the actor is not call-centre staff.
    :raises NotFound: no such held mail.
    """
    with unit_of_work():
        row = _held(mail_id, actor, for_update=True)
        _reviewed(row, MailStatus.IGNORED, "discarded by review", actor, now, row.ticket_id)


def _held(mail_id: int, actor: Actor, *, for_update: bool = False) -> MailMessage:
    if not policy.can_review_mail(actor):
        raise PermissionDenied(_l("この操作はできません。"))
    stmt = select(MailMessage).where(MailMessage.id == mail_id, MailMessage.status == MailStatus.QUARANTINED)
    row = db.session.scalar(stmt.with_for_update() if for_update else stmt)
    if row is None:
        raise NotFound(_l("保留中のメールが見つかりません。"))
    return row


def _reviewed(
    row: MailMessage, status: MailStatus, reason: str, actor: Actor, now: datetime, ticket_id: int | None
) -> None:
    row.status, row.status_reason, row.ticket_id = status, reason, ticket_id
    row.reviewed_by_id, row.reviewed_at = actor.user_id, now
    audit.record(
        actor,
        "mail.reviewed",
        subject_type="mail",
        subject_id=row.id,
        ticket_id=ticket_id,
        now=now,
        data={"status": status.value, "reason": reason, "from": row.from_address},
    )


def _note_refused(ticket: Ticket, refused: list[tuple[str, str]], *, now: datetime) -> None:
    if refused:
        lines = "\n".join(f"- {name}: {why}" for name, why in refused)
        tickets.add_message(
            ticket.id,
            MessageKind.SYSTEM,
            f"メールの添付ファイルのうち、次は受け付けませんでした。\n{lines}",
            actor=SYSTEM,
            now=now,
        )
