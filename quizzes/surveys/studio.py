"""The Studio's survey editor: an instrument file (surveys/<name>.yaml) as items and fields.

It reads the file's current text (the draft, else the newest version's), shows its items in
order with buttons to edit, move and remove them, offers templates for new items, and saves the
text it writes as the file's draft through ``drafts.save`` with the hash of the text the page was
opened from: drafts, the conflict check and publishing stay the text editor's. Every text it
writes is read again with the package's own reader first; a problem is shown on its field and
nothing is saved. An item keeps its id in every phase (that is how answers before and after
match), so the id of an item people have answered cannot change here; a knowledge item's new
right answer, or removing an item people answered, is saved only once the author has seen what
it changes in the stored answers.
"""
from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length

from courses.models import Course, localized
from courses.services import language_label
from courses.studio import drafts, packages
from quizzes.surveys import instrument_file
from quizzes.surveys.instrument_file import MAX_CHOICES, MAX_ITEMS, TEXT_MAX, ItemFields
from quizzes.surveys.items import CHOICE_TYPES, SCALE_TYPES
from quizzes.surveys.package import ITEM_TYPES
from quizzes.surveys.studio_routes import PATH
from training.extensions import db
from training.i18n import current_language
from training.params import whole_number
from training.refusals import Refusal
from training.roles import trainer_required

PHASE_LABELS = {"pre": _l("Before (pre)"), "post": _l("After (post)"), "followup": _l("Follow-up")}
TYPE_LABELS = {
    "knowledge": _l("Knowledge (one right answer)"), "likert": _l("Likert (agree or disagree)"),
    "self": _l("Self-assessment"), "retro": _l("Looking back (retro)"), "single": _l("One choice (counted only)"),
    "multiple": _l("Several choices (counted only)"), "text": _l("Free text"),
}
#: The "Add an item" templates: name -> (label, the item it starts from).
TEMPLATES = {
    "knowledge": (_l("A knowledge item, with its right answer"), {"type": "knowledge", "answer": 0}),
    "likert": (_l("A Likert item (agree or disagree; reversed if worded negatively)"), {"type": "likert"}),
    "headline": (_l("The self-report headline (“this course increased my knowledge”), asked after"),
                 {"type": "likert", "headline": "self_report", "phases": ["post"]}),
    "self": (_l("A self-assessment (“my ability to …”), asked before and after"), {"type": "self"}),
    "retro": (_l("A looking-back item (“before this course, my ability was …”), asked after"), {"type": "retro"}),
    "single": (_l("A question with one choice (counted only)"), {"type": "single"}),
    "multiple": (_l("A question with several choices (counted only)"), {"type": "multiple"}),
    "text": (_l("A free-text question, asked after"), {"type": "text"}),
}
#: Course content the templates start from, per course language (not the interface's language).
AGREEMENT = {"en": ["Strongly disagree", "Disagree", "Neither", "Agree", "Strongly agree"],
             "zh": ["非常不同意", "不同意", "说不清", "同意", "非常同意"]}
HEADLINE = {"en": "This course increased my knowledge and skills.", "zh": "本课程提高了我的知识和技能。"}
ID_RULE = _l("An item keeps its id in every phase: the survey before and the survey after ask the same ids, and "
             "that is how each person's answers before and after are matched. Lowercase letters, digits and "
             "hyphens. Once people have answered an item, its id cannot change here (their answers would no "
             "longer match): to ask something else, add a new item.")


# --- Forms --------------------------------------------------------------------------------------

class RowForm(FlaskForm):
    """The buttons of one item on the instrument page."""

    base = HiddenField()
    index = HiddenField()
    confirmed = HiddenField()
    up = SubmitField(_l("Move up"))
    down = SubmitField(_l("Move down"))
    remove = SubmitField(_l("Remove"))


class ItemForm(FlaskForm):
    """One item; the fields of its type and of the course's languages are added by ``_item_form``."""

    base = HiddenField()
    index = HiddenField()  # its position in the file opened ("" for a new item)
    original = HiddenField()  # its id in the file opened ("" for a new item)
    kind = HiddenField()
    slots = HiddenField()  # how many choice rows the form has
    confirmed = HiddenField()  # the new right answer she has seen the recount of
    item_id = StringField(_l("Id"), validators=[Length(max=64)], description=ID_RULE)
    phase_pre = BooleanField(PHASE_LABELS["pre"])
    phase_post = BooleanField(PHASE_LABELS["post"])
    phase_followup = BooleanField(PHASE_LABELS["followup"])
    save = SubmitField(_l("Save draft"))


