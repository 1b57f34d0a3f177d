"""Writes the mail corpus of ``tests/mail_corpus/`` (``.eml`` files and ``expected.json``).

Run it after changing a sample: ``.venv/bin/python tests/mail_corpus/make_corpus.py``. The files are
committed; the tests read them, not this script. The shapes follow what Outlook, Gmail, iPhone Mail and
Thunderbird send; the Japanese samples are built byte by byte, CP50220 ones by encoding each character
with the standard ``iso2022_jp`` codec where it can and from ``cp932`` (Shift_JIS to JIS arithmetic)
where it cannot, as Outlook does. Expected texts are exact.
"""

from __future__ import annotations

import base64
import json
import quopri
from pathlib import Path

HERE = Path(__file__).resolve().parent
CRLF = b"\r\n"


def sjis_to_jis(s1: int, s2: int) -> bytes:
    """One Shift_JIS double-byte character as its JIS X 0208 pair (the inverse of the decoder's arithmetic)."""
    if s1 >= 0xE0:
        s1 -= 0x40
    j1 = (s1 - 0x81) * 2 + 0x21
    if s2 >= 0x9F:
        return bytes((j1 + 1, s2 - 0x7E))
    return bytes((j1, s2 - 0x1F - (1 if s2 >= 0x80 else 0)))


def cp50220(text: str) -> bytes:
    """``text`` as Outlook encodes "ISO-2022-JP": JIS X 0208 plus NEC/IBM extensions and half-width kana."""
    out = bytearray()
    mode = "ascii"

    def switch(to: str) -> None:
        nonlocal mode
        if mode != to:
            out.extend({"ascii": b"\x1b(B", "jis": b"\x1b$B", "kana": b"\x1b(I"}[to])
            mode = to

    for char in text:
        if ord(char) < 0x80:
            switch("ascii")
            out.extend(char.encode("ascii"))
            continue
        try:
            standard = char.encode("iso2022_jp")
        except UnicodeEncodeError:
            standard = b""
        if standard.startswith(b"\x1b$B"):
            switch("jis")
            out.extend(standard[3:5])
            continue
        sjis = char.encode("cp932")
        if len(sjis) == 1:  # half-width katakana
            switch("kana")
            out.append(sjis[0] - 0x80)
            continue
        switch("jis")
        out.extend(sjis_to_jis(sjis[0], sjis[1]))
    switch("ascii")
    return bytes(out)


def word(text: str, charset: str = "ISO-2022-JP") -> str:
    """An RFC 2047 B-encoded word."""
    codec = "cp932" if charset.upper() in ("SHIFT_JIS", "WINDOWS-31J") else charset
    data = cp50220(text) if charset.upper() == "ISO-2022-JP" else text.encode(codec)
    return f"=?{charset}?B?{base64.b64encode(data).decode()}?="


def b64(data: bytes) -> bytes:
    return base64.encodebytes(data).replace(b"\n", CRLF)


def headers(**values: str) -> bytes:
    lines = [f"{name.replace('_', '-')}: {value}" for name, value in values.items()]
    return CRLF.join(line.encode("utf-8") for line in lines) + CRLF


def mail(head: bytes, body: bytes) -> bytes:
    return head + CRLF + body


CORPUS: dict[str, tuple[bytes, dict[str, object]]] = {}


def add(name: str, raw: bytes, **expected: object) -> None:
    CORPUS[name] = (raw, expected)


BASE = {"From": f"{word('山田　太郎')} <taro.yamada@example.go.jp>",
        "To": "helpdesk@example.go.jp", "Date": "Fri, 27 Nov 2026 10:05:00 +0900", "MIME_Version": "1.0"}


def base(**values: str) -> bytes:
    merged = {**BASE, **values}
    return headers(**merged)


# --- hand-made Japanese: exact text -------------------------------------------------------------

BODY_EXT = "お世話になっております。\n①メールが送れません。②㈱髙﨑商事宛てのみ〜です。\nｱｲｳｴｵ（半角カナ）"
add("ja-01-outlook-cp50220.eml", mail(
    base(Subject=word("【障害】メール送信①が不可（㈱髙﨑）"), Message_ID="<outlook-1@example.go.jp>",
         X_Mailer="Microsoft Outlook 16.0",
         Content_Type='text/plain; charset="iso-2022-jp"', Content_Transfer_Encoding="7bit"),
    cp50220(BODY_EXT).replace(b"\n", CRLF)),
    subject="【障害】メール送信①が不可（㈱髙﨑）", text=BODY_EXT, from_name="山田　太郎",
    from_address="taro.yamada@example.go.jp")

