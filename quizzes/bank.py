"""A course's question bank: importing GIFT files into categories and exporting the course's
questions as GIFT (the format Moodle reads and writes)."""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, insert, select

from courses.models import Course
from quizzes.gift import GiftError, category_name, parse_gift, write_gift
from quizzes.models import QuestionImport, QuizQuestion
from quizzes.package import question_hash, render_question
from quizzes.questions import Question
from training.accounts import User
from training.cohorts import runs_a_cohort_of
from training.db import utcnow
from training.extensions import db
from training.refusals import Refusal

MAX_GIFT_BYTES = 2 * 1024 * 1024
DEFAULT_CATEGORY = "default"


class BankError(Refusal, ValueError):
    """An import that cannot be done; nothing was stored."""


def decode_upload(data: bytes) -> str:
    """The text of an uploaded GIFT file, or BankError (too big, not UTF-8, not text)."""
    if len(data) > MAX_GIFT_BYTES:
        raise BankError(_l("The file is larger than 2 MB."))
    if b"\0" in data:
        raise BankError(_l("That is not a text file. Export GIFT from Moodle or save it as UTF-8 text."))
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise BankError(_l("The file is not UTF-8 text. Save it as UTF-8 and upload it again.")) from None


def read_questions(text: str) -> list[Question]:
    """Parse GIFT for a preview; BankError says which line is wrong."""
    try:
        questions = parse_gift(text)
    except GiftError as error:
        raise BankError(_l("Line %(line)d: %(message)s", line=error.line, message=error.message)) from None
    if not questions:
        raise BankError(_l("The file has no questions."))
    return questions


def clean_category(name: str | None) -> str:
    return " ".join((name or "").split())[:200]


def can_manage(user: User, course: Course) -> bool:
    """Admins, and trainers who run a cohort of this course."""
    return runs_a_cohort_of(user, course.id)


@dataclass
class ImportReport:
    added: int
    duplicates: int
    categories: list[str]


def import_questions(course: Course, text: str, category: str | None = None) -> ImportReport:
    """Add the GIFT file's questions to the course's bank; all or nothing.

    ``category`` overrides the file's $CATEGORY lines; without either, questions go to
    "default". A question already in the same category (same content) is not added twice.
    """
    questions = read_questions(text)
    override = clean_category(category)
    existing = {(row.category, row.content_hash) for row in db.session.execute(
        select(QuizQuestion.category, QuizQuestion.content_hash).where(
            QuizQuestion.course_id == course.id, QuizQuestion.quiz_id.is_(None), QuizQuestion.active.is_(True)))}
    next_position = (db.session.execute(select(func.max(QuizQuestion.position)).where(
        QuizQuestion.course_id == course.id, QuizQuestion.quiz_id.is_(None))).scalar() or 0) + 1
    rows, duplicates, categories = [], 0, []
    for q in questions:
        name = override or clean_category(q.category) or DEFAULT_CATEGORY
        q.category = name
        data = q.to_dict()
        digest = question_hash(data)
        if (name, digest) in existing:
            duplicates += 1
            continue
        existing.add((name, digest))
        rows.append({"quiz_id": None, "course_id": course.id, "category": name, "position": next_position + len(rows),
                     "active": True, "kind": q.kind, "points": 0.0 if q.kind == "description" else 1.0,
                     "content_hash": digest, "data": data, "rendered": render_question(q)})
        if name not in categories:
            categories.append(name)
    if rows:  # one executemany, not 10,000 ORM objects
        db.session.execute(insert(QuizQuestion), rows)
    return ImportReport(added=len(rows), duplicates=duplicates, categories=categories)


def bank_categories(course: Course) -> list[tuple[str, int]]:
    """The course's bank categories with their number of active questions."""
    return [(name, count) for name, count in db.session.execute(
        select(QuizQuestion.category, func.count(QuizQuestion.id)).where(
            QuizQuestion.course_id == course.id, QuizQuestion.quiz_id.is_(None), QuizQuestion.active.is_(True))
        .group_by(QuizQuestion.category).order_by(QuizQuestion.category))]


def export_course(course: Course) -> str:
    """Every active question of the course (its quizzes' and its bank's) as one GIFT file."""
    rows = db.session.execute(select(QuizQuestion).where(
        QuizQuestion.course_id == course.id, QuizQuestion.active.is_(True))
        .order_by(QuizQuestion.quiz_id.is_(None), QuizQuestion.quiz_id, QuizQuestion.category,
                  QuizQuestion.position, QuizQuestion.id)).scalars()
    questions = []
    for row in rows:
        q = Question.from_dict(row.data)
        # Written as the category Moodle would use, which is also what the import reads back
        # (a name stored before categories were read that way may still hold "$course$/top/").
        q.category = category_name(q.category or row.category) or course.slug
        questions.append(q)
    return write_gift(questions)


def stage_upload(user: User, course: Course, filename: str, data: bytes, category: str | None) -> QuestionImport:
    """Keep an uploaded file for its preview; it is imported only when the trainer confirms."""
    text = decode_upload(data)
    read_questions(text)
    staged = QuestionImport(course_id=course.id, user_id=user.id, filename=(filename or "upload.gift")[:200],
                            category=clean_category(category), text=text)
    db.session.add(staged)
    return staged


def confirm_upload(user: User, staged: QuestionImport) -> ImportReport:
    if staged.user_id != user.id:
        raise LookupError(staged.id)
    if staged.imported_at is not None:
        raise BankError(_l("This file has already been imported."))
    course = db.session.get(Course, staged.course_id)
    report = import_questions(course, staged.text, staged.category or None)
    staged.imported_at = utcnow()
    return report