def _item_form(kind: str, languages: list[str], slots: int, self_ids: list[str], /, **kwargs) -> ItemForm:
    """The item form for this type, the course's languages and ``slots`` choice rows; ``kwargs``
    are the form's data (its hidden fields) or formdata=None."""
    attrs: dict = {}
    for lang in languages:
        attrs[f"text_{lang}"] = TextAreaField(_l("Question in %(language)s", language=language_label(lang)),
                                              validators=[Length(max=TEXT_MAX)], render_kw={"rows": 2})
    if kind in CHOICE_TYPES:
        for i in range(slots):
            for lang in languages:
                attrs[f"choice_{i}_{lang}"] = StringField(
                    _l("Choice %(number)d in %(language)s", number=i + 1, language=language_label(lang)),
                    validators=[Length(max=TEXT_MAX)])
    if kind == "knowledge":
        attrs["answer"] = SelectField(_l("The right answer"), validate_choice=False,
                                      choices=[SelectChoice(str(i), _l("Choice %(number)d", number=i + 1))
                                               for i in range(slots)])
    if kind in SCALE_TYPES:
        attrs["points"] = SelectField(_l("Points on the scale"), choices=[SelectChoice("5", "5"), SelectChoice("7", "7")],
                                      default="5")
        attrs["reversed"] = BooleanField(_l("Reversed: worded negatively (agreeing is the weaker answer; its score is turned)"))
        for lang in languages:
            attrs[f"labels_{lang}"] = TextAreaField(
                _l("Labels in %(language)s (optional): one per line, from the lowest point to the highest",
                   language=language_label(lang)), validators=[Length(max=TEXT_MAX)], render_kw={"rows": 5})
    if kind == "likert":
        attrs["headline"] = BooleanField(_l("The self-report headline: reported as “this course increased my "
                                            "knowledge”, labelled as self-report (ask it after the course)"))
    if kind == "retro":
        attrs["of"] = SelectField(_l("Looks back on the self-assessment"), validate_choice=False,
                                  choices=[SelectChoice(i, i) for i in self_ids],
                                  description=_l("Asked after the course: “before this course, my … was”, compared "
                                                 "with the answer to this self-assessment."))
    form_class = type("SurveyItemForm", (ItemForm,), attrs)
    return form_class(**kwargs)


# --- Loading ------------------------------------------------------------------------------------



def _open(course: Course, path: str) -> tuple[str, bool]:
    if not PATH.fullmatch(path):
        abort(404)
    try:
        return drafts.current_text(course, path)
    except LookupError:
        abort(404)


def _name(path: str) -> str:
    return path.removeprefix("surveys/").removesuffix(".yaml")


def _k() -> int:
    return int(current_app.config.get("AMICUS_MIN_CELL", 5))


def _text_start(raw: dict, languages: list[str]) -> str:
    texts = instrument_file.fields_of(raw, languages).text
    text = localized({k: v for k, v in texts.items() if v}, current_language()) or ""
    return text if len(text) <= 90 else text[:87].rstrip() + "…"


def _instrument_page(course: Course, path: str, text: str, drafted: bool, status: int = 200, message: str = "",
                     confirm: dict | None = None):
    languages = list(course.languages)
    try:
        instrument = instrument_file.parse(text)
    except instrument_file.Unreadable as unreadable:
        return render_template("survey_studio/instrument.html", course=course, path=path, drafted=drafted,
                               unreadable=str(unreadable), rows=[], problems=[], message=message,
                               templates=TEMPLATES, confirm=None), status
    base = drafts.text_hash(text)
    rows = []
    for index, raw in enumerate(instrument.items):
        kind = raw.get("type")
        rows.append({
            "index": index, "id": str(raw.get("id", "")), "type": TYPE_LABELS.get(kind, str(kind)),
            "headline": raw.get("headline") == "self_report", "reversed": bool(raw.get("reversed")),
            "text": _text_start(raw, languages),
            "phases": [str(PHASE_LABELS.get(p, p)) for p in instrument_file.fields_of(raw, languages).phases],
            "missing": [language_label(lang) for lang in instrument_file.missing_languages(raw, languages)],
            "form": RowForm(formdata=None, base=base, index=str(index)),
            "editable": kind in ITEM_TYPES and len(raw.get("choices") or []) <= MAX_CHOICES})
    problems = instrument_file.check(text, path, course.slug, languages) if instrument.items else []
    return render_template("survey_studio/instrument.html", course=course, path=path, drafted=drafted,
                           unreadable=None, rows=rows, problems=problems, message=message, templates=TEMPLATES,
                           confirm=confirm, full=len(instrument.items) >= MAX_ITEMS), status


