"""Refusals: what a person asked cannot be done, and she is told why.

Every feature's service raises a subclass of ``Refusal`` (``AccountError``, ``CohortError``,
``CaseError``, ``QuizError``, ``SurveyError``, ``CertificateError``, ``BankError``) with a
message safe to show, before or instead of changing anything. A view turns one into a page in
one of two ways: next to the form field it names (``field``), or with ``refuse``: the change
undone, the message at the top of the page she is sent back to.
"""
from __future__ import annotations

from flask import flash, redirect

from training.extensions import db


class Refusal(Exception):
    """A request that cannot be carried out. ``message`` (a string or a lazy translation) is safe
    to show; ``field`` names the form field at fault, if one is."""

    def __init__(self, message, field: str | None = None):
        super().__init__(str(message))
        self.message = message
        self.field = field


def refuse(error: Refusal, to: str):
    """Undo the request's changes, say why at the top of the page and open ``to`` there
    (``#messages``: on a long page the section of the button would leave the message out of view)."""
    db.session.rollback()
    flash(str(error.message), "error")
    return redirect(to + "#messages")