add("ja-02-shift-jis-labelled-nec.eml", mail(
    base(Subject=word("プリンタ①故障", "Shift_JIS"), Message_ID="<sjis-1@example.go.jp>",
         Content_Type="text/plain; charset=Shift_JIS", Content_Transfer_Encoding="8bit"),
    "3階のプリンタ①が～止まりました。".encode("cp932")),
    subject="プリンタ①故障", text="3階のプリンタ①が～止まりました。")

add("ja-03-windows-31j.eml", mail(
    base(Subject="=?windows-31j?B?" + base64.b64encode("Ⅱ期工事の件".encode("cp932")).decode() + "?=",
         Message_ID="<w31j@example.go.jp>", Content_Type="text/plain; charset=windows-31j",
         Content_Transfer_Encoding="base64"),
    b64("第Ⅱ期工事でLANが停止します。".encode("cp932"))),
    subject="Ⅱ期工事の件", text="第Ⅱ期工事でLANが停止します。")

add("ja-04-euc-jp.eml", mail(
    base(Subject="=?EUC-JP?B?" + base64.b64encode("共有フォルダ".encode("euc_jp")).decode() + "?=",
         Message_ID="<euc@example.go.jp>", Content_Type="text/plain; charset=EUC-JP",
         Content_Transfer_Encoding="8bit"),
    "共有フォルダに接続できません。".encode("euc_jp")),
    subject="共有フォルダ", text="共有フォルダに接続できません。")

add("ja-05-missing-charset-iso2022jp.eml", mail(
    base(Subject=word("VPN接続"), Message_ID="<nocharset-jis@example.go.jp>", Content_Type="text/plain"),
    cp50220("自宅からVPNに接続できません①") + CRLF),
    subject="VPN接続", text="自宅からVPNに接続できません①")

add("ja-06-missing-charset-sjis.eml", mail(
    base(Subject=word("ログイン"), Message_ID="<nocharset-sjis@example.go.jp>"),
    "パスワードを忘れました。".encode("cp932") + CRLF),
    subject="ログイン", text="パスワードを忘れました。")

add("ja-07-missing-charset-eucjp.eml", mail(
    base(Subject=word("無線LAN"), Message_ID="<nocharset-euc@example.go.jp>"),
    "会議室の無線LANが切れます。".encode("euc_jp") + CRLF),
    subject="無線LAN", text="会議室の無線LANが切れます。")

add("ja-08-wrong-label-utf8.eml", mail(
    base(Subject="=?us-ascii?Q?test?=", Message_ID="<wrong-label@example.go.jp>",
         Content_Type="text/plain; charset=us-ascii", Content_Transfer_Encoding="8bit"),
    "ラベルはASCIIだが中身はUTF-8".encode()),
    subject="test", text="ラベルはASCIIだが中身はUTF-8")

ATTACH_NAME = "障害報告①.xlsx"
encoded_name = "".join(f"%{b:02X}" for b in cp50220(ATTACH_NAME))
add("ja-09-rfc2231-iso2022jp-filename.eml", mail(
    base(Subject=word("障害報告の送付"), Message_ID="<rfc2231@example.go.jp>",
         Content_Type='multipart/mixed; boundary="b1"'),
    b"--b1\r\nContent-Type: text/plain; charset=iso-2022-jp\r\n\r\n" + cp50220("添付します。") + b"\r\n"
    + b"--b1\r\nContent-Type: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet\r\n"
    + b"Content-Transfer-Encoding: base64\r\nContent-Disposition: attachment;\r\n"
    + f" filename*0*=iso-2022-jp''{encoded_name[:30]};\r\n filename*1*={encoded_name[30:]}\r\n\r\n".encode()
    + b64(b"PK\x03\x04fake xlsx") + b"--b1--\r\n"),
    subject="障害報告の送付", text="添付します。", attachments=[ATTACH_NAME])

add("ja-10-rfc2047-filename-outlook.eml", mail(
    base(Subject=word("議事録"), Message_ID="<rfc2047-name@example.go.jp>",
         Content_Type='multipart/mixed; boundary="b2"'),
    b"--b2\r\nContent-Type: text/plain; charset=iso-2022-jp\r\n\r\n" + cp50220("議事録です。") + b"\r\n"
    + b'--b2\r\nContent-Type: application/msword; name="' + word("議事録㈱.doc").encode() + b'"\r\n'
    + b"Content-Transfer-Encoding: base64\r\nContent-Disposition: attachment; filename=\""
    + word("議事録㈱.doc").encode() + b"\"\r\n\r\n" + b64(b"\xd0\xcf\x11\xe0fake doc") + b"--b2--\r\n"),
    subject="議事録", text="議事録です。", attachments=["議事録㈱.doc"])

