"""PDFs from HTML and CSS with WeasyPrint, reading nothing but the site's own static files."""
from __future__ import annotations

import mimetypes
from pathlib import Path
from urllib.parse import unquote, urlsplit

from flask import current_app

STATIC_PREFIX = "amicus-static:/"


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
