"""The `quiz:` activity of a course package, and storing it at sync.

course.yaml:
    - quiz: 01-check                 # quizzes/01-check.gift
      title: Check your understanding
      pass_mark: 70                  # percent; without it, submitting completes the quiz
      attempts: 3                    # 0 or absent: unlimited
      grading: highest               # highest, last, first or average
      shuffle_questions: false
      shuffle_answers: true
      time_limit: 20                 # minutes, optional
      review: {score: true, answers: true, feedback: true}

A translation sits beside the quiz as quizzes/01-check.<lang>.gift (a language of the course other
than its first): the same questions in the same order, with the same kinds, answers and weights.
Its texts are shown to readers of that language; its accepted short answers count in every
language; grading is the same whatever the language.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field

from sqlalchemy import select

from courses.package import SLUG_RE, _localized, _unknown_keys
from quizzes.gift import GiftError, parse_gift
from quizzes.models import GRADING_METHODS, Quiz, QuizQuestion
from quizzes.questions import Question
from quizzes.rendering import render_text
from training.extensions import db

QUIZ_KEYS = {"quiz", "title", "content_warning", "pass_mark", "attempts", "grading", "shuffle_questions",
             "shuffle_answers", "time_limit", "review", "from_bank"}
REVIEW_KEYS = {"score", "answers", "feedback"}
GIFT_MAX_BYTES = 2 * 1024 * 1024


@dataclass
class QuizSpec:
    slug: str
    kind: str = "quiz"
    titles: dict[str, str] = field(default_factory=dict)
    content_warnings: dict[str, str] = field(default_factory=dict)
    settings: dict = field(default_factory=dict)
    questions: list[Question] = field(default_factory=list)
    translations: dict[str, list[Question]] = field(default_factory=dict)  # language -> questions


def parse_quiz_entry(reader, ctx, entry, rel) -> QuizSpec | None:
    _unknown_keys(reader, rel, entry, QUIZ_KEYS, "a quiz")
    stem = entry.get("quiz")
    line = entry.lines.get("quiz", entry.line)
    if not isinstance(stem, str) or not SLUG_RE.match(stem):
        reader.error(rel, line, "a quiz is named by its GIFT file without '.gift': lowercase letters, "
                     "digits and hyphens, e.g. '01-check'")
        return None
    spec = QuizSpec(slug=stem)
    spec.titles = _localized(reader, rel, entry, "title", ctx.languages, True)
    spec.content_warnings = _localized(reader, rel, entry, "content_warning", ctx.languages, False)
    spec.settings = _settings(reader, rel, entry)
    bank = entry.get("from_bank")
    if bank is not None:
        if not isinstance(bank, str) or not bank.strip() or len(bank) > 200:
            reader.error(rel, entry.lines.get("from_bank"), "'from_bank' names a question-bank category (text)")
            return None
        spec.settings["bank_category"] = bank.strip()
        return spec  # questions come from the course's bank, imported by trainers
    spec.settings["bank_category"] = None
    gift_rel = f"quizzes/{stem}.gift"
    text = reader.text(gift_rel, GIFT_MAX_BYTES)
    if text is None:
        if not (reader.root / gift_rel).is_file():
            reader.error(rel, line, f"the quiz file {gift_rel} does not exist")
        return None
    try:
        spec.questions = parse_gift(text)
    except GiftError as error:
        reader.error(gift_rel, error.line, error.message)
        return None
    if not any(q.kind != "description" for q in spec.questions):
        reader.error(gift_rel, 1, "the quiz has no questions")
        return None
    for lang in ctx.languages[1:]:
        translated_rel = f"quizzes/{stem}.{lang}.gift"
        if not (reader.root / translated_rel).is_file():
            continue
        translated = read_translation(reader, translated_rel, spec.questions)
        if translated is not None:
            spec.translations[lang] = translated
    return spec


def _shape(q: Question) -> tuple:
    """What a translation must keep: kind, answers' weights (a numerical "any other answer"
    too), numbers, how many pairs."""
    other = None if q.other_answer is None else q.other_answer.fraction
    return (q.kind, q.missingword_kind, [c.fraction for c in q.choices],
            [(n.low, n.high, n.fraction) for n in q.numeric], other, len(q.pairs),
            [bool(p.left) for p in q.pairs])


def read_translation(reader, rel: str, base: list[Question]) -> list[Question] | None:
    """The translation file ``rel`` (through ``reader``: its ``text`` and ``error``) as questions
    if it matches the quiz ``base`` (as many questions, each of the same shape); else None, with
    each problem given to ``reader.error``. The package reader and the Studio's quiz editor use it."""
    text = reader.text(rel, GIFT_MAX_BYTES)
    if text is None:
        return None
    try:
        questions = parse_gift(text)
    except GiftError as error:
        reader.error(rel, error.line, error.message)
        return None
    if len(questions) != len(base):
        reader.error(rel, 1, f"the translation has {len(questions)} questions; the quiz has {len(base)} "
                     "(same questions, same order)")
        return None
    for number, (original, translated) in enumerate(zip(base, questions, strict=True), 1):
        if _shape(original) != _shape(translated):
            reader.error(rel, translated.line, f"question {number} differs from the quiz's (line {original.line}): "
                         "a translation keeps the kind, the answers in order, their weights and the numbers")
            return None
    return questions

