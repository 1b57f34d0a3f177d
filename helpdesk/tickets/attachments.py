"""Attachments: checked by content, stored under random keys, linked in the caller's transaction.

Staff data is mostly Office files, so those, PDF, images, text/CSV and zip are accepted;
the type is what libmagic finds in the bytes, never what the name claims. Names are
kept as given (only path parts and control characters are removed), so Japanese
names such as ``障害報告①.docx`` survive exactly.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import IO, Any

import filetype
from flask_babel import lazy_gettext as _l

from helpdesk.core.actor import Actor
from helpdesk.core.db import db
from helpdesk.core.errors import ValidationFailed
from helpdesk.core.storage import FileStore, StoredBlob, TooLarge
from helpdesk.tickets.models import Attachment

#: Detected type → what we call it; anything else is refused.
ALLOWED_TYPES: dict[str, str] = {
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": "pptx",
    "application/msword": "doc",
    "application/vnd.ms-excel": "xls",
    "application/vnd.ms-powerpoint": "ppt",
    "application/pdf": "pdf",
    "image/png": "png",
    "image/jpeg": "jpeg",
    "image/gif": "gif",
    "image/webp": "webp",
    "image/bmp": "bmp",
    "text/plain": "text",
    "text/csv": "csv",
    "application/zip": "zip",
}
#: Old Office files that libmagic reports only as a compound document are accepted when
#: their name says which Office file they are.
COMPOUND_TYPES = frozenset({"application/x-ole-storage", "application/CDFV2"})
OLD_OFFICE_SUFFIXES = frozenset({".doc", ".xls", ".ppt"})
NAME_MAX = 255


@dataclass(frozen=True)
class Upload:
    """A file as it arrived: the name the sender gave and its bytes."""

    filename: str
    stream: IO[bytes]


@dataclass(frozen=True)
class AttachmentLimits:
    """Where files go and how big and how many they may be (from the settings)."""

    store: FileStore
    max_bytes: int
    max_files: int

    @classmethod
    def from_settings(cls, config: Mapping[str, Any]) -> AttachmentLimits:
        """From the settings ``ATTACHMENT_ROOT``, ``MAX_ATTACHMENT_BYTES`` and ``MAX_ATTACHMENTS``."""
        return cls(store=FileStore(config["ATTACHMENT_ROOT"]), max_bytes=int(config["MAX_ATTACHMENT_BYTES"]),
                   max_files=int(config["MAX_ATTACHMENTS"]))


@dataclass(frozen=True)
class CheckedFile:
    """A stored file whose content passed the checks, not yet linked to a ticket."""

    filename: str
    content_type: str
    blob: StoredBlob


def clean_filename(raw: str) -> str:
    """The name as given, minus any folder part and control characters, NFC-normalised."""
    name = PureWindowsPath(PurePosixPath(raw.replace("\x00", "")).name).name
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip()
    name = unicodedata.normalize("NFC", name)[:NAME_MAX]
    return name or "file"


def check_and_store(uploads: Iterable[Upload], limits: AttachmentLimits) -> list[CheckedFile]:
    """Store every upload and check its content; all pass or none are kept.

    :raises ValidationFailed: with ``fields["attachments"]`` naming each refused file and why.
    """
    store, max_bytes, max_files = limits.store, limits.max_bytes, limits.max_files
    accepted: list[CheckedFile] = []
    problems: list[str] = []
    files = [u for u in uploads if u.filename]
    if len(files) > max_files:
        message = _l("添付できるファイルは%(n)d個までです。", n=max_files)
        raise ValidationFailed(message, fields={"attachments": message})
    for upload in files:
        name = clean_filename(upload.filename)
        try:
            blob = store.save(upload.stream, max_bytes=max_bytes)
        except TooLarge:
            problems.append(str(_l("「%(name)s」は大きすぎます（上限 %(mb)d MB）。", name=name,
                                   mb=max_bytes // (1024 * 1024))))
            continue
        detected = detect_type(blob.path)
        if blob.size == 0:
            problems.append(str(_l("「%(name)s」は空のファイルです。", name=name)))
        elif not _is_allowed(detected, name):
            problems.append(str(_l(
                "「%(name)s」は添付できない種類のファイルです。"
                "Office文書・PDF・画像・テキスト/CSV・ZIPを添付してください。", name=name)))
        else:
            accepted.append(CheckedFile(filename=name, content_type=detected, blob=blob))
            continue
        store.delete(blob.key)
    if problems:
        discard(accepted, store=store)
        raise ValidationFailed(_l("添付ファイルを確認してください。"),
                               fields={"attachments": " ".join(problems)})
    return accepted


def detect_type(path: Path) -> str:
    """The MIME type found in the file's bytes.

    libmagic (Debian's ``libmagic1``) is the detector; where it is not installed — a
    laptop running the embedded default — the pure-Python ``filetype`` takes over for
    binaries, and text is recognised as UTF-8 or Shift_JIS without NUL bytes.
    """
    try:
        import magic
    except ImportError:
        return _detect_without_libmagic(path)
    return str(magic.from_file(str(path), mime=True))


def _detect_without_libmagic(path: Path) -> str:
    guessed = filetype.guess_mime(str(path))
    if guessed:
        return str(guessed)
    with path.open("rb") as source:
        head = source.read(65536)
    if len(head) == 65536:
        head = head[:-4]  # do not judge a multibyte character cut in half
    if b"\x00" in head or head.lstrip().lower().startswith((b"<html", b"<!doctype", b"<svg", b"<?xml")):
        return "application/octet-stream"
    for encoding in ("utf-8", "cp932"):
        try:
            head.decode(encoding)
        except UnicodeDecodeError:
            continue
        return "text/plain"
    return "application/octet-stream"


def _is_allowed(detected: str, name: str) -> bool:
    if detected in ALLOWED_TYPES:
        return True
    return detected in COMPOUND_TYPES and PurePosixPath(name.lower()).suffix in OLD_OFFICE_SUFFIXES


def discard(files: Sequence[CheckedFile], *, store: FileStore) -> None:
    """Delete stored files whose transaction did not commit."""
    for checked in files:
        store.delete(checked.blob.key)


def link(
    files: Sequence[CheckedFile], *, ticket_id: int, message_id: int | None, is_public: bool,
    actor: Actor, now: datetime,
) -> list[Attachment]:
    """Insert the rows for checked files in the caller's unit of work."""
    rows = [
        Attachment(ticket_id=ticket_id, message_id=message_id, filename=f.filename,
                   content_type=f.content_type, size=f.blob.size, sha256=f.blob.sha256,
                   storage_key=f.blob.key, uploaded_by_id=actor.user_id, is_public=is_public,
                   created_at=now)
        for f in files
    ]
    db.session.add_all(rows)
    db.session.flush()
    return rows
