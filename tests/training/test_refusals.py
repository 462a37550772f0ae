"""One refusal type (training.refusals.Refusal) and one way for a view to turn it into a page."""
from __future__ import annotations

import ast
from pathlib import Path

from flask import get_flashed_messages
from sqlalchemy import func, select

from certificates.names import InvalidName
from certificates.services import CertificateError
from courses.cases.services import CaseError
from quizzes.bank import BankError
from quizzes.services import QuizError
from quizzes.surveys.services import SurveyError
from tests.conftest import PASSWORD
from training import accounts
from training.accounts import AccountError, User
from training.cohorts import CohortError
from training.extensions import db
from training.refusals import Refusal, refuse
from training.timezones import TimezoneError

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("training", "courses", "quizzes", "certificates")
# A GIFT reader's and writer's errors name a line or a question; quizzes/gift.py imports nothing
# of the app (it is read like a model file), and the question bank turns them into a BankError.
PARSER_ERRORS = {("gift.py", "GiftError"), ("gift.py", "GiftWriteError")}


def test_every_features_refusal_is_one_type_with_a_message_and_a_field():
    for kind in (AccountError, CohortError, TimezoneError, CaseError, QuizError, SurveyError, CertificateError,
                 BankError, InvalidName):
        error = kind("Not now.", field="name")
        assert isinstance(error, Refusal), kind
        assert (error.message, error.field, str(error)) == ("Not now.", "name", "Not now."), kind


def test_no_module_defines_a_refusal_of_its_own():
    """An exception class that keeps a message to show (``self.message = ...``) is a Refusal:
    written anywhere else, it is the eighth copy this module replaced."""
    copies = []
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" in path.parts or path.name == "refusals.py":
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if not isinstance(node, ast.ClassDef):
                    continue
                keeps_message = any(isinstance(target, ast.Attribute) and target.attr == "message"
                                    for inner in ast.walk(node) if isinstance(inner, ast.Assign)
                                    for target in inner.targets)
                if keeps_message and (path.name, node.name) not in PARSER_ERRORS:
                    copies.append(f"{path.relative_to(ROOT)}: {node.name}")
    assert not copies, "subclass training.refusals.Refusal instead: " + ", ".join(copies)


def test_refuse_undoes_the_change_says_why_and_opens_the_page_at_the_message(app):
    with app.test_request_context("/anything", method="POST"):
        accounts.create_user("half-made", PASSWORD)
        db.session.flush()
        response = refuse(CohortError("That invite code is not valid."), "/cohorts/join")
        assert response.status_code == 302 and response.headers["Location"] == "/cohorts/join#messages"
        assert get_flashed_messages(with_categories=True) == [("error", "That invite code is not valid.")]
        assert db.session.execute(select(func.count(User.id))).scalar_one() == 0
