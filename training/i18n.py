"""Language choice: the account's, then a cookie, then the browser's, then English."""
from __future__ import annotations

from flask import Flask, current_app, has_request_context, request
from flask_babel import format_date, format_datetime, get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user

LOGIN_MESSAGE = _l("Please log in to see this page.")


def select_locale() -> str:
    languages = current_app.config["AMICUS_LANGUAGES"]
    if not has_request_context():  # CLI and background jobs
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    if current_user and current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    cookie = request.cookies.get("lang")
    if cookie in languages:
        return cookie
    return request.accept_languages.best_match(languages) or "en"


def current_language() -> str:
    """The short language code of the current request ('en', 'zh')."""
    return str(get_locale() or "en").split("_")[0]


def register(app: Flask) -> None:
    @app.context_processor
    def language_context():
        if not has_request_context():  # a background job rendering a document
            return {"current_language": current_language(), "neutral_titles": False}
        return {"current_language": current_language(), "neutral_titles": request.cookies.get("neutral") == "1"}

    app.jinja_env.filters["date"] = lambda value, fmt="medium": format_date(value, fmt) if value else ""
    # Times are shown, and typed, in UTC: participants and trainers may sit in different zones.
    app.jinja_env.filters["when"] = lambda value: format_datetime(value, "medium") + " UTC" if value else ""
