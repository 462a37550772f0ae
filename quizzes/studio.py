"""The Studio's quiz editor: a quiz's GIFT file (and its translation) as questions and fields.

It sits in front of the Studio's text drafts (courses/studio/drafts.py): it reads the files'
current texts, changes the questions, writes the GIFT back with ``write_gift`` and saves each file
through ``drafts.save`` with the hash of the text the page was opened from, so conflicts, drafts
and publishing stay the text editor's. Before saving, the text it wrote is read again as the
package reader reads it (``parse_gift``, and a translation checked against the quiz by
quizzes/package.py's own function); a problem is shown on its field and nothing is saved.

Comments in a GIFT file are not questions: the lines of comments opening the file are kept,
the others are lost on saving (the page says so; the text editor keeps them).
"""
from __future__ import annotations

import copy
import re
from dataclasses import dataclass

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from courses.models import Course, localized
from courses.services import language_label
from courses.studio import drafts, packages
from quizzes import studio_forms as forms
from quizzes.gift import GiftError, GiftWriteError, parse_gift, write_gift
from quizzes.package import read_translation
from quizzes.questions import KIND_LABELS, Question
from quizzes.studio_routes import QUIZ_PATH
from training.extensions import db
from training.i18n import current_language
from training.refusals import Refusal
from training.roles import trainer_required

QUESTIONS_MAX = 300
EXCERPT = 90


# --------------------------------------------------------------------------- the files

class EditProblem(Refusal):
    """The text the editor wrote would not read back as meant; ``message`` says why."""


@dataclass
class GiftText:
    path: str
    text: str
    base: str  # the hash drafts.save compares
    drafted: bool
    header: str  # the comment lines opening the file, kept on saving
    questions: list[Question]
    problem: str | None  # the file cannot be read: "line n: why"


@dataclass
class QuizFiles:
    """A quiz's GIFT file and its translation into the course's second language, if it has one."""

    main: GiftText
    lang: str | None  # the course's second language
    translation: GiftText | None  # None: no second language, or no file for it yet
    mismatch: str | None = None  # the translation does not match the quiz (as the package reader says)

    @property
    def paired(self) -> bool:
        """Whether the translation is read and matches: it is then edited in step with the quiz."""
        return self.translation is not None and self.translation.problem is None and self.mismatch is None \
            and self.main.problem is None

    @property
    def tr_base(self) -> str:
        return self.translation.base if self.paired else ""

    def tr_path(self) -> str | None:
        if self.lang is None:
            return None
        return self.main.path.removesuffix(".gift") + f".{self.lang}.gift"


class _Reader:
    """What quizzes.package's translation check asks of a package reader: the text, and where
    to put the problems it finds."""

    def __init__(self, text: str):
        self._text = text
        self.problems: list[str] = []

    def text(self, rel: str, limit: int) -> str:
        return self._text

    def error(self, rel: str, line: int | None, message: str) -> None:
        self.problems.append(f"{rel}:{line}: {message}" if line else f"{rel}: {message}")


def _header(text: str) -> str:
    lines = []
    for line in text.lstrip("\ufeff").split("\n"):
        stripped = line.strip()
        if not stripped.startswith("//") or "[id:" in stripped or "[tag:" in stripped:
            break
        lines.append(stripped)
    return "\n".join(lines) + "\n\n" if lines else ""


def _read(path: str, text: str, drafted: bool) -> GiftText:
    try:
        questions, problem = parse_gift(text), None
    except GiftError as error:
        questions, problem = [], str(error)
    return GiftText(path, text, drafts.text_hash(text), drafted, _header(text), questions, problem)


def load(course: Course, path: str) -> QuizFiles:
    """The quiz at ``path`` (a main GIFT file) and its translation, as the Studio has them now
    (drafts first). Raises LookupError when there is no such quiz file."""
    if not QUIZ_PATH.fullmatch(path):
        raise LookupError(path)
    main = _read(path, *drafts.current_text(course, path))
    files = QuizFiles(main, course.languages[1] if len(course.languages) > 1 else None, None)
    tr_path = files.tr_path()
    if tr_path is not None:
        try:
            files.translation = _read(tr_path, *drafts.current_text(course, tr_path))
        except LookupError:
            files.translation = None
    if files.translation is not None and files.translation.problem is None and main.problem is None:
        reader = _Reader(files.translation.text)
        if read_translation(reader, tr_path, main.questions) is None:
            files.mismatch = "; ".join(reader.problems)
    return files


def untranslated(files: QuizFiles) -> list[bool]:
    """For each question, whether its translation still has the main language's text."""
    if not files.paired:
        return [False] * len(files.main.questions)
    return [bool(q.text) and q.text == t.text for q, t in zip(files.main.questions, files.translation.questions,
                                                                 strict=True)]


