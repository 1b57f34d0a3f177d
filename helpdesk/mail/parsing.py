"""One inbound mail, as bytes, read into what the help desk needs (IMAP polling and ``flask mail ingest``).

Headers are decoded by :mod:`helpdesk.mail.japanese` (the standard library leaves CP50220 subjects raw);
the body is the text/plain part when there is one, else the HTML made into text; HTML is also kept
cleaned by nh3. Attachments keep their names exactly (RFC 2231 and RFC 2047). Auto-generated mail and
delivery reports are recognised so they never open tickets or get replies. Parsing never raises on a
malformed mail, and stops walking after ``MAX_PARTS`` parts so a 10,000-part mail cannot pin a worker.
"""

from __future__ import annotations

import email
import hashlib
import html as html_lib
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import policy
from email.header import Header
from email.message import Message
from email.utils import getaddresses, parseaddr, parsedate_to_datetime

import nh3

from helpdesk.mail.japanese import decode_bytes, decode_header

#: Parts walked at most; the rest of a pathological mail is not read (``ParsedMail.is_truncated``).
MAX_PARTS = 1000
#: Tags kept in the cleaned HTML copy of a body.
SAFE_TAGS = frozenset({"a", "b", "blockquote", "br", "code", "div", "em", "i", "li", "ol", "p", "pre",
                       "span", "strong", "table", "tbody", "td", "th", "thead", "tr", "u", "ul", "hr", "h1",
                       "h2", "h3", "h4", "font"})

_BLOCK_END = re.compile(r"(?i)<\s*(br\s*/?|/p|/div|/li|/tr|/h[1-6]|/blockquote|/table|hr\s*/?)\s*>")
_QUOTE_STARTS = (
    re.compile(r"^\s*-{2,}\s*(Original Message|元のメッセージ|Forwarded message|転送されたメッセージ)"
               r"\s*-{2,}", re.IGNORECASE),
    re.compile(r"^\s*On .{6,200} wrote:\s*$"),
    re.compile(r"^\s*\d{4}年\s*\d{1,2}月\s*\d{1,2}日.{0,120}(<[^>]+@[^>]+>|\S+@\S+).{0,40}[:：]\s*$"),
    re.compile(r"^\s*\d{4}/\d{1,2}/\d{1,2}.{0,80}(<[^>]+@[^>]+>|\S+@\S+).{0,40}[:：]\s*$"),
)
_OUTLOOK_FROM = re.compile(r"^\s*(From|差出人|送信者)\s*[:：]")
_OUTLOOK_SENT = re.compile(r"^\s*(Sent|Date|送信日時|日付)\s*[:：]")


@dataclass(frozen=True)
class Attachment:
    """A file of the mail, name decoded exactly, content as sent (type checks come later)."""

    filename: str
    content: bytes
    declared_type: str
    content_id: str = ""
    is_inline: bool = False


@dataclass
class ParsedMail:
    """What the help desk reads from one mail."""

    message_id: str
    subject: str
    from_address: str
    from_name: str
    to: list[str]
    cc: list[str]
    in_reply_to: str
    references: list[str]
    date: datetime | None
    #: The body as text (text/plain preferred), and without the quoted history of earlier mails.
    text: str
    text_without_quotes: str
    #: The HTML body cleaned by nh3 ('' when the mail had none).
    html: str
    attachments: list[Attachment] = field(default_factory=list)
    #: Why this mail must not open a ticket or get a reply (None: a person wrote it).
    auto_reason: str | None = None
    #: A delivery-status report, and the addresses it says could not be delivered to.
    is_bounce: bool = False
    bounced: list[str] = field(default_factory=list)
    is_truncated: bool = False


def parse(raw: bytes) -> ParsedMail:
    """Read a mail; never raises on malformed input (missing parts, bad encodings, broken MIME)."""
    message = email.message_from_bytes(raw, policy=policy.compat32)
    header = _Headers(message)
    walked = _walk(message)
    text_part = next((p for p in walked.parts if _is_body(p, "text/plain")), None)
    html_part = next((p for p in walked.parts if _is_body(p, "text/html")), None)
    html_raw = _text_of(html_part) if html_part is not None else ""
    text = _text_of(text_part) if text_part is not None else html_to_text(html_raw)
    text = _normalise_newlines(text)
    bounce_targets = _bounced_recipients(walked.parts)
    from_name, from_address = parseaddr(header.get("from"))
    return ParsedMail(
        message_id=_message_id(header.get("message-id"), raw),
        subject=header.get("subject"),
        from_address=from_address.strip().lower(),
        from_name=from_name.strip(),
        to=_addresses(header.get_all("to")),
        cc=_addresses(header.get_all("cc")),
        in_reply_to=_first_id(header.get("in-reply-to")),
        references=re.findall(r"<([^<>\s]+)>", header.get("references")),
        date=_date(header.get("date")),
        text=text,
        text_without_quotes=strip_quoted_history(text),
        html=nh3.clean(html_raw, tags=set(SAFE_TAGS), clean_content_tags={"script", "style"},
                       link_rel="noopener noreferrer nofollow") if html_raw else "",
        attachments=[a for a in (_attachment(p) for p in walked.parts) if a is not None],
        auto_reason=_auto_reason(message, header, walked.parts),
        is_bounce=bool(bounce_targets) or _is_report(message),
        bounced=bounce_targets,
        is_truncated=walked.truncated,
    )


