"""Grading one response to one question: pure functions, no database.

A response is the JSON value the attempt page saves for the question:
- single, truefalse, missingword (choices): the chosen choice's index, e.g. 2
- multi: a list of chosen indices, e.g. [0, 3]
- short, missingword (typed), numerical, essay: the typed text
- matching: {left index (as str): right index}, e.g. {"0": 2, "1": 0}
Every function returns a fraction in [0, 1], or None when a person must mark it (essay) or
there is nothing to mark (description).
"""
from __future__ import annotations

import math
import re
import unicodedata

from quizzes.questions import NumericAnswer, OtherAnswer, Question

MAX_TEXT_ANSWER = 20_000  # characters of an essay; short answers are far shorter in practice


def _clamp(value: float) -> float:
    return max(0.0, min(1.0, value))


def _index(value, count: int) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    return value if isinstance(value, int) and 0 <= value < count else None


def normalise_text(text: str, case_sensitive: bool) -> str:
    text = " ".join(unicodedata.normalize("NFKC", text).split())
    return text if case_sensitive else text.casefold()


def _matches(pattern: str, given: str, case_sensitive: bool) -> bool:
    # Moodle short answers: '*' matches any run of characters; '\*' is a literal star.
    pattern = normalise_text(pattern, case_sensitive)
    if "*" not in pattern:
        return pattern == given
    parts = re.split(r"(?<!\\)\*", pattern)
    regex = ".*".join(re.escape(p.replace("\\*", "*")) for p in parts)
    return re.fullmatch(regex, given, flags=re.DOTALL) is not None


def parse_number(text: str) -> float | None:
    """A typed number: '3.5', '3,5' (decimal comma), ' -2 ', '1e3'; None if it is not one."""
    if not isinstance(text, str | int | float) or isinstance(text, bool):
        return None
    text = unicodedata.normalize("NFKC", str(text)).strip().replace(" ", "")
    if "," in text and "." not in text:
        text = text.replace(",", ".")
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def matching_items(question: Question) -> list[int]:
    """Indices of the pairs that are items to match; a pair with an empty left side only adds
    a wrong answer to choose from (as in Moodle)."""
    return [i for i, pair in enumerate(question.pairs) if pair.left]


def grade(question: Question, response) -> float | None:
    """The fraction of full marks this response earns."""
    kind = question.kind
    if kind == "missingword":
        kind = "single" if question.missingword_kind == "single" else "short"
    if kind == "description":
        return None
    if kind == "essay":
        return None
    if response is None:
        return 0.0
    if kind in ("single", "truefalse"):
        i = _index(response, len(question.choices))
        return _clamp(question.choices[i].fraction) if i is not None else 0.0
    if kind == "multi":
        if not isinstance(response, list):
            return 0.0
        chosen = {i for i in (_index(v, len(question.choices)) for v in response) if i is not None}
        return _clamp(sum(question.choices[i].fraction for i in chosen))
    if kind == "short":
        if not isinstance(response, str):
            return 0.0
        given = normalise_text(response[:1000], question.case_sensitive)
        if not given:
            return 0.0
        return _clamp(max((c.fraction for c in question.choices
                           if _matches(c.text, given, question.case_sensitive)), default=0.0))
    if kind == "numerical":
        value = parse_number(response)
        answer = _numeric_match(question, value) if value is not None else None
        return _clamp(answer.fraction) if answer is not None else 0.0
    if kind == "matching":
        items = matching_items(question)
        if not isinstance(response, dict) or not items:
            return 0.0
        right = 0
        for left_index in items:
            chosen = _index(response.get(str(left_index)), len(question.pairs))
            if chosen is not None and question.pairs[chosen].right == question.pairs[left_index].right:
                right += 1
        return right / len(items)
    raise ValueError(f"unknown question kind {question.kind!r}")


