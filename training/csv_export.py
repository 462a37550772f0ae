"""Helpers for CSV downloads."""
from __future__ import annotations


def csv_cell(value) -> str:
    """A cell as text; one starting with = + - @ would be a formula to a spreadsheet, so it is quoted."""
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
