"""Error pages in the site's layout; no stack trace ever reaches a user."""
from __future__ import annotations

import logging

from flask import Flask, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.exceptions import HTTPException, InternalServerError

from training.extensions import db

MESSAGES = {
    400: (_l("Something was wrong with that request"), _l("Please go back and try again.")),
    403: (_l("You cannot open this page"), _l("Your account does not have access to it.")),
    404: (_l("Page not found"), _l("The address may be mistyped, or the page has moved.")),
    405: (_l("That did not work"), _l("This page cannot be used that way.")),
    413: (_l("That was too large"), _l("The file or text sent was larger than Amicus accepts.")),
    429: (_l("Too many attempts"), _l("Please wait a minute and try again.")),
    500: (_l("Something went wrong on our side"), _l("It has been logged. Please try again in a moment.")),
}


def render_error(code: int, detail=None):
    title, text = MESSAGES.get(code, MESSAGES[500])
    if request.accept_mimetypes.best == "application/json":
        return {"error": str(title), "status": code}, code
    return render_template("errors/error.html", code=code, title=title, text=detail or text), code


def register(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return render_error(400, _l("The form had expired or was sent twice. Nothing was changed: "
                                    "please go back, reload the page and send it again."))

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if error.code is None or error.code < 400:
            return error
        return render_error(error.code)

    @app.errorhandler(Exception)
    def unexpected(error: Exception):
        if isinstance(error, HTTPException):
            return http_error(error)
        if isinstance(error, SQLAlchemyError):
            db.session.rollback()
        logging.getLogger("amicus").exception("unhandled error on %s %s", request.method, request.path)
        return render_error(InternalServerError.code)
