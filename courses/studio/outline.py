"""The Studio's outline editor: course.yaml as forms (issue #19).

The course's settings, its modules and their activities, moved up and down with buttons that work
without JavaScript, added and removed. Each change is made on the text of course.yaml the page was
opened from (its hash in the hidden ``base`` field), checked with the package reader on the
course's files as publishing would see them, and saved as course.yaml's draft through
``drafts.save``: drafts, conflicts and publishing stay the text editor's. The text editor stays
the way to change what the forms do not show (the languages, a certificate's signatories...).
"""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms.fields.choices import SelectChoice

from courses.models import TRACKS, Course, localized
from courses.services import TRACK_NAMES
from courses.studio import drafts, packages
from courses.studio import outline_doc as outline
from courses.studio.outline_forms import (
    KIND_FIELDS,
    KIND_LABELS,
    LANGS,
    LOCALIZED,
    ActivityForm,
    AddActivityForm,
    AddModuleForm,
    ModuleForm,
    SettingsForm,
    StepForm,
    fill_activity,
    fill_settings,
    write_activity,
    write_settings,
)
from training import activities as activity_kinds
from training.extensions import db
from training.i18n import current_language
from training.refusals import Refusal
from training.roles import trainer_required

# --- Loading, saving, refusing ---------------------------------------------------------------------

class _Refused(Exception):
    """A change not saved: shown on the page it came from (``status`` 409 or 422)."""

    def __init__(self, status: int, message: str = "", problems=(), conflict: str | None = None):
        super().__init__(message)
        self.status, self.message, self.problems, self.conflict = status, message, list(problems), conflict




def _current(course: Course) -> tuple[str, bool]:
    try:
        return drafts.current_text(course, outline.PATH)
    except LookupError:
        abort(404)


def _filled(form: FlaskForm, names: list[str]) -> bool:
    """Whether each of these fields is filled in; marks those that are not."""
    for name in names:
        if name in form and not (form[name].data or "").strip():
            form[name].errors = [*(form[name].errors or []), _("Fill this in.")]
    return not any(name in form and form[name].errors for name in names)


def _bad_token(form: FlaskForm) -> bool:
    return "csrf_token" in form and bool(form.csrf_token.errors)


def _kinds() -> tuple[str, ...]:
    return tuple(activity_kinds.names())


def _change(course: Course, text: str, base: str, change) -> str:
    """Make ``change`` (a function of the document) on course.yaml's ``text``, check the result and
    save it as the draft. Raises _Refused (nothing saved) with what to show."""
    if base != drafts.text_hash(text):
        raise _Refused(409, conflict=text)
    try:
        doc = outline.load(text)
        change(doc)
    except LookupError:
        abort(404)
    except Refusal as refusal:
        db.session.rollback()
        raise _Refused(422, str(refusal.message)) from None
    new_text = outline.dump(doc)
    found = outline.problems(course, new_text, text)
    if found:
        db.session.rollback()
        places = outline.paths_by_line(new_text)
        raise _Refused(422, _("The outline would have problems; nothing was saved."),
                       [(places.get(line, ()), line, message) for line, message in found])
    try:
        drafts.save(current_user, course, outline.PATH, new_text, base)
    except drafts.Conflict as conflict:
        db.session.rollback()
        raise _Refused(409, conflict=conflict.saved) from None
    except Refusal as refusal:
        db.session.rollback()
        raise _Refused(422, str(refusal.message)) from None
    except PermissionError:
        db.session.rollback()
        abort(403)
    db.session.commit()
    return new_text


def _place(refused: _Refused, form, field_for) -> list[str]:
    """Put each problem on its form field (``field_for(path)`` names it); return the others as lines."""
    top = []
    for path, line, message in refused.problems:
        name = field_for(path) if path else None
        if name and name in form:
            form[name].errors = [*(form[name].errors or []), message]
        else:
            top.append(_("Line %(line)d of course.yaml: %(message)s", line=line, message=message))
    return top


def _lang_field(key: str, rest: tuple, languages: list[str]) -> str:
    lang = rest[0] if rest and rest[0] in languages else languages[0]
    return f"{key}_{lang}"


def _conflict_message(form_kept: bool) -> str:
    if form_kept:
        return _("Someone saved course.yaml after you opened this page. Your changes are still in the form; the "
                 "rest of the page shows the file as now saved. Check them and save again.")
    return _("Someone saved course.yaml after you opened this page, so this step was not made. The page now shows "
             "the file as saved: do it again if it is still needed.")


