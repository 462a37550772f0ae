"""Error pages in the site's layout; no stack trace ever reaches a user.

While the database cannot be reached (restarting, failed over, out of connections) every page
answers 503 with ``Retry-After`` and a page that says so in the reader's language, rendered
without the database: the signed-in user is not read (the layout shows no account links), the
language comes from the cookie or the browser. The request's transaction is rolled back, so
nothing it began is left half-written; the pool checks each connection before use
(``pool_pre_ping``), so pages work again as soon as the database is back.
"""
from __future__ import annotations

import logging
import math
import time

from flask import Flask, render_template, request
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import InterfaceError, OperationalError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException, InternalServerError

from training import sessions
from training.extensions import db, limiter

MESSAGES = {
    400: (_l("Something was wrong with that request"), _l("Please go back and try again.")),
    403: (_l("You cannot open this page"), _l("Your account does not have access to it.")),
    404: (_l("Page not found"), _l("The address may be mistyped, or the page has moved.")),
    405: (_l("That did not work"), _l("This page cannot be used that way.")),
    413: (_l("That was too large"), _l("The file or text sent was larger than Amicus accepts.")),
    429: (_l("Too many attempts"), _l("Please wait a minute and try again.")),
    500: (_l("Something went wrong on our side"), _l("It has been logged. Please try again in a moment.")),
    503: (_l("Amicus is briefly unavailable"),
          _l("Please try again in a minute. If you were sending a form, it was not saved: send it again then.")),
}
# The database could not be reached or answer: a connection refused or cut (OperationalError,
# InterfaceError), or no connection free in the pool in time.
UNAVAILABLE = (OperationalError, InterfaceError, PoolTimeout)
RETRY_AFTER = 60


def render_error(code: int, detail=None):
    title, text = MESSAGES.get(code, MESSAGES[500])
    if request.accept_mimetypes.best == "application/json":
        return {"error": str(title), "status": code}, code
    return render_template("errors/error.html", code=code, title=title, text=detail or text), code


def database_unavailable():
    """The 503 page, made without the database: the user is not read and the layout shows no
    account links (``signed_out_layout``); never cached (training/security.py)."""
    sessions.read_no_user()
    title, text = MESSAGES[503]
    headers = {"Retry-After": str(RETRY_AFTER)}
    if request.accept_mimetypes.best == "application/json":
        return {"error": str(title), "status": 503}, 503, headers
    page = render_template("errors/error.html", code=503, title=title, text=text, signed_out_layout=True)
    return page, 503, headers


def too_many_attempts():
    """The 429 page: how long until the limit that refused the request lets one through again
    (read from Flask-Limiter's record of this request), as text and as Retry-After."""
    breached = [limit for limit in limiter.current_limits if limit.breached] or [limiter.current_limit]
    reset_at = max((limit.reset_at for limit in breached if limit is not None), default=None)
    if reset_at is None:
        return render_error(429)
    seconds = max(1, int(reset_at - time.time()))  # reset_at is already rounded up to a second
    minutes = math.ceil(seconds / 60)
    text = ngettext("Please try again in %(num)d minute.", "Please try again in %(num)d minutes.", minutes)
    body, code = render_error(429, text)
    return body, code, {"Retry-After": str(seconds)}


def register(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return render_error(400, _l("The form had expired or was sent twice. Nothing was changed: "
                                    "please go back, reload the page and send it again."))

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if error.code is None or error.code < 400:
            return error
        if error.code == 429:
            return too_many_attempts()
        return render_error(error.code)

    @app.errorhandler(Exception)
    def unexpected(error: Exception):
        if isinstance(error, HTTPException):
            return http_error(error)
        if isinstance(error, SQLAlchemyError):
            try:
                db.session.rollback()
            except SQLAlchemyError:  # the connection is gone, and its transaction with it
                pass
        if isinstance(error, UNAVAILABLE):
            logging.getLogger("amicus").error("database unavailable on %s %s: %s", request.method, _logged_path(),
                                              str(error).splitlines()[0] if str(error) else type(error).__name__)
            return database_unavailable()
        logging.getLogger("amicus").exception("unhandled error on %s %s", request.method, _logged_path())
        return render_error(InternalServerError.code)


def _logged_path() -> str:
    """The route of the request (``/r/<number>``), not its path: a path may carry what must not
    be kept beside a time, such as a respondent card's number (docs/surveys.md)."""
    return request.url_rule.rule if request.url_rule is not None else request.path