def header_text(value: object) -> str:
    """A header value as text: encoded words decoded, and raw 8-bit bytes (which ``compat32`` wraps in a
    ``Header`` of charset unknown-8bit) decoded by guessing rather than shown as U+FFFD."""
    if isinstance(value, Header):
        pieces = []
        for data, charset in email.header.decode_header(value):
            if isinstance(data, bytes):
                known = charset if charset and charset != "unknown-8bit" else None
                plain = data.isascii() and not known
                pieces.append(data.decode("ascii") if plain else decode_bytes(data, known))
            else:
                pieces.append(data)
        return decode_header("".join(pieces))
    return decode_header(str(value))


class _Headers:
    """Decoded header values of the top-level message."""

    def __init__(self, message: Message) -> None:
        self.message = message

    def get(self, name: str) -> str:
        value = self.message.get(name)
        return header_text(value) if value is not None else ""

    def get_all(self, name: str) -> list[str]:
        return [header_text(v) for v in self.message.get_all(name, [])]

    def raw(self, name: str) -> str:
        value = self.message.get(name)
        return str(value).strip().lower() if value is not None else ""


@dataclass
class _Walk:
    parts: list[Message]
    truncated: bool


def _walk(message: Message) -> _Walk:
    """Leaf parts in order, at most ``MAX_PARTS``; message/* parts (attached mails, delivery reports)
    are leaves, never entered."""
    parts: list[Message] = []
    stack: list[Message] = [message]
    while stack:
        part = stack.pop()
        if len(parts) >= MAX_PARTS:
            return _Walk(parts, truncated=True)
        for name in ("content-type", "content-disposition"):
            if isinstance(part.get(name), Header):  # raw 8-bit bytes (a Gmail file name): decode them first
                part.replace_header(name, header_text(part.get(name)))
        payload = part.get_payload()
        if part.is_multipart() and isinstance(payload, list) and part.get_content_maintype() != "message":
            stack.extend(reversed([child for child in payload if isinstance(child, Message)]))
        else:
            parts.append(part)
    return _Walk(parts, truncated=False)


def _is_body(part: Message, content_type: str) -> bool:
    return part.get_content_type() == content_type and not _is_attachment(part)


def _is_attachment(part: Message) -> bool:
    disposition = (part.get("Content-Disposition") or "").split(";", 1)[0].strip().lower()
    if disposition == "attachment":
        return True
    return _filename(part) is not None and part.get_content_maintype() != "text"


def _text_of(part: Message) -> str:
    data = part.get_payload(decode=True)
    if not isinstance(data, bytes):
        data = str(part.get_payload()).encode("utf-8", errors="surrogateescape")
    return decode_bytes(data, part.get_content_charset())


