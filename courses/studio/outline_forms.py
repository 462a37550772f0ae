"""The outline editor's forms (courses/studio/outline.py): the course's settings, a module, an
activity's options by kind, and the buttons' forms. Every form carries the hash of the course.yaml
text it was filled from (``base``)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    FloatField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, NumberRange, Optional, Regexp
from wtforms.widgets import CheckboxInput, ListWidget

from courses.studio import outline_doc as outline

LANGS = ("en", "zh")
SLUG_HELP = _l("Lowercase letters, digits and hyphens, e.g. evidence.")
_slug = Regexp(r"^[a-z0-9][a-z0-9-]{0,63}$", message=_l("Use lowercase letters, digits and hyphens, e.g. evidence."))
# The quiz's and the survey's options (quizzes/package.py, quizzes/surveys/package.py: courses may not
# import them; the reader checks every value before a save).
GRADINGS = [SelectChoice("highest", _l("The highest attempt")), SelectChoice("last", _l("The last attempt")),
            SelectChoice("first", _l("The first attempt")), SelectChoice("average", _l("The average of the attempts"))]
PHASES = [SelectChoice("pre", _l("Before the course")), SelectChoice("post", _l("After the course")),
          SelectChoice("followup", _l("A follow-up"))]
RULES = [SelectChoice("", _l("As by default")), SelectChoice("all", _l("All of them")),
         SelectChoice("none", _l("None of them")), SelectChoice("list", _l("Those ticked below"))]
KIND_LABELS = {"lesson": _l("Lesson"), "quiz": _l("Quiz"), "survey": _l("Survey"), "case": _l("Case exercise")}


class _Checkboxes(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class StepForm(FlaskForm):
    """A button's form: Move up, Move down, Remove (only the CSRF token and the text's hash)."""

    base = HiddenField()


class SettingsForm(FlaskForm):
    base = HiddenField()
    title_en = StringField(_l("Title in English"), validators=[Length(max=200)])
    title_zh = StringField(_l("Title in Chinese"), validators=[Length(max=200)])
    summary_en = TextAreaField(_l("Summary in English"), validators=[Length(max=2000)], render_kw={"rows": 4})
    summary_zh = TextAreaField(_l("Summary in Chinese"), validators=[Length(max=2000)], render_kw={"rows": 4})
    content_warning_en = TextAreaField(_l("Content warning in English (optional)"), validators=[Length(max=2000)],
                                       render_kw={"rows": 3})
    content_warning_zh = TextAreaField(_l("Content warning in Chinese (optional)"), validators=[Length(max=2000)],
                                       render_kw={"rows": 3})
    track = SelectField(_l("Who it is for"), choices=[])
    last_reviewed = DateField(_l("Last reviewed"), validators=[Optional()],
                              description=_l("Shown on the course page. Leave it empty if nobody has reviewed the course."))
    sequential = BooleanField(_l("Sequential: each module opens when the one before is complete"))
    completion_lessons = SelectField(_l("Lessons to complete"), choices=RULES)
    required_lessons = _Checkboxes(_l("Lessons"), choices=[])
    completion_quizzes = SelectField(_l("Quizzes to pass"), choices=RULES)
    required_quizzes = _Checkboxes(_l("Quizzes"), choices=[])
    completion_surveys = SelectField(_l("Surveys to answer"), choices=RULES)
    required_surveys = _Checkboxes(_l("Surveys"), choices=[])
    completion_cases = SelectField(_l("Case exercises to pass"), choices=RULES)
    required_cases = _Checkboxes(_l("Case exercises"), choices=[])
    attendance = StringField(_l("Sessions to attend (optional)"), validators=[Length(max=5)],
                             description=_l("A share of the cohort's sessions, like 80%. Leave it empty to ask for none."))
    certificate = SelectField(_l("Certificate"), choices=[
        SelectChoice("yes", _l("Participants who complete the course get one")),
        SelectChoice("no", _l("No certificates for this course"))],
        description=_l("Choosing no certificates takes the certificate's design out of course.yaml."))
    certificate_title_en = StringField(_l("Certificate's title in English"), validators=[Length(max=200)])
    certificate_title_zh = StringField(_l("Certificate's title in Chinese"), validators=[Length(max=200)])
    certificate_text_en = StringField(_l("Certificate's text in English"), validators=[Length(max=500)])
    certificate_text_zh = StringField(_l("Certificate's text in Chinese"), validators=[Length(max=500)])
    colour_primary = StringField(_l("Main colour"), validators=[Optional(), Regexp(
        r"^#[0-9a-fA-F]{6}$", message=_l("A colour like #5b2333."))], description=_l("Like #5b2333."))
    colour_accent = StringField(_l("Second colour"), validators=[Optional(), Regexp(
        r"^#[0-9a-fA-F]{6}$", message=_l("A colour like #5b2333."))], description=_l("Like #b08d57."))
    save = SubmitField(_l("Save the course settings"))


class ModuleForm(FlaskForm):
    base = HiddenField()
    opened = HiddenField()  # the module's short name when the page was opened: which module the form is
    slug = StringField(_l("Short name"), validators=[Length(max=64), _slug], description=SLUG_HELP)
    title_en = StringField(_l("Title in English"), validators=[Length(max=200)])
    title_zh = StringField(_l("Title in Chinese"), validators=[Length(max=200)])
    summary_en = TextAreaField(_l("Summary in English (optional)"), validators=[Length(max=2000)], render_kw={"rows": 3})
    summary_zh = TextAreaField(_l("Summary in Chinese (optional)"), validators=[Length(max=2000)], render_kw={"rows": 3})
    requires_previous = SelectField(_l("Opens"), choices=[
        SelectChoice("", _l("As the course says (sequential or not)")),
        SelectChoice("yes", _l("When the module before is complete")), SelectChoice("no", _l("From the start"))])
    save = SubmitField(_l("Save the module"))


class AddModuleForm(FlaskForm):
    base = HiddenField()
    slug = StringField(_l("Short name of the new module"), validators=[Length(max=64), _slug], description=SLUG_HELP)
    title_en = StringField(_l("Title in English"), validators=[Length(max=200)])
    title_zh = StringField(_l("Title in Chinese"), validators=[Length(max=200)])
    lesson = StringField(_l("Its first lesson's file name"), validators=[Length(max=64), _slug],
                         description=_l("A module holds at least one activity: a lesson of this name is listed in it "
                                        "(a new lesson file is made as a draft, in each language)."))
    add = SubmitField(_l("Add the module"))


class AddActivityForm(FlaskForm):
    base = HiddenField()
    kind = SelectField(_l("Kind"), choices=[])
    name = StringField(_l("File name"), validators=[Length(max=64), _slug],
                       description=_l("A lesson's or a quiz's file name without its ending (e.g. 03-evidence), a survey's "
                                      "or a case's short name; a new one is made as a draft in each language."))
    title_en = StringField(_l("Title in English"), validators=[Length(max=200)],
                           description=_l("A quiz and a survey show it; a new lesson starts with it as its heading."))
    title_zh = StringField(_l("Title in Chinese"), validators=[Length(max=200)])
    phase = SelectField(_l("When a survey is asked"), choices=PHASES)
    instrument = SelectField(_l("A survey's questions (its file in surveys/)"), choices=[], validate_choice=False,
                             validators=[Length(max=64)])
    add = SubmitField(_l("Add the activity"))


class ActivityForm(FlaskForm):
    base = HiddenField()
    opened = HiddenField()  # "kind:name" of the activity when the page was opened: which activity the form is
    title_en = StringField(_l("Title in English"), validators=[Length(max=200)])
    title_zh = StringField(_l("Title in Chinese"), validators=[Length(max=200)])
    content_warning_en = TextAreaField(_l("Content warning in English (optional)"), validators=[Length(max=2000)],
                                       render_kw={"rows": 3}, description=_l("Readers see it on a page of its own first."))
    content_warning_zh = TextAreaField(_l("Content warning in Chinese (optional)"), validators=[Length(max=2000)],
                                       render_kw={"rows": 3})
    pass_mark = FloatField(_l("Pass mark, percent (optional)"), validators=[Optional(), NumberRange(0, 100)],
                           description=_l("Without one, submitting completes the quiz."))
    attempts = IntegerField(_l("Attempts allowed (optional)"), validators=[Optional(), NumberRange(0, 100)],
                            description=_l("0 or empty: unlimited."))
    grading = SelectField(_l("Grade"), choices=GRADINGS)
    time_limit = IntegerField(_l("Time limit in minutes (optional)"), validators=[Optional(), NumberRange(1, 600)])
    shuffle_questions = BooleanField(_l("Questions in a random order"))
    shuffle_answers = BooleanField(_l("Choices in a random order"))
    review_score = BooleanField(_l("Afterwards, participants see their score"))
    review_answers = BooleanField(_l("Afterwards, participants see the right answers"))
    review_feedback = BooleanField(_l("Afterwards, participants see the feedback"))
    from_bank = StringField(_l("Questions from the question bank's category (optional)"), validators=[Length(max=200)],
                            description=_l("Leave empty to ask the questions of the quiz's file."))
    phase = SelectField(_l("When it is asked"), choices=PHASES)
    instrument = SelectField(_l("Its questions (a file in surveys/)"), choices=[], validate_choice=False,
                             validators=[Length(max=64)])
    save = SubmitField(_l("Save the activity"))


#: Which of ActivityForm's fields each kind has (the keys its package reader knows).
KIND_FIELDS = {
    "lesson": ("content_warning",),
    "quiz": ("title", "content_warning", "pass_mark", "attempts", "grading", "time_limit", "shuffle_questions",
             "shuffle_answers", "review_score", "review_answers", "review_feedback", "from_bank"),
    "survey": ("title", "content_warning", "phase", "instrument"),
    "case": (),
}
LOCALIZED = ("title", "summary", "content_warning")


# --- Each form from the document, and back ------------------------------------------------------------

def fill_settings(form: SettingsForm, doc: dict, languages: list[str]) -> None:
    """The course's settings as course.yaml has them."""
    for key in ("title", "summary", "content_warning"):
        for lang, value in outline.texts(doc.get(key), languages).items():
            if lang in LANGS:
                form[f"{key}_{lang}"].data = value
    form.track.data = doc.get("track")
    form.last_reviewed.data = outline.review_date(doc.get("last_reviewed"))
    form.sequential.data = doc.get("sequential") is True
    completion = doc.get("completion") if isinstance(doc.get("completion"), dict) else {}
    for key in outline.COMPLETION_KINDS:
        value = completion.get(key)
        if isinstance(value, list):
            form[f"completion_{key}"].data, form[f"required_{key}"].data = "list", [v for v in value if isinstance(v, str)]
        else:
            form[f"completion_{key}"].data = value if value in ("all", "none") else ""
    attendance = completion.get("attendance")
    form.attendance.data = "" if attendance is None else str(attendance)
    certificate = doc.get("certificate")
    form.certificate.data = "no" if certificate is False else "yes"
    if isinstance(certificate, dict):
        for key in ("title", "text"):
            for lang, value in outline.texts(certificate.get(key), languages).items():
                if lang in LANGS:
                    form[f"certificate_{key}_{lang}"].data = value
        colours = certificate.get("colours") if isinstance(certificate.get("colours"), dict) else {}
        form.colour_primary.data, form.colour_accent.data = colours.get("primary"), colours.get("accent")


