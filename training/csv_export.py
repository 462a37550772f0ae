"""Helpers for CSV downloads."""
from __future__ import annotations

import re
from decimal import Decimal

# A number as a spreadsheet reads one: written as it is, never quoted.
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def csv_cell(value) -> str:
    """A cell as text. Numbers stay numbers (-0.25 is written as it is); text a spreadsheet would
    run as a formula (starting with = + - @, a tab or a carriage return, and more than a lone
    "-") is quoted with a leading apostrophe."""
    if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        return str(value)
    text = str(value)
    if text[:1] in ("=", "+", "-", "@", "\t", "\r") and text != "-" and not _NUMBER.fullmatch(text):
        return "'" + text
    return text
