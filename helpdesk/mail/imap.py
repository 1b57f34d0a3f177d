"""Polling an IMAP mailbox: every unseen mail through :func:`helpdesk.mail.services.ingest`.

A message is marked seen (and moved to the done folder, when one is set) only after ingest has
committed what it caused, so a crash in between leaves it unseen and the next poll takes it again;
ingest is idempotent by Message-ID, so taking it again changes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from imap_tools import MailBox, MailBoxUnencrypted, MailMessageFlags

from helpdesk.mail import services
from helpdesk.mail.models import MailStatus


@dataclass(frozen=True)
class ImapSettings:
    """The mailbox to poll."""

    host: str
    port: int
    user: str
    password: str = field(repr=False)
    use_ssl: bool = True
    folder: str = "INBOX"
    #: Processed mail is moved here (created when missing); empty: it only gets the \\Seen flag.
    done_folder: str = ""
    #: Mails taken per poll at most (the next poll takes the rest).
    batch: int = 50


def imap_settings_from(config: Mapping[str, Any]) -> ImapSettings | None:
    """The mailbox from the app's ``MAIL_IMAP_*`` settings; None when no host is set (no polling)."""
    if not config.get("MAIL_IMAP_HOST"):
        return None
    return ImapSettings(host=str(config["MAIL_IMAP_HOST"]), port=int(config.get("MAIL_IMAP_PORT") or 993),
                        user=str(config["MAIL_IMAP_USER"]), password=str(config["MAIL_IMAP_PASSWORD"]),
                        use_ssl=bool(config.get("MAIL_IMAP_SSL", True)),
                        folder=str(config.get("MAIL_IMAP_FOLDER") or "INBOX"),
                        done_folder=str(config.get("MAIL_IMAP_DONE_FOLDER") or ""))


@dataclass(frozen=True)
class PollResult:
    """What one poll did, by outcome."""

    taken: int
    by_status: dict[MailStatus, int]


def poll(*, now: datetime, settings: ImapSettings, ingest_settings: services.IngestSettings) -> PollResult:
    """Ingest up to ``batch`` unseen mails, each committed before it is marked; returns the counts.

    :raises OSError, imaplib.IMAP4.error: the server cannot be reached or refuses the login (the
        beat tries again at the next interval).
    """
    box_type = MailBox if settings.use_ssl else MailBoxUnencrypted
    counts: dict[MailStatus, int] = {}
    with box_type(settings.host, settings.port, timeout=30).login(
            settings.user, settings.password, initial_folder=settings.folder) as box:
        if settings.done_folder and not box.folder.exists(settings.done_folder):
            box.folder.create(settings.done_folder)
        uids = box.uids("UNSEEN")[:settings.batch]
        for uid in uids:
            raw = _fetch_raw(box, uid)
            if raw is None:
                continue
            result = services.ingest(raw, now=now, settings=ingest_settings)
            counts[result.status] = counts.get(result.status, 0) + 1
            box.flag(uid, MailMessageFlags.SEEN, True)
            if settings.done_folder:
                box.move(uid, settings.done_folder)
    return PollResult(taken=sum(counts.values()), by_status=counts)


def _fetch_raw(box: MailBoxUnencrypted | MailBox, uid: str) -> bytes | None:
    """The message's exact bytes, without setting \\Seen (BODY.PEEK)."""
    status, data = box.client.uid("fetch", uid, "(BODY.PEEK[])")
    if status != "OK":
        return None
    for item in data:
        if isinstance(item, tuple) and len(item) == 2 and isinstance(item[1], bytes):
            return item[1]
    return None
