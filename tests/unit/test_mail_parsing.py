"""Inbound mail parsing over the corpus in ``tests/mail_corpus`` (written by ``make_corpus.py``), and the
Japanese decoder on its own: CP50220 extensions, Shift_JIS as cp932, guessing a missing charset."""

from __future__ import annotations

import json
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from helpdesk.mail import japanese, parsing

CORPUS = Path(__file__).resolve().parent.parent / "mail_corpus"
EXPECTED: dict[str, dict[str, Any]] = json.loads((CORPUS / "expected.json").read_text())


def test_the_corpus_holds_at_least_forty_mails() -> None:
    assert len(list(CORPUS.glob("*.eml"))) == len(EXPECTED) >= 40


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_every_mail_of_the_corpus_parses_as_expected(name: str) -> None:
    wanted = EXPECTED[name]
    mail = parsing.parse((CORPUS / name).read_bytes())
    if "subject" in wanted:
        assert mail.subject == wanted["subject"]
    if "text" in wanted:
        assert mail.text.strip() == wanted["text"]
    if "text_contains" in wanted:
        assert wanted["text_contains"] in mail.text
    if "trimmed" in wanted:
        assert mail.text_without_quotes == wanted["trimmed"]
    if "attachments" in wanted:
        assert [a.filename for a in mail.attachments if not a.is_inline] == wanted["attachments"]
    if "inline_attachments" in wanted:
        assert sum(a.is_inline for a in mail.attachments) == wanted["inline_attachments"]
    if "from_name" in wanted:
        assert (mail.from_name, mail.from_address) == (wanted["from_name"], wanted["from_address"])
    if "to" in wanted:
        assert (mail.to, mail.cc) == (wanted["to"], wanted.get("cc", []))
    if "in_reply_to" in wanted:
        assert (mail.in_reply_to, mail.references) == (wanted["in_reply_to"], wanted["references"])
    if "auto" in wanted:
        assert (mail.auto_reason is not None) is wanted["auto"], mail.auto_reason
    if "bounce" in wanted:
        assert mail.is_bounce is wanted["bounce"]
    if "bounced" in wanted:
        assert mail.bounced == wanted["bounced"]
    if wanted.get("synthetic_id"):
        assert mail.message_id.endswith("@missing-message-id")
    if "html_has_no" in wanted:
        assert wanted["html_has_no"] not in mail.html


@pytest.mark.parametrize("name", sorted(n for n in EXPECTED if n.startswith(("ja-", "re-"))))
def test_no_japanese_mail_loses_a_character(name: str) -> None:
    mail = parsing.parse((CORPUS / name).read_bytes())
    for text in (mail.subject, mail.text, mail.from_name, *(a.filename for a in mail.attachments)):
        assert "\ufffd" not in text
        assert "=?" not in text  # no encoded word left raw


def test_cp50220_subject_of_freescout_3196_decodes() -> None:
    # The subject from FreeScout #3196, which every stdlib iso2022_jp codec refuses.
    assert japanese.decode_header("=?iso-2022-jp?B?GyRCLWokIiQkJCYkKCQqfGIkKyQtJC8kMSQzGyhC?=") == (
        "㈱あいうえお髙かきくけこ")


def test_the_standard_codec_keeps_its_answer_for_standard_characters() -> None:
    # 〜 is JIS X 0208 0x2141, WAVE DASH (U+301C); only the extensions go through cp932 (which says U+FF5E).
    mixed = b"\x1b$B!A-!\x1b(B"  # 〜 then ①
    assert japanese.decode_iso2022jp(mixed) == "〜①"
    assert japanese.decode_bytes("①～".encode("cp932"), "Shift_JIS") == "①～"


def test_a_missing_charset_is_told_apart() -> None:
    text = "共有フォルダに接続できません"
    for codec in ("utf-8", "euc_jp", "cp932"):
        assert japanese.decode_bytes(text.encode(codec), None) == text
    assert japanese.decode_bytes(b"\xff\xfe\x00garbage", "no-such-charset")  # never raises


def test_a_declared_chinese_charset_that_fails_is_not_handed_to_the_japanese_guesser() -> None:
    assert japanese.decode_bytes("维护".encode("gbk") + b"\xff", "gb2312") == "维护\ufffd"


def test_unlabelled_latin_1_is_not_read_as_japanese() -> None:
    for text in ("Bestätigung", "Ça va", "Hans BÄKO Schönland"):
        assert japanese.decode_bytes(text.encode("latin-1"), None) == text


def test_unlabelled_chinese_never_comes_out_as_half_width_katakana() -> None:
    decoded = japanese.decode_bytes("最佳注塑工艺参數設定方法".encode("gbk"), None)
    assert not any("\uff61" <= ch <= "\uff9f" or "\ue000" <= ch <= "\uf8ff" for ch in decoded)


def test_unlabelled_japanese_with_half_width_words_and_ascii_is_still_guessed() -> None:
    for text in ("ﾒｰﾙｻｰﾊﾞ停止のお知らせ", "iPhone用Wi-Fi設定", "Re: 【至急】VPNｴﾗｰ"):
        for codec in ("cp932", "euc_jp"):
            assert japanese.decode_bytes(text.encode(codec), None) == text


def test_encoded_words_with_spaces_are_decoded_one_by_one() -> None:
    assert japanese.decode_header("=?UTF-8?Q?a b?= =?ISO-8859-1?Q?=E9?= und =?UTF-8?Q?c?=") == "a bé und c"


@given(st.binary(max_size=64), st.sampled_from([None, "iso-2022-jp", "shift_jis", "euc-jp", "utf-8", "gb2312",
                                                "ks_c_5601-1987", "windows-1250", "hex", "x-unknown"]))
def test_decoding_any_bytes_under_any_label_never_raises(data: bytes, charset: str | None) -> None:
    assert isinstance(japanese.decode_bytes(data, charset, hint="koi8-r"), str)


def test_broken_escape_sequences_and_jis_x_0212_never_raise() -> None:
    # An odd byte in a two-byte run, then a JIS X 0212 character (no cp932 form): replaced, not raised.
    assert japanese.decode_iso2022jp(b"\x1b$B$\x1b(Babc\x1b$(D!!\x1b(Bxyz") == "\ufffdabc\ufffdxyz"


def test_a_mail_with_ten_thousand_parts_is_cut_short_quickly() -> None:
    message = EmailMessage()
    message["Subject"] = "many parts"
    message["Message-ID"] = "<many@example.go.jp>"
    message.set_content("first")
    for n in range(10_000):
        message.add_attachment(b"x", maintype="application", subtype="octet-stream", filename=f"{n}.bin")
    mail = parsing.parse(message.as_bytes())
    assert mail.is_truncated
    assert len(mail.attachments) < parsing.MAX_PARTS
    assert mail.text.strip() == "first"


def test_a_25_megabyte_mail_parses() -> None:
    message = EmailMessage()
    message["Subject"] = "big"
    message["Message-ID"] = "<big@example.go.jp>"
    message.set_content("大きな添付があります")
    message.add_attachment(b"\0" * (18 * 1024 * 1024), maintype="application", subtype="zip",
                           filename="big.zip")
    raw = message.as_bytes()
    assert len(raw) > 24 * 1024 * 1024
    mail = parsing.parse(raw)
    assert [len(a.content) for a in mail.attachments] == [18 * 1024 * 1024]
    assert mail.text.strip() == "大きな添付があります"
