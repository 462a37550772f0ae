"""The Studio's quiz editor's forms, and the way between a question and its fields.

One form edits one question of a quiz's GIFT file and, beside it, the same question of the
quiz's translation (``quizzes/<stem>.<lang>.gift``): the translation shares the question's kind,
weights and numbers (quizzes/package.py checks that), so only its texts have fields of their own.
A translated text left empty takes the main language's text, which the quiz page flags as not
translated yet.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import FieldList, Form, FormField, HiddenField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length

from quizzes.questions import TEXT_FORMATS, Choice, MatchPair, NumericAnswer, OtherAnswer, Question

ROWS_MAX = 30  # answers, numbers or pairs of one question
BLANK_ROWS = 2  # empty rows offered for new answers
TEXT_MAX = 20_000  # characters of a question's text
PART_MAX = 5_000  # characters of an answer, a feedback, a matching item
PASTE_MAX = 256 * 1024

CHOICE_KINDS = ("single", "multi", "short", "missingword")
FORMATS = [SelectChoice(code, label) for code, label in (
    ("markdown", _l("Markdown")), ("moodle", _l("Moodle's auto-format")), ("plain", _l("Plain text")),
    ("html", _l("HTML")))]


def _text(limit: int = PART_MAX, rows: int = 2) -> TextAreaField:
    return TextAreaField("", validators=[Length(max=limit)], render_kw={"rows": rows})


class ChoiceRow(Form):
    text = _text()
    text_tr = _text()
    weight = StringField(_l("Weight (%)"), validators=[Length(max=20)], render_kw={"inputmode": "decimal"})
    feedback = _text()
    feedback_tr = _text()


class NumberRow(Form):
    answer = StringField(_l("Number"), validators=[Length(max=60)], render_kw={"inputmode": "decimal"})
    tolerance = StringField(_l("Give or take"), validators=[Length(max=60)], render_kw={"inputmode": "decimal"})
    weight = StringField(_l("Weight (%)"), validators=[Length(max=20)], render_kw={"inputmode": "decimal"})
    feedback = _text()
    feedback_tr = _text()
    written_as = HiddenField(default="tolerance")


class PairRow(Form):
    left = _text()
    left_tr = _text()
    right = StringField("", validators=[Length(max=PART_MAX)])
    right_tr = StringField("", validators=[Length(max=PART_MAX)])


class QuestionForm(FlaskForm):
    base = HiddenField()
    base_tr = HiddenField()
    title = StringField(_l("Title (optional, for authors and reports)"), validators=[Length(max=255)])
    title_tr = StringField("", validators=[Length(max=255)])
    text_format = SelectField(_l("Format of the texts"), choices=FORMATS, default="markdown", validate_choice=False)
    text = TextAreaField(_l("Question"), validators=[Length(max=TEXT_MAX)], render_kw={"rows": 4})
    text_tr = TextAreaField("", validators=[Length(max=TEXT_MAX)], render_kw={"rows": 4})
    missingword_kind = SelectField(_l("The blank is answered by"), default="single", validate_choice=False,
                                   choices=[SelectChoice("single", _l("choosing one of the answers")),
                                            SelectChoice("short", _l("typing one of the answers"))])
    text_after = TextAreaField(_l("Text after the blank"), validators=[Length(max=TEXT_MAX)], render_kw={"rows": 2})
    text_after_tr = TextAreaField("", validators=[Length(max=TEXT_MAX)], render_kw={"rows": 2})
    truth = SelectField(_l("The statement is"), validate_choice=False,
                        choices=[SelectChoice("true", _l("True")), SelectChoice("false", _l("False"))])
    feedback_true = _text()
    feedback_true_tr = _text()
    feedback_false = _text()
    feedback_false_tr = _text()
    choices = FieldList(FormField(ChoiceRow), max_entries=ROWS_MAX)
    numbers = FieldList(FormField(NumberRow), max_entries=ROWS_MAX)
    other_weight = StringField(_l("Weight (%)"), validators=[Length(max=20)], render_kw={"inputmode": "decimal"})
    other_feedback = _text()
    other_feedback_tr = _text()
    pairs = FieldList(FormField(PairRow), max_entries=ROWS_MAX)
    general_feedback = _text(rows=3)
    general_feedback_tr = _text(rows=3)
    save = SubmitField(_l("Save draft"))


class ArrangeForm(FlaskForm):
    base = HiddenField()
    base_tr = HiddenField()


class PasteForm(FlaskForm):
    gift = TextAreaField(_l("GIFT to add at the end"), validators=[Length(max=PASTE_MAX)], render_kw={"rows": 8},
                         description=_l("Questions in Moodle's GIFT format, e.g. exported from Moodle. They are "
                                        "added after the quiz's questions; a translation gets them in this "
                                        "language until you translate them."))
    base = HiddenField()
    base_tr = HiddenField()
    submit = SubmitField(_l("Add these questions"))


def label_languages(form: QuestionForm, main: str, other: str | None) -> None:
    """Name each text's language in its label when the quiz has a translation beside it."""
    names = {"title": _("Title"), "text": _("Question"), "text_after": _("Text after the blank"),
             "feedback_true": _("Feedback to the answer True"), "feedback_false": _("Feedback to the answer False"),
             "other_feedback": _("Feedback to any other number"), "general_feedback": _("General feedback"),
             "feedback": _("Feedback"), "left": _("Item"), "right": _("Its match")}
    row_names = {"text": _("Answer"), "feedback": _("Feedback"), "left": _("Item"), "right": _("Its match")}

    def name(part: str, row: bool) -> str:
        return row_names[part] if row and part in row_names else names[part]

    def apply(fields, row: bool) -> None:
        for f in fields:
            part = f.short_name.removesuffix("_tr")
            if part not in names and part not in row_names:
                continue
            if f.short_name.endswith("_tr"):
                f.label.text = _("%(part)s in %(language)s", part=name(part, row), language=other or "")
            elif other and part != "title":
                f.label.text = _("%(part)s in %(language)s", part=name(part, row), language=main)
            elif not f.label.text:
                f.label.text = name(part, row)

    apply(form, False)
    for rows in (form.choices, form.numbers, form.pairs):
        for entry in rows:
            apply(entry.form, True)
    if other:
        form.title.label.text = _("Title in %(language)s (optional, for authors and reports)", language=main)


