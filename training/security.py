"""Response headers that every page carries, and the pages' CSRF token."""
from __future__ import annotations

from flask import Flask, current_app, g, request, session
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

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


# Signed CSRF tokens kept per process, by secret and session token: signing costs more than the
# rest of a page's layout. Bounded: cleared when full.
SIGNED_TOKENS_SIZE = 4096
_signed_tokens: dict[tuple[str, str], str] = {}


def csrf_token() -> str:
    """Flask-WTF's ``generate_csrf()`` for templates and forms, signed once per session token.

    Flask-WTF signs the session's random token on every request: an HMAC over the token and
    the time. With no time limit (``WTF_CSRF_TIME_LIMIT = None``, ours) the time is never
    checked, and a token signed earlier for the same session token and secret is exactly as
    valid: ``validate_csrf`` checks the signature, then that the token inside equals the
    session's. So it is kept and reused. With a time limit, or before the session has a
    token, Flask-WTF signs as usual."""
    config = current_app.config
    field = config["WTF_CSRF_FIELD_NAME"]
    if field in g or config["WTF_CSRF_TIME_LIMIT"] is not None:
        return generate_csrf()
    raw = session.get(field)
    if not isinstance(raw, str):
        return generate_csrf()  # makes the session's token
    secret = config.get("WTF_CSRF_SECRET_KEY") or current_app.secret_key
    key = (secret, raw)
    signed = _signed_tokens.get(key)
    if signed is None:
        signed = generate_csrf()
        if len(_signed_tokens) >= SIGNED_TOKENS_SIZE:
            _signed_tokens.clear()
        _signed_tokens[key] = signed
    else:
        setattr(g, field, signed)  # forms rendered later in the request take it from g
    return signed


def renew_csrf_token() -> None:
    """Forget the session's CSRF token (at log-in and log-out): the next page makes a new one,
    so a token seen before either no longer works. Forms open in other tabs then ask to be sent
    again."""
    field = current_app.config["WTF_CSRF_FIELD_NAME"]
    session.pop(field, None)
    g.pop(field, None)


def register(app: Flask) -> None:
    # Templates call csrf_token() through this (Flask-WTF's own context processor, which would
    # override it, is dropped; its other entry, csrf_meta_tag, is not used by any template).
    app.jinja_env.globals["csrf_token"] = csrf_token
    processors = app.template_context_processors[None]
    processors[:] = [fn for fn in processors if getattr(fn, "__module__", "") != "flask_wtf.csrf"]

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
        # Pages of a signed-in person are not kept by the browser or a shared computer's cache.
        if (response.mimetype == "text/html" and not request.path.startswith("/static/")
                and current_user and current_user.is_authenticated):
            headers["Cache-Control"] = "no-store"
        return response
