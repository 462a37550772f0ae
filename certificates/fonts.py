"""Fonts for certificates: every script, nothing fetched, and fast.

Latin, Cyrillic, Vietnamese, Arabic, Devanagari and Khmer come from Debian's Noto fonts
(fonts-noto-core). Chinese, Japanese and Korean come from Noto Serif CJK (fonts-noto-cjk), whose
file holds 65,535 glyphs in 26 MB: handed whole to WeasyPrint it costs about 35 ms and 50 KB or
more per certificate (the PDF subset keeps every glyph id up to the highest one used). So each
document gets a font cut for exactly its CJK characters with HarfBuzz's subsetter (2-3 ms), which
WeasyPrint then embeds as a small font. See bench/README.md for the figures.

Each process keeps one WeasyPrint FontConfiguration, renewed every few hundred documents.
"""
from __future__ import annotations

import atexit
import hashlib
import subprocess
import threading
import unicodedata
from functools import cache, lru_cache

from training.caches import BoundedCache

CJK_START = 0x2E80  # CJK radicals onward: ideographs, kana, hangul, CJK punctuation, full-width forms
CJK_FAMILY = "Amicus CJK"
# Pango draws a character that is not graphic (a space, a joiner) in the font of the character
# before it, without looking for another: the space in "陈 晓梅" or after "证书编号" is drawn with
# the CJK font, so its cut must hold them. U+0020 always: HarfBuzz draws spaces a font lacks
# (U+2002-U+200A) and hides invisible characters (joiners, marks) with it, else .notdef.
NOT_GRAPHIC = {"Zs", "Zl", "Zp", "Cc", "Cf"}
# (CSS weight, fontconfig pattern); Sans is the fall-back where Serif is not installed.
CJK_WEIGHTS = {
    "400": ("Noto Serif CJK SC:style=Regular", "Noto Sans CJK SC:style=Regular"),
    "700": ("Noto Serif CJK SC:style=Bold", "Noto Sans CJK SC:style=Bold"),
}
FONT_SCHEME = "amicus-font:/"
# The certificate's font stack (static/css/certificate.css has the same without the slices).
LATIN_AND_OTHERS = ("'Noto Serif'", "'Noto Naskh Arabic'", "'Noto Serif Devanagari'", "'Noto Serif Khmer'")
FALLBACK = ("'Noto Serif CJK SC'", "'DejaVu Serif'", "serif")

_lock = threading.Lock()


class MissingFont(RuntimeError):
    """A font Amicus needs is not installed; the message says which Debian package has it."""


def _fc_match(pattern: str) -> tuple[str, int] | None:
    try:
        out = subprocess.run(["fc-match", "--format", "%{family}\t%{file}\t%{index}", pattern],
                             capture_output=True, text=True, timeout=10, check=True).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    parts = out.split("\t")
    if len(parts) != 3 or "CJK" not in parts[0]:
        return None
    return parts[1], int(parts[2] or 0)


@cache
def cjk_source(weight: str) -> tuple[str, int]:
    """(file, face index) of the installed CJK font for a CSS weight."""
    for pattern in CJK_WEIGHTS[weight]:
        found = _fc_match(pattern)
        if found:
            return found
    raise MissingFont("No Chinese font is installed: apt-get install fonts-noto-cjk")


@cache
def _cjk_face(weight: str):
    import uharfbuzz as hb

    path, index = cjk_source(weight)
    return hb.Face(hb.Blob.from_file_path(path), index)


# Subsets made for recent documents, by key, until WeasyPrint asks for them by URL.
_subsets = BoundedCache(64)


def _subset(weight: str, chars: str) -> tuple[str, bytes]:
    key = hashlib.sha256(f"{weight}|{chars}".encode()).hexdigest()[:20]
    kept = _subsets.get(key)
    if kept is not None:
        return key, kept
    import uharfbuzz as hb

    subset_input = hb.SubsetInput()
    for ch in chars:
        subset_input.unicode_set.add(ord(ch))
    data = bytes(hb.subset(_cjk_face(weight), subset_input).blob.data)
    _subsets.put(key, data)
    return key, data


def cjk_font_faces(text: str) -> str:
    """CSS declaring a CJK font made for exactly the CJK characters of ``text`` ("" for none),
    and its spaces and other invisible characters (see NOT_GRAPHIC).

    The font has a family of its own (WeasyPrint merges the fonts of one family and weight
    into one embedded font), listed in the certificate's font stack.
    """
    cjk = {ch for ch in text if ord(ch) >= CJK_START}
    if not cjk:
        return ""
    chars = "".join(sorted(cjk | {" "} | {ch for ch in text if unicodedata.category(ch) in NOT_GRAPHIC}))
    rules, family = [], None
    for weight in CJK_WEIGHTS:
        key, _data = _subset(weight, chars)
        family = family or f"{CJK_FAMILY} {key[:12]}"
        rules.append(f"@font-face{{font-family:'{family}';font-weight:{weight};"
                     f"src:url({FONT_SCHEME}{weight}/{key}.otf)}}")
    stack = ", ".join([*LATIN_AND_OTHERS, f"'{family}'", *FALLBACK])
    return "\n".join(rules) + f"\nhtml {{ font-family: {stack}; }}"


def resolve_font(url: str) -> tuple[bytes, str] | None:
    """The bytes of an ``amicus-font:/700/<key>.otf`` URL made by cjk_font_faces, else None."""
    if not url.startswith(FONT_SCHEME):
        return None
    key = url.rsplit("/", 1)[-1].removesuffix(".otf")
    data = _subsets.get(key)
    return (data, "font/otf") if data is not None else None


@lru_cache(maxsize=1)
def installed_coverage() -> frozenset[int]:
    """Every code point some installed font can draw (Pango falls back across all of them)."""
    import uharfbuzz as hb

    try:
        listing = subprocess.run(["fc-list", "--format", "%{file}\t%{index}\n"], capture_output=True,
                                 text=True, timeout=30, check=True).stdout
    except (OSError, subprocess.SubprocessError):
        return frozenset()
    covered: set[int] = set()
    for line in set(listing.splitlines()):
        path, _, index = line.partition("\t")
        try:
            covered.update(hb.Face(hb.Blob.from_file_path(path), int(index or 0)).unicodes)
        except Exception:  # noqa: BLE001 - an unreadable font file is skipped, not fatal
            continue
    return frozenset(covered)


_font_config = None
_font_config_uses = 0
# Every document adds its own @font-face to the shared configuration: start afresh now and then.
_FONT_CONFIG_DOCUMENTS = 500


@atexit.register
def _drop_font_config() -> None:
    """Free it while the modules its destructor needs are still loaded."""
    global _font_config
    _font_config = None


def shared_font_config():
    """One WeasyPrint FontConfiguration per process (it caches fonts between documents)."""
    global _font_config, _font_config_uses
    _font_config_uses += 1
    if _font_config is None or _font_config_uses > _FONT_CONFIG_DOCUMENTS:
        from weasyprint.text.fonts import FontConfiguration

        _font_config, _font_config_uses = FontConfiguration(), 1
    return _font_config


def render_lock() -> threading.Lock:
    """Rendering shares the font configuration: one certificate at a time per process."""
    return _lock