# --------------------------------------------------------------------------- question -> fields

def percent(fraction: float) -> str:
    """A weight as the percentage GIFT writes: 1.0 -> "100", 0.3333333 -> "33.33333"."""
    return format(Decimal(repr(fraction)).scaleb(2).normalize(), "f")


def _number(value: Decimal) -> str:
    return "0" if value == 0 else format(value.normalize(), "f")


def has_part_formats(q: Question) -> bool:
    """Whether a part of the question has a text format of its own (left to the text editor)."""
    return bool(q.general_feedback_format or any(c.text_format or c.feedback_format for c in q.choices)
                or any(n.feedback_format for n in q.numeric) or any(p.left_format for p in q.pairs)
                or (q.other_answer is not None and q.other_answer.feedback_format))


def blank(kind: str, before: list[Question]) -> Question:
    """A new question of ``kind`` to follow the questions ``before``, in the last one's category."""
    return Question(kind=kind, text="", text_format="markdown", category=before[-1].category if before else "",
                    missingword_kind="single" if kind == "missingword" else "")


def fill(form: QuestionForm, q: Question, t: Question | None) -> None:
    """Put the question ``q`` (and its translation ``t``) into the form's fields."""
    form.title.data, form.text.data, form.text_after.data = q.title, q.text, q.text_after
    form.text_format.data = q.text_format
    form.missingword_kind.data = q.missingword_kind or "single"
    form.general_feedback.data = q.general_feedback
    if t is not None:
        form.title_tr.data, form.text_tr.data, form.text_after_tr.data = t.title, t.text, t.text_after
        form.general_feedback_tr.data = t.general_feedback
    if q.kind == "truefalse" and len(q.choices) == 2:
        true, false = q.choices
        form.truth.data = "true" if true.fraction == 1.0 else "false"
        form.feedback_true.data, form.feedback_false.data = true.feedback, false.feedback
        if t is not None and len(t.choices) == 2:
            form.feedback_true_tr.data, form.feedback_false_tr.data = t.choices[0].feedback, t.choices[1].feedback
    elif q.kind in CHOICE_KINDS:
        t_choices = t.choices if t is not None else []
        for i, c in enumerate(q.choices):
            tc = t_choices[i] if i < len(t_choices) else None
            form.choices.append_entry({"text": c.text, "weight": percent(c.fraction), "feedback": c.feedback,
                                       "text_tr": tc.text if tc else "", "feedback_tr": tc.feedback if tc else ""})
    elif q.kind == "numerical":
        t_numeric = t.numeric if t is not None else []
        for i, n in enumerate(q.numeric):
            low, high = Decimal(repr(n.low)), Decimal(repr(n.high))
            tn = t_numeric[i] if i < len(t_numeric) else None
            form.numbers.append_entry({"answer": _number((low + high) / 2), "tolerance": _number((high - low) / 2),
                                       "weight": percent(n.fraction), "feedback": n.feedback,
                                       "feedback_tr": tn.feedback if tn else "", "written_as": n.written_as})
        if q.other_answer is not None:
            form.other_weight.data = percent(q.other_answer.fraction)
            form.other_feedback.data = q.other_answer.feedback
            if t is not None and t.other_answer is not None:
                form.other_feedback_tr.data = t.other_answer.feedback
    elif q.kind == "matching":
        t_pairs = t.pairs if t is not None else []
        for i, p in enumerate(q.pairs):
            tp = t_pairs[i] if i < len(t_pairs) else None
            form.pairs.append_entry({"left": p.left, "right": p.right,
                                     "left_tr": tp.left if tp else "", "right_tr": tp.right if tp else ""})
    add_blank_rows(form, q.kind)