add("ja-11-raw-utf8-filename-gmail.eml", mail(
    base(Subject="=?UTF-8?B?" + base64.b64encode("画面コピー".encode()).decode() + "?=",
         Message_ID="<raw-name@mail.gmail.com>", Content_Type='multipart/mixed; boundary="b3"'),
    b"--b3\r\nContent-Type: text/plain; charset=UTF-8\r\n\r\n" + "画面を送ります".encode() + b"\r\n"
    + b'--b3\r\nContent-Type: image/png; name="' + "画面コピー.png".encode() + b'"\r\n'
    + b'Content-Disposition: attachment; filename="' + "画面コピー.png".encode() + b'"\r\n'
    + b"Content-Transfer-Encoding: base64\r\n\r\n" + b64(b"\x89PNG\r\n\x1a\nfake") + b"--b3--\r\n"),
    subject="画面コピー", text="画面を送ります", attachments=["画面コピー.png"])

add("ja-12-halfwidth-kana-subject.eml", mail(
    base(Subject=word("ﾌﾟﾘﾝﾀが動かない"), Message_ID="<hwkana@example.go.jp>",
         Content_Type="text/plain; charset=iso-2022-jp"),
    cp50220("ﾃｽﾄ") + CRLF),
    subject="ﾌﾟﾘﾝﾀが動かない", text="ﾃｽﾄ")

SPLIT = cp50220("システム障害のお知らせ")
add("ja-13-subject-split-mid-run.eml", mail(
    base(Subject="=?ISO-2022-JP?B?" + base64.b64encode(SPLIT[:9]).decode() + "?=\r\n =?ISO-2022-JP?B?"
         + base64.b64encode(SPLIT[9:]).decode() + "?=",
         Message_ID="<split@example.go.jp>", Content_Type="text/plain; charset=iso-2022-jp"),
    cp50220("本文") + CRLF),
    subject="システム障害のお知らせ", text="本文")

add("ja-14-wave-dash-standard.eml", mail(
    base(Subject=word("9時〜10時"), Message_ID="<wave@example.go.jp>",
         Content_Type="text/plain; charset=iso-2022-jp"),
    cp50220("停止は9時〜10時です") + CRLF),
    subject="9時〜10時", text="停止は9時〜10時です")

add("ja-15-html-only-outlook.eml", mail(
    base(Subject=word("HTMLのみ"), Message_ID="<htmlonly@example.go.jp>",
         Content_Type="text/html; charset=utf-8", Content_Transfer_Encoding="quoted-printable"),
    quopri.encodestring("<html><head><style>p{color:red}</style><script>alert(1)</script></head><body>"
                        "<p>Teamsに&nbsp;入れません。</p><div>再起動&amp;確認済み</div></body></html>"
                        .encode()).replace(b"\n", CRLF)),
    subject="HTMLのみ", text="Teamsに 入れません。\n再起動&確認済み", html_has_no="<script")

add("ja-16-q-encoded-utf8-subject.eml", mail(
    base(Subject="=?UTF-8?Q?=E5=95=8F=E3=81=84=E5=90=88=E3=82=8F=E3=81=9B_test?=",
         Message_ID="<qenc@example.go.jp>", Content_Type="text/plain; charset=utf-8"),
    "本文です".encode() + CRLF),
    subject="問い合わせ test", text="本文です")

add("ja-17-iso2022jp-ascii-only.eml", mail(
    base(Subject="Password reset", Message_ID="<ascii-jis@example.go.jp>",
         Content_Type="text/plain; charset=iso-2022-jp"),
    b"Please reset my password.\r\n"),
    subject="Password reset", text="Please reset my password.")

add("ja-18-unknown-8bit-sjis.eml", mail(
    base(Subject=word("印刷"), Message_ID="<unknown8bit@example.go.jp>",
         Content_Type="text/plain; charset=unknown-8bit"),
    "印刷できません".encode("cp932") + CRLF),
    subject="印刷", text="印刷できません")

# --- replies: quoted history trimmed ------------------------------------------------------------

GMAIL_REPLY = ("ありがとうございます。解決しました。\n\n2026年11月27日(金) 10:00 ヘルプデスク <helpdesk@example.go.jp>:\n"
               "> 再起動をお試しください。\n>\n> ヘルプデスク\n")