def _compose(header: str, questions: list[Question]) -> str:
    return header + write_gift(questions)


def _same(text: str, questions: list[Question]) -> bool:
    try:
        again = parse_gift(text)
    except GiftError:
        return False
    return [q.to_dict() for q in again] == [q.to_dict() for q in questions]


def texts(files: QuizFiles, questions: list[Question], translation: list[Question] | None) -> dict[str, str]:
    """The new text of each file to change (path -> text), checked as the package reader checks
    a quiz. Raises GiftWriteError (a question GIFT cannot carry) or EditProblem."""
    if len(questions) > QUESTIONS_MAX:
        raise EditProblem(_("A quiz may have at most %(max)d questions.", max=QUESTIONS_MAX))
    if not any(q.kind != "description" for q in questions):
        raise EditProblem(_("A quiz keeps at least one question to answer."))
    out = {files.main.path: _compose(files.main.header, questions)}
    if not _same(out[files.main.path], questions):
        raise EditProblem(_("GIFT cannot keep this question as written: edit it in the text editor."))
    if files.paired and translation is not None:
        tr = files.translation
        out[tr.path] = _compose(tr.header, translation)
        if not _same(out[tr.path], translation):
            raise EditProblem(_("GIFT cannot keep the translation as written: edit it in the text editor."))
        reader = _Reader(out[tr.path])
        if read_translation(reader, tr.path, questions) is None:
            raise EditProblem("; ".join(reader.problems))
    for path, text in list(out.items()):
        if len(text) > drafts.TEXT_MAX:
            raise EditProblem(_("A file may have at most %(max)d characters.", max=drafts.TEXT_MAX))
        if text == (files.main.text if path == files.main.path else files.translation.text):
            del out[path]
    return out


def save(user, course: Course, files: QuizFiles, new_texts: dict[str, str]) -> None:
    """Save each changed file as a draft, from the text the page was opened from (both or none:
    the caller commits once, or rolls back on a refusal)."""
    for path, text in new_texts.items():
        base = files.main.base if path == files.main.path else files.translation.base
        drafts.save(user, course, path, text, base)


# --------------------------------------------------------------------------- changing the questions

def _lists(files: QuizFiles) -> tuple[list[Question], list[Question] | None]:
    return list(files.main.questions), (list(files.translation.questions) if files.paired else None)


def replaced(files: QuizFiles, index: int | None, built: forms.Built):
    """The questions with question ``index`` replaced by ``built`` (None: added at the end)."""
    questions, translation = _lists(files)
    if index is None:
        questions.append(built.question)
        if translation is not None:
            translation.append(built.translation)
    else:
        questions[index] = built.question
        if translation is not None:
            translation[index] = built.translation
    return questions, translation


def moved(files: QuizFiles, index: int, action: str):
    """The questions with question ``index`` moved up, down or removed, in both languages."""
    questions, translation = _lists(files)
    for items in (questions, translation):
        if items is None:
            continue
        if action == "remove":
            del items[index]
        else:
            other = index - 1 if action == "up" else index + 1
            if 0 <= other < len(items):
                items[index], items[other] = items[other], items[index]
    return questions, translation


def pasted(files: QuizFiles, text: str):
    """The questions with those of the GIFT ``text`` added at the end (a translation gets them as
    they are, to translate). Raises GiftError."""
    new = parse_gift(text)
    if not new:
        raise GiftError(1, _("there is no question in the text"))
    questions, translation = _lists(files)
    last = questions[-1].category if questions else ""
    last_tr = translation[-1].category if translation else ""
    for q in new:
        q.line = 0
        t = copy.deepcopy(q)
        if not q.category:  # as if written at the end of the file: under its last category
            q.category, t.category = last, last_tr
        questions.append(q)
        if translation is not None:
            translation.append(t)
    return questions, translation


# --------------------------------------------------------------------------- pages



def _load(course: Course, path: str) -> QuizFiles:
    try:
        return load(course, path)
    except LookupError:
        abort(404)


def _names(course: Course, files: QuizFiles) -> tuple[str, str | None]:
    return language_label(course.languages[0]), (language_label(files.lang) if files.lang else None)


def _quiz_page(course: Course, files: QuizFiles, status: int = 200, paste: forms.PasteForm | None = None,
               problem: str | None = None, conflict: QuizFiles | None = None):
    arrange = forms.ArrangeForm(formdata=None, base=files.main.base, base_tr=files.tr_base)
    if paste is None:
        paste = forms.PasteForm(formdata=None, base=files.main.base, base_tr=files.tr_base)
    flags = untranslated(files)
    rows = [(n, KIND_LABELS.get(q.kind, q.kind), q.title, _excerpt(q), flags[n - 1])
            for n, q in enumerate(files.main.questions, 1)]
    main_name, other_name = _names(course, files)
    return render_template("quizzes/studio/quiz.html", course=course, files=files, rows=rows, arrange=arrange,
                           paste=paste, problem=problem, conflict=conflict, kinds=KIND_LABELS,
                           title=localized(course.titles, current_language()), main_name=main_name,
                           other_name=other_name), status