# --- The outline page -----------------------------------------------------------------------------

def _rule_choices(doc: dict, kinds: tuple[str, ...]) -> dict[str, list[SelectChoice]]:
    names: dict[str, list[SelectChoice]] = {key: [] for key in outline.COMPLETION_KINDS}
    by_kind = {kind: key for key, kind in outline.COMPLETION_KINDS.items()}
    for kind, name in outline.listed(doc, kinds):
        if kind in by_kind:
            names[by_kind[kind]].append(SelectChoice(name))
    return names


def _settings_form(doc: dict, languages: list[str], text: str, formdata=True) -> SettingsForm:
    form = SettingsForm() if formdata else SettingsForm(formdata=None)
    form.track.choices = [SelectChoice(code, str(TRACK_NAMES.get(code, code))) for code in TRACKS]
    for key, choices in _rule_choices(doc, _kinds()).items():
        form[f"required_{key}"].choices = choices
    if formdata and form.is_submitted():
        return form
    form.base.data = drafts.text_hash(text)
    fill_settings(form, doc, languages)
    return form


def _outline_page(course: Course, text: str, drafted: bool, status: int = 200, settings: SettingsForm | None = None,
                  add_module: AddModuleForm | None = None, message: str = "", problems=(), conflict: str | None = None):
    try:
        doc = outline.load(text)
    except outline.OutlineError as error:
        return render_template("studio/outline_broken.html", course=course, message=str(error.message),
                               title=localized(course.titles, current_language())), status
    languages = list(course.languages)
    base = drafts.text_hash(text)
    settings = settings or _settings_form(doc, languages, text, formdata=False)
    add_module = add_module or AddModuleForm(formdata=None, prefix="new")
    for form in (settings, add_module):
        form.base.data = base
    step = StepForm(formdata=None)
    step.base.data = base
    return render_template(
        "studio/outline.html", course=course, title=localized(course.titles, current_language()), drafted=drafted,
        languages=languages, modules=_modules_view(course, doc, languages), settings=settings,
        add_module=add_module, step=step, message=message, problems=list(problems), conflict=conflict,
    ), status


def _modules_view(course: Course, doc: dict, languages: list[str]) -> list[dict]:
    """What the page shows of each module and activity, with the links and buttons each one has."""
    kinds = _kinds()
    lang = current_language()
    existing = {f.path for f in drafts.files(course)}
    modules = doc["modules"]
    out = []
    for m, module in enumerate(modules):
        acts = []
        raw = module.get("activities") or []
        for a, act in enumerate(raw):
            kind = outline.kind_of(act, kinds)
            name = act.get(kind) if kind else None
            name = name if isinstance(name, str) else ""
            file = {"lesson": f"lessons/{name}.md", "quiz": f"quizzes/{name}.gift",
                    "survey": f"surveys/{act.get('instrument')}.yaml", "case": f"cases/{name}/case.yaml"}.get(kind)
            acts.append({
                "index": a, "kind": kind, "kind_label": KIND_LABELS.get(kind, kind or "?"), "name": name,
                "title": localized(outline.texts(act.get("title"), languages), lang),
                "file": file if file in existing else None,
                "up": _("Move up") if a > 0 else (_("Move to the previous module") if m > 0 else None),
                "down": _("Move down") if a < len(raw) - 1 else (_("Move to the next module") if m < len(modules) - 1 else None),
            })
        out.append({"index": m, "slug": module.get("slug") or "",
                    "title": localized(outline.texts(module.get("title"), languages), lang),
                    "activities": acts, "up": m > 0, "down": m < len(modules) - 1})
    return out


@trainer_required
def show(slug: str):
    """The outline of course.yaml: the course's settings, its modules and their activities."""
    course = packages.authored_or_404(slug)
    text, drafted = _current(course)
    return _outline_page(course, text, drafted)


def _settings_field(languages: list[str]):
    def field_for(path: tuple) -> str | None:
        key, rest = path[0], path[1:]
        if key in LOCALIZED:
            return _lang_field(key, rest, languages)
        if key in ("track", "sequential", "last_reviewed"):
            return key
        if key == "completion" and rest:
            return "attendance" if rest[0] == "attendance" else f"completion_{rest[0]}"
        if key == "certificate":
            if rest and rest[0] in ("title", "text"):
                return _lang_field(f"certificate_{rest[0]}", rest[1:], languages)
            return "colour_primary" if rest[:1] == ("colours",) else "certificate"
        return None
    return field_for


