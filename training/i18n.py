"""Language choice: the account's, then a cookie, then the browser's, then English."""
from __future__ import annotations

import functools

from babel import Locale
from babel.lists import format_list
from flask import Flask, current_app, has_request_context, request
from flask_babel import format_date, get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from training import sessions

LOGIN_MESSAGE = _l("Please log in to see this page.")


def select_locale() -> str:
    languages = current_app.config["AMICUS_LANGUAGES"]
    if not has_request_context():  # CLI and background jobs
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    user = None if sessions.user_unread() else current_user._get_current_object()
    if user and user.is_authenticated and user.locale in languages:
        return user.locale
    cookie = request.cookies.get("lang")
    if cookie in languages:
        return cookie
    return request.accept_languages.best_match(languages) or "en"


@functools.cache
def _locale(code: str) -> Locale:
    return Locale.parse(code)


def select_babel_locale() -> Locale:
    """``select_locale`` for Flask-Babel: one Locale object per language and process, rather
    than parsing the code (and looking for its data file on disk) on every request."""
    return _locale(select_locale())


def current_language() -> str:
    """The short language code of the current request ('en', 'zh')."""
    return str(get_locale() or "en").split("_")[0]


def list_join(items, style: str = "standard") -> str:
    """Items as a list in the reader's language: "A, B and C" in English, "A、B和C" in Chinese
    (Babel's list patterns, instead of a comma in every language)."""
    items = [str(item) for item in items]
    if not items:
        return ""
    return format_list(items, style=style, locale=str(get_locale() or "en"))


def sentences_join(sentences) -> str:
    """Whole sentences one after another: with a space between them in English, with none in
    Chinese (its full stop 。 is the break)."""
    locale = str(get_locale() or "en")
    return ("" if locale.split("_")[0] in ("zh", "ja") else " ").join(str(s) for s in sentences)


def register(app: Flask) -> None:
    @app.context_processor
    def language_context():
        # Outside a request: a background job rendering a document.
        neutral = has_request_context() and request.cookies.get("neutral") == "1"
        return {"current_language": current_language(), "neutral_titles": neutral}

    # A datetime is shown as its day in the reader's zone (training.timezones); a plain date
    # (a cohort's first day) is a day wherever one is, and shown as it is.
    app.jinja_env.filters["date"] = lambda value, fmt="medium": format_date(value, fmt) if value else ""
    app.jinja_env.filters["list_join"] = list_join