def _save(course: Course, path: str, text: str, base: str) -> None:
    """Save the text as the draft (the caller handles Conflict and Refusal)."""
    drafts.save(current_user, course, path, text, base)
    db.session.commit()


# --- The instrument page: its items, moving and removing them -------------------------------------

@trainer_required
def instrument(slug: str, path: str):
    course = packages.authored_or_404(slug)
    text, drafted = _open(course, path)
    return _instrument_page(course, path, text, drafted)


def _row_action(slug: str, path: str):
    """(course, (the text opened, whether it is a draft, the instrument, the item's index, the form))
    for a row's button, or a response."""
    course = packages.authored_or_404(slug)
    text, drafted = _open(course, path)
    form = RowForm()
    index = whole_number(request.form, "index")
    if not form.validate_on_submit() or not form.base.data or index is None:
        abort(400)
    if form.base.data != drafts.text_hash(text):
        return course, None, _instrument_page(course, path, text, drafted, 409, _(
            "Someone saved this file after you opened it. Here it is as now saved: nothing was changed; "
            "do it again if it is still needed."))
    try:
        instrument = instrument_file.parse(text)
    except instrument_file.Unreadable:
        abort(400)
    if not 0 <= index < len(instrument.items):
        abort(400)
    return course, (text, drafted, instrument, index, form), None


def _new_problems(course: Course, path: str, new_text: str, text: str) -> list:
    """The problems the package's reader finds in ``new_text`` that ``text`` (the file as opened)
    did not have: a change is refused for what it breaks, not for what was broken before it (an
    author mends a file one item at a time)."""
    languages = list(course.languages)
    found = instrument_file.check(new_text, path, course.slug, languages)
    if found:
        before = {problem.message for problem in instrument_file.check(text, path, course.slug, languages)}
        found = [problem for problem in found if problem.message not in before]
    return found


def _write(course: Course, path: str, text: str, drafted: bool, instrument, base: str, done: str):
    new_text = instrument_file.dump(instrument)
    problems = _new_problems(course, path, new_text, text)
    if problems:
        return _instrument_page(course, path, text, drafted, 422, _(
            "The file would have problems, so nothing was saved: %(problems)s",
            problems="; ".join(f"{p.line}: {p.message}" for p in problems)))
    try:
        _save(course, path, new_text, base)
    except drafts.Conflict as conflict:
        db.session.rollback()
        return _instrument_page(course, path, conflict.saved, True, 409, str(conflict.message))
    except Refusal as refusal:
        db.session.rollback()
        return _instrument_page(course, path, text, drafted, 422, str(refusal.message))
    flash(done, "success")
    return redirect(url_for("survey_studio.instrument", slug=course.slug, path=path))


@trainer_required
def move(slug: str, path: str):
    course, opened, response = _row_action(slug, path)
    if response is not None:
        return response
    text, drafted, instrument, index, form = opened
    to = index - 1 if form.up.data else index + 1
    if not 0 <= to < len(instrument.items):
        return redirect(url_for("survey_studio.instrument", slug=slug, path=path))
    items = instrument.items
    items[index], items[to] = items[to], items[index]
    return _write(course, path, text, drafted, instrument, form.base.data, _("Moved. The draft is saved."))


@trainer_required
def remove(slug: str, path: str):
    course, opened, response = _row_action(slug, path)
    if response is not None:
        return response
    text, drafted, instrument, index, form = opened
    item_id = str(instrument.items[index].get("id", ""))
    answered = instrument_file.answered(course.id, _name(path), item_id) if item_id else []
    if answered and form.confirmed.data != item_id:
        k = _k()
        confirm = {"id": item_id, "index": index, "k": k,
                   "rows": [(activity, str(PHASE_LABELS.get(phase, phase)), n if n >= k else None)
                            for activity, phase, n in answered],
                   "form": RowForm(formdata=None, base=form.base.data, index=str(index), confirmed=item_id)}
        return _instrument_page(course, path, text, drafted, 200, confirm=confirm)
    del instrument.items[index]
    return _write(course, path, text, drafted, instrument, form.base.data,
                  _("The item “%(id)s” is removed. The draft is saved.", id=item_id))


# --- One item: editing it, or adding one from a template -----------------------------------------