def _numeric_match(question: Question, value: float) -> NumericAnswer | OtherAnswer | None:
    """The answer a number earns: the best of the answers it is within, else the question's
    "any other answer" (Moodle's '*', which only a number matching no answer reaches)."""
    best = max((n for n in question.numeric if n.low <= value <= n.high), key=lambda n: n.fraction, default=None)
    return best if best is not None else question.other_answer


def earned_answers(question: Question, response) -> list[tuple[str, int]]:
    """Which answers this response earned, as places in the question: ("choice", i) in
    ``question.choices``, ("numeric", i) in ``question.numeric``, ("other", 0) for its "any other
    answer". The review shows their feedback as rendered at sync
    (quizzes.services.rendered_feedback)."""
    kind = question.kind
    if kind == "missingword":
        kind = "single" if question.missingword_kind == "single" else "short"
    earned: list[tuple[str, int]] = []
    if kind in ("single", "truefalse"):
        i = _index(response, len(question.choices))
        if i is not None:
            earned.append(("choice", i))
    elif kind == "multi" and isinstance(response, list):
        for v in response:
            i = _index(v, len(question.choices))
            if i is not None:
                earned.append(("choice", i))
    elif kind == "short" and isinstance(response, str):
        given = normalise_text(response[:1000], question.case_sensitive)
        best = max((i for i, c in enumerate(question.choices) if _matches(c.text, given, question.case_sensitive)),
                   key=lambda i: question.choices[i].fraction, default=None)
        if best is not None:
            earned.append(("choice", best))
    elif kind == "numerical":
        value = parse_number(response)
        answer = _numeric_match(question, value) if value is not None else None
        if answer is question.other_answer and answer is not None:
            earned.append(("other", 0))
        elif answer is not None:
            earned.append(("numeric", next(i for i, n in enumerate(question.numeric) if n is answer)))
    return earned


def earned_answer(question: Question, place: tuple[str, int]):
    """The answer at a place given by ``earned_answers``."""
    part, i = place
    if part == "choice":
        return question.choices[i]
    if part == "numeric":
        return question.numeric[i]
    return question.other_answer


def feedback_for(question: Question, response) -> list[tuple[str, str]]:
    """The per-answer feedback a participant earned with this response (may be empty), each as
    (text, text format): the answer's own feedback format, else the question's."""
    answers = [earned_answer(question, place) for place in earned_answers(question, response)]
    return [(a.feedback, a.feedback_format or question.text_format) for a in answers if a.feedback]


def clean_response(question: Question, raw) -> object:
    """Bound and shape a submitted value before it is stored; invalid parts are dropped.

    Raises ValueError for a value that refers to something the question does not have
    (a tampered form), so nothing is stored.
    """
    kind = question.kind
    if kind == "missingword":
        kind = "single" if question.missingword_kind == "single" else "short"
    if kind == "description":
        raise ValueError("a description takes no answer")
    if kind in ("single", "truefalse"):
        if raw in (None, ""):
            return None
        i = _index(raw, len(question.choices))
        if i is None:
            raise ValueError("no such answer in this question")
        return i
    if kind == "multi":
        values = raw if isinstance(raw, list) else [raw]
        chosen = set()
        for v in values:
            if v in (None, ""):
                continue
            i = _index(v, len(question.choices))
            if i is None:
                raise ValueError("no such answer in this question")
            chosen.add(i)
        return sorted(chosen)
    if kind == "matching":
        if not isinstance(raw, dict):
            raise ValueError("a matching answer is a set of pairs")
        out = {}
        items = matching_items(question)
        for key, value in raw.items():
            left = _index(key, len(question.pairs))
            if left is None or left not in items:
                raise ValueError("no such item in this question")
            if value in (None, ""):
                continue
            right = _index(value, len(question.pairs))
            if right is None:
                raise ValueError("no such answer in this question")
            out[str(left)] = right
        return out
    if not isinstance(raw, str):
        raise ValueError("a typed answer is text")
    limit = MAX_TEXT_ANSWER if kind == "essay" else 1000
    if len(raw) > limit:
        raise ValueError(f"an answer has at most {limit} characters")
    return raw