def _excerpt(q: Question) -> str:
    text = " ".join((q.text + (" … " + q.text_after if q.text_after else "")).split())
    return text if len(text) <= EXCERPT else text[:EXCERPT - 1].rstrip() + "…"


def _stale(files: QuizFiles, base: str | None, base_tr: str | None) -> bool:
    return (base or "") != files.main.base or (base_tr or "") != files.tr_base


@trainer_required
def quiz(slug: str, path: str):
    course = packages.authored_or_404(slug)
    return _quiz_page(course, _load(course, path))


def _saved(course: Course, files: QuizFiles, questions, translation, message: str):
    """Check and save the new questions; the quiz page with the problem (422, or 409 with the quiz
    as now saved) when there is one."""
    try:
        save(current_user, course, files, texts(files, questions, translation))
    except drafts.Conflict as conflict:
        db.session.rollback()
        return _quiz_page(course, _load(course, files.main.path), 409, problem=str(conflict.message))
    except (Refusal, GiftWriteError) as problem:
        db.session.rollback()
        return _quiz_page(course, files, 422, problem=str(problem.message))
    db.session.commit()
    flash(message, "success")
    return redirect(url_for("quiz_studio.quiz", slug=course.slug, path=files.main.path))


@trainer_required
def arrange(slug: str, number: int, path: str):
    """Move question ``number`` up or down, or remove it, in the quiz and its translation."""
    course = packages.authored_or_404(slug)
    files = _load(course, path)
    form = forms.ArrangeForm()
    action = next((name for name in ("up", "down", "remove") if name in request.form), None)
    if not form.validate_on_submit() or action is None:
        abort(400)
    if _stale(files, form.base.data, form.base_tr.data):
        return _quiz_page(course, files, 409, problem=_(
            "Someone saved this quiz after you opened it: here it is as now saved. Nothing was changed; "
            "do it again if it is still needed."), conflict=files)
    if files.main.problem or not 1 <= number <= len(files.main.questions):
        abort(404)
    questions, translation = moved(files, number - 1, action)
    done = {"up": _("Question %(number)d moved up.", number=number),
            "down": _("Question %(number)d moved down.", number=number),
            "remove": _("Question %(number)d removed.", number=number)}[action]
    return _saved(course, files, questions, translation, done + " " + _("Publish the drafts when they are ready."))


@trainer_required
def paste(slug: str, path: str):
    """Add the questions of a pasted GIFT text at the end of the quiz (and of its translation)."""
    course = packages.authored_or_404(slug)
    files = _load(course, path)
    form = forms.PasteForm()
    if not form.validate_on_submit():
        if "csrf_token" in form.errors:
            abort(400)
        return _quiz_page(course, files, 422, paste=form)
    if _stale(files, form.base.data, form.base_tr.data):
        form.base.data, form.base_tr.data = files.main.base, files.tr_base
        form.gift.errors.append(_("Someone saved this quiz after you opened it: check the questions above, "
                                  "then add yours again (your text is kept here)."))
        return _quiz_page(course, files, 409, paste=form)
    if files.main.problem:
        abort(404)
    try:
        questions, translation = pasted(files, form.gift.data or "")
    except GiftError as error:
        form.gift.errors.append(_("Line %(line)d of the pasted text: %(message)s", line=error.line,
                                  message=error.message))
        return _quiz_page(course, files, 422, paste=form)
    added = len(questions) - len(files.main.questions)
    try:
        save(current_user, course, files, texts(files, questions, translation))
    except drafts.Conflict as conflict:  # saved by someone else in between: the quiz as now saved, her text kept
        db.session.rollback()
        files = _load(course, files.main.path)
        form.base.data, form.base_tr.data = files.main.base, files.tr_base
        form.gift.errors.append(str(conflict.message))
        return _quiz_page(course, files, 409, paste=form)
    except (Refusal, GiftWriteError) as problem:
        db.session.rollback()
        form.gift.errors.append(str(problem.message))
        return _quiz_page(course, files, 422, paste=form)
    db.session.commit()
    flash(ngettext("%(num)d question added as a draft. Publish the drafts when they are ready.",
                   "%(num)d questions added as a draft. Publish the drafts when they are ready.", added), "success")
    return redirect(url_for("quiz_studio.quiz", slug=slug, path=path))


