"""The one way Markdown becomes HTML on Amicus: render, then sanitise with nh3.

Course content is rendered once, when a package is synced, and the HTML is stored; user text
(later: clarification requests, feedback) goes through the same function.
"""
from __future__ import annotations

import re

import markdown as md
import nh3
from markupsafe import Markup

_EXTENSIONS = ["extra", "sane_lists"]
_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "caption", "code", "dd", "del", "details", "div", "dl",
    "dt", "em", "figcaption", "figure", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img",
    "ins", "kbd", "li", "mark", "ol", "p", "pre", "q", "s", "small", "span", "strong", "sub",
    "summary", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "u", "ul",
}
_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "th": {"scope", "colspan", "rowspan", "align"},
    "td": {"colspan", "rowspan", "align"},
    "abbr": {"title"},
    "ol": {"start"},
    "*": {"id", "lang", "dir"},
}
_EXTERNAL = re.compile(r"^\s*(?:[a-z][a-z0-9+.-]*:|//)", re.I)


def _filter(asset_prefix: str | None):
    def attribute_filter(tag: str, attr: str, value: str) -> str | None:
        if tag == "img" and attr == "src":
            # Images come from the course package only: a remote image would be a
            # request to a third party from an at-risk reader's browser.
            if _EXTERNAL.match(value):
                return None
            if asset_prefix and value.startswith("assets/"):
                return asset_prefix + value[len("assets/"):]
        return value

    return attribute_filter


def render_markdown(text: str, asset_prefix: str | None = None) -> str:
    """Render Markdown to sanitised HTML.

    ``asset_prefix`` (for course content) is the URL that package-relative ``assets/...``
    image paths are rewritten to. Raw HTML in the source is sanitised like everything else.
    """
    return sanitise_html(md.markdown(text or "", extensions=_EXTENSIONS, output_format="html"), asset_prefix)


def sanitise_html(html: str, asset_prefix: str | None = None) -> str:
    """Keep only safe tags and attributes; used for rendered Markdown and for authors' HTML."""
    return nh3.clean(
        html or "",
        tags=_TAGS,
        attributes=_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
        attribute_filter=_filter(asset_prefix),
    )


def markdown_filter(text: str) -> Markup:
    """Jinja filter ``|markdown`` for user text; its result is safe to insert."""
    return Markup(render_markdown(text))
