"""IMAP polling against a real Dovecot on loopback: each unseen mail ingested once, marked after commit."""

from __future__ import annotations

from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from imap_tools import MailBoxUnencrypted
from sqlalchemy import func, select

from helpdesk.mail import imap
from helpdesk.mail import services as mail
from helpdesk.mail.models import MailMessage, MailStatus
from helpdesk.tickets.attachments import AttachmentLimits
from helpdesk.tickets.models import Ticket
from tests.conftest import T0, MakeUser
from tests.support import ImapServer, running_dovecot

CORPUS = Path(__file__).resolve().parent.parent / "mail_corpus"


@pytest.fixture
def dovecot(tmp_path: Path) -> Iterator[ImapServer]:
    with running_dovecot(tmp_path) as server:
        yield server


def _settings(server: ImapServer, **extra: Any) -> imap.ImapSettings:
    return imap.ImapSettings(host="127.0.0.1", port=server.port, user=server.user, password=server.password,
                             use_ssl=False, **extra)


def _ingest_settings(app: Flask, tmp_path: Path) -> mail.IngestSettings:
    limits = AttachmentLimits.from_settings({**app.config, "ATTACHMENT_ROOT": str(tmp_path / "files")})
    return mail.IngestSettings(token_key=b"k" * 32, limits=limits)


def _deliver(server: ImapServer, *raws: bytes) -> None:
    with MailBoxUnencrypted("127.0.0.1", server.port).login(server.user, server.password) as box:
        for raw in raws:
            box.append(raw, "INBOX")


def _staff_mail(message_id: str) -> bytes:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = "imap.user@example.go.jp", "helpdesk@x", "IMAPから"
    message["Message-ID"] = f"<{message_id}>"
    message.set_content("共有フォルダが開けません")
    return message.as_bytes()


def test_a_poll_ingests_every_unseen_mail_once_and_marks_it(
    dovecot: ImapServer, app: Flask, tmp_path: Path, make_user: MakeUser, db: Any
) -> None:
    make_user(email="imap.user@example.go.jp")
    _deliver(dovecot, _staff_mail("imap1@x"), (CORPUS / "auto-01-out-of-office.eml").read_bytes(),
             (CORPUS / "ja-01-outlook-cp50220.eml").read_bytes(), _staff_mail("imap1@x"))
    first = imap.poll(now=T0, settings=_settings(dovecot), ingest_settings=_ingest_settings(app, tmp_path))
    assert first.taken == 4
    assert first.by_status == {MailStatus.ACCEPTED: 2, MailStatus.IGNORED: 1, MailStatus.QUARANTINED: 1}
    assert db.session.scalar(select(func.count()).select_from(Ticket)) == 1  # the copy changed nothing
    assert db.session.scalar(select(func.count()).select_from(MailMessage)) == 3
    again = imap.poll(now=T0, settings=_settings(dovecot), ingest_settings=_ingest_settings(app, tmp_path))
    assert again.taken == 0  # all four were marked seen after their commit
    with MailBoxUnencrypted("127.0.0.1", dovecot.port).login(dovecot.user, dovecot.password) as box:
        assert box.uids("UNSEEN") == []
        assert len(box.uids("SEEN")) == 4


def test_processed_mail_can_be_moved_to_a_done_folder(
    dovecot: ImapServer, app: Flask, tmp_path: Path, make_user: MakeUser, db: Any
) -> None:
    make_user(email="imap.user@example.go.jp")
    _deliver(dovecot, _staff_mail("imap2@x"))
    done = imap.poll(now=T0, settings=_settings(dovecot, done_folder="Processed"),
                     ingest_settings=_ingest_settings(app, tmp_path))
    assert done.taken == 1
    with MailBoxUnencrypted("127.0.0.1", dovecot.port).login(dovecot.user, dovecot.password) as box:
        assert box.uids("ALL") == []
        box.folder.set("Processed")
        assert len(box.uids("ALL")) == 1