@trainer_required
def settings(slug: str):
    course = packages.authored_or_404(slug)
    text, drafted = _current(course)
    try:
        doc = outline.load(text)
    except outline.OutlineError:
        return _outline_page(course, text, drafted, 422)
    form = _settings_form(doc, list(course.languages), text)
    if not form.validate_on_submit():
        if _bad_token(form):
            abort(400)
        return _outline_page(course, text, drafted, 422, settings=form)
    languages = list(course.languages)
    if not _filled(form, [f"title_{languages[0]}"]):
        return _outline_page(course, text, drafted, 422, settings=form)
    try:
        _change(course, text, form.base.data or "", lambda d: write_settings(d, form, languages))
    except _Refused as refused:
        if refused.conflict is not None:
            form.base.data = drafts.text_hash(refused.conflict)
            page = _outline_page(course, refused.conflict, True, 409, settings=form,
                                 message=_conflict_message(True), conflict=refused.conflict)
            return page
        top = _place(refused, form, _settings_field(languages))
        return _outline_page(course, text, drafted, refused.status, settings=form, message=refused.message, problems=top)
    flash(_("The course settings are saved as a draft of course.yaml."), "success")
    return redirect(url_for("studio_outline.show", slug=slug))


STEPS = ("up", "down", "remove")
NEW_INSTRUMENT = "+new"  # the survey's questions are a new file named after it (no file name has a +)


@trainer_required
def module_step(slug: str, m: int, action: str):
    """Move a module up or down, or take it out of the outline (its files stay)."""
    if action not in STEPS:
        abort(404)
    kinds = _kinds()

    def change(doc):
        if action == "remove":
            outline.remove_module(doc, m, kinds)
        else:
            outline.move_module(doc, m, -1 if action == "up" else 1)

    done = {"up": _("The module is moved up."), "down": _("The module is moved down."),
            "remove": _("The module is taken out of the outline; its files stay in the package.")}[action]
    return _step(slug, change, done)


@trainer_required
def activity_step(slug: str, m: int, a: int, action: str):
    """Move an activity up or down (to the module before or after at the ends), or take it out of the
    outline (its files stay, and so does what participants did in it until the next publication)."""
    if action not in STEPS:
        abort(404)
    kinds = _kinds()

    def change(doc):
        if action == "remove":
            outline.remove_activity(doc, m, a, kinds)
        else:
            outline.move_activity(doc, m, a, -1 if action == "up" else 1)

    done = {"up": _("The activity is moved up."), "down": _("The activity is moved down."),
            "remove": _("The activity is taken out of the outline; its files stay in the package.")}[action]
    return _step(slug, change, done)


def _step(slug: str, change, done: str):
    course = packages.authored_or_404(slug)
    text, drafted = _current(course)
    form = StepForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        _change(course, text, form.base.data or "", change)
    except _Refused as refused:
        if refused.conflict is not None:
            return _outline_page(course, refused.conflict, True, 409, message=_conflict_message(False),
                                 conflict=refused.conflict)
        top = [_("Line %(line)d of course.yaml: %(message)s", line=line, message=message)
               for _path, line, message in refused.problems]
        return _outline_page(course, text, drafted, refused.status, message=refused.message, problems=top)
    flash(done, "success")
    return redirect(url_for("studio_outline.show", slug=slug))