add("re-01-gmail-japanese.eml", mail(
    base(Subject="Re: " + word("[HD-2026-000123] VPN接続"), Message_ID="<CAgmail1@mail.gmail.com>",
         In_Reply_To="<hd-000123-reply-1@helpdesk.example.go.jp>",
         References="<hd-000123@helpdesk.example.go.jp> <hd-000123-reply-1@helpdesk.example.go.jp>",
         Content_Type='multipart/alternative; boundary="g1"'),
    b"--g1\r\nContent-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: base64\r\n\r\n"
    + b64(GMAIL_REPLY.encode()) + b"--g1\r\nContent-Type: text/html; charset=UTF-8\r\n\r\n"
    + "<div>ありがとうございます。解決しました。</div><blockquote>再起動をお試しください。</blockquote>".encode()
    + b"\r\n--g1--\r\n"),
    subject="Re: [HD-2026-000123] VPN接続", trimmed="ありがとうございます。解決しました。",
    in_reply_to="hd-000123-reply-1@helpdesk.example.go.jp",
    references=["hd-000123@helpdesk.example.go.jp", "hd-000123-reply-1@helpdesk.example.go.jp"])

IPHONE_REPLY = "まだ直りません\n\niPhoneから送信\n\n> 2026/11/27 10:00、ヘルプデスク <helpdesk@example.go.jp>のメール:\n>\n> ご確認ください。\n"
add("re-02-iphone.eml", mail(
    base(Subject="Re: " + word("[HD-2026-000124] 印刷"), Message_ID="<iphone-1@icloud.com>",
         In_Reply_To="<hd-000124@helpdesk.example.go.jp>", X_Mailer="iPhone Mail (21A329)",
         Content_Type="text/plain; charset=utf-8", Content_Transfer_Encoding="quoted-printable"),
    quopri.encodestring(IPHONE_REPLY.encode()).replace(b"\n", CRLF)),
    trimmed="まだ直りません\n\niPhoneから送信")

TB_REPLY = "Thanks, it works now.\n\nOn 2026/11/27 10:00, Helpdesk wrote:\n> Please restart.\n"
add("re-03-thunderbird-flowed.eml", mail(
    base(Subject="Re: [HD-2026-000125] Printer", Message_ID="<tb-1@example.go.jp>",
         User_Agent="Mozilla Thunderbird", Content_Type="text/plain; charset=UTF-8; format=flowed"),
    TB_REPLY.encode().replace(b"\n", CRLF)),
    trimmed="Thanks, it works now.")

OUTLOOK_REPLY = ("承知しました。\n\n差出人: ヘルプデスク <helpdesk@example.go.jp>\n送信日時: 2026年11月27日 10:00\n"
                 "宛先: 山田 太郎\n件名: [HD-2026-000126] 申請\n\n申請を受け付けました。\n")
add("re-04-outlook-japanese-header-block.eml", mail(
    base(Subject=word("RE: [HD-2026-000126] 申請"), Message_ID="<outlook-re@example.go.jp>",
         Thread_Index="AQHZ", Content_Type="text/plain; charset=iso-2022-jp"),
    cp50220(OUTLOOK_REPLY).replace(b"\n", CRLF)),
    subject="RE: [HD-2026-000126] 申請", trimmed="承知しました。")

ORIGINAL = "Please close it.\n\n-----Original Message-----\nFrom: Helpdesk\nSent: Friday\n\nResolved.\n"
add("re-05-original-message.eml", mail(
    base(Subject="RE: [HD-2026-000127] Account", Message_ID="<orig@example.go.jp>",
         Content_Type="text/plain; charset=us-ascii"),
    ORIGINAL.encode().replace(b"\n", CRLF)),
    trimmed="Please close it.")

# --- machines: never a ticket, never a reply ----------------------------------------------------

add("auto-01-out-of-office.eml", mail(
    base(Subject=word("自動応答: 不在のお知らせ"), Message_ID="<ooo@example.go.jp>", Auto_Submitted="auto-replied",
         Content_Type="text/plain; charset=iso-2022-jp"), cp50220("12月1日まで不在です。") + CRLF),
    auto=True, subject="自動応答: 不在のお知らせ")
add("auto-02-precedence-bulk.eml", mail(
    base(Subject="Newsletter", Message_ID="<bulk@example.com>", Precedence="bulk"), b"News\r\n"), auto=True)
add("auto-03-list-id.eml", mail(
    base(Subject="[all-staff] notice", Message_ID="<list@example.go.jp>", List_Id="<all-staff.example.go.jp>"),
    b"Notice\r\n"), auto=True)
