"""One inbound mail, as bytes, read into what the help desk needs (IMAP polling and ``flask mail ingest``).

Headers are decoded by :mod:`helpdesk.mail.japanese` (the standard library leaves CP50220 subjects raw);
addresses are split on the raw header before their names are decoded. The body is the inline text/plain
parts joined in order (one branch of each multipart/alternative, the plain one), else the HTML made into
text; HTML is also kept cleaned by nh3. A few junk lines before the headers are skipped. Attachments keep
their names exactly (RFC 2231 and RFC 2047). Auto-generated mail and delivery reports are recognised so
they never open tickets or get replies. Parsing never raises on a malformed mail, and stops walking after
``MAX_PARTS`` parts so a 10,000-part mail cannot pin a worker.
"""

from __future__ import annotations

import email
import hashlib
import html as html_lib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import policy
from email.header import Header
from email.message import Message
from email.utils import getaddresses, parsedate_to_datetime
from itertools import islice

import nh3

from helpdesk.mail.japanese import ENCODED_WORD, decode_bytes, decode_header

#: Parts walked at most; the rest of a pathological mail is not read (``ParsedMail.is_truncated``).
MAX_PARTS = 1000
#: Junk lines before the headers that are skipped ("---- Original email message ----" of a forwarder).
MAX_LEADING_JUNK_LINES = 3
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
_HEADER_LINE = re.compile(rb"[!-9;-~]+:")


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
    message = email.message_from_bytes(_from_first_header(raw), policy=policy.compat32)
    hint = _declared_charset(message)
    header = _Headers(message, hint)
    walked = _walk(message, hint)
    text, html_raw = _body(message, walked)
    bounce_targets = _bounced_recipients(walked.parts)
    senders = header.addresses("from")
    from_name, from_address = senders[0] if senders else ("", "")
    return ParsedMail(
        message_id=_message_id(header.get("message-id"), raw),
        subject=header.get("subject"),
        from_address=from_address,
        from_name=from_name,
        to=[address for _name, address in header.addresses("to")],
        cc=[address for _name, address in header.addresses("cc")],
        in_reply_to=_first_id(header.get("in-reply-to")),
        references=re.findall(r"<([^<>\s]+)>", header.get("references")),
        date=_date(header.get("date")),
        text=text,
        text_without_quotes=strip_quoted_history(text),
        html=nh3.clean(html_raw, tags=set(SAFE_TAGS), clean_content_tags={"script", "style"},
                       link_rel="noopener noreferrer nofollow") if html_raw else "",
        attachments=[a for a in (_attachment(p, message) for p in walked.parts) if a is not None],
        auto_reason=_auto_reason(message, header, walked.parts, from_address),
        is_bounce=bool(bounce_targets) or _is_report(message),
        bounced=bounce_targets,
        is_truncated=walked.truncated,
    )


def header_text(value: object, hint: str | None = None) -> str:
    """A header value as text: encoded words decoded, and raw 8-bit bytes (which ``compat32`` wraps in a
    ``Header`` of charset unknown-8bit) decoded in the ``hint`` charset (the one the mail declares) or by
    guessing, rather than shown as U+FFFD."""
    if isinstance(value, Header):
        pieces = []
        for data, charset in email.header.decode_header(value):
            if isinstance(data, bytes):
                known = charset if charset and charset != "unknown-8bit" else None
                plain = data.isascii() and not known
                pieces.append(data.decode("ascii") if plain else decode_bytes(data, known, hint))
            else:
                pieces.append(data)
        return decode_header("".join(pieces), hint)
    return decode_header(str(value), hint)


def _from_first_header(raw: bytes) -> bytes:
    """``raw`` without the junk lines (at most ``MAX_LEADING_JUNK_LINES``) that come before its headers.

    Only when the first line is neither a header, an mbox ``From `` line nor blank, and two header lines
    (or a header and its continuation) follow the junk; otherwise ``raw`` unchanged.
    """
    lines = raw[:16384].split(b"\n")
    if not lines[0].strip() or _HEADER_LINE.match(lines[0]) or lines[0].startswith(b"From "):
        return raw
    offset = 0
    for index in range(min(MAX_LEADING_JUNK_LINES, len(lines) - 2)):
        offset += len(lines[index]) + 1
        following = lines[index + 2]
        if _HEADER_LINE.match(lines[index + 1]) and (_HEADER_LINE.match(following)
                                                     or following.startswith((b" ", b"\t"))):
            return raw[offset:]
    return raw


def _declared_charset(message: Message) -> str | None:
    """The charset the first text part declares: the best clue to raw 8-bit bytes in the headers."""
    for part in islice(message.walk(), MAX_PARTS):
        if part.get_content_maintype() == "text" and part.get_content_charset():
            return part.get_content_charset()
    return None


