"""Whole numbers from the request: ids in paths, query strings and form fields.

Every id column is an integer (PostgreSQL's 32 bits), so a larger number names no row; handed to
the database it would be an error there (SQLite: OverflowError; PostgreSQL: out of range), a 500.
Paths answer 404 (the route does not match); query and form values 400, with the site's page.
"""
from __future__ import annotations

from flask import abort
from werkzeug.routing import IntegerConverter

MAX_ID = 2**31 - 1


class IdConverter(IntegerConverter):
    """``<int:...>`` in every route: 0 to MAX_ID, so a longer number is a page not found."""

    def __init__(self, map, fixed_digits: int = 0, min: int | None = None, max: int | None = MAX_ID,  # noqa: A002 - Werkzeug's names
                 signed: bool = False) -> None:
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def whole_number(values, name: str, default: int | None = None, low: int = 0, high: int = MAX_ID) -> int | None:
    """``values[name]`` (``request.args`` or ``request.form``) as a number from ``low`` to
    ``high``; ``default`` when it is absent or empty. Anything else (letters, a sign, a
    fraction, a number out of range) aborts with 400."""
    raw = values.get(name)
    if raw is None or raw == "":
        return default
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 12 or not low <= int(raw) <= high:
        abort(400)
    return int(raw)


def page_number(values) -> int:
    """``page=`` of a paged list: 1 when absent; a page past the end shows an empty page."""
    return whole_number(values, "page", default=1, low=1, high=1_000_000)