add("auto-04-x-auto-response-suppress.eml", mail(
    base(Subject="Automatic reply", Message_ID="<xars@example.go.jp>", X_Auto_Response_Suppress="All"),
    b"I am away\r\n"), auto=True)
add("auto-05-null-return-path.eml", mail(
    headers(Return_Path="<>", **{**BASE, "Subject": "Notice", "Message_ID": "<nullrp@example.go.jp>"}),
    b"Automatic notice\r\n"), auto=True)
add("auto-06-mailer-daemon.eml", mail(
    headers(**{**BASE, "From": "MAILER-DAEMON@mx.example.go.jp", "Subject": "Undeliverable",
               "Message_ID": "<md@mx.example.go.jp>"}), b"Could not deliver\r\n"), auto=True)
add("auto-07-read-receipt.eml", mail(
    base(Subject="Read: test", Message_ID="<mdn@example.go.jp>",
         Content_Type='multipart/report; report-type=disposition-notification; boundary="r1"'),
    b"--r1\r\nContent-Type: text/plain\r\n\r\nYour message was read.\r\n--r1\r\n"
    b"Content-Type: message/disposition-notification\r\n\r\nFinal-Recipient: rfc822; taro@example.go.jp\r\n"
    b"Disposition: manual-action/MDN-sent-manually; displayed\r\n\r\n--r1--\r\n"), auto=True, bounce=False)
add("auto-08-auto-submitted-no-is-a-person.eml", mail(
    base(Subject="Question", Message_ID="<person@example.go.jp>", Auto_Submitted="no"), b"Hello\r\n"),
    auto=False, text="Hello")

DSN = (b"--d1\r\nContent-Type: text/plain\r\n\r\nThis is the mail system at host mx.example.go.jp.\r\n"
       b"I'm sorry to have to inform you that your message could not be delivered.\r\n"
       b"--d1\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example.go.jp\r\n\r\n"
       b"Final-Recipient: rfc822; gone.user@example.go.jp\r\nOriginal-Recipient: rfc822;gone.user@example.go.jp\r\n"
       b"Action: failed\r\nStatus: 5.1.1\r\nDiagnostic-Code: smtp; 550 5.1.1 User unknown\r\n\r\n"
       b"--d1\r\nContent-Type: message/rfc822\r\n\r\nFrom: helpdesk@example.go.jp\r\nTo: gone.user@example.go.jp\r\n"
       b"Subject: [HD-2026-000130] reply\r\nMessage-ID: <hd-000130@helpdesk.example.go.jp>\r\n\r\nbody\r\n--d1--\r\n")
add("bounce-01-postfix-dsn.eml", mail(
    headers(Return_Path="<>", **{**BASE, "From": "MAILER-DAEMON@mx.example.go.jp (Mail Delivery System)",
                                 "Subject": "Undelivered Mail Returned to Sender",
                                 "Message_ID": "<dsn1@mx.example.go.jp>",
                                 "Content_Type": 'multipart/report; report-type=delivery-status; boundary="d1"'}),
    DSN), auto=True, bounce=True, bounced=["gone.user@example.go.jp"])
add("bounce-02-exchange-ndr.eml", mail(
    headers(**{**BASE, "From": "postmaster@example.onmicrosoft.com", "Subject": "配信不能: [HD-2026-000131]",
               "Message_ID": "<ndr@example.onmicrosoft.com>",
               "Content_Type": 'multipart/report; report-type=delivery-status; boundary="x1"'}),
    b"--x1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" + "配信できませんでした。".encode() + b"\r\n"
    b"--x1\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns;ex.example.onmicrosoft.com\r\n\r\n"
    b"Final-Recipient: rfc822;old.staff@example.go.jp\r\nAction: failed\r\nStatus: 5.1.10\r\n\r\n--x1--\r\n"),
    auto=True, bounce=True, bounced=["old.staff@example.go.jp"])
add("bounce-03-delayed-is-not-a-failure.eml", mail(
    headers(Return_Path="<>", **{**BASE, "From": "MAILER-DAEMON@mx.example.go.jp", "Subject": "Delayed Mail",
                                 "Message_ID": "<delay@mx.example.go.jp>",
                                 "Content_Type": 'multipart/report; report-type=delivery-status; boundary="d2"'}),
    b"--d2\r\nContent-Type: text/plain\r\n\r\nStill trying.\r\n--d2\r\nContent-Type: message/delivery-status\r\n\r\n"
    b"Reporting-MTA: dns; mx\r\n\r\nFinal-Recipient: rfc822; slow@example.go.jp\r\nAction: delayed\r\n\r\n--d2--\r\n"),
    auto=True, bounce=True, bounced=[])

