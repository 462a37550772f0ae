"""Language choice: the account's, then a cookie, then the browser's, then English."""
from __future__ import annotations

from babel import Locale
from flask import Flask, current_app, has_request_context, request
from flask_babel import format_date, format_datetime, get_locale, get_translations
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from jinja2 import pass_context
from markupsafe import Markup

LOGIN_MESSAGE = _l("Please log in to see this page.")


def select_locale() -> str:
    languages = current_app.config["AMICUS_LANGUAGES"]
    if not has_request_context():  # CLI and background jobs
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    user = current_user._get_current_object()
    if user and user.is_authenticated and user.locale in languages:
        return user.locale
    cookie = request.cookies.get("lang")
    if cookie in languages:
        return cookie
    return request.accept_languages.best_match(languages) or "en"


_LOCALES: dict[str, Locale] = {}


def select_babel_locale() -> Locale:
    """``select_locale`` for Flask-Babel: one Locale object per language and process, rather
    than parsing the code (and looking for its data file on disk) on every request."""
    code = select_locale()
    locale = _LOCALES.get(code)
    if locale is None:
        locale = _LOCALES.setdefault(code, Locale.parse(code))
    return locale


def current_language() -> str:
    """The short language code of the current request ('en', 'zh')."""
    return str(get_locale() or "en").split("_")[0]


# Templates translate through these rather than Flask-Babel's own callables, which look the
# catalogue up again (several context-local reads) for every string: a page has dozens. The
# catalogue is looked up once per render_template, in the current locale (force_locale
# included), and put in the template's context; imported macros, rendered without that
# context, look it up as before.
def _catalogue(context):
    translations = context.get("_translations")
    return translations if translations is not None else get_translations()


@pass_context
def _gettext(context, string):
    return _catalogue(context).ugettext(string)


@pass_context
def _ngettext(context, singular, plural, num):
    return _catalogue(context).ungettext(singular, plural, num)


# What Jinja's "newstyle" gettext and ngettext do (escape-aware, always %-formatted: see
# jinja2.ext._make_new_gettext), in one call: Jinja's own wrap the functions above, and ``_``
# looks ``gettext`` up again, three context calls for every string shown.
@pass_context
def _newstyle_gettext(context, string, /, **variables):
    rv = _catalogue(context).ugettext(string)
    if context.eval_ctx.autoescape:
        rv = Markup(rv)
    return rv % variables


@pass_context
def _newstyle_ngettext(context, singular, plural, num, /, **variables):
    variables.setdefault("num", num)
    rv = _catalogue(context).ungettext(singular, plural, num)
    if context.eval_ctx.autoescape:
        rv = Markup(rv)
    return rv % variables


@pass_context
def _pgettext(context, msgctxt, string):
    return _catalogue(context).upgettext(msgctxt, string)


@pass_context
def _npgettext(context, msgctxt, singular, plural, num):
    return _catalogue(context).unpgettext(msgctxt, singular, plural, num)


def register(app: Flask) -> None:
    @app.context_processor
    def language_context():
        # Outside a request: a background job rendering a document.
        neutral = has_request_context() and request.cookies.get("neutral") == "1"
        return {"current_language": current_language(), "neutral_titles": neutral, "_translations": get_translations()}

    app.jinja_env.install_gettext_callables(gettext=_gettext, ngettext=_ngettext, newstyle=True,
                                            pgettext=_pgettext, npgettext=_npgettext)
    app.jinja_env.globals.update(gettext=_newstyle_gettext, _=_newstyle_gettext, ngettext=_newstyle_ngettext)

    app.jinja_env.filters["date"] = lambda value, fmt="medium": format_date(value, fmt) if value else ""
    # Times are shown, and typed, in UTC: participants and trainers may sit in different zones.
    app.jinja_env.filters["when"] = lambda value: format_datetime(value, "medium") + " UTC" if value else ""
