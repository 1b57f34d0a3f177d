"""Decoding Japanese mail text exactly. Pure: standard library only.

What real Japanese mail needs beyond Python's codecs:

- Mail labelled ``ISO-2022-JP`` from Outlook and other Windows clients is really CP50220: JIS X 0208
  plus the NEC row-13 characters (①, ㈱, ㍻) and the IBM extensions (髙, 﨑), which every ``iso2022_jp*``
  codec refuses. :func:`decode_iso2022jp` keeps the standard codec's answer for every standard
  character and decodes only the extensions through ``cp932``, so no character is lost and the wave
  dash stays U+301C as JIS X 0208 defines it.
- ``Shift_JIS`` labels mean Windows' ``cp932`` (① is 0x8740), and a missing or wrong charset is
  common: :func:`decode_bytes` tries UTF-8, ISO-2022-JP, EUC-JP and cp932 in an order that tells them
  apart.
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

_ENCODED_WORD = re.compile(r"=\?([^?\s]+)\?([bBqQ])\?([^?\s]*)\?=")
_BETWEEN_WORDS = re.compile(r"^[ \t\r\n]*$")


def decode_bytes(data: bytes, charset: str | None) -> str:
    """Text from mail bytes in the declared ``charset``, or guessed when it is missing, unknown or wrong.

    Never raises: a byte that fits no candidate becomes U+FFFD, the last resort.
    """
    label = (charset or "").strip().strip('"').lower()
    if label in ISO2022JP_LABELS or (not label and ESC in data):
        return decode_iso2022jp(data)
    if label in CP932_LABELS:
        return data.decode("cp932", errors="replace")
    if label in EUCJP_LABELS:
        try:
            return data.decode("euc_jp")
        except UnicodeDecodeError:
            return data.decode("euc_jis_2004", errors="replace")
    if label and label not in ("us-ascii", "ascii", "unknown-8bit", "x-unknown", "default"):
        try:
            codecs.lookup(label)
        except LookupError:
            label = ""
        else:
            try:
                return data.decode(label)
            except UnicodeDecodeError:
                pass  # a wrong label: guess below
    return _guess(data)


def _guess(data: bytes) -> str:
    """UTF-8, then ISO-2022-JP (it has escapes), then EUC-JP, then cp932.

    EUC-JP before cp932: EUC-JP text also "decodes" as cp932 half-width kana, while Shift_JIS
    lead bytes 0x81–0x9F are invalid EUC-JP, so the order tells them apart.
    """
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    if ESC in data:
        return decode_iso2022jp(data)
    for candidate in ("euc_jp", "cp932"):
        try:
            return data.decode(candidate)
        except UnicodeDecodeError:
            continue
    return data.decode("cp932", errors="replace")


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


def decode_header(value: str) -> str:
    """A header value with its RFC 2047 encoded words decoded; raw 8-bit text guessed.

    ``value`` is what the standard library gives for a header parsed with ``compat32``: text whose
    undecodable bytes are surrogate escapes. Adjacent encoded words of one charset are joined before
    decoding (the whitespace between encoded words is not part of the text); folding is unfolded.
    """
    value = _from_surrogates(value)
    value = re.sub(r"\r?\n[ \t]", " ", value)
    pieces: list[str] = []
    pending: tuple[str, bytearray] | None = None
    position = 0
    for match in _ENCODED_WORD.finditer(value):
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


def _from_surrogates(value: str) -> str:
    """Raw 8-bit header bytes (surrogate escapes) decoded by guessing, instead of left as escapes."""
    if not any("\udc80" <= ch <= "\udcff" for ch in value):
        return value
    return _guess(value.encode("utf-8", errors="surrogateescape"))
