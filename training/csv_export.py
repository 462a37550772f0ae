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


def csv_response(rows: list[list], filename: str):
    """A CSV download of ``rows`` (UTF-8 with a byte-order mark, so spreadsheets read Chinese),
    each cell through ``csv_cell``."""
    import csv
    import io

    from flask import Response

    out = io.StringIO()
    writer = csv.writer(out)
    for row in rows:
        writer.writerow([csv_cell("" if v is None else v) for v in row])
    return Response("\ufeff" + out.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})