@trainer_required
def add_module(slug: str):
    """A new module at the end, with a first lesson (a module is never empty)."""
    course = packages.authored_or_404(slug)
    text, drafted = _current(course)
    form = AddModuleForm(prefix="new")
    languages = list(course.languages)
    if not form.validate_on_submit():
        if _bad_token(form):
            abort(400)
        return _outline_page(course, text, drafted, 422, add_module=form)
    if not _filled(form, ["slug", f"title_{languages[0]}", "lesson"]):
        return _outline_page(course, text, drafted, 422, add_module=form)

    def change(doc):
        if len(doc["modules"]) >= outline.MAX_MODULES:
            raise Refusal(_l("A course may have at most %(max)d modules.", max=outline.MAX_MODULES))
        module: dict = {"slug": form.slug.data.strip()}
        titles = {lang: form[f"title_{lang}"].data for lang in languages if lang in LANGS}
        outline.put_texts(module, "title", titles, languages, outline.MODULE_ORDER, title=True)
        lesson = form.lesson.data.strip()
        module["activities"] = [{"lesson": lesson}]
        doc["modules"].append(module)
        outline.start_files(current_user, course, outline.starter_files("lesson", lesson, titles, languages))

    try:
        _change(course, text, form.base.data or "", change)
    except _Refused as refused:
        if refused.conflict is not None:
            form.base.data = drafts.text_hash(refused.conflict)
            return _outline_page(course, refused.conflict, True, 409, add_module=form,
                                 message=_conflict_message(True), conflict=refused.conflict)

        def field_for(path):
            rest = path[2:] if len(path) >= 2 and path[0] == "modules" else ()
            if not rest:
                return None
            if rest[0] == "activities":
                return "lesson"
            return _lang_field("title", rest[1:], languages) if rest[0] == "title" else rest[0]

        top = _place(refused, form, field_for)
        return _outline_page(course, text, drafted, refused.status, add_module=form, message=refused.message,
                             problems=top)
    flash(_("The module is added, with a draft of its first lesson. Write the lesson, then publish the drafts."),
          "success")
    return redirect(url_for("studio_outline.show", slug=slug))


# --- A module's page ------------------------------------------------------------------------------

def _instruments(course: Course) -> list[SelectChoice]:
    stems = sorted(f.path[len("surveys/"):-len(".yaml")] for f in drafts.files(course)
                   if f.path.startswith("surveys/") and f.path.endswith(".yaml") and f.path.count("/") == 1)
    return [SelectChoice(stem) for stem in stems]


def _add_activity_form(course: Course, formdata=True) -> AddActivityForm:
    form = AddActivityForm(prefix="new") if formdata else AddActivityForm(formdata=None, prefix="new")
    form.kind.choices = [SelectChoice(kind, str(KIND_LABELS.get(kind, kind))) for kind in _kinds()]
    form.instrument.choices = [SelectChoice("", _("(choose one)")), *_instruments(course),
                               SelectChoice(NEW_INSTRUMENT, _("New questions, in a file named after the survey"))]
    return form


def _module_page(course: Course, text: str, drafted: bool, m: int, status: int = 200, form: ModuleForm | None = None,
                 add: AddActivityForm | None = None, message: str = "", problems=(), conflict: str | None = None):
    doc = outline.load(text)  # the caller has loaded it once already
    if not 0 <= m < len(doc["modules"]):
        abort(404)
    module, languages = doc["modules"][m], list(course.languages)
    base = drafts.text_hash(text)
    if form is None:
        form = ModuleForm(formdata=None)
        form.slug.data = form.opened.data = module.get("slug")
        for key in ("title", "summary"):
            for lang, value in outline.texts(module.get(key), languages).items():
                if lang in LANGS:
                    form[f"{key}_{lang}"].data = value
        previous = module.get("requires_previous")
        form.requires_previous.data = "" if previous is None else ("yes" if previous is True else "no")
    add = add or _add_activity_form(course, formdata=False)
    form.base.data = add.base.data = base
    return render_template(
        "studio/outline_module.html", course=course, title=localized(course.titles, current_language()),
        module_title=localized(outline.texts(module.get("title"), languages), current_language()) or module.get("slug"),
        m=m, languages=languages, form=form, add=add, drafted=drafted, message=message, problems=list(problems),
        conflict=conflict, activities=_modules_view(course, doc, languages)[m]["activities"],
    ), status


def _loaded(course: Course, text: str, drafted: bool):
    try:
        return outline.load(text), None
    except outline.OutlineError:
        return None, _outline_page(course, text, drafted, 422 if request.method == "POST" else 200)