def _self_ids(instrument, exclude: int | None = None) -> list[str]:
    return [str(raw.get("id")) for i, raw in enumerate(instrument.items) if raw.get("type") == "self" and i != exclude]


def _slots(fields: ItemFields) -> int:
    return min(MAX_CHOICES, max(len(fields.choices) + 2, 4 if fields.type == "knowledge" else 3))


def _fill(form: ItemForm, fields: ItemFields, languages: list[str]) -> None:
    form.item_id.data = fields.id
    for phase in ("pre", "post", "followup"):
        form[f"phase_{phase}"].data = phase in fields.phases
    for lang in languages:
        form[f"text_{lang}"].data = fields.text.get(lang, "")
        if f"labels_{lang}" in form:
            form[f"labels_{lang}"].data = "\n".join(fields.labels.get(lang, []))
    if fields.type in CHOICE_TYPES:
        for i, choice in enumerate(fields.choices[:int(form.slots.data)]):
            for lang in languages:
                form[f"choice_{i}_{lang}"].data = choice.get(lang, "")
    if "answer" in form:
        form.answer.data = str(fields.answer or 0)
    if "points" in form:
        form.points.data = str(fields.points)
        form.reversed.data = fields.reversed
    if "headline" in form:
        form.headline.data = fields.headline
    if "of" in form:
        form.of.data = fields.of


def _template_fields(name: str, instrument, languages: list[str]) -> ItemFields:
    start = dict(TEMPLATES[name][1])
    kind = start["type"]
    if kind in SCALE_TYPES and kind != "self":
        start["labels"] = {lang: AGREEMENT[lang] for lang in languages if lang in AGREEMENT} if kind == "likert" else {}
    if name == "headline":
        taken = {raw.get("id") for raw in instrument.items}
        start["id"] = "knowledge-increased" if "knowledge-increased" not in taken else ""
        start["text"] = {lang: HEADLINE[lang] for lang in languages if lang in HEADLINE}
    if kind == "retro":
        selfs = _self_ids(instrument)
        start["of"] = selfs[0] if selfs else ""
    return instrument_file.fields_of(start, languages)


def _read(form: ItemForm, kind: str, languages: list[str], slots: int) -> tuple[ItemFields, dict[str, str]]:
    """The item as the form gives it, and the problems found before the package's reader: field -> message."""
    errors: dict[str, str] = {}
    first = languages[0]
    fields = ItemFields(id=(form.item_id.data or "").strip(), type=kind,
                        text={lang: (form[f"text_{lang}"].data or "").strip() for lang in languages},
                        phases=[p for p in ("pre", "post", "followup") if form[f"phase_{p}"].data])
    if not instrument_file.valid_id(fields.id):
        errors["item_id"] = _("Give the item an id: lowercase letters, digits and hyphens, e.g. order-length.")
    if not fields.text.get(first):
        errors[f"text_{first}"] = _("Write the question in %(language)s.", language=language_label(first))
    if not fields.phases:
        errors["phase_pre"] = _("Choose at least one phase in which it is asked.")
    if kind in CHOICE_TYPES:
        rows, positions = [], {}
        for i in range(slots):
            row = {lang: (form[f"choice_{i}_{lang}"].data or "").strip() for lang in languages}
            if any(row.values()):
                if not row[first]:
                    errors.setdefault(f"choice_{i}_{first}", _("Write this choice in %(language)s.",
                                                               language=language_label(first)))
                positions[i] = len(rows)
                rows.append(row)
        fields.choices = rows
        if len(rows) < 2:
            errors.setdefault(f"choice_0_{first}", _("Give at least two choices."))
        if kind == "knowledge":
            chosen = form.answer.data
            if not ((chosen or "").isascii() and (chosen or "").isdigit()) or int(chosen) not in positions:
                errors["answer"] = _("Choose the right answer among the choices written.")
            else:
                fields.answer = positions[int(chosen)]
    if kind in SCALE_TYPES:
        fields.points = 7 if form.points.data == "7" else 5
        fields.reversed = bool(form.reversed.data)
        for lang in languages:
            labels = [line.strip() for line in (form[f"labels_{lang}"].data or "").splitlines() if line.strip()]
            if labels and len(labels) != fields.points:
                errors[f"labels_{lang}"] = _("Give %(points)d labels, one per line, or none.", points=fields.points)
            elif labels:
                fields.labels[lang] = labels
    if kind == "likert":
        fields.headline = bool(form.headline.data)
    if kind == "retro":
        fields.of = form.of.data or ""
        if fields.of not in [choice.value for choice in form.of.choices]:
            errors["of"] = _("Choose the self-assessment it looks back on (add one first if there is none).")
    return fields, errors