def write_settings(doc: dict, form: SettingsForm, languages: list[str]) -> None:
    """Write the course's settings into the document; keys the form does not show stay."""
    order = outline.COURSE_ORDER
    for key in LOCALIZED:
        outline.put_texts(doc, key, {lang: form[f"{key}_{lang}"].data for lang in languages if lang in LANGS},
                          languages, order, title=key == "title")
    outline.put(doc, "track", form.track.data, order)
    outline.put_optional(doc, "last_reviewed", form.last_reviewed.data, None, order)
    outline.put_optional(doc, "sequential", bool(form.sequential.data), False, order)
    completion = doc.get("completion") if isinstance(doc.get("completion"), dict) else {}
    for key in outline.COMPLETION_KINDS:
        rule = form[f"completion_{key}"].data
        if rule == "list":
            outline.put(completion, key, list(form[f"required_{key}"].data or []), outline.COMPLETION_ORDER)
        elif rule in ("all", "none"):
            outline.put(completion, key, rule, outline.COMPLETION_ORDER)
        else:
            completion.pop(key, None)
    attendance = (form.attendance.data or "").strip()
    if attendance:
        if attendance.isdigit() and isinstance(completion.get("attendance"), int):
            value = int(attendance)  # written as a number, it stays one
        else:
            value = attendance if attendance.endswith("%") else f"{attendance}%"
        outline.put(completion, "attendance", value, outline.COMPLETION_ORDER)
    else:
        completion.pop("attendance", None)
    if completion:
        outline.put(doc, "completion", completion, order)
    else:
        doc.pop("completion", None)
    if form.certificate.data == "no":
        outline.put(doc, "certificate", False, order)
        return
    certificate = doc.get("certificate") if isinstance(doc.get("certificate"), dict) else {}
    for key in ("title", "text"):
        outline.put_texts(certificate, key, {lang: form[f"certificate_{key}_{lang}"].data for lang in languages
                                             if lang in LANGS}, languages, outline.CERTIFICATE_ORDER)
    primary, accent = (form.colour_primary.data or "").strip(), (form.colour_accent.data or "").strip()
    colours = certificate.get("colours") if isinstance(certificate.get("colours"), dict) else {}
    for key, value in (("primary", primary), ("accent", accent)):
        if value:
            colours[key] = value
        else:
            colours.pop(key, None)
    if colours:
        outline.put(certificate, "colours", colours, outline.CERTIFICATE_ORDER)
    else:
        certificate.pop("colours", None)
    if certificate or "certificate" in doc:
        outline.put(doc, "certificate", certificate, order)