def _settings(reader, rel, entry) -> dict:
    def number(key, low, high, default, kind=int):
        value = entry.get(key, default)
        if value is default:
            return default
        if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high or (
                kind is int and value != int(value)):
            reader.error(rel, entry.lines.get(key), f"'{key}' must be a number from {low} to {high}")
            return default
        return kind(value)

    def flag(mapping, key, default):
        value = mapping.get(key, default)
        if not isinstance(value, bool):
            reader.error(rel, mapping.lines.get(key), f"'{key}' is true or false")
            return default
        return value

    grading = entry.get("grading", "highest")
    if grading not in GRADING_METHODS:
        reader.error(rel, entry.lines.get("grading"), f"'grading' must be one of: {', '.join(GRADING_METHODS)}")
        grading = "highest"
    review = entry.get("review", {})
    if review and not hasattr(review, "lines"):
        reader.error(rel, entry.lines.get("review"), "'review' is a mapping of score, answers and feedback to true or false")
        review = {}
    if review:
        _unknown_keys(reader, rel, review, REVIEW_KEYS, "'review'")
    return {
        "pass_mark": number("pass_mark", 0, 100, None, float),
        "attempts_allowed": number("attempts", 0, 100, 0),
        "grading": grading,
        "shuffle_questions": flag(entry, "shuffle_questions", False),
        "shuffle_answers": flag(entry, "shuffle_answers", True),
        "time_limit_minutes": number("time_limit", 1, 600, None),
        "show_score": flag(review, "score", True) if review else True,
        "show_answers": flag(review, "answers", True) if review else True,
        "show_feedback": flag(review, "feedback", True) if review else True,
    }


def render_question(q: Question) -> dict:
    """Every text of the question as safe HTML, each part by its own format (an empty part
    format is the question's: GIFT lets an answer or a feedback have another, as Moodle does)."""
    fmt = q.text_format
    rendered = {
        "text": render_text(q.text, fmt),
        "text_after": render_text(q.text_after, fmt),
        "choices": [render_text(c.text, c.text_format or fmt) for c in q.choices],
        "choice_feedback": [render_text(c.feedback, c.feedback_format or fmt) for c in q.choices],
        "numeric_feedback": [render_text(n.feedback, n.feedback_format or fmt) for n in q.numeric],
        "left": [render_text(p.left, p.left_format or fmt) for p in q.pairs],
        "right": [render_text(p.right, fmt) for p in q.pairs],
        "general_feedback": render_text(q.general_feedback, q.general_feedback_format or fmt),
    }
    if q.other_answer is not None:
        rendered["other_feedback"] = render_text(q.other_answer.feedback, q.other_answer.feedback_format or fmt)
    return rendered