@trainer_required
def module(slug: str, m: int):
    """A module's slug, titles and summaries, and how it opens."""
    course = packages.authored_or_404(slug)
    text, drafted = _current(course)
    doc, broken = _loaded(course, text, drafted)
    if broken:
        return broken
    if not 0 <= m < len(doc["modules"]):
        abort(404)
    form = ModuleForm()
    if not form.is_submitted():
        return _module_page(course, text, drafted, m)
    if not form.validate_on_submit():
        if _bad_token(form):
            abort(400)
        return _module_page(course, text, drafted, m, 422, form=form)
    languages = list(course.languages)
    if not _filled(form, ["slug", f"title_{languages[0]}"]):
        return _module_page(course, text, drafted, m, 422, form=form)

    def change(d):
        entry = d["modules"][m]
        if entry.get("slug") != form.slug.data:
            entry["slug"] = (form.slug.data or "").strip()
        for key in ("title", "summary"):
            outline.put_texts(entry, key, {lang: form[f"{key}_{lang}"].data for lang in languages if lang in LANGS},
                              languages, outline.MODULE_ORDER, title=key == "title")
        choice = form.requires_previous.data
        outline.put_optional(entry, "requires_previous", None if not choice else choice == "yes", None,
                             outline.MODULE_ORDER)

    try:
        _change(course, text, form.base.data or "", change)
    except _Refused as refused:
        if refused.conflict is not None:
            saved, broken = _loaded(course, refused.conflict, True)
            # Saving again writes her form at position m of the text now saved: only if the module
            # there is still hers (another author may have added, moved or removed modules).
            if broken or m >= len(saved["modules"]) or saved["modules"][m].get("slug") != form.opened.data:
                return _outline_page(course, refused.conflict, True, 409, message=_conflict_message(False),
                                     conflict=refused.conflict)
            return _module_page(course, refused.conflict, True, m, 409, form=form, message=_conflict_message(True),
                                conflict=refused.conflict)

        def field_for(path):
            if path[:2] != ("modules", m) or len(path) < 3:
                return None
            key = path[2]
            return _lang_field(key, path[3:], languages) if key in LOCALIZED else key

        top = _place(refused, form, field_for)
        return _module_page(course, text, drafted, m, refused.status, form=form, message=refused.message, problems=top)
    flash(_("The module is saved as a draft of course.yaml."), "success")
    return redirect(url_for("studio_outline.show", slug=slug) + f"#module-{m}")


@trainer_required
def add_activity(slug: str, m: int):
    """An activity at the end of a module; a new lesson or quiz gets its files as drafts."""
    course = packages.authored_or_404(slug)
    text, drafted = _current(course)
    doc, broken = _loaded(course, text, drafted)
    if broken:
        return broken
    if not 0 <= m < len(doc["modules"]):
        abort(404)
    form = _add_activity_form(course)
    languages = list(course.languages)
    if not form.validate_on_submit():
        if _bad_token(form):
            abort(400)
        return _module_page(course, text, drafted, m, 422, add=form)
    kind, name = form.kind.data, (form.name.data or "").strip()
    if not name:
        form.name.errors = [_("Fill this in.")]
    if kind in ("quiz", "survey") and not (form[f"title_{languages[0]}"].data or "").strip():
        form[f"title_{languages[0]}"].errors = [_("A quiz and a survey need a title.")]
    if kind == "survey" and not form.instrument.data:
        form.instrument.errors = [_("Choose the survey's questions.")]
    if form.errors:
        return _module_page(course, text, drafted, m, 422, add=form)
    titles = {lang: form[f"title_{lang}"].data or "" for lang in languages if lang in LANGS}

    def change(d):
        acts = d["modules"][m].setdefault("activities", [])
        if len(acts) >= outline.MAX_ACTIVITIES:
            raise Refusal(_l("A module may have at most %(max)d activities.", max=outline.MAX_ACTIVITIES))
        entry: dict = {kind: name}
        if kind in ("quiz", "survey"):
            outline.put_texts(entry, "title", titles, languages, outline.ACTIVITY_ORDER, title=True)
        new_instrument = name if kind == "survey" and form.instrument.data == NEW_INSTRUMENT else None
        if kind == "survey":
            entry["phase"], entry["instrument"] = form.phase.data, new_instrument or form.instrument.data
        acts.append(entry)
        outline.start_files(current_user, course,
                            outline.starter_files(kind, name, titles, languages, instrument=new_instrument))

    try:
        _change(course, text, form.base.data or "", change)
    except _Refused as refused:
        if refused.conflict is not None:
            form.base.data = drafts.text_hash(refused.conflict)
            return _outline_page(course, refused.conflict, True, 409, message=_conflict_message(False),
                                 conflict=refused.conflict)

        def field_for(path):
            if path[:3] != ("modules", m, "activities") or len(path) < 5:
                return "name" if path[:3] == ("modules", m, "activities") else None
            key = path[4]
            if key in LOCALIZED:
                return _lang_field("title", path[5:], languages)
            return key if key in ("phase", "instrument") else "name"

        top = _place(refused, form, field_for)
        return _module_page(course, text, drafted, m, refused.status, add=form, message=refused.message, problems=top)
    flash(_("The activity is added. Publish the drafts when its files are ready."), "success")
    return redirect(url_for("studio_outline.show", slug=slug) + f"#module-{m}")


