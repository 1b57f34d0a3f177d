"""Decoding Japanese mail text exactly. Pure: standard library only.

What real Japanese mail needs beyond Python's codecs:

- Mail labelled ``ISO-2022-JP`` from Outlook and other Windows clients is really CP50220: JIS X 0208
  plus the NEC row-13 characters (①, ㈱, ㍻) and the IBM extensions (髙, 﨑), which every ``iso2022_jp*``
  codec refuses. :func:`decode_iso2022jp` keeps the standard codec's answer for every standard
  character and decodes only the extensions through ``cp932``, so no character is lost and the wave
  dash stays U+301C as JIS X 0208 defines it.
- ``Shift_JIS`` labels mean Windows' ``cp932`` (① is 0x8740), and a missing or wrong charset is
  common: :func:`decode_bytes` tries UTF-8, ISO-2022-JP, EUC-JP and cp932 in an order that tells them
  apart, and checks a Japanese label against the bytes (UTF-8 sent as "ISO-2022-JP" is common).
- Not every mail is Japanese: a guess is kept only when it reads as Japanese (no private-use
  characters, no lone characters inside ASCII words); other 8-bit text falls back to cp1252, and a
  declared non-Japanese charset is never handed to the Japanese guesser.
- Encoded words (RFC 2047) that the standard library leaves raw are decoded here, adjacent ones of the
  same charset joined before decoding, since clients split ISO-2022-JP words in the middle of a
  character run.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import quopri
import re

ESC = 0x1B
#: Labels that mean Windows' Shift_JIS, and those that mean (possibly extended) ISO-2022-JP.
CP932_LABELS = frozenset({"shift_jis", "shift-jis", "sjis", "x-sjis", "s-jis", "ms_kanji", "ms932", "cp932",
                          "windows-31j", "csshiftjis", "x-ms-cp932"})
ISO2022JP_LABELS = frozenset({"iso-2022-jp", "iso2022jp", "iso-2022-jp-ms", "iso-2022-jp-1", "iso-2022-jp-3",
                              "iso-2022-jp-2004", "cp50220", "cp50221", "cp50222", "csiso2022jp",
                              "iso-2022-jp-ext"})
EUCJP_LABELS = frozenset({"euc-jp", "eucjp", "x-euc-jp", "euc_jp", "cseucpkdfmtjapanese", "eucjp-ms",
                          "euc-jis-2004", "cp51932"})

#: An RFC 2047 encoded word; its text may hold spaces, which the RFC forbids but senders write.
ENCODED_WORD = re.compile(r"=\?([^?\s]+)\?([bBqQ])\?([^?]*)\?=")
_BETWEEN_WORDS = re.compile(r"^[ \t\r\n]*$")
_ASCII_RUN = re.compile(r"[\x00-\x7f]+")
#: Labels that name a codec narrower than what senders write under them: decoded by the superset.
SUPERSET_CODECS = {
    "gb2312": "gb18030", "gbk": "gb18030", "cp936": "gb18030", "x-gbk": "gb18030", "csgb2312": "gb18030",
    "euc-cn": "gb18030", "x-euc-cn": "gb18030", "gb_2312-80": "gb18030",
    "ks_c_5601-1987": "cp949", "ks_c_5601": "cp949", "euc-kr": "cp949", "csksc56011987": "cp949",
    "big5": "big5hkscs", "x-big5": "big5hkscs", "cn-big5": "big5hkscs",
    "iso-8859-1": "cp1252", "latin1": "cp1252", "iso-8859-9": "cp1254", "tis-620": "cp874",
}
#: Labels that say nothing about 8-bit bytes.
_UNLABELLED = frozenset({"", "us-ascii", "ascii", "unknown-8bit", "x-unknown", "default", "unknown"})
#: Characters no Japanese text holds but other charsets' bytes produce through a Japanese codec: private
#: use (cp932's user-defined rows), C0/C1 controls other than line breaks and tabs.
_NOT_JAPANESE = re.compile(r"[\x00-\x08\x0b\x0e-\x1a\x1c-\x1f\x7f-\x9f\ue000-\uf8ff]")
_NON_ASCII_RUN = re.compile(r"[^\x00-\x7f]+")
_HALFWIDTH_KANA = re.compile(r"^[\uff61-\uff9f]+$")
_HALFWIDTH_SPLIT = re.compile(r"[\uff61-\uff9f]+|[^\uff61-\uff9f]+")
#: How much of a guessed text is looked at for Japanese word shapes (the character checks read it all).
_SAMPLE = 64 * 1024


def decode_bytes(data: bytes, charset: str | None, hint: str | None = None) -> str:
    """Text from mail bytes in the declared ``charset``, or guessed when it is missing, unknown or wrong.

    Bytes that are valid multibyte UTF-8 are UTF-8 whatever the label says (no other charset's text
    is). Japanese labels are checked against the bytes: 8-bit bytes without an escape under
    ISO-2022-JP, and bytes the labelled codec refuses under Shift_JIS or EUC-JP, are guessed. Another
    label is read by the codec senders mean by it (GB2312 as GB18030, ISO-8859-1 as cp1252:
    :data:`SUPERSET_CODECS`), and bytes it refuses become U+FFFD, never a Japanese guess (only a UTF-8
    label's are guessed: Japanese mail mislabelled UTF-8 is common). ``hint`` is a charset declared
    elsewhere in the mail (the body's, for raw 8-bit header bytes), tried before the Japanese guesses
    when there is no usable label. A guess gives Japanese only when it reads as Japanese, else cp1252.
    Never raises.
    """
    label = _label(charset)
    if label in ISO2022JP_LABELS or (not label and ESC in data):
        if ESC in data or data.isascii():
            return decode_iso2022jp(data)
        return _guess(data, hint)  # 8-bit bytes and no escape: not ISO-2022-JP whatever the label says
    if _is_multibyte_utf8(data):
        return data.decode("utf-8")
    if label in CP932_LABELS:
        return _decode_japanese_label(data, ("cp932",), "euc_jp")
    if label in EUCJP_LABELS:
        return _decode_japanese_label(data, ("euc_jp", "euc_jis_2004"), "cp932")
    codec = _codec(label)
    if codec is None:
        return _guess(data, hint)
    if codec == "utf-8":
        return _decode_utf8(data)
    try:
        return data.decode(codec)
    except UnicodeDecodeError:
        return data.decode(codec, errors="replace")


def _label(charset: str | None) -> str:
    return (charset or "").strip().strip('"').strip().lower()


def _codec(label: str) -> str | None:
    """The Python codec for a non-Japanese label, or None when the label says nothing usable."""
    if label in _UNLABELLED:
        return None
    try:
        name = codecs.lookup(SUPERSET_CODECS.get(label, label)).name
        "".encode(name)  # refuses bytes-to-bytes codecs ("base64", "zlib") that a label may name
    except LookupError:
        return None
    return name


def _is_multibyte_utf8(data: bytes) -> bool:
    """Valid UTF-8 with at least one multibyte character: what no single-byte or Shift_JIS text is."""
    if data.isascii():
        return False
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _decode_japanese_label(data: bytes, labelled: tuple[str, ...], other: str) -> str:
    """A part labelled Shift_JIS or EUC-JP: the labelled codec strictly, else the other Japanese codec
    when it reads as Japanese, else the labelled codec with U+FFFD for the bytes it cannot read."""
    for codec in labelled:
        try:
            return data.decode(codec)
        except UnicodeDecodeError:
            continue
    try:
        text = data.decode(other)
    except UnicodeDecodeError:
        pass
    else:
        if _reads_as_japanese(text):
            return text
    return data.decode(labelled[-1], errors="replace")


def _decode_utf8(data: bytes) -> str:
    """A part labelled UTF-8 whose bytes are not: Japanese (a mislabelled Japanese mail) when it reads
    as such; else UTF-8 with U+FFFD when it holds UTF-8 characters at all; else cp1252 (mislabelled
    Western text)."""
    japanese = _guess_japanese(data)
    if japanese is not None:
        return japanese
    lenient = data.decode("utf-8", errors="replace")
    if any(ch > "\x7f" and ch != "\ufffd" for ch in lenient):
        return lenient
    return data.decode("cp1252", errors="replace")


def _guess(data: bytes, hint: str | None = None) -> str:
    """UTF-8; ISO-2022-JP when there are escapes; the ``hint`` charset when it reads the bytes strictly;
    EUC-JP or cp932 when the result reads as Japanese; cp1252 as the last resort.

    EUC-JP before cp932: EUC-JP text also "decodes" as cp932 half-width kana, while Shift_JIS
    lead bytes 0x81–0x9F are invalid EUC-JP, so the order tells them apart.
    """
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    if ESC in data:
        return decode_iso2022jp(data)
    hinted = _decode_hinted(data, hint)
    if hinted is not None:
        return hinted
    japanese = _guess_japanese(data)
    if japanese is not None:
        return japanese
    return data.decode("cp1252", errors="replace")


def _decode_hinted(data: bytes, hint: str | None) -> str | None:
    label = _label(hint)
    codec = "cp932" if label in CP932_LABELS else "euc_jp" if label in EUCJP_LABELS else _codec(label)
    if codec is None or codec == "utf-8" or label in ISO2022JP_LABELS:
        return None  # UTF-8 was tried; ISO-2022-JP says nothing about 8-bit bytes
    try:
        return data.decode(codec)
    except UnicodeDecodeError:
        return None


def _guess_japanese(data: bytes) -> str | None:
    """EUC-JP or cp932 text that reads as Japanese: strictly decoded, else with a few bytes replaced (a
    character cut at the end, or one in 200 bytes); None when neither reads as Japanese."""
    for codec in ("euc_jp", "cp932"):
        try:
            text = data.decode(codec)
        except UnicodeDecodeError:
            continue
        if _reads_as_japanese(text):
            return text
    for codec in ("euc_jp", "cp932"):
        text = data.decode(codec, errors="replace")
        readable = text.replace("\ufffd", "")
        few = "\ufffd" not in text.rstrip("\ufffd") or text.count("\ufffd") <= len(data) // 200
        if few and not readable.isascii() and _reads_as_japanese(readable):
            return text
    return None


def _reads_as_japanese(text: str) -> bool:
    """Whether text from a Japanese codec reads as Japanese rather than as another charset's bytes.

    Other charsets through cp932 give private-use characters (its user-defined rows) and C1 controls;
    Latin-1 and Windows-125x letters give lone characters inside ASCII words ("Bestätigung" becomes
    "Best膓igung", "Ça" becomes "ﾇa"); GBK gives single half-width katakana between kanji
    ("ﾗ錡ﾑﾗ｢ﾋ"). Japanese text has none of these (a half-width word is at least two characters).
    """
    if _NOT_JAPANESE.search(text):
        return False
    sample = text[:_SAMPLE]
    runs = list(_NON_ASCII_RUN.finditer(sample))
    wedged = sum(_is_wedged_in_a_word(sample, run) for run in runs)
    return wedged * 2 <= len(runs) and _lone_halfwidth_kana(runs) < 2


def _is_wedged_in_a_word(text: str, run: re.Match[str]) -> bool:
    """A single non-ASCII character between two ASCII letters, or a half-width kana touching one."""
    if run.end() - run.start() != 1:
        return False
    before = text[run.start() - 1:run.start()]
    after = text[run.end():run.end() + 1]
    letter_before = before.isascii() and before.isalpha()
    letter_after = after.isascii() and after.isalpha()
    if _HALFWIDTH_KANA.match(run.group()):
        return letter_before or letter_after
    return letter_before and letter_after


def _lone_halfwidth_kana(runs: list[re.Match[str]]) -> int:
    """How many single half-width katakana stand between full-width characters."""
    lone = 0
    for run in runs:
        pieces = _HALFWIDTH_SPLIT.findall(run.group())
        if len(pieces) > 1:
            lone += sum(1 for piece in pieces if len(piece) == 1 and _HALFWIDTH_KANA.match(piece))
    return lone


def decode_iso2022jp(data: bytes) -> str:
    """ISO-2022-JP text with the CP50220 extensions (NEC row 13, IBM extensions, half-width kana).

    The strict standard codec first; when it refuses, the escape sequences are walked and each JIS
    X 0208 run is decoded by the standard codec where it can and character by character through
    ``cp932`` (Shift_JIS arithmetic) where it cannot. Unknown bytes become U+FFFD.
    """
    try:
        return data.decode("iso2022_jp")
    except UnicodeDecodeError:
        pass
    out: list[str] = []
    mode = "ascii"
    run = bytearray()  # the current run of JIS X 0208 pairs, or of ASCII / kana bytes

    def flush() -> None:
        if not run:
            return
        if mode == "jis":
            out.append(_decode_jis_run(bytes(run)))
        elif mode == "kana":
            kana = bytes(b + 0x80 if 0x21 <= b <= 0x5F else b for b in run)
            out.append(kana.decode("cp932", errors="replace"))
        else:
            out.append(bytes(run).decode("ascii", errors="replace"))
        run.clear()

    i, n = 0, len(data)
    while i < n:
        byte = data[i]
        if byte == ESC:
            sequence = data[i + 1:i + 3]
            switch = {b"(B": "ascii", b"(J": "ascii", b"(I": "kana", b"$@": "jis", b"$B": "jis"}.get(
                bytes(sequence))
            if switch is None and data[i + 1:i + 4] == b"$(D":
                flush()
                mode, i = "jis0212", i + 4  # JIS X 0212 has no cp932 form: its characters become U+FFFD
                continue
            if switch is not None:
                flush()
                mode, i = switch, i + 3
                continue
        if byte == 0x0E:  # SO: half-width katakana until SI
            flush()
            mode, i = "kana", i + 1
            continue
        if byte == 0x0F:
            flush()
            mode, i = "ascii", i + 1
            continue
        if mode in ("jis", "jis0212") and byte in (0x0A, 0x0D):
            flush()
            out.append(chr(byte))  # a line break inside a two-byte run: keep it, stay in the mode
            i += 1
            continue
        if mode in ("jis", "jis0212") and (i + 1 >= n or data[i + 1] in (ESC, 0x0A, 0x0D)):
            flush()
            out.append("\ufffd")  # half a character before an escape or a line end
            i += 1
            continue
        if mode == "jis0212":
            out.append("\ufffd")
            i += 2
            continue
        if mode == "jis":
            run += data[i:i + 2]
            i += 2
            continue
        run.append(byte)
        i += 1
    flush()
    return "".join(out)


def _decode_jis_run(run: bytes) -> str:
    """A run of JIS X 0208 pairs: the standard codec where it can, cp932 for the extensions."""
    try:
        return (b"\x1b$B" + run + b"\x1b(B").decode("iso2022_jp")
    except UnicodeDecodeError:
        pass
    chars: list[str] = []
    for k in range(0, len(run) - 1, 2):
        pair = run[k:k + 2]
        try:
            chars.append((b"\x1b$B" + pair + b"\x1b(B").decode("iso2022_jp"))
        except UnicodeDecodeError:
            chars.append(jis_to_sjis(pair[0], pair[1]).decode("cp932", errors="replace"))
    if len(run) % 2:
        chars.append("\ufffd")
    return "".join(chars)


def jis_to_sjis(j1: int, j2: int) -> bytes:
    """One JIS X 0208 code point (two bytes 0x21–0x7E) as Shift_JIS bytes, by arithmetic."""
    if not (0x21 <= j1 <= 0x7E and 0x21 <= j2 <= 0x7E):
        return b"\xff\xff"  # not a JIS pair: cp932 makes it U+FFFD
    s1 = ((j1 - 0x21) >> 1) + 0x81
    if s1 > 0x9F:
        s1 += 0x40
    if j1 % 2:
        s2 = j2 + 0x1F
        if s2 >= 0x7F:
            s2 += 1
    else:
        s2 = j2 + 0x7E
    return bytes((s1, s2))


def decode_header(value: str, hint: str | None = None) -> str:
    """A header value with its RFC 2047 encoded words decoded; raw 8-bit text guessed (``hint`` is the
    charset the mail declares elsewhere); raw ISO-2022-JP escape sequences decoded.

    ``value`` is what the standard library gives for a header parsed with ``compat32``: text whose
    undecodable bytes are surrogate escapes. Adjacent encoded words of one charset are joined before
    decoding (the whitespace between encoded words is not part of the text); folding is unfolded.
    Encoded words holding spaces, which RFC 2047 forbids but senders write, are decoded too.
    """
    value = _from_surrogates(value, hint)
    value = re.sub(r"\r?\n[ \t]", " ", value)
    if "\x1b" in value:  # unencoded ISO-2022-JP: escape sequences sent as they are
        value = _ASCII_RUN.sub(lambda run: decode_iso2022jp(run.group().encode("ascii")), value)
    pieces: list[str] = []
    pending: tuple[str, bytearray] | None = None
    position = 0
    for match in ENCODED_WORD.finditer(value):
        between = value[position:match.start()]
        charset, encoding, text = match.group(1), match.group(2).upper(), match.group(3)
        charset = charset.split("*", 1)[0]  # RFC 2231 language suffix
        raw = _word_bytes(encoding, text)
        charset = charset.lower()
        spaces_only = _BETWEEN_WORDS.match(between) is not None
        position = match.end()
        if pending is not None and spaces_only and pending[0] == charset:
            pending[1].extend(raw)
            continue
        if pending is not None:
            pieces.append(decode_bytes(bytes(pending[1]), pending[0]))
            if not spaces_only:
                pieces.append(between)  # the space between two encoded words is not text; other text is
        else:
            pieces.append(between)
        pending = (charset, bytearray(raw))
    if pending is not None:
        pieces.append(decode_bytes(bytes(pending[1]), pending[0]))
    pieces.append(value[position:])
    return "".join(pieces).strip()


def _word_bytes(encoding: str, text: str) -> bytes:
    if encoding == "B":
        padded = text + "=" * (-len(text) % 4)
        try:
            return base64.b64decode(padded)
        except (binascii.Error, ValueError):
            return text.encode("ascii", errors="replace")
    return quopri.decodestring(text.replace("_", " ").encode("ascii", errors="replace"), header=True)


def _from_surrogates(value: str, hint: str | None = None) -> str:
    """Raw 8-bit header bytes (surrogate escapes) decoded by guessing, instead of left as escapes."""
    if not any("\udc80" <= ch <= "\udcff" for ch in value):
        return value
    return _guess(value.encode("utf-8", errors="surrogateescape"), hint)