def _normalise_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def html_to_text(markup: str) -> str:
    """The text of an HTML body: block ends become line breaks, tags and scripts go, entities decode."""
    if not markup:
        return ""
    marked = _BLOCK_END.sub(lambda m: m.group(0) + "\n", markup)
    stripped = nh3.clean(marked, tags=set(), clean_content_tags={"script", "style", "head", "title"})
    text = html_lib.unescape(stripped).replace("\xa0", " ")
    lines = [line.rstrip() for line in _normalise_newlines(text).split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def strip_quoted_history(text: str) -> str:
    """The new part of a reply: everything before the first quoted earlier mail.

    Recognises Outlook's "-----Original Message-----" / 「-----元のメッセージ-----」, its header block
    (差出人: / From: followed by 送信日時: / Sent:), Gmail and Apple "On … wrote:" and their Japanese
    forms (「2026年11月27日(金) 10:00 山田 <…>:」), and a trailing block of "> " lines. The raw mail is
    kept, so nothing is lost.
    """
    lines = text.split("\n")
    cut = len(lines)
    for index, line in enumerate(lines):
        if any(pattern.match(line) for pattern in _QUOTE_STARTS):
            cut = index
            break
        if _OUTLOOK_FROM.match(line) and any(_OUTLOOK_SENT.match(later)
                                             for later in lines[index + 1:index + 4]):
            cut = index
            break
    kept = lines[:cut]
    while kept and (kept[-1].startswith(">") or not kept[-1].strip()):
        kept.pop()
    return "\n".join(kept).strip() or text.strip()


def _filename(part: Message) -> str | None:
    """The attachment's name exactly: RFC 2231 parameters, RFC 2047 words, or raw 8-bit bytes."""
    for header in ("content-disposition", "content-type"):
        key = "filename" if header == "content-disposition" else "name"
        value = part.get_param(key, header=header)
        if value is None:
            continue
        if isinstance(value, tuple):  # RFC 2231: (charset, language, percent-decoded text)
            charset, _language, text = value
            raw = text.encode("latin-1", errors="surrogateescape") if isinstance(text, str) else bytes(text)
            return decode_bytes(raw, charset or None).strip()
        return decode_header(email.utils.unquote(str(value))).strip()
    return None


def _attachment(part: Message) -> Attachment | None:
    if part.get_content_type() == "message/rfc822":  # a forwarded mail: kept whole as an .eml file
        inner = part.get_payload()
        if isinstance(inner, list) and inner and isinstance(inner[0], Message):
            return Attachment(filename=_filename(part) or "forwarded.eml", content=inner[0].as_bytes(),
                              declared_type="message/rfc822")
        return None
    if part.get_content_maintype() == "message":
        return None
    if not _is_attachment(part) and not (part.get_content_maintype() in ("image", "application")
                                          and part.get("Content-ID")):
        return None
    content = part.get_payload(decode=True)
    if not isinstance(content, bytes):
        return None
    name = _filename(part) or f"attachment-{hashlib.sha256(content).hexdigest()[:8]}"
    disposition = (part.get("Content-Disposition") or "").split(";", 1)[0].strip().lower()
    return Attachment(filename=name, content=content, declared_type=part.get_content_type(),
                      content_id=(part.get("Content-ID") or "").strip().strip("<>"),
                      is_inline=disposition == "inline" or (not disposition and bool(part.get("Content-ID"))))


def _auto_reason(message: Message, header: _Headers, parts: list[Message]) -> str | None:
    """Why the mail was written by a machine (RFC 3834 and the usual markers), or None."""
    auto_submitted = header.raw("auto-submitted")
    if auto_submitted and auto_submitted != "no":
        return f"auto-submitted: {auto_submitted}"
    precedence = header.raw("precedence")
    if precedence in ("bulk", "junk", "list", "auto_reply"):
        return f"precedence: {precedence}"
    if header.raw("list-id") or header.raw("list-unsubscribe"):
        return "mailing list"
    if header.raw("x-auto-response-suppress"):
        return "x-auto-response-suppress"
    if header.raw("x-autoreply") or header.raw("x-autorespond") or header.raw("x-autogenerated"):
        return "auto-reply header"
    if header.raw("return-path") in ("<>", "< >"):
        return "null return path"
    if message.get_content_type() == "multipart/report" or any(
            p.get_content_type() in ("message/delivery-status", "message/disposition-notification")
            for p in parts):
        return f"report: {message.get_param('report-type') or 'delivery-status'}"
    sender = parseaddr(header.get("from"))[1].lower()
    if sender.split("@", 1)[0] in ("mailer-daemon", "postmaster"):
        return "mailer daemon"
    return None


def _is_report(message: Message) -> bool:
    """A delivery-status report (a bounce), not a read receipt."""
    return (message.get_content_type() == "multipart/report"
            and str(message.get_param("report-type") or "").lower() == "delivery-status")


def _bounced_recipients(parts: list[Message]) -> list[str]:
    """Final-Recipient addresses whose Action is failed, from message/delivery-status parts."""
    found: list[str] = []
    for part in parts:
        if part.get_content_type() != "message/delivery-status":
            continue
        payload = part.get_payload()
        blocks = [b for b in payload if isinstance(b, Message)] if isinstance(payload, list) else []
        if not blocks:  # some MTAs send the report as plain text: read its header blocks ourselves
            text = str(payload)
            chunks = re.split(r"\n\s*\n", text)
            blocks = [email.message_from_string(chunk) for chunk in chunks if chunk.strip()]
        for block in blocks:
            action = str(block.get("Action", "")).strip().lower()
            recipient = str(block.get("Final-Recipient", "") or block.get("Original-Recipient", ""))
            if action == "failed" and recipient:
                address = recipient.split(";", 1)[-1].strip().strip("<>").lower()
                if address and address not in found:
                    found.append(address)
    return found


def _addresses(values: list[str]) -> list[str]:
    return [address.lower() for _name, address in getaddresses(values) if address]


def _first_id(value: str) -> str:
    match = re.search(r"<([^<>\s]+)>", value)
    return match.group(1) if match else value.strip()


def _message_id(value: str, raw: bytes) -> str:
    """The Message-ID without brackets; a mail without one gets a stable id from its bytes."""
    found = _first_id(value)
    return found[:250] if found else f"{hashlib.sha256(raw).hexdigest()}@missing-message-id"


def _date(value: str) -> datetime | None:
    try:
        parsed = parsedate_to_datetime(value) if value else None
    except (TypeError, ValueError, IndexError):
        return None
    if parsed is None:
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)