def fill_activity(form: ActivityForm, act: dict, languages: list[str]) -> None:
    """An activity's options as its entry has them (the form has only its kind's fields)."""
    for key in ("title", "content_warning"):
        for lang, value in outline.texts(act.get(key), languages).items():
            if f"{key}_{lang}" in form:
                form[f"{key}_{lang}"].data = value
    for key in ("pass_mark", "attempts", "time_limit", "from_bank"):
        if key in form and not isinstance(act.get(key), bool):
            form[key].data = act.get(key)
    if "grading" in form:
        form.grading.data = act.get("grading", "highest")
    for key, default in (("shuffle_questions", False), ("shuffle_answers", True)):
        if key in form:
            form[key].data = act.get(key, default) is True
    review = act.get("review") if isinstance(act.get("review"), dict) else {}
    for key in ("score", "answers", "feedback"):
        if f"review_{key}" in form:
            form[f"review_{key}"].data = review.get(key, True) is True
    if "phase" in form:
        form.phase.data = act.get("phase")
    if "instrument" in form:
        instrument = act.get("instrument")
        if isinstance(instrument, str) and instrument not in {c.value for c in form.instrument.choices}:
            form.instrument.choices = [*form.instrument.choices, SelectChoice(instrument)]
        form.instrument.data = instrument