class _Headers:
    """Decoded header values of the top-level message (raw 8-bit bytes read with the ``hint`` charset)."""

    def __init__(self, message: Message, hint: str | None = None) -> None:
        self.message = message
        self.hint = hint

    def get(self, name: str) -> str:
        value = self.message.get(name)
        return header_text(value, self.hint) if value is not None else ""

    def addresses(self, name: str) -> list[tuple[str, str]]:
        """(display name, lower-case address) of every entry of every ``name`` header that has an "@".

        Split on the raw values, since a decoded display name may hold a comma ("Müller, Bernd"), with
        encoded words set aside first, since a broken sender leaves commas inside them; the names are
        decoded after. Entries without an address ("undisclosed", a bare word) are dropped.
        """
        words: list[str] = []

        def set_aside(match: re.Match[str]) -> str:
            words.append(match.group())
            return f"\ue000{len(words) - 1}\ue001"  # raw headers hold no private-use characters

        def restored(text: str) -> str:
            return re.sub("\ue000(\\d+)\ue001", lambda token: words[int(token.group(1))], text)

        raw = [ENCODED_WORD.sub(set_aside, value) for value in self._raw_values(name)]
        found = []
        for display, address in getaddresses(raw):
            address = decode_header(restored(address), self.hint).lower()
            if "@" in address:
                found.append((decode_header(restored(display), self.hint), address))
        return found

    def _raw_values(self, name: str) -> Iterator[str]:
        for key, value in self.message.raw_items():
            if key.lower() == name:
                yield str(value)

    def raw(self, name: str) -> str:
        value = self.message.get(name)
        return str(value).strip().lower() if value is not None else ""


@dataclass
class _Walk:
    parts: list[Message]
    truncated: bool
    #: ids of the leaves in the branches of a multipart/alternative that the body is not read from.
    unread: set[int] = field(default_factory=set)


def _walk(message: Message, hint: str | None = None) -> _Walk:
    """Leaf parts in order, at most ``MAX_PARTS``; message/* parts (attached mails, delivery reports)
    are leaves, never entered. Raw 8-bit part headers are decoded in place (``hint``: the mail's charset)."""
    walked = _Walk(parts=[], truncated=False)
    stack: list[tuple[Message, bool]] = [(message, False)]
    while stack:
        part, unread = stack.pop()
        if len(walked.parts) >= MAX_PARTS:
            walked.truncated = True
            return walked
        for name in ("content-type", "content-disposition"):
            if isinstance(part.get(name), Header):  # raw 8-bit bytes (a Gmail file name): decode them first
                part.replace_header(name, header_text(part.get(name), hint))
        payload = part.get_payload()
        if part.is_multipart() and isinstance(payload, list) and part.get_content_maintype() != "message":
            children = [child for child in payload if isinstance(child, Message)]
            chosen = _chosen_alternative(children) if part.get_content_subtype() == "alternative" else None
            stack.extend(reversed([(child, unread or (chosen is not None and child is not chosen))
                                   for child in children]))
        else:
            walked.parts.append(part)
            if unread:
                walked.unread.add(id(part))
    return walked


def _body(message: Message, walked: _Walk) -> tuple[str, str]:
    """The body as text, and the raw HTML body ('' when none).

    The text is every inline text/plain part joined in order, reading one branch of each
    multipart/alternative; without one, the HTML made into text.
    """
    read = [p for p in walked.parts if id(p) not in walked.unread]
    plain_parts = [p for p in read if _is_body(p, "text/plain", message)]
    html_part = next((p for p in read + walked.parts if _is_body(p, "text/html", message)), None)
    html_raw = _text_of(html_part) if html_part is not None else ""
    text = _joined([_text_of(p) for p in plain_parts]) if plain_parts else html_to_text(html_raw)
    return _normalise_newlines(text), html_raw


def _chosen_alternative(children: list[Message]) -> Message | None:
    """The branch of a multipart/alternative the body is read from: the first that holds plain text,
    else the last (the richest)."""
    for child in children:
        if any(leaf.get_content_type() == "text/plain" and _disposition(leaf) != "attachment"
               for leaf in islice(child.walk(), MAX_PARTS)):
            return child
    return children[-1] if children else None


def _joined(texts: list[str]) -> str:
    """Body texts of several inline parts (Apple Mail splits the text around inline images), in order."""
    pieces = [text for text in texts if text.strip()] or texts[:1]
    if len(pieces) == 1:
        return pieces[0]
    return "\n".join(piece.rstrip("\r\n") for piece in pieces)


def _is_body(part: Message, content_type: str, root: Message) -> bool:
    return part.get_content_type() == content_type and not _is_attachment(part, root)


def _disposition(part: Message) -> str:
    return str(part.get("Content-Disposition") or "").split(";", 1)[0].strip().lower()


def _is_attachment(part: Message, root: Message) -> bool:
    """Disposition attachment, or a file name (a text part's too, unless it is the whole mail)."""
    if _disposition(part) == "attachment":
        return True
    if _filename(part) is None:
        return False
    return part.get_content_maintype() != "text" or part is not root


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


def _attachment(part: Message, root: Message) -> Attachment | None:
    if part.get_content_type() == "message/rfc822":  # a forwarded mail: kept whole as an .eml file
        inner = part.get_payload()
        if isinstance(inner, list) and inner and isinstance(inner[0], Message):
            return Attachment(filename=_filename(part) or "forwarded.eml", content=inner[0].as_bytes(),
                              declared_type="message/rfc822")
        return None
    if part.get_content_maintype() == "message":
        return None
    if not _is_attachment(part, root) and not (part.get_content_maintype() in ("image", "application")
                                                and part.get("Content-ID")):
        return None
    content = part.get_payload(decode=True)
    if not isinstance(content, bytes):
        return None
    name = _filename(part) or f"attachment-{hashlib.sha256(content).hexdigest()[:8]}"
    disposition = _disposition(part)
    return Attachment(filename=name, content=content, declared_type=part.get_content_type(),
                      content_id=(part.get("Content-ID") or "").strip().strip("<>"),
                      is_inline=disposition == "inline" or (not disposition and bool(part.get("Content-ID"))))


def _auto_reason(message: Message, header: _Headers, parts: list[Message], sender: str) -> str | None:
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
