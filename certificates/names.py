"""The name printed on a certificate: checked so that it prints exactly as typed, in any script."""
from __future__ import annotations

import unicodedata

from flask_babel import lazy_gettext as _l

from training.refusals import Refusal

MAX_LENGTH = 100
# Punctuation that belongs in names: apostrophes, hyphens, full stops, commas, brackets and the
# middle dots of transliterated names (玛丽·居里, マリー・キュリー).
NAME_PUNCTUATION = set("'’‘.,-‐‑()·・ʻʼ\u05f3\u060c")
# Invisible characters that are dropped: a zero-width space or a byte-order mark copied from a
# document, direction marks (the certificate sets the direction itself).
DROPPED = {"\u200b", "\u2060", "\ufeff", "\u200e", "\u200f", "\u061c"}
# Joiners shape Persian, Indic and Khmer text correctly; kept between two letters only.
JOINERS = {"\u200c", "\u200d"}
BIDI_CONTROLS = {chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))}


class InvalidName(Refusal, ValueError):
    """A name that cannot be printed; the message says why."""


def clean_name(raw: str | None) -> str:
    """The name to print: NFC, single spaces, nothing invisible; raises InvalidName if unusable."""
    text = unicodedata.normalize("NFC", raw or "")
    text = "".join(" " if ch in "\t\n\r" or unicodedata.category(ch) == "Zs" else ch for ch in text)
    text = "".join(ch for ch in text if ch not in DROPPED)
    text = " ".join(text.split())
    if not text:
        raise InvalidName(_l("Enter the name to print on your certificate."))
    if len(text) > MAX_LENGTH:
        raise InvalidName(_l("A name can be at most %(max)d characters long.", max=MAX_LENGTH))
    out = []
    for i, ch in enumerate(text):
        category = unicodedata.category(ch)
        if ch in BIDI_CONTROLS or category in ("Cc", "Cs", "Co", "Cn"):
            raise InvalidName(_l("The name contains an invisible control character. Please type it again."))
        if ch in JOINERS:
            before, after = text[i - 1:i], text[i + 1:i + 2]
            if before and after and unicodedata.category(before)[0] in "LM" and unicodedata.category(after)[0] in "LM":
                out.append(ch)
            continue
        if category[0] in "LM" or ch == " " or ch in NAME_PUNCTUATION:
            out.append(ch)
            continue
        if category[0] == "S" and ord(ch) > 0x7F:  # emoji, pictographs; ASCII < > = are below
            raise InvalidName(_l("Symbols and emoji cannot be printed on a certificate: please use letters only."))
        raise InvalidName(_l("“%(char)s” cannot be part of a printed name: please use letters, spaces, "
                            "hyphens and apostrophes.", char=ch))
    name = "".join(out).strip()
    if not any(unicodedata.category(ch)[0] == "L" for ch in name):
        raise InvalidName(_l("Enter the name to print on your certificate."))
    return name


def direction(text: str) -> str:
    """"rtl" when the first strong character is right-to-left (Arabic, Hebrew...), else "ltr"."""
    for ch in text:
        kind = unicodedata.bidirectional(ch)
        if kind in ("R", "AL"):
            return "rtl"
        if kind == "L":
            return "ltr"
    return "ltr"