def _question_page(course: Course, files: QuizFiles, index: int | None, kind: str):
    """Edit question ``index`` (None: a new question of ``kind``), in both languages."""
    if files.main.problem:
        abort(404)
    if index is not None:
        original = files.main.questions[index]
        original_tr = files.translation.questions[index] if files.paired else None
    else:  # a new question, at the end: in the last question's category, as if written there
        original = forms.blank(kind, files.main.questions)
        original_tr = forms.blank(kind, files.translation.questions) if files.paired else None
    form = forms.QuestionForm() if request.method == "POST" else forms.QuestionForm(formdata=None)
    status, problems, conflict = 200, [], None
    supported = not forms.has_part_formats(original) and not (original_tr and forms.has_part_formats(original_tr))
    if request.method == "GET":
        form.base.data, form.base_tr.data = files.main.base, files.tr_base
        forms.fill(form, original, original_tr)
    elif not form.validate_on_submit():
        if "csrf_token" in form.errors:
            abort(400)
        status = 422
    elif not supported:
        abort(422)
    elif _stale(files, form.base.data, form.base_tr.data):
        status, conflict = 409, files
        problems.append(_("Someone saved this quiz after you opened this question. Your entries are kept below: "
                          "copy what you need, then open the question again from the quiz (or edit the text)."))
    else:
        built = forms.build(form, kind, original, original_tr, files.paired)
        if built is None:  # the errors are on the answers' fields, which the form's own summary misses
            status = 422
            problems.append(_("Please correct what is marked below."))
        else:
            questions, translation = replaced(files, index, built)
            number = len(questions) if index is None else index + 1
            try:
                save(current_user, course, files, texts(files, questions, translation))
            except GiftWriteError as problem:
                db.session.rollback()
                _place(form, problem.message, kind, problems)
                status = 422
            except drafts.Conflict as clash:
                db.session.rollback()
                status, conflict = 409, _load(course, files.main.path)
                problems.append(str(clash.message))
            except (EditProblem, Refusal) as problem:
                db.session.rollback()
                problems.append(str(problem.message))
                status = 422
            else:
                db.session.commit()
                flash(_("Question %(number)d saved as a draft. Publish the drafts when they are ready.",
                        number=number), "success")
                return redirect(url_for("quiz_studio.quiz", slug=course.slug, path=files.main.path)
                                + f"#question-{number}")
    return _question_template(course, files, form, index, kind, status, problems, conflict, supported)


def _question_template(course, files, form, index, kind, status, problems, conflict, supported):
    main_name, other_name = _names(course, files)
    forms.label_languages(form, main_name, other_name if files.paired else None)
    kind_label = KIND_LABELS.get(kind, kind)
    heading = _("Question %(number)d: %(kind)s", number=index + 1, kind=kind_label) if index is not None \
        else _("New question: %(kind)s", kind=kind_label)
    return render_template("quizzes/studio/question.html", course=course, files=files, form=form, kind=kind,
                           heading=heading, bilingual=files.paired, problems=problems, conflict=conflict,
                           supported=supported, main_name=main_name, other_name=other_name,
                           choice_kinds=forms.CHOICE_KINDS), status


_ANSWER_NUMBER = re.compile(r"\b(numerical answer|matching pair|answer) (\d+)\b")


def _place(form: forms.QuestionForm, message: str, kind: str, problems: list[str]) -> None:
    """Put what GIFT refused on the field it names (answer n, the text...), else above the form."""
    found = _ANSWER_NUMBER.search(message)
    rows = {"numerical answer": form.numbers, "matching pair": form.pairs, "answer": form.choices}
    if found:
        rows_of_kind = rows[found.group(1)]
        filled = [row for row in rows_of_kind if (next(iter(row.form)).data or "").strip()]
        n = int(found.group(2))
        if 1 <= n <= len(filled):
            next(iter(filled[n - 1].form)).errors.append(message)
            return
    target = {"numerical": form.numbers, "matching": form.pairs}.get(kind)
    if target is None and kind in forms.CHOICE_KINDS:
        target = form.choices
    if "general feedback" in message:
        form.general_feedback.errors.append(message)
    elif target is not None and len(target):
        next(iter(target[0].form)).errors.append(message)
    else:
        form.text.errors.append(message)


@trainer_required
def question(slug: str, number: int, path: str):
    course = packages.authored_or_404(slug)
    files = _load(course, path)
    if not 1 <= number <= len(files.main.questions):
        abort(404)
    return _question_page(course, files, number - 1, files.main.questions[number - 1].kind)


@trainer_required
def new_question(slug: str, kind: str, path: str):
    course = packages.authored_or_404(slug)
    if kind not in KIND_LABELS:
        abort(404)
    return _question_page(course, _load(course, path), None, kind)