def question_hash(q: Question | dict) -> str:
    data = q if isinstance(q, dict) else q.to_dict()
    return hashlib.sha256(json.dumps(data, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def with_translations(q: Question, translations: dict[str, Question]) -> tuple[dict, dict]:
    """The stored ``data`` and ``rendered`` of a question and its translations.

    ``data`` is the question graded in every language: a short answer accepts the translations'
    answers too. ``rendered["languages"][lang]`` holds a translation's texts as HTML and the
    translated question (for its feedback).
    """
    data = q.to_dict()
    rendered = render_question(q)
    if not translations:
        return data, rendered
    kind = "short" if q.kind == "short" or (q.kind == "missingword" and q.missingword_kind == "short") else q.kind
    if kind == "short":
        known = {c["text"] for c in data["choices"]}
        for translated in translations.values():
            for choice in translated.choices:
                if choice.text not in known:
                    known.add(choice.text)
                    merged = {"text": choice.text, "fraction": choice.fraction, "feedback": choice.feedback}
                    # Its feedback keeps the format it has in the translation (shown in the review).
                    feedback_format = choice.feedback_format or translated.text_format
                    if choice.feedback and feedback_format != q.text_format:
                        merged["feedback_format"] = feedback_format
                    data["choices"].append(merged)
        # The merged answers' feedback rendered too: a review shows it without rendering (issue #22).
        rendered = render_question(Question.from_dict(data))
    rendered["languages"] = {lang: {**render_question(t), "question": t.to_dict()} for lang, t in translations.items()}
    return data, rendered


def store_questions(quiz: Quiz, course_id: int, questions: list[Question],
                    translations: dict[str, list[Question]] | None = None) -> None:
    """Make the quiz's active questions exactly ``questions``, in order.

    An unchanged question keeps its row (and so its place in earlier attempts); a question no
    longer in the file, or whose translation changed, is retired, never deleted.
    """
    existing = list(db.session.execute(select(QuizQuestion).where(QuizQuestion.quiz_id == quiz.id)).scalars())
    by_hash: dict[str, list[QuizQuestion]] = {}
    for row in existing:
        by_hash.setdefault(row.content_hash, []).append(row)
        row.active = False
    translations = translations or {}
    for position, q in enumerate(questions):
        translated = {lang: items[position] for lang, items in translations.items()}
        data, rendered = with_translations(q, translated)
        digest = question_hash({"question": data, "translations": {lang: t.to_dict() for lang, t in translated.items()}}
                               if translated else q)
        candidates = by_hash.get(digest)
        row = candidates.pop(0) if candidates else None
        if row is None:
            row = new_question_row(q, digest, course_id=course_id, quiz_id=quiz.id, data=data, rendered=rendered)
        row.active = True
        row.position = position


def new_question_row(q: Question, digest: str, *, course_id: int, quiz_id: int | None,
                     category: str | None = None, data: dict | None = None,
                     rendered: dict | None = None) -> QuizQuestion:
    row = QuizQuestion(quiz_id=quiz_id, course_id=course_id, category=category if category is not None else q.category,
                       content_hash=digest, kind=q.kind, data=data if data is not None else q.to_dict(),
                       rendered=rendered if rendered is not None else render_question(q),
                       points=0.0 if q.kind == "description" else 1.0)
    db.session.add(row)
    return row


def write_quiz(course, activity, spec: QuizSpec) -> None:
    quiz = db.session.execute(select(Quiz).where(Quiz.activity_id == activity.id)).scalar_one_or_none()
    if quiz is None:
        quiz = Quiz(activity_id=activity.id)
        db.session.add(quiz)
    for key, value in spec.settings.items():
        setattr(quiz, key, value)
    db.session.flush()
    if not quiz.bank_category:
        store_questions(quiz, course.id, spec.questions, spec.translations)
