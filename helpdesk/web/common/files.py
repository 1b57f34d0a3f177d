"""Uploads in and attachments out: limits from the settings, safe download responses."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from datetime import datetime
from urllib.parse import quote

from flask import Response, current_app, send_file, stream_with_context
from werkzeug.datastructures import FileStorage

from helpdesk.core.time import TOKYO
from helpdesk.tickets.attachments import AttachmentLimits, Upload
from helpdesk.tickets.models import Attachment

#: Downloads are inert: no script, no plugin, no framing, sandboxed if opened anyway.
DOWNLOAD_CSP = "default-src 'none'; sandbox; frame-ancestors 'none'"


def attachment_limits() -> AttachmentLimits:
    """Store and limits from the app's settings."""
    return AttachmentLimits.from_settings(current_app.config)


def uploads_from(files: list[FileStorage] | None) -> list[Upload]:
    """The files of a multipart form field, as the services take them."""
    return [Upload(filename=f.filename or "", stream=f.stream) for f in files or [] if f and f.filename]


def download(attachment: Attachment) -> Response:
    """Send a stored file as a download only, whatever its type, under its exact name."""
    store = attachment_limits().store
    response = send_file(
        store.path(attachment.storage_key), mimetype=attachment.content_type, as_attachment=True,
        download_name=attachment.filename, conditional=False, etag=False, max_age=0,
    )
    response.headers["Content-Disposition"] = attachment_disposition(attachment.filename)
    return inert(response)


def attachment_disposition(name: str) -> str:
    """``attachment`` with the exact name in RFC 5987 ``filename*`` and an ASCII ``filename`` fallback.

    ``send_file`` writes ``filename*`` only for non-ASCII names; writing it for every name gives
    one encoding to check and keeps Japanese names such as ``障害報告①.docx`` intact.
    """
    fallback = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    fallback = "".join(ch for ch in fallback if ch.isprintable() and ch not in '"\\') or "download"
    exact = quote(name, safe="!#$&+^`|~")
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{exact}"


def csv_download(chunks: Iterator[bytes], *, now: datetime, prefix: str = "tickets") -> Response:
    """Stream CSV bytes as a download named ``<prefix>-<Japan date and time>.csv``.

    The chunks are produced while the response is sent, inside this request's context
    (its database session, the reader's language), so a long list never sits in memory.
    """
    name = f"{prefix}-{now.astimezone(TOKYO):%Y%m%d-%H%M}.csv"
    return streamed_download(chunks, mimetype="text/csv", filename=name)


def streamed_download(chunks: Iterator[bytes], *, mimetype: str, filename: str) -> Response:
    """Stream bytes as an inert download named ``filename`` (ASCII), produced while they are sent.

    The chunks run inside this request's context (its database session, the reader's language).
    """
    response = Response(stream_with_context(chunks), mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return inert(response)


def inert(response: Response) -> Response:
    """Mark a download inert and private: no script, no sniffing, no cache keeps it."""
    response.headers["Content-Security-Policy"] = DOWNLOAD_CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response
