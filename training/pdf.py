"""PDFs from HTML and CSS with WeasyPrint, reading nothing but the site's own static files."""
from __future__ import annotations

import logging
import mimetypes
import sys
from functools import cache
from pathlib import Path
from urllib.parse import unquote, urlsplit

from flask import current_app

STATIC_PREFIX = "amicus-static:/"

# The names WeasyPrint 70 gives cffi's dlopen for HarfBuzz and its subsetter (weasyprint/text/ffi.py).
_HARFBUZZ = ("libharfbuzz-0", "harfbuzz", "harfbuzz-0.0", "libharfbuzz.so.0", "libharfbuzz.0.dylib",
             "libharfbuzz-0.dll")
_HARFBUZZ_SUBSET = ("libharfbuzz-subset-0", "harfbuzz-subset", "harfbuzz-subset-0.0", "libharfbuzz-subset.so.0",
                    "libharfbuzz-subset.0.dylib", "libharfbuzz-subset-0.dll")
SLOW_SUBSETTING_WARNING = (
    "PDFs will be slow: WeasyPrint cannot load HarfBuzz's font subsetter (libharfbuzz-subset.so.0), so it "
    "subsets fonts with fontTools, which reads every font's whole layout tables for every document: "
    "about 0.5 s per certificate instead of 20 ms, several seconds for a Chinese one. Install the "
    "Debian package (apt-get install libharfbuzz-subset0; scripts/system-deps.sh python does it), then restart."
)


class ExternalResourceError(ValueError):
    """A document asked for something that is not one of Amicus's static files."""


def static_path(url: str, static_folder: str) -> Path:
    """The file of ``static/`` that ``amicus-static:/css/report.css`` names; anything else
    (http, file:, a path climbing out of static/) raises ExternalResourceError."""
    if not url.startswith(STATIC_PREFIX):
        raise ExternalResourceError(f"refused to fetch {url!r}: PDFs read only static files")
    static = Path(static_folder).resolve()
    path = (static / unquote(urlsplit(url[len(STATIC_PREFIX):]).path).lstrip("/")).resolve()
    if static not in path.parents or not path.is_file():
        raise ExternalResourceError(f"refused to fetch {url!r}: not a static file")
    return path


def render_pdf(html: str, resolve=None, font_config=None, stylesheets=None) -> bytes:
    """The PDF of ``html``; stylesheets and images are referenced as ``amicus-static:/...``.

    ``resolve(url)`` may supply other documents as ``(bytes, mimetype)`` (a course's logo, font
    slices), or None to refuse; ``font_config`` is a WeasyPrint FontConfiguration kept between
    documents (it caches the fonts of @font-face rules); ``stylesheets`` are WeasyPrint CSS
    objects parsed once and reused.
    """
    # Imported here: loading Pango costs time that the web pages do not need.
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    static_folder = current_app.static_folder

    class StaticOnlyFetcher(URLFetcher):
        """Never opens a network connection: a PDF must not contact another host."""

        def fetch(self, url, headers=None):
            if resolve is not None and not url.startswith(STATIC_PREFIX):
                found = resolve(url)
                if found is None:
                    raise ExternalResourceError(f"refused to fetch {url!r}: not a resource of this document")
                body, content_type = found
                return URLFetcherResponse(url, body=body, headers={"Content-Type": content_type})
            path = static_path(url, static_folder)
            content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            return URLFetcherResponse(url, body=path.read_bytes(), headers={"Content-Type": content_type})

    return HTML(string=html, base_url=STATIC_PREFIX, url_fetcher=StaticOnlyFetcher(fail_on_errors=True)).write_pdf(
        font_config=font_config, stylesheets=stylesheets)


def _load_library(names: tuple[str, ...]):
    """The first of ``names`` that loads, looked for as cffi's dlopen looks (a name with a dot or
    slash as is, then through ctypes.util.find_library), or None."""
    import ctypes
    import ctypes.util

    for name in names:
        if "." in name or "/" in name:
            try:
                return ctypes.CDLL(name)
            except OSError:
                pass
    if sys.platform == "linux":
        # find_library would run ldconfig (about 0.2 s) to find what dlopen, reading the same
        # cache and LD_LIBRARY_PATH, just failed to load by its soname.
        return None
    for name in names:
        path = ctypes.util.find_library(name)
        if path:
            try:
                return ctypes.CDLL(path)
            except OSError:
                pass
    return None


@cache
def font_subsetter() -> str:
    """"harfbuzz" or "fonttools": how WeasyPrint will cut the fonts it embeds in a PDF.

    WeasyPrint uses HarfBuzz's subsetter when libharfbuzz-subset loads and HarfBuzz is 4.1.0 or
    newer (weasyprint/pdf/fonts.py, ``Font.subset``), fontTools otherwise, 25 times slower. This asks
    the same of the same libraries with ctypes, without importing WeasyPrint (and Pango).
    """
    import ctypes

    if _load_library(_HARFBUZZ_SUBSET) is None:
        return "fonttools"
    harfbuzz = _load_library(_HARFBUZZ)
    if harfbuzz is None:
        return "fonttools"
    harfbuzz.hb_version_atleast.argtypes = [ctypes.c_uint, ctypes.c_uint, ctypes.c_uint]
    harfbuzz.hb_version_atleast.restype = ctypes.c_int
    return "harfbuzz" if harfbuzz.hb_version_atleast(4, 1, 0) else "fonttools"


def warn_if_fonts_subset_slowly(logger: logging.Logger) -> None:
    """Log one warning, naming the package to install, when WeasyPrint would subset with fontTools."""
    if font_subsetter() != "harfbuzz":
        logger.warning(SLOW_SUBSETTING_WARNING)