def add_blank_rows(form: QuestionForm, kind: str) -> None:
    rows = {"numerical": form.numbers, "matching": form.pairs}.get(kind, form.choices if kind in CHOICE_KINDS else None)
    if rows is None:
        return
    wanted = BLANK_ROWS + (3 - len(rows) if kind == "matching" and len(rows) < 3 else 0)
    for _n in range(wanted):
        if len(rows) < ROWS_MAX:
            rows.append_entry()


# --------------------------------------------------------------------------- fields -> question

@dataclass
class Built:
    question: Question
    translation: Question | None  # None when the quiz has no translation to keep in step


def _clean(value: str | None) -> str:
    return (value or "").replace("\r\n", "\n").replace("\r", "\n").strip(" \t\n\0\x0b")


def _weight(f, default: str, low: int) -> float | None:
    raw = _clean(f.data).rstrip("%").strip() or default
    try:
        value = Decimal(raw)
    except InvalidOperation:
        value = None
    if value is None or not value.is_finite() or not low <= value <= 100:
        f.errors.append(_("Write a percentage from %(low)d to 100, e.g. 100, 50 or 0.", low=low))
        return None
    return float(value.scaleb(-2))


def _decimal(f, default: str | None = None) -> Decimal | None:
    raw = _clean(f.data) or default
    if raw is None:
        f.errors.append(_("Write a number, e.g. 42 or 3.5."))
        return None
    try:
        value = Decimal(raw.replace(",", "."))
    except InvalidOperation:
        value = None
    if value is None or not value.is_finite() or abs(value) > Decimal("1e15"):
        f.errors.append(_("Write a number, e.g. 42 or 3.5."))
        return None
    return value


def build(form: QuestionForm, kind: str, original: Question, original_tr: Question | None,
          bilingual: bool) -> Built | None:
    """The question the fields say (and its translation when ``bilingual``), keeping what the
    form does not show (category, ID number, tags) from the original. None when a field is
    wrong: its error is on it."""
    fmt = form.text_format.data if form.text_format.data in TEXT_FORMATS else "markdown"
    q = Question(kind=kind, text=_clean(form.text.data), title=_clean(form.title.data), text_format=fmt,
                 general_feedback=_clean(form.general_feedback.data), category=original.category,
                 idnumber=original.idnumber, tags=list(original.tags))
    t = copy.deepcopy(q)
    if original_tr is not None:  # the translation keeps what is its own, its texts' format too
        t.category, t.idnumber, t.tags = original_tr.category, original_tr.idnumber, list(original_tr.tags)
        t.text_format = original_tr.text_format

    def tr(f, main: str) -> str:
        return _clean(f.data) or main

    t.text, t.title, t.general_feedback = tr(form.text_tr, q.text), tr(form.title_tr, q.title), \
        tr(form.general_feedback_tr, q.general_feedback)
    if kind == "description":  # it has no answers, so no feedback either
        q.general_feedback = t.general_feedback = ""
    ok = True
    if not q.text and kind != "missingword":
        form.text.errors.append(_("Write the question."))
        ok = False
    if kind == "missingword":
        q.missingword_kind = t.missingword_kind = form.missingword_kind.data if form.missingword_kind.data in (
            "single", "short") else "single"
        q.text_after = _clean(form.text_after.data)
        t.text_after = tr(form.text_after_tr, q.text_after)
        if not q.text_after:
            form.text_after.errors.append(_("Write the text after the blank."))
            ok = False
    if kind == "truefalse":
        right = form.truth.data == "true"
        q.choices = [Choice("true", 1.0 if right else 0.0, _clean(form.feedback_true.data)),
                     Choice("false", 0.0 if right else 1.0, _clean(form.feedback_false.data))]
        t.choices = [Choice("true", q.choices[0].fraction, tr(form.feedback_true_tr, q.choices[0].feedback)),
                     Choice("false", q.choices[1].fraction, tr(form.feedback_false_tr, q.choices[1].feedback))]
    elif kind in CHOICE_KINDS:
        ok = _choices(form, kind, q, t) and ok
    elif kind == "numerical":
        ok = _numbers(form, q, t) and ok
    elif kind == "matching":
        ok = _pairs(form, q, t) and ok
    if not ok:
        return None
    return Built(q, t if bilingual else None)