def _identity(act: dict) -> str:
    """Which activity an entry is ("quiz:01-check"), whatever else of it changes."""
    kind = outline.kind_of(act, _kinds())
    return f"{kind}:{act.get(kind)}"


# --- An activity's page ---------------------------------------------------------------------------

def _activity_form(course: Course, kind: str, act: dict | None, formdata=True) -> ActivityForm:
    form = ActivityForm() if formdata else ActivityForm(formdata=None)
    form.instrument.choices = _instruments(course)
    keep = set()
    for key in KIND_FIELDS.get(kind, ()):
        keep |= {f"{key}_{lang}" for lang in LANGS} if key in LOCALIZED else {key}
    for name in [f.name for f in form if f.name not in ("base", "opened", "csrf_token", "save")]:
        if name not in keep:
            del form[name]
    if act is None:
        return form
    fill_activity(form, act, list(course.languages))
    return form


@trainer_required
def activity(slug: str, m: int, a: int):
    """An activity's options: the keys its kind's package reader knows; any other key stays."""
    course = packages.authored_or_404(slug)
    text, drafted = _current(course)
    doc, broken = _loaded(course, text, drafted)
    if broken:
        return broken
    try:
        act = outline.activity(doc, m, a)
    except LookupError:
        abort(404)
    kind = outline.kind_of(act, _kinds())
    languages = list(course.languages)
    status, message, top, conflict = 200, "", [], None
    if request.method == "GET":
        form = _activity_form(course, kind, act, formdata=False)
        form.base.data, form.opened.data = drafts.text_hash(text), _identity(act)
    elif not KIND_FIELDS.get(kind):
        abort(404)  # a case exercise's options are in its case.yaml; another kind's: in the text editor
    else:
        form = _activity_form(course, kind, None)
        if not form.validate_on_submit():
            if _bad_token(form):
                abort(400)
            status = 422
        elif not _filled(form, [f"title_{languages[0]}"]):
            status = 422
        else:
            try:
                _change(course, text, form.base.data or "",
                        lambda d: write_activity(outline.activity(d, m, a), form, languages))
            except _Refused as refused:
                status, message = refused.status, refused.message
                if refused.conflict is not None:
                    saved, broken = _loaded(course, refused.conflict, True)
                    try:
                        there = None if broken else outline.activity(saved, m, a)
                    except LookupError:
                        there = None
                    same = there is not None and _identity(there) == form.opened.data  # changed or not
                    if not same:  # another activity is at her position now: saving again would write over it
                        return _outline_page(course, refused.conflict, True, 409, message=_conflict_message(False),
                                             conflict=refused.conflict)
                    message, conflict, text = _conflict_message(True), refused.conflict, refused.conflict
                    form.base.data = drafts.text_hash(refused.conflict)
                    drafted = True
                else:
                    def field_for(path):
                        if path[:4] != ("modules", m, "activities", a) or len(path) < 5:
                            return None
                        key = path[4]
                        if key in LOCALIZED:
                            return _lang_field(key, path[5:], languages)
                        return "review_score" if key == "review" else key

                    top = _place(refused, form, field_for)
            else:
                flash(_("The activity is saved as a draft of course.yaml."), "success")
                return redirect(url_for("studio_outline.show", slug=slug) + f"#module-{m}")
    name = act.get(kind) if kind else ""
    return render_template(
        "studio/outline_activity.html", course=course, title=localized(course.titles, current_language()),
        m=m, a=a, kind=kind, kind_label=KIND_LABELS.get(kind, kind or "?"), name=name, languages=languages,
        form=form, drafted=drafted, message=message, problems=top, conflict=conflict,
        case_file=f"cases/{name}/case.yaml" if kind == "case" else None, editable=bool(KIND_FIELDS.get(kind)),
        file=_modules_view(course, doc, languages)[m]["activities"][a]["file"] if kind != "case" else None,
    ), status