def write_activity(act: dict, form: ActivityForm, languages: list[str]) -> None:
    """Write the options the form has into the activity's entry; its other keys stay."""
    order = outline.ACTIVITY_ORDER
    for key in ("title", "content_warning"):
        if f"{key}_{languages[0]}" in form:
            outline.put_texts(act, key, {lang: form[f"{key}_{lang}"].data for lang in languages if lang in LANGS},
                              languages, order, title=key == "title")
    if "pass_mark" in form:
        mark = form.pass_mark.data
        outline.put_optional(act, "pass_mark", None if mark is None else (int(mark) if mark == int(mark) else mark),
                             None, order)
    for key in ("attempts", "time_limit"):
        if key in form:
            outline.put_optional(act, key, form[key].data, None, order)
    if "grading" in form:
        outline.put_optional(act, "grading", form.grading.data, "highest", order)
    for key, default in (("shuffle_questions", False), ("shuffle_answers", True)):
        if key in form:
            outline.put_optional(act, key, bool(form[key].data), default, order)
    if "review_score" in form:
        review = act.get("review") if isinstance(act.get("review"), dict) else {}
        for key in ("score", "answers", "feedback"):
            outline.put_optional(review, key, bool(form[f"review_{key}"].data), True, ("score", "answers", "feedback"))
        if review:
            outline.put(act, "review", review, order)
        else:
            act.pop("review", None)
    if "from_bank" in form:
        outline.put_optional(act, "from_bank", (form.from_bank.data or "").strip() or None, None, order)
    if "phase" in form:
        outline.put(act, "phase", form.phase.data, order)
    if "instrument" in form and form.instrument.data:
        outline.put(act, "instrument", form.instrument.data, order)