# --- broken and odd shapes: parsed without an exception -----------------------------------------

add("odd-01-no-message-id.eml", mail(
    headers(From="a@example.go.jp", To="helpdesk@example.go.jp", Subject="no id"), b"x\r\n"),
    subject="no id", synthetic_id=True)
add("odd-02-unterminated-multipart.eml", mail(
    base(Subject="broken", Message_ID="<broken@example.go.jp>", Content_Type='multipart/mixed; boundary="zz"'),
    b"--zz\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" + "途中で切れた".encode() + b"\r\n--zz\r\nContent-Type: app"),
    text_contains="途中で切れた")
add("odd-03-no-headers-body-only.eml", b"\r\njust a body\r\n", text="just a body", synthetic_id=True)
add("odd-04-bad-base64.eml", mail(
    base(Subject="bad b64", Message_ID="<badb64@example.go.jp>", Content_Type="text/plain; charset=utf-8",
         Content_Transfer_Encoding="base64"), b"!!!not base64@@@\r\n"), subject="bad b64")
add("odd-05-related-inline-image.eml", mail(
    base(Subject="inline", Message_ID="<inline@example.go.jp>",
         Content_Type='multipart/related; boundary="r2"'),
    b'--r2\r\nContent-Type: multipart/alternative; boundary="a2"\r\n\r\n--a2\r\nContent-Type: text/plain; '
    b"charset=utf-8\r\n\r\n" + "図を参照".encode() + b"\r\n--a2\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
    b'<p>\xe5\x9b\xb3</p><img src="cid:img1">\r\n--a2--\r\n--r2\r\nContent-Type: image/png\r\nContent-ID: <img1>\r\n'
    b"Content-Transfer-Encoding: base64\r\n\r\n" + b64(b"\x89PNG\r\n\x1a\nimg") + b"--r2--\r\n"),
    text="図を参照", inline_attachments=1)
add("odd-06-forwarded-rfc822.eml", mail(
    base(Subject="Fwd: test", Message_ID="<fwd@example.go.jp>", Content_Type='multipart/mixed; boundary="f1"'),
    b"--f1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nsee attached\r\n--f1\r\nContent-Type: message/rfc822\r\n"
    b"Content-Disposition: attachment; filename=\"original.eml\"\r\n\r\nFrom: x@example.go.jp\r\nSubject: inner\r\n\r\n"
    b"inner body\r\n--f1--\r\n"), text="see attached")
add("odd-07-empty-body.eml", mail(base(Subject="empty", Message_ID="<empty@example.go.jp>"), b""),
    subject="empty", text="")
add("odd-08-lf-only.eml", b"From: lf@example.go.jp\nTo: helpdesk@example.go.jp\nSubject: LF only\n"
    b"Message-ID: <lf@example.go.jp>\nContent-Type: text/plain; charset=utf-8\n\n" + "改行はLFのみ\n".encode(),
    subject="LF only", text="改行はLFのみ")
add("odd-09-long-folded-subject.eml", mail(
    base(Subject="=?UTF-8?B?" + base64.b64encode(("長い件名" * 10).encode()).decode()[:60] + "?=\r\n =?UTF-8?B?"
         + base64.b64encode(("長い件名" * 10).encode()).decode()[60:] + "?=", Message_ID="<long@example.go.jp>"),
    b"x\r\n"), subject="長い件名" * 10)
add("odd-10-garbage-headers.eml", b"This is not a header line\r\nFrom: weird\r\n: empty name\r\n\r\nbody\r\n",
    synthetic_id=True)
add("odd-11-raw-8bit-sjis-subject.eml", mail(
    b"From: sjis@example.go.jp\r\nTo: helpdesk@example.go.jp\r\nSubject: " + "件名がそのまま".encode("cp932")
    + b"\r\nMessage-ID: <raw-subject@example.go.jp>\r\nContent-Type: text/plain; charset=shift_jis\r\n",
    "本文".encode("cp932")), subject="件名がそのまま", text="本文")


# --- addresses: split on the raw header, names decoded after ------------------------------------

