"""Uploads in and attachments out: limits from the settings, safe download responses."""

from __future__ import annotations

from flask import Response, current_app, send_file
from werkzeug.datastructures import FileStorage

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
    """Send a stored file as a download only, whatever its type.

    ``send_file`` writes ``Content-Disposition: attachment`` with an RFC 5987
    ``filename*=UTF-8''…`` for non-ASCII names, so Japanese names arrive intact.
    """
    store = attachment_limits().store
    response = send_file(
        store.path(attachment.storage_key), mimetype=attachment.content_type, as_attachment=True,
        download_name=attachment.filename, conditional=False, etag=False, max_age=0,
    )
    response.headers["Content-Security-Policy"] = DOWNLOAD_CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response
