"""QR codes, drawn on the server (nothing leaves it): for PDFs (certificates, respondent cards)
and for pages (two-factor set-up, the check-in code). segno is imported when one is drawn."""
from __future__ import annotations

import io


def png(url: str, colour: str = "#111") -> bytes:
    """The QR code as a PNG of one pixel per module (the PDF scales it without smoothing).

    A fixed mask: choosing the best of eight costs 5 ms and changes nothing for readers; a PNG:
    WeasyPrint draws the same code as SVG 10 ms slower (one path of a few hundred segments).
    """
    import segno

    buffer = io.BytesIO()
    segno.make(url, error="m", mask=0).save(buffer, kind="png", scale=1, border=0, dark=colour)
    return buffer.getvalue()


def svg_data_uri(text: str, scale: int = 5) -> str:
    """The QR code as an SVG data URI, for an <img> in a page (the CSP allows data: images)."""
    import segno

    return segno.make(text, error="m").svg_data_uri(scale=scale, dark="#111", light="#fff")