add("addr-01-comma-in-encoded-name.eml", mail(
    base(From="=?UTF-8?B?" + base64.b64encode("山田, 太郎".encode()).decode() + "?= <taro.yamada@example.go.jp>",
         To="=?UTF-8?B?" + base64.b64encode("情報システム課 | [example.go.jp]".encode()).decode()
         + "?= <joho@example.go.jp>, helpdesk, [example.go.jp] <Support@Example.go.jp>",
         Cc="=?UTF-8?Q?=E9=88=B4=E6=9C=A8,_=E8=8A=B1=E5=AD=90?= <hanako.suzuki@example.go.jp>",
         Subject="=?UTF-8?B?" + base64.b64encode("宛先の確認".encode()).decode() + "?=",
         Message_ID="<addr-comma@example.go.jp>", Content_Type="text/plain; charset=utf-8"),
    "宛先を確認してください。".encode() + CRLF),
    from_name="山田, 太郎", from_address="taro.yamada@example.go.jp",
    to=["joho@example.go.jp", "support@example.go.jp"], cc=["hanako.suzuki@example.go.jp"],
    text="宛先を確認してください。")

add("addr-02-first-from-without-address.eml", mail(
    b"From: [unknown]\r\n" + headers(**{**BASE, "Subject": "From twice", "Message_ID": "<from-twice@example.go.jp>",
                                        "From": word("佐藤　花子") + " <hanako.sato@example.go.jp>"}),
    b"Two From headers.\r\n"),
    from_name="佐藤　花子", from_address="hanako.sato@example.go.jp", subject="From twice")

# --- charsets other than Japanese: never through a Japanese codec -------------------------------

GBK_SUBJECT = "系統維護通知（內部）"  # traditional characters: GBK, not GB2312
add("cs-01-gb2312-label-gbk-text.eml", mail(
    base(Subject="=?GB2312?B?" + base64.b64encode(GBK_SUBJECT.encode("gbk")).decode() + "?=",
         Message_ID="<gbk@example.cn>", Content_Type='text/plain; charset="GB2312"',
         Content_Transfer_Encoding="8bit"),
    "本週六進行系統維護，請知悉。".encode("gbk") + CRLF),
    subject=GBK_SUBJECT, text="本週六進行系統維護，請知悉。")

CZECH = "Čtvrtek: tiskárna v přízemí nefunguje"
add("cs-02-raw-8bit-subject-body-charset.eml", mail(
    b"From: novak@example.cz\r\nTo: helpdesk@example.go.jp\r\nSubject: " + CZECH.encode("cp1250")
    + b"\r\nMessage-ID: <raw-cp1250@example.cz>\r\nContent-Type: text/plain; charset=windows-1250\r\n"
    + b"Content-Transfer-Encoding: 8bit\r\n",
    "Dobrý den, tiskárna nefunguje.".encode("cp1250") + CRLF),
    subject=CZECH, text="Dobrý den, tiskárna nefunguje.")

LATIN = "Überweisung für Büro Größe"
add("cs-03-raw-latin1-no-charset.eml", mail(
    b"From: " + "Jürgen Müller".encode("latin-1") + b" <juergen@example.de>\r\nTo: helpdesk@example.go.jp\r\n"
    + b"Subject: " + LATIN.encode("latin-1") + b"\r\nMessage-ID: <raw-latin1@example.de>\r\n"
    + b'Content-Type: multipart/mixed; boundary="l1"\r\n',
    b"--l1\r\nContent-Type: text/plain\r\n\r\n" + "Grüße aus Köln".encode("latin-1") + b"\r\n--l1\r\n"
    + b'Content-Type: application/pdf; name="' + "Bestätigung.pdf".encode("latin-1") + b'"\r\n'
    + b'Content-Disposition: attachment; filename="' + "Bestätigung.pdf".encode("latin-1") + b'"\r\n'
    + b"Content-Transfer-Encoding: base64\r\n\r\n" + b64(b"%PDF-1.4 fake") + b"--l1--\r\n"),
    subject=LATIN, from_name="Jürgen Müller", from_address="juergen@example.de", text="Grüße aus Köln",
    attachments=["Bestätigung.pdf"])

# --- header shapes ------------------------------------------------------------------------------

add("hdr-01-encoded-word-with-spaces.eml", mail(
    base(Subject="=?UTF-8?Q?=E6=9D=B1=E4=BA=AC / =E5=A4=A7=E9=98=AA / 123?= =?UTF-8?Q?_=E4=BA=88=E5=AE=9A?=",
         Message_ID="<q-spaces@example.go.jp>", Content_Type="text/plain; charset=utf-8"),
    b"x\r\n"),
    subject="東京 / 大阪 / 123 予定")

add("hdr-02-raw-iso2022jp-subject.eml", mail(
    b"From: jis@example.go.jp\r\nTo: helpdesk@example.go.jp\r\nSubject: " + cp50220("【至急】サーバ停止①")
    + b"\r\nMessage-ID: <raw-jis@example.go.jp>\r\nContent-Type: text/plain; charset=iso-2022-jp\r\n",
    cp50220("サーバが止まりました。") + CRLF),
    subject="【至急】サーバ停止①", text="サーバが止まりました。")

