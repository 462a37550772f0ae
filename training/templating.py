"""Page fragments rendered once per process and reused: ``{% call cached(key, ...) %}``.

The one cache of rendered HTML (a training.caches.BoundedCache per process). A fragment is a run of whole elements (it opens no element it
does not close), so a template reads the same with the cache or without it.
"""
from __future__ import annotations

from flask import Flask, has_request_context, request
from jinja2 import pass_context
from markupsafe import Markup

from training.caches import BoundedCache

FRAGMENTS = 512  # per process; the least recently used goes first


class FragmentCache:
    """``{% call cached(key, ...) %}...{% endcall %}``: the fragment is rendered once per
    process for each key and language, then reused. Plain Jinja syntax, so that the translation
    tools read the strings inside as usual.

    The keys must name everything the fragment's output depends on, besides the language and
    the address the site is reached at (both added to the key here): the rows it shows (with
    whatever changes when they change, e.g. a course's sync time) and the reader's state that
    matters (e.g. which lessons she has done). Then every worker process renders the same
    fragment for the same key and nothing can be stale. Never cache what the keys do not pin
    down, such as a CSRF token, a name or a flash message.
    """

    def __init__(self, size: int = FRAGMENTS) -> None:
        self.fragments = BoundedCache(size)

    @pass_context
    def __call__(self, context, *keys, caller):
        language = context.get("current_language")
        if language is None or not has_request_context():
            return caller()  # not a page of a request (a document rendered by a background job)
        key = (keys, language, request.root_url)
        fragment = self.fragments.get(key)
        if fragment is None:
            fragment = str(caller())
            self.fragments.put(key, fragment)
        return Markup(fragment)


def register(app: Flask) -> None:
    app.jinja_env.globals["cached"] = FragmentCache()