_KEY_FIELDS = {"id": "item_id", "answer": "answer", "of": "of", "phases": "phase_pre", "headline": "headline",
               "points": "points", "reversed": "reversed"}


def _field_of(key: str | None, languages: list[str], form: ItemForm) -> str | None:
    first = languages[0]
    name = {"text": f"text_{first}", "choices": f"choice_0_{first}", "labels": f"labels_{first}"}.get(
        key or "", _KEY_FIELDS.get(key or ""))
    return name if name and name in form else None


def _item_page(course, path, form, kind, languages, drafted, status=200, problems=(), saved_text=None,
               recounts=None, new_answer=None):
    slots = int(form.slots.data)
    choice_rows = [[form[f"choice_{i}_{lang}"] for lang in languages] for i in range(slots)] \
        if kind in CHOICE_TYPES else []
    missing = [language_label(lang) for lang in languages[1:]
               if form[f"text_{languages[0]}"].data and not form[f"text_{lang}"].data]
    return render_template(
        "survey_studio/item.html", course=course, path=path, form=form, kind=kind, type_label=TYPE_LABELS[kind],
        languages=languages, texts=[form[f"text_{lang}"] for lang in languages], choice_rows=choice_rows,
        labels=[form[f"labels_{lang}"] for lang in languages] if kind in SCALE_TYPES else [],
        missing=missing, drafted=drafted, problems=list(problems), saved_text=saved_text, recounts=recounts,
        new_answer=new_answer, k=_k(), phase_labels=PHASE_LABELS), status


@trainer_required
def item(slug: str, path: str):
    """Edit one item (``?item=<position>``) or add one from a template (``?new=<template>``)."""
    course = packages.authored_or_404(slug)
    text, drafted = _open(course, path)
    languages = list(course.languages)
    unreadable = None
    try:
        instrument = instrument_file.parse(text)
    except instrument_file.Unreadable as problem:
        if request.method == "GET":
            flash(_("This file cannot be shown as a form: open it in the text editor."), "error")
            return redirect(url_for("survey_studio.instrument", slug=slug, path=path))
        instrument, unreadable = instrument_file.Instrument("", {"items": []}), str(problem)
    if request.method == "GET":
        return _item_get(course, path, text, drafted, instrument, languages)
    kind = request.form.get("kind", "")
    if kind not in ITEM_TYPES:
        abort(400)
    slots = min(MAX_CHOICES, max(2, whole_number(request.form, "slots", default=0)))
    form = _item_form(kind, languages, slots, _self_ids(instrument, whole_number(request.form, "index")))
    form.slots.data = str(slots)  # the rows the page shows, whatever was sent
    if not form.validate_on_submit():  # lengths (CSRF is checked for the whole app before)
        return _item_page(course, path, form, kind, languages, drafted, 422)
    if unreadable is not None:  # someone saved a text the form cannot read: hers stays on the page
        return _item_page(course, path, form, kind, languages, drafted, 409, [_(
            "The file as now saved cannot be shown as a form (%(problem)s): copy your item into the text "
            "editor.", problem=unreadable)], saved_text=text)
    return _item_post(course, path, text, drafted, instrument, languages, form, kind, slots)


def _item_get(course, path, text, drafted, instrument, languages):
    if "new" not in request.args and "item" not in request.args:
        return redirect(url_for("survey_studio.instrument", slug=course.slug, path=path))
    if request.args.get("new") in TEMPLATES:
        if len(instrument.items) >= MAX_ITEMS:
            flash(_("An instrument may have at most %(max)d items.", max=MAX_ITEMS), "error")
            return redirect(url_for("survey_studio.instrument", slug=course.slug, path=path))
        fields = _template_fields(request.args["new"], instrument, languages)
        index, original = "", ""
    else:
        try:
            position = int(request.args.get("item", ""))
            raw = instrument.items[position]
        except (ValueError, IndexError):
            abort(404)
        if position < 0 or raw.get("type") not in ITEM_TYPES or len(raw.get("choices") or []) > MAX_CHOICES:
            abort(404)  # an item the form cannot hold whole is edited as text
        fields = instrument_file.fields_of(raw, languages)
        index, original = str(position), fields.id
    form = _item_form(fields.type, languages, _slots(fields),
                      _self_ids(instrument, int(index) if index else None), formdata=None,
                      base=drafts.text_hash(text), index=index, original=original, kind=fields.type,
                      slots=str(_slots(fields)))
    _fill(form, fields, languages)
    if original and instrument_file.answered(course.id, _name(path), original):
        form.item_id.render_kw = {"readonly": True}  # refused on saving anyway: say so before she types
        form.item_id.description = _("People have answered this item, so its id stays “%(id)s”: their answers "
                                     "before and after are matched by it. To ask something else, add a new item.",
                                     id=original)
    return _item_page(course, path, form, fields.type, languages, drafted)