# --- Japanese labels that lie -------------------------------------------------------------------

add("ja-19-utf8-labelled-iso2022jp.eml", mail(
    base(Subject=word("文字コード"), Message_ID="<utf8-as-jis@example.go.jp>",
         Content_Type="text/plain; charset=iso-2022-jp", Content_Transfer_Encoding="8bit"),
    "ラベルはISO-2022-JP、中身はUTF-8です。".encode() + CRLF),
    subject="文字コード", text="ラベルはISO-2022-JP、中身はUTF-8です。")

add("ja-20-utf8-labelled-shift-jis.eml", mail(
    base(Subject=word("携帯から"), Message_ID="<utf8-as-sjis@example.go.jp>",
         Content_Type='text/plain; charset="Shift_JIS"', Content_Transfer_Encoding="8bit"),
    "携帯から送信しています。よろしくお願いします！".encode() + CRLF),
    subject="携帯から", text="携帯から送信しています。よろしくお願いします！")

add("ja-21-eucjp-labelled-shift-jis.eml", mail(
    base(Subject=word("旧システム"), Message_ID="<euc-as-sjis@example.go.jp>",
         Content_Type="text/plain; charset=Shift_JIS", Content_Transfer_Encoding="8bit"),
    "旧システムからの通知です。".encode("euc_jp") + CRLF),
    subject="旧システム", text="旧システムからの通知です。")

# --- several inline text parts ------------------------------------------------------------------

add("mp-01-text-split-around-inline-image.eml", mail(
    base(Subject=word("画面の件"), Message_ID="<apple-split@icloud.com>", X_Mailer="Apple Mail (2.3731)",
         Content_Type='multipart/mixed; boundary="s1"'),
    b"--s1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" + "エラー画面です。".encode() + b"\r\n"
    + b'--s1\r\nContent-Type: image/png; name="screen.png"\r\nContent-Disposition: inline; filename="screen.png"\r\n'
    + b"Content-Transfer-Encoding: base64\r\n\r\n" + b64(b"\x89PNG\r\n\x1a\nscreen") + b"--s1\r\n"
    + b"Content-Type: text/plain; charset=utf-8\r\n\r\n" + "再起動しても同じです。".encode() + b"\r\n--s1--\r\n"),
    text="エラー画面です。\n再起動しても同じです。", inline_attachments=1, attachments=[])

add("mp-02-text-then-alternative-then-text-files.eml", mail(
    base(Subject=word("ログ送付"), Message_ID="<mixed-alt@example.go.jp>",
         Content_Type='multipart/mixed; boundary="m1"'),
    b"--m1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" + "一つ目".encode() + b"\r\n"
    + b'--m1\r\nContent-Type: multipart/alternative; boundary="m2"\r\n\r\n'
    + b"--m2\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" + "二つ目".encode() + b"\r\n"
    + b"--m2\r\nContent-Type: text/html; charset=utf-8\r\n\r\n" + "<p>二つ目（HTML）</p>".encode() + b"\r\n--m2--\r\n"
    + b'--m1\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Disposition: attachment; filename="error.log"\r\n\r\n'
    + b"ERROR 42\r\n"
    + b'--m1\r\nContent-Type: text/plain; charset=utf-8; name="memo.txt"\r\n\r\n' + "メモ".encode() + b"\r\n--m1--\r\n"),
    text="一つ目\n二つ目", attachments=["error.log", "memo.txt"])

# --- junk before the headers --------------------------------------------------------------------

add("odd-12-junk-line-before-headers.eml",
    b"---- Original email message ----\r\n" + mail(
        base(Subject=word("転送されたお問い合わせ"), Message_ID="<junk-first@example.go.jp>",
             Content_Type="text/plain; charset=utf-8"),
        "フォームからの問い合わせです。".encode() + CRLF),
    subject="転送されたお問い合わせ", from_name="山田　太郎", from_address="taro.yamada@example.go.jp",
    text="フォームからの問い合わせです。")


def main() -> None:
    expected: dict[str, dict[str, object]] = {}
    for name, (raw, wanted) in CORPUS.items():
        (HERE / name).write_bytes(raw)
        expected[name] = wanted
    (HERE / "expected.json").write_text(json.dumps(expected, ensure_ascii=False, indent=1, sort_keys=True) + "\n")
    print(f"{len(CORPUS)} mails written to {HERE}")


if __name__ == "__main__":
    main()
