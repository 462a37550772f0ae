"""Where a redirect may send someone: a page of this site, never another.

Targets that come from the request (``next=`` after log-in, the footer's language and title
forms) go through ``local_target``. It refuses what a browser would read as
another site once it has normalised the address as the URL standard says: tabs and line breaks
removed (``/\\t/evil.example`` becomes ``//evil.example``), backslashes read as slashes,
full-width characters folded (``／／evil.example``). Line breaks would also make the response
header invalid (a 500 after a correct password).
"""
from __future__ import annotations

import unicodedata
from urllib.parse import quote, unquote, urlsplit

# Printable ASCII a path and query may keep as they are; anything else is percent-encoded.
_SAFE = "/?&=%#:@!$'()*+,;~-._"


def local_target(target: str | None, default: str) -> str:
    """``target`` if it is a path on this site, else ``default``.

    Refused: anything with a control or whitespace character (tab, CR, LF included) or a
    backslash, anything whose compatibility form (NFKC) differs in a way that matters, any
    scheme or host, and paths that begin with two slashes before or after percent-decoding."""
    if not target or len(target) > 2048:
        return default
    if any(ch == "\\" or ch.isspace() or unicodedata.category(ch)[0] == "C" for ch in target):
        return default
    folded = unicodedata.normalize("NFKC", target)
    for form in {target, folded, unquote(target), unquote(folded)}:
        if not form.startswith("/") or form.startswith("//") or "\\" in form[:3]:
            return default
        if any(ch.isspace() or unicodedata.category(ch)[0] == "C" for ch in form[:3]):
            return default  # an encoded tab or line break just after the first slash
    # Non-ASCII characters (a course slug in Chinese) are sent percent-encoded, as a browser would.
    encoded = quote(target, safe=_SAFE)
    parts = urlsplit(encoded)
    if parts.scheme or parts.netloc:
        return default
    return encoded
