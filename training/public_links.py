"""Links that leave the site: printed on certificates and in their QR codes, put in Open Badges,
handed to someone (a password-reset or join link) or printed by a command.

They must open where the site really runs. In production that is AMICUS_BASE_URL, which the app
refuses to start without (training/config.py): the request's Host header is chosen by whoever
sends it, and a link made from it would send a holder, or a password reset, elsewhere. In
development and tests, where nobody sets it, a link is made from the address the request came
to (another port, another host), and outside a request from where `make run` serves.
"""
from __future__ import annotations

from flask import current_app, has_request_context, request, url_for

# Where `make run` and `flask run` serve: for commands run in development without a request.
DEVELOPMENT_ADDRESS = "http://127.0.0.1:5000"


def base_url() -> str:
    """The site's public address without a trailing slash, e.g. ``https://amicus.example.org``."""
    configured = current_app.config.get("AMICUS_BASE_URL")
    if configured:
        return configured.rstrip("/")
    if has_request_context():
        return request.url_root.rstrip("/")
    return DEVELOPMENT_ADDRESS


def public_url(endpoint: str, **values) -> str:
    """The full public address of a page, e.g. ``public_url("accounts.reset", token=token)``."""
    base = base_url()
    if not has_request_context():
        with current_app.test_request_context():
            return base + url_for(endpoint, **values)
    # url_for puts the prefix the site is mounted under (the script root) first; the base has it.
    return base + url_for(endpoint, **values)[len(request.script_root):]