def _choices(form: QuestionForm, kind: str, q: Question, t: Question) -> bool:
    typed = kind == "short" or (kind == "missingword" and q.missingword_kind == "short")
    ok = True
    for row in form.choices:
        r = row.form
        text, feedback = _clean(r.text.data), _clean(r.feedback.data)
        if not text:
            if _clean(r.text_tr.data) or feedback or _clean(r.feedback_tr.data):
                r.text.errors.append(_("Write the answer, or empty its other fields."))
                ok = False
            continue
        weight = _weight(r.weight, "100" if typed else "0", 0 if typed else -100)
        if weight is None:
            ok = False
            continue
        q.choices.append(Choice(text, weight, feedback))
        t.choices.append(Choice(_clean(r.text_tr.data) or text, weight, _clean(r.feedback_tr.data) or feedback))
    return ok


def _numbers(form: QuestionForm, q: Question, t: Question) -> bool:
    ok = True
    for row in form.numbers:
        r = row.form
        if not _clean(r.answer.data):
            if _clean(r.tolerance.data) or _clean(r.feedback.data) or _clean(r.feedback_tr.data):
                r.answer.errors.append(_("Write the number, or empty its other fields."))
                ok = False
            continue
        answer, tolerance = _decimal(r.answer), _decimal(r.tolerance, "0")
        weight = _weight(r.weight, "100", 0)
        if tolerance is not None and tolerance < 0:
            r.tolerance.errors.append(_("Give or take a number of 0 or more."))
            tolerance = None
        if answer is None or tolerance is None or weight is None:
            ok = False
            continue
        written = r.written_as.data if r.written_as.data in ("tolerance", "range") else "tolerance"
        feedback = _clean(r.feedback.data)
        low, high = float(answer - tolerance), float(answer + tolerance)
        q.numeric.append(NumericAnswer(low, high, weight, feedback, written))
        t.numeric.append(NumericAnswer(low, high, weight, _clean(r.feedback_tr.data) or feedback, written))
    other_feedback = _clean(form.other_feedback.data)
    if other_feedback or _clean(form.other_weight.data) not in ("", "0", "0%"):
        weight = _weight(form.other_weight, "0", 0)
        if weight is None:
            return False
        q.other_answer = OtherAnswer(weight, other_feedback)
        t.other_answer = OtherAnswer(weight, _clean(form.other_feedback_tr.data) or other_feedback)
    return ok


def _pairs(form: QuestionForm, q: Question, t: Question) -> bool:
    ok = True
    for row in form.pairs:
        r = row.form
        left, right = _clean(r.left.data), _clean(r.right.data)
        left_tr = _clean(r.left_tr.data)
        if not right:
            if left or left_tr or _clean(r.right_tr.data):
                r.right.errors.append(_("Write what the item matches, or empty the row."))
                ok = False
            continue
        if left_tr and not left:
            r.left.errors.append(_("An item needs its text in this language too."))
            ok = False
            continue
        q.pairs.append(MatchPair(left, right))
        t.pairs.append(MatchPair(left_tr or left, _clean(r.right_tr.data) or right))
    return ok
