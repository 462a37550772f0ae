"""Helpers that make rendering the site's pages cheaper, without changing what they show."""
from __future__ import annotations

from flask import Flask
from flask.globals import _cv_request
from jinja2 import pass_context
from markupsafe import Markup

# Built URLs kept per process: they depend only on the URL map (code) and on how the request
# reached the app, both part of the key, never on data. Bounded: cleared when full.
URL_CACHE_SIZE = 4096


def cached_url_for(app: Flask):
    """``url_for`` for templates: the same URLs as Flask's, each built once per process.

    Only relative URLs to absolute endpoints with text or integer arguments are kept; anything
    else (``_external``, ``_anchor``, relative endpoints, URL defaults, other argument types,
    no request) is built by Flask every time.
    """
    build = app.url_for
    cache: dict = {}

    def url_for(endpoint: str, /, **values):
        request_ctx = _cv_request.get(None)
        if request_ctx is None or endpoint[:1] == "." or app.url_default_functions:
            return build(endpoint, **values)
        key = [endpoint]
        for name, value in values.items():
            kind = type(value)
            if name[:1] == "_" or (kind is not str and kind is not int):
                return build(endpoint, **values)
            key += (name, kind, value)
        adapter = request_ctx.url_adapter
        key += (adapter.script_name, adapter.server_name, adapter.subdomain, adapter.url_scheme)
        key = tuple(key)
        url = cache.get(key)
        if url is None:
            url = build(endpoint, **values)
            if url[:1] == "/" and url[:2] != "//":  # relative: the same for every request with this key
                if len(cache) >= URL_CACHE_SIZE:
                    cache.clear()
                cache[key] = url
        return url

    return url_for


class FragmentCache:
    """``{% call cached(key, ...) %}...{% endcall %}``: the fragment is rendered once per
    process for each key and language, then reused (bounded: cleared when full). Plain Jinja
    syntax, so that the translation tools read the strings inside as usual.

    The keys must name everything the fragment's output depends on, besides the language and
    the address the site is reached at (both added to the key here): the rows it shows (with
    whatever changes when they change, e.g. a course's sync time) and the reader's state that
    matters (e.g. which lessons she has done). Then every worker process renders the same
    fragment for the same key and nothing can be stale. Never cache what the keys do not pin
    down, such as a CSRF token, a name or a flash message.
    """

    size = 512

    def __init__(self) -> None:
        self.fragments: dict = {}

    @pass_context
    def __call__(self, context, *keys, caller):
        request_ctx = _cv_request.get(None)
        language = context.get("current_language")
        if request_ctx is None or language is None or context.get("_translations") is None:
            return caller()  # not a page rendered by render_template in a request
        adapter = request_ctx.url_adapter
        key = (keys, language, adapter.script_name, adapter.server_name, adapter.subdomain, adapter.url_scheme)
        fragment = self.fragments.get(key)
        if fragment is None:
            fragment = str(caller())
            if len(self.fragments) >= self.size:
                self.fragments.clear()
            self.fragments[key] = fragment
        return Markup(fragment)


def register(app: Flask) -> None:
    app.jinja_env.globals["url_for"] = cached_url_for(app)
    app.jinja_env.globals["cached"] = FragmentCache()
