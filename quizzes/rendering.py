"""A question's texts as safe HTML, by their GIFT format.

Apart from quizzes/package.py so that the quiz pages (a review's feedback) render texts without
importing the package reader (PyYAML, the GIFT parser, courses.sync), which a gunicorn worker
never uses (issue #22).
"""
from __future__ import annotations

from markupsafe import escape


def render_text(text: str, text_format: str) -> str:
    """A question or answer text as safe HTML, by its GIFT format."""
    if not text:
        return ""
    # Here, not at the top: Python-Markdown and nh3 are needed at sync, not by the pages, which
    # show the HTML made then (quizzes.services.rendered_feedback).
    from training.markdown import render_markdown, sanitise_html

    if text_format == "markdown":
        return render_markdown(text)
    if text_format == "plain":
        return str(escape(text)).replace("\n", "<br>")
    # html, and Moodle's own format (HTML allowed, line breaks kept)
    html = text if text_format == "html" else text.replace("\n", "<br>\n")
    if not any(c in text for c in "<>&"):
        return html  # no markup at all: nothing to sanitise (most questions; saves the sanitiser)
    return sanitise_html(html)