def _item_post(course, path, text, drafted, instrument, languages, form, kind, slots):
    fields, errors = _read(form, kind, languages, slots)
    opened_text = text
    index = whole_number(request.form, "index")
    if form.base.data != drafts.text_hash(text):
        # Saved by someone else since she opened it: her item goes into the text now saved, where
        # its id still is (a new item: at the end), once she has seen that text and saves again.
        index = instrument.index_of(form.original.data) if form.original.data else None
        if form.original.data and index is None:
            form.item_id.errors = list(form.item_id.errors) + [
                _("This item is no longer in the file as now saved: saving again adds it at the end.")]
        form.base.data, form.index.data = drafts.text_hash(text), "" if index is None else str(index)
        return _item_page(course, path, form, kind, languages, drafted, 409, [_(
            "Someone saved this file after you opened it. Your item is below and the text now saved after "
            "it: check it, then save again to put your item into that text.")], saved_text=text)
    if index is not None and not (0 <= index < len(instrument.items)
                                  and instrument.items[index].get("id") == form.original.data):
        abort(400)
    previous = instrument.items[index] if index is not None else None
    if index is None and len(instrument.items) >= MAX_ITEMS:
        errors.setdefault("item_id", _("An instrument may have at most %(max)d items.", max=MAX_ITEMS))
    others = {raw.get("id") for i, raw in enumerate(instrument.items) if i != index}
    if fields.id in others:
        errors.setdefault("item_id", _("Another item has the id “%(id)s”: each item's id is its own.", id=fields.id))
    original = form.original.data or ""
    if original and fields.id != original and "item_id" not in errors \
            and instrument_file.answered(course.id, _name(path), original):
        errors["item_id"] = _("People have answered this item under the id “%(id)s”: it cannot change, or their "
                              "answers before and after would no longer match. To ask something else, add a new "
                              "item.", id=original)
    if errors:
        for name, message in errors.items():
            form[name].errors = list(form[name].errors) + [message]
        return _item_page(course, path, form, kind, languages, drafted, 422)
    raw = instrument_file.raw_of(fields, languages, previous)
    if index is None:
        instrument.items.append(raw)
        index = len(instrument.items) - 1
    else:
        instrument.items[index] = raw
    new_text = instrument_file.dump(instrument)
    problems = []
    for problem in _new_problems(course, path, new_text, text):
        name = _field_of(problem.key, languages, form) if problem.item == index else None
        if name:
            form[name].errors = list(form[name].errors) + [problem.message]
        else:
            problems.append(_("Line %(line)d of the file: %(message)s", line=problem.line, message=problem.message))
    if problems or form.errors:
        return _item_page(course, path, form, kind, languages, drafted, 422, problems)
    if kind == "knowledge" and previous is not None and previous.get("answer") != fields.answer \
            and form.confirmed.data != str(fields.answer):
        recounts = instrument_file.recount(course.id, _name(path), original, fields.answer)
        if any(r.changes for r in recounts):
            form.confirmed.data = str(fields.answer)
            # The answer select shows the row she chose; the choices are saved without empty rows.
            return _item_page(course, path, form, kind, languages, drafted, 200, recounts=recounts,
                              new_answer=fields.answer)
    try:
        _save(course, path, new_text, drafts.text_hash(opened_text))
    except drafts.Conflict as conflict:  # saved by someone else in between: as above
        db.session.rollback()
        form.base.data = drafts.text_hash(conflict.saved)
        return _item_page(course, path, form, kind, languages, drafted, 409, [str(conflict.message)],
                          saved_text=conflict.saved)
    except Refusal as refusal:
        db.session.rollback()
        return _item_page(course, path, form, kind, languages, drafted, 422, [str(refusal.message)])
    flash(_("The item “%(id)s” is saved in the draft. Publish the drafts when they are ready.", id=fields.id),
          "success")
    return redirect(url_for("survey_studio.instrument", slug=course.slug, path=path) + f"#item-{fields.id}")
