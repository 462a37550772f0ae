"""The quiz kind's part of a course's handbook (courses/handbook.py): its questions as review
exercises at the end of their module, and their answers for the key at the end of the book.

The questions are the quiz's own, in order, in the reader's language when the quiz has a
translation (``services.in_language``); their texts are the HTML sanitised at sync. Choices are
lettered A, B, C...; a matching question lists its answers in alphabetical order. A quiz that draws
its questions from the question bank at random prints nothing (it is listed as done on the site).
"""
from __future__ import annotations

from flask_babel import gettext as _
from markupsafe import Markup, escape
from sqlalchemy import select

from quizzes.models import Quiz, QuizQuestion
from quizzes.questions import Question
from quizzes.services import in_language
from training.extensions import db

LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _questions(activity) -> list[QuizQuestion] | None:
    quiz = db.session.execute(select(Quiz).where(Quiz.activity_id == activity.id)).scalar_one_or_none()
    if quiz is None or quiz.bank_category:
        return None
    return list(db.session.execute(select(QuizQuestion).where(
        QuizQuestion.quiz_id == quiz.id, QuizQuestion.active.is_(True)).order_by(QuizQuestion.position)).scalars())


def _numbered(activity, lang: str):
    """(number or None for a description, question, rendered texts) for each question."""
    found = _questions(activity)
    if found is None:
        return None
    out, n = [], 0
    for row in found:
        question, rendered = in_language(row, lang)
        if question.kind != "description":
            n += 1
        out.append((n if question.kind != "description" else None, question, rendered))
    return out


def _choice_kind(question: Question) -> bool:
    return question.kind in ("single", "multi", "truefalse") or (
        question.kind == "missingword" and question.missingword_kind == "single")


def _true_false(text: str) -> str:
    return _("True") if text.strip().lower() == "true" else _("False")


def exercises(activity, lang: str) -> str | None:
    numbered = _numbered(activity, lang)
    if numbered is None:
        return None
    parts = ['<ol class="exercises">']
    for number, question, rendered in numbered:
        if number is None:
            parts.append(f'<li class="description">{rendered["text"]}</li>')
            continue
        text = rendered["text"]
        if question.kind == "missingword":
            text = Markup(f'{text} <span class="blank">________</span> {rendered["text_after"]}')
        parts.append(f'<li value="{number}"><div class="question-text">{text}</div>')
        if question.kind == "truefalse":
            parts.append('<ol class="choices" type="A">' + "".join(
                f'<li><span class="box"></span> {escape(_true_false(c.text))}</li>' for c in question.choices) + "</ol>")
        elif _choice_kind(question):
            if question.kind == "multi":
                hint = _("Choose every right answer.")  # outside the f-string: pybabel reads no f-string
                parts.append(f'<p class="hint">{escape(hint)}</p>')
            parts.append('<ol class="choices" type="A">' + "".join(
                f'<li><span class="box"></span> {html}</li>' for html in rendered["choices"]) + "</ol>")
        elif question.kind == "matching":
            lefts = rendered["left"]
            rights = sorted((p.right for p in question.pairs), key=str.casefold)
            rows = []
            for i in range(max(len(lefts), len(rights))):
                left = f"{i + 1}. {lefts[i]}" if i < len(lefts) else ""
                right = f"{LETTERS[i]}. {escape(rights[i])}" if i < len(rights) else ""
                rows.append(f'<tr><td>{left}</td><td class="blank-cell">{"____" if left else ""}</td><td>{right}</td></tr>')
            parts.append('<table class="matching"><tbody>' + "".join(rows) + "</tbody></table>")
        elif question.kind == "essay":
            parts.append('<div class="lines tall"></div>')
        else:  # short, numerical, missingword typed
            parts.append('<div class="lines"></div>')
        parts.append("</li>")
    parts.append("</ol>")
    return "".join(parts)


def answers(activity, lang: str) -> str | None:
    """The answers of the quiz's questions, for the key at the end of the book."""
    numbered = _numbered(activity, lang)
    if numbered is None:
        return None
    rows = []
    for number, question, rendered in numbered:
        if number is None:
            continue
        rows.append(f'<li value="{number}">{_answer(question, rendered)}</li>')
    return '<ol class="key">' + "".join(rows) + "</ol>" if rows else ""


def _answer(question: Question, rendered: dict) -> str:
    kind = question.kind
    if kind == "essay":
        return escape(_("Written answer, marked by a trainer."))
    if kind == "truefalse":
        right = [c for c in question.choices if c.fraction >= 1.0]
        return escape(", ".join(_true_false(c.text) for c in right))
    if _choice_kind(question):
        best = max((c.fraction for c in question.choices), default=0)
        right = [i for i, c in enumerate(question.choices)
                 if (c.fraction > 0 if kind == "multi" else c.fraction == best and best > 0)]
        return ", ".join(f"{LETTERS[i]} ({rendered['choices'][i]})" for i in right)
    if kind == "matching":
        order = sorted(range(len(question.pairs)), key=lambda i: question.pairs[i].right.casefold())
        letter = {i: LETTERS[position] for position, i in enumerate(order)}
        return ", ".join(f"{i + 1}–{letter[i]}" for i in range(len(question.pairs)))
    if kind == "numerical":
        shown = []
        for answer in question.numeric:
            if answer.fraction < 1.0:
                continue
            if answer.written_as == "range":
                shown.append(f"{_number(answer.low)}–{_number(answer.high)}")
            else:
                middle, spread = (answer.low + answer.high) / 2, (answer.high - answer.low) / 2
                shown.append(_number(middle) + (f" ± {_number(spread)}" if spread else ""))
        return escape(" / ".join(shown))
    accepted = [c.text for c in question.choices if c.fraction >= 1.0]  # short answers, typed blanks
    return escape(" / ".join(accepted))


def _number(value: float) -> str:
    return f"{value:g}"
