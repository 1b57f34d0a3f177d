"""Outbound mail headers: cleaned by us (CVE-2024-6923, CVE-2026-1299), threaded, marked as automatic."""

from __future__ import annotations

import email
from datetime import UTC, datetime
from email import policy

import pytest

from helpdesk.mail import compose, parsing

BASE = compose.Outgoing(
    to_address="hanako.sato@example.go.jp",
    to_name="佐藤 花子",
    from_address="helpdesk@example.go.jp",
    from_name="ヘルプデスク",
    subject="[HD-2026-000123] VPNに接続できません",
    text="ご確認ください。\n①の手順",
    html="<p>ご確認ください。</p>",
    message_id="hd.abc@helpdesk.example.go.jp",
    in_reply_to="CAmail1@mail.gmail.com",
    references=("hd.first@helpdesk.example.go.jp", "CAmail1@mail.gmail.com"),
    reply_to="helpdesk+t123-u45-0123456789abcdef@example.go.jp",
    date=datetime(2026, 11, 27, 1, 0, tzinfo=UTC),
)


def _raw(mail: compose.Outgoing) -> bytes:
    return compose.build(mail).as_bytes()


def test_a_subject_cannot_add_a_header() -> None:
    raw = _raw(
        compose.Outgoing(**{**BASE.__dict__, "subject": "件名\r\nBcc: victim@example.com\rX: y\u2028Z: w"})
    )
    parsed = email.message_from_bytes(raw, policy=policy.default)
    assert parsed["Bcc"] is None and parsed["X"] is None and parsed["Z"] is None
    assert str(parsed["Subject"]) == "件名 Bcc: victim@example.com X: y Z: w"


def test_a_display_name_cannot_add_a_header_either() -> None:
    raw = _raw(compose.Outgoing(**{**BASE.__dict__, "to_name": "花子\nBcc: victim@example.com"}))
    parsed = email.message_from_bytes(raw, policy=policy.default)
    assert parsed["Bcc"] is None
    assert parsed["To"].addresses[0].addr_spec == "hanako.sato@example.go.jp"


@pytest.mark.parametrize(
    "address",
    ["a@b.go.jp\r\nBcc: x@y.jp", "Evil <a@b.go.jp>", "a b@c.jp", "@c.jp", "a@b", "a@b.go.jp,c@d.jp"],
)
def test_only_plain_addresses_are_accepted(address: str) -> None:
    with pytest.raises(compose.UnsafeAddress):
        compose.build(compose.Outgoing(**{**BASE.__dict__, "to_address": address}))


def test_threading_headers_and_the_automatic_marks() -> None:
    parsed = email.message_from_bytes(_raw(BASE), policy=policy.default)
    assert parsed["Message-ID"] == "<hd.abc@helpdesk.example.go.jp>"
    assert parsed["In-Reply-To"] == "<CAmail1@mail.gmail.com>"
    assert parsed["References"] == "<hd.first@helpdesk.example.go.jp> <CAmail1@mail.gmail.com>"
    assert parsed["Auto-Submitted"] == "auto-generated"
    assert parsed["Reply-To"] == "helpdesk+t123-u45-0123456789abcdef@example.go.jp"
    assert parsed.get_content_type() == "multipart/alternative"


def test_our_own_parser_reads_back_exactly_what_was_sent() -> None:
    mail = parsing.parse(_raw(BASE))
    assert (mail.subject, mail.text.strip(), mail.message_id) == (BASE.subject, BASE.text, BASE.message_id)
    assert mail.auto_reason == "auto-submitted: auto-generated"  # our own mail never loops back in


def test_a_message_id_is_required_and_made_fresh() -> None:
    with pytest.raises(ValueError, match="Message-ID"):
        compose.build(compose.Outgoing(**{**BASE.__dict__, "message_id": " <> "}))
    first, second = (
        compose.new_message_id("helpdesk.example.go.jp"),
        compose.new_message_id("helpdesk.example.go.jp"),
    )
    assert first != second and first.endswith("@helpdesk.example.go.jp")
