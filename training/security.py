"""Response headers that every page carries, the session's CSRF token renewed, and NUL characters refused."""
from __future__ import annotations

from flask import Flask, abort, current_app, g, request, session
from flask_login import current_user

from training import sessions

CSP = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])


def renew_csrf_token() -> None:
    """Forget the session's CSRF token (at log-in and log-out): the next page makes a new one,
    so a token seen before either no longer works. Forms open in other tabs then ask to be sent
    again."""
    field = current_app.config["WTF_CSRF_FIELD_NAME"]
    session.pop(field, None)
    g.pop(field, None)


def refuse_nul_characters() -> None:
    """One rule for every text a request carries (path, query, form fields), run before anything
    reads them (the signed-in user's page data included): a NUL character is never part of real
    text, and PostgreSQL cannot hold it in a text column (a 500 there, silently kept by SQLite).
    Refused with the site's 400 page; nothing is changed."""
    if "\x00" in request.path:
        abort(400)
    if request.query_string and any("\x00" in value for _key, value in request.args.items(multi=True)):
        abort(400)
    if request.method == "POST" and any("\x00" in value for _key, value in request.form.items(multi=True)):
        abort(400)


def register(app: Flask) -> None:
    production = app.config["AMICUS_ENV"] == "production"

    @app.after_request
    def set_headers(response):
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CSP)
        headers["X-Content-Type-Options"] = "nosniff"
        headers["Referrer-Policy"] = "no-referrer"
        headers["X-Frame-Options"] = "DENY"
        headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"
        headers["Cross-Origin-Opener-Policy"] = "same-origin"
        if production:
            headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
        # What a signed-in person is sent (pages, and downloads: CSVs, PDFs, ZIPs, JSON) is not
        # kept by the browser, a shared computer or a cache on the way. Static files and what a
        # view marks public (a course's images, the same for everyone) may be.
        # While the database is unavailable the user is not read: the answer is not kept either.
        if (not request.path.startswith("/static/") and not response.cache_control.public
                and (sessions.user_unread() or (current_user and current_user.is_authenticated))):
            headers["Cache-Control"] = "no-store"
        return response
