"""The Studio's pages: the courses she authors, publishing a package (a ZIP) as a new version,
each course's versions (download any of them), and its authors (granted by an admin)."""
from __future__ import annotations

import re

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, HiddenField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length

from courses.models import Course, localized
from courses.services import TRACK_NAMES, language_name
from courses.studio import drafts, packages
from training import audit
from training.accounts import HANDLE_MAX, User
from training.caches import BoundedCache
from training.extensions import db
from training.forms import ConfirmForm
from training.i18n import current_language
from training.params import whole_number
from training.refusals import Refusal, refuse
from training.roles import trainer_required

bp = Blueprint("studio", __name__, template_folder="templates")


class PublishForm(FlaskForm):
    package = FileField(_l("Course package (a ZIP of its folder)"), validators=[FileRequired()],
                        render_kw={"accept": ".zip,application/zip"})
    force = BooleanField(_l("Replace a course managed from files (admins)"))
    submit = SubmitField(_l("Check and publish"))


class NewCourseForm(FlaskForm):
    slug = StringField(_l("Short name for the address"), validators=[DataRequired(), Length(max=64)],
                       description=_l("Lowercase letters, digits and hyphens, e.g. safety-planning: the course's address "
                                      "and the name of its package. It cannot change later."))
    title_en = StringField(_l("Title in English"), validators=[DataRequired(), Length(max=200)])
    title_zh = StringField(_l("Title in Chinese (optional: leave empty for an English-only course)"),
                           validators=[Length(max=200)])
    summary_en = TextAreaField(_l("Summary in English (optional)"), validators=[Length(max=1000)], render_kw={"rows": 3})
    summary_zh = TextAreaField(_l("Summary in Chinese (optional)"), validators=[Length(max=1000)], render_kw={"rows": 3})
    track = SelectField(_l("Who it is for"), choices=[])
    submit = SubmitField(_l("Create the course"))


class EditForm(FlaskForm):
    text = TextAreaField(_l("Text"), render_kw={"rows": 24, "spellcheck": "true"})
    base = HiddenField()
    preview = SubmitField(_l("Preview"))
    save = SubmitField(_l("Save draft"))


class BothForm(FlaskForm):
    """A lesson in every language of its course, side by side: the texts are the fields
    ``text-<lang>`` and ``base-<lang>`` (the hash of the text she started from), one per language."""
    preview = SubmitField(_l("Preview"))
    save = SubmitField(_l("Save drafts"))


class WordForm(FlaskForm):
    document = FileField(_l("Word document (.docx)"), validators=[FileRequired()],
                         render_kw={"accept": ".docx,application/vnd.openxmlformats-officedocument.wordprocessingml.document"})
    lesson = StringField(_l("Lesson file name"), validators=[DataRequired(), Length(max=64)],
                         description=_l("An existing lesson's name replaces its text in that language; a new name makes a new lesson file (then list it in course.yaml)."))
    language = SelectField(_l("Language of the document"), choices=[])
    submit = SubmitField(_l("Import as a draft"))


class ImageForm(FlaskForm):
    image = FileField(_l("Image (PNG, JPEG, GIF or WebP)"), validators=[FileRequired()],
                      render_kw={"accept": ".png,.jpg,.jpeg,.gif,.webp"})
    submit = SubmitField(_l("Add the image"))


class AuthorForm(FlaskForm):
    handle = StringField(_l("Handle of a trainer"), validators=[DataRequired(), Length(max=HANDLE_MAX)])
    submit = SubmitField(_l("Make author"))


def _published(row) -> None:
    """Audit a publication (what changed, counted), commit it, and say so."""
    audit.record(current_user, "course.publish", row.slug, request.remote_addr, version=row.number,
                 **{kind: len(row.changes.get(kind, [])) for kind in ("added", "changed", "removed")})
    db.session.commit()
    flash(_("Published “%(slug)s” as version %(number)d.", slug=row.slug, number=row.number), "success")




def _new_course_form() -> NewCourseForm:
    form = NewCourseForm()
    form.track.choices = [(code, str(label)) for code, label in TRACK_NAMES.items()]
    return form


def _index(form: PublishForm, problems: list[str], status: int = 200, new: NewCourseForm | None = None):
    courses = packages.authored_by(current_user)
    newest = packages.newest_by_slug([course.slug for course in courses])
    lang = current_language()
    titles = {course.slug: localized(course.titles, lang) for course in courses}
    return render_template("studio/index.html", courses=courses, newest=newest, titles=titles, form=form,
                           problems=problems, new=new or _new_course_form()), status


@bp.get("/studio")
@trainer_required
def index():
    return _index(PublishForm(), [])


@bp.post("/studio")
@trainer_required
def publish():
    """Check an uploaded package exactly as `flask courses sync` does; publish it whole or not at all."""
    form = PublishForm()
    if not form.validate_on_submit():
        return _index(form, [], 422)
    force = bool(form.force.data and current_user.is_admin)
    try:
        with packages.unpacked(form.package.data.read()) as root:
            row, _report = packages.publish(current_user, root, "upload", force=force)
    except packages.PackageRefusal as refusal:
        db.session.rollback()
        form.package.errors.append(str(refusal.message))
        return _index(form, refusal.problems, 422)
    except PermissionError:
        db.session.rollback()
        abort(403)
    _published(row)
    return redirect(url_for("studio.course", slug=row.slug))


@bp.get("/studio/<slug>")
@trainer_required
def course(slug: str):
    course = packages.authored_or_404(slug)
    rows = packages.versions(slug)
    people = {user.id: user.handle for user in packages.authors(course)}
    creators = {row.created_by_id for row in rows if row.created_by_id}
    handles = dict(db.session.execute(db.select(User.id, User.handle).where(User.id.in_(creators))).all()) if creators else {}
    return render_template("studio/course.html", course=course, title=localized(course.titles, current_language()),
                           rows=rows, authors=people, handles=handles,
                           form=AuthorForm(), remove=ConfirmForm())


@bp.get("/studio/<slug>/versions/<int:number>.zip")
@trainer_required
def download(slug: str, number: int):
    packages.authored_or_404(slug)
    row = packages.version(slug, number)
    if row is None:
        abort(404)
    return Response(row.archive, mimetype="application/zip", headers={
        "Content-Disposition": f'attachment; filename="{slug}-v{number}.zip"', "Cache-Control": "private, no-store"})


@bp.post("/studio/<slug>/authors")
@trainer_required
def add_author(slug: str):
    course = packages.authored_or_404(slug)
    if not current_user.is_admin:
        abort(403)
    form = AuthorForm()
    if form.validate_on_submit():
        try:
            user = packages.grant(current_user, course, form.handle.data)
        except Refusal as refusal:
            db.session.rollback()
            flash(str(refusal.message), "error")
        else:
            audit.record(current_user, "course.author_grant", course.slug, request.remote_addr, author=user.handle)
            db.session.commit()
            flash(_("%(handle)s is an author of this course.", handle=user.handle), "success")
    else:
        flash(_("Type the handle of a trainer."), "error")
    return redirect(url_for("studio.course", slug=slug))


@bp.post("/studio/<slug>/authors/<int:user_id>/remove")
@trainer_required
def remove_author(slug: str, user_id: int):
    course = packages.authored_or_404(slug)
    if not current_user.is_admin:
        abort(403)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    packages.revoke(current_user, course, user_id)
    audit.record(current_user, "course.author_revoke", course.slug, request.remote_addr, author_id=user_id)
    db.session.commit()
    flash(_("Removed from the authors."), "success")
    return redirect(url_for("studio.course", slug=slug))


# --- Editing files: drafts, preview, publishing the drafts ------------------------------------------

def _problem_links(slug: str, problems: list[str]) -> list[tuple[str, str | None]]:
    """Each problem with the edit page of the file it names (``slug/path:line: message``)."""
    out = []
    for problem in problems:
        head = problem.split(":", 1)[0]
        path = head[len(slug) + 1:] if head.startswith(slug + "/") else None
        out.append((problem, url_for("studio.edit", slug=slug, path=path) if path and drafts.editable(path) else None))
    return out


def _form_editors(course: Course, paths: list[str]) -> dict[str, tuple[str, str]]:
    """path -> (the address of its form editor, what the link says), for the paths a kind edits
    with a form (courses/studio/editors.py) and lessons in a course of two languages (both side by
    side)."""
    from courses.studio import editors

    out = {}
    for path in paths:
        editor = editors.for_path(path)
        if editor is not None:
            out[path] = (url_for(editor.endpoint, slug=course.slug, path=path), str(editor.label))
        elif len(course.languages) > 1 and (stem := drafts.lesson_stem(course, path)):
            out[path] = (url_for("studio.lesson", slug=course.slug, stem=stem), _("Both languages side by side"))
    return out


def _word_form(course: Course) -> WordForm:
    form = WordForm()
    form.language.choices = [(lang, language_name(lang)) for lang in course.languages]
    return form


def _files_page(course: Course, status: int = 200, problems=(), message: str = "", word_form: WordForm | None = None,
                image_form: ImageForm | None = None):
    listed = drafts.files(course)
    return render_template("studio/files.html", course=course, title=localized(course.titles, current_language()),
                           files=listed, missing=drafts.translations_missing(course, listed), confirm=ConfirmForm(),
                           forms=_form_editors(course, [f.path for f in listed]),
                           problems=list(problems), message=message, word=word_form or _word_form(course),
                           image=image_form or ImageForm()), status


@bp.get("/studio/<slug>/files")
@trainer_required
def files(slug: str):
    return _files_page(packages.authored_or_404(slug))


@bp.post("/studio/<slug>/word")
@trainer_required
def import_word(slug: str):
    """A chapter of a Word handbook as a lesson's draft in one language, its images with it."""
    course = packages.authored_or_404(slug)
    form = _word_form(course)
    if not form.validate_on_submit():
        return _files_page(course, 422, word_form=form)
    try:
        path, images, notes = drafts.import_word(current_user, course, form.lesson.data, form.language.data,
                                                 form.document.data.read())
    except Refusal as refusal:
        db.session.rollback()
        getattr(form, refusal.field if refusal.field in form else "document").errors.append(str(refusal.message))
        return _files_page(course, 422, word_form=form)
    db.session.commit()
    flash(ngettext("Imported as a draft of %(path)s, with %(num)d image. Check it, then publish the drafts.",
                   "Imported as a draft of %(path)s, with %(num)d images. Check it, then publish the drafts.",
                   len(images), path=path), "success")
    if notes:
        flash(ngettext("%(num)d part of the document could not be converted: check the draft against it.",
                       "%(num)d parts of the document could not be converted: check the draft against it.",
                       len(notes)), "error")
    return redirect(url_for("studio.edit", slug=slug, path=path))


@bp.route("/studio/<slug>/edit/<path:path>", methods=["GET", "POST"])
@trainer_required
def edit(slug: str, path: str):
    """Edit one text file of the package: preview (a lesson, through the published lessons'
    renderer), save as a draft, or discard the draft."""
    from training.markdown import render_markdown

    course = packages.authored_or_404(slug)
    try:
        text, drafted = drafts.current_text(course, path)
    except LookupError:
        abort(404)
    form = EditForm()
    preview, saved_text, status = None, None, 200
    if request.method == "GET":
        form.text.data, form.base.data = text, drafts.text_hash(text)
    elif not form.validate_on_submit():
        abort(400)
    elif form.save.data:
        try:
            drafts.save(current_user, course, path, form.text.data or "", form.base.data or "")
        except drafts.Conflict as conflict:
            db.session.rollback()
            form.text.errors.append(str(conflict.message))
            saved_text, status = conflict.saved, 409
            form.base.data = drafts.text_hash(conflict.saved)  # saving again means: I have merged
        except Refusal as refusal:
            db.session.rollback()
            form.text.errors.append(str(refusal.message))
            status = 422
        else:
            db.session.commit()
            flash(_("Draft saved. Publish the drafts when they are ready."), "success")
            return redirect(url_for("studio.edit", slug=slug, path=path))
    elif path.endswith(".md"):
        preview = render_markdown(form.text.data or "", _draft_assets(slug))
    return render_template("studio/edit.html", course=course, path=path, form=form, drafted=drafted,
                           preview=preview, saved_text=saved_text, confirm=ConfirmForm(),
                           form_editor=_form_editors(course, [path]).get(path)), status


@bp.route("/studio/<slug>/lesson/<stem>", methods=["GET", "POST"])
@trainer_required
def lesson(slug: str, stem: str):
    """A lesson's files in every language of the course, side by side: a missing translation is
    an empty box, flagged; saving writes a draft of each text that changed, all or none."""
    from training.markdown import render_markdown

    course = packages.authored_or_404(slug)
    paths = drafts.lesson_paths(course, stem)
    try:
        texts = {lang: drafts.current_text(course, path, new=lang != course.languages[0]) for lang, path in paths.items()}
    except LookupError:
        abort(404)
    form = BothForm()
    columns = {lang: {"path": paths[lang], "text": text, "base": drafts.text_hash(text), "drafted": drafted,
                      "missing": not text, "errors": [], "saved": None, "preview": None, "name": language_name(lang)}
               for lang, (text, drafted) in texts.items()}
    status = 200
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        if any(f"text-{lang}" not in request.form or f"base-{lang}" not in request.form for lang in columns):
            abort(400)  # not this page's form: a text missing is not a text emptied
        for lang, column in columns.items():
            column["text"] = request.form[f"text-{lang}"].replace("\r\n", "\n")
            column["base"] = request.form[f"base-{lang}"]
        if form.save.data:
            changed = [lang for lang, (text, _drafted) in texts.items() if columns[lang]["text"] != text]
            try:
                for lang in changed:
                    try:
                        drafts.save(current_user, course, paths[lang], columns[lang]["text"], columns[lang]["base"])
                    except Refusal as refusal:
                        refusal.field = lang
                        raise
            except drafts.Conflict as conflict:
                db.session.rollback()
                column = columns[conflict.field]
                column["errors"].append(str(conflict.message))
                column["saved"], column["base"], status = conflict.saved, drafts.text_hash(conflict.saved), 409
            except Refusal as refusal:
                db.session.rollback()
                columns[refusal.field]["errors"].append(str(refusal.message))
                status = 422
            else:
                db.session.commit()
                flash(_("Drafts saved. Publish the drafts when they are ready.") if changed
                      else _("Nothing changed."), "success")
                return redirect(url_for("studio.lesson", slug=slug, stem=stem))
        else:
            for column in columns.values():
                column["preview"] = render_markdown(column["text"], _draft_assets(slug))
    return render_template("studio/lesson.html", course=course, stem=stem, form=form, columns=columns,
                           title=localized(course.titles, current_language())), status


def _draft_assets(slug: str) -> str:
    """Where a preview's images come from: the package as the drafts make it (an image added as a
    draft shows before it is published)."""
    return url_for("studio.draft_asset", slug=slug, path="assets/")


@bp.get("/studio/<slug>/draft/<path:path>")
@trainer_required
def draft_asset(slug: str, path: str):
    found = drafts.asset(packages.authored_or_404(slug), path)
    if found is None:
        abort(404)
    response = Response(found[0], mimetype=found[1])
    response.headers["Cache-Control"] = "private, no-store"
    # An SVG opened on its own must not run anything (as the published assets).
    response.headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'; sandbox"
    return response


_PREVIEWS = BoundedCache(4)  # what _assembled read, by the content it read it from


def _assembled(course: Course):
    """The course as publishing the drafts would make it: (its CourseSpec or None, the problems).
    Reading the package is the preview's cost (tens of milliseconds for the litigation course), so
    what was read is kept in this process by the content it was read from: the newest version's
    hash and every draft's (a save or a publication makes another key)."""
    import hashlib
    import tempfile
    from pathlib import Path

    from courses.package import read_package
    from courses.studio.models import StudioDraft

    newest = packages.latest(course.slug)
    digest = hashlib.sha256(newest.content_hash.encode() if newest else b"")
    for path, text, data in db.session.execute(db.select(StudioDraft.path, StudioDraft.text, StudioDraft.data)
                                               .where(StudioDraft.slug == course.slug).order_by(StudioDraft.path)):
        digest.update(b"\0" + path.encode() + b"\0" + (data if data is not None else text.encode()))
    key = (course.slug, digest.hexdigest())
    found = _PREVIEWS.get(key)
    if found is None:
        with tempfile.TemporaryDirectory(prefix="amicus-preview-") as tmp:
            root = drafts.assemble(course, Path(tmp))
            spec, errors, _warnings = read_package(root, display_root=course.slug)
        found = (spec, errors)
        _PREVIEWS.put(key, found)
    return found


def _preview_lang(course: Course) -> str:
    lang = request.args.get("lang") or current_language()
    return lang if lang in course.languages else course.languages[0]


@bp.get("/studio/<slug>/preview")
@trainer_required
def preview(slug: str):
    """The whole course as a participant will see it once the drafts are published: its page,
    modules and activities; each lesson opens (preview_lesson). Nothing is published or stored."""
    from training import activities

    course = packages.authored_or_404(slug)
    spec, errors = _assembled(course)
    lang = _preview_lang(course)
    labels = {kind.name: str(kind.label) for kind in activities.kinds()}
    return render_template("studio/preview.html", course=course, spec=spec, lang=lang, labels=labels,
                           problems=_problem_links(slug, errors), localized=localized,
                           languages=[(code, language_name(code)) for code in course.languages],
                           title=localized(course.titles, current_language())), 200


@bp.get("/studio/<slug>/preview/<activity>")
@trainer_required
def preview_lesson(slug: str, activity: str):
    from training.markdown import render_markdown

    course = packages.authored_or_404(slug)
    spec, _errors = _assembled(course)
    if spec is None:
        return redirect(url_for("studio.preview", slug=slug))
    lang = _preview_lang(course)
    lessons = [(module, a) for module in spec.modules for a in module.activities if a.kind == "lesson"]
    found = next((i for i, (_m, a) in enumerate(lessons) if a.slug == activity), None)
    if found is None:
        abort(404)
    module, lesson_spec = lessons[found]
    body = lesson_spec.bodies.get(lang)
    shown = lang if body is not None else course.languages[0]
    html = render_markdown(lesson_spec.bodies.get(shown, ""), _draft_assets(slug))
    return render_template("studio/preview_lesson.html", course=course, spec=spec, module=module, lesson=lesson_spec,
                           html=html, lang=lang, shown=shown, localized=localized,
                           before=lessons[found - 1][1] if found else None,
                           after=lessons[found + 1][1] if found + 1 < len(lessons) else None)


@bp.post("/studio/<slug>/discard/<path:path>")
@trainer_required
def discard(slug: str, path: str):
    course = packages.authored_or_404(slug)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        drafts.discard(current_user, course, path)
    except Refusal as refusal:
        return refuse(refusal, url_for("studio.files", slug=slug))
    db.session.commit()
    flash(_("The draft is discarded."), "success")
    return redirect(url_for("studio.files", slug=slug))


@bp.post("/studio/<slug>/publish")
@trainer_required
def publish_drafts(slug: str):
    import tempfile
    from pathlib import Path

    course = packages.authored_or_404(slug)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        with tempfile.TemporaryDirectory(prefix="amicus-drafts-") as tmp:
            row, _report = drafts.publish(current_user, course, Path(tmp))
    except packages.PackageRefusal as refusal:
        db.session.rollback()
        return _files_page(course, 422, _problem_links(slug, refusal.problems), str(refusal.message))
    except Refusal as refusal:
        return refuse(refusal, url_for("studio.files", slug=slug))
    _published(row)
    return redirect(url_for("studio.course", slug=slug))


@bp.post("/studio/<slug>/adopt")
@trainer_required
def adopt(slug: str):
    course = packages.authored_or_404(slug)
    if not current_user.is_admin:
        abort(403)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        drafts.adopt(current_user, course)
    except Refusal as refusal:
        return refuse(refusal, url_for("studio.course", slug=slug))
    audit.record(current_user, "course.adopt", course.slug, request.remote_addr)
    db.session.commit()
    flash(_("“%(slug)s” is managed in the Studio now: `courses sync` leaves it alone.", slug=slug), "success")
    return redirect(url_for("studio.files", slug=slug))


@bp.get("/studio/<slug>/compare")
@trainer_required
def compare(slug: str):
    """Two versions side by side: each file that changed, as a unified diff."""
    course = packages.authored_or_404(slug)
    rows = packages.versions(slug)
    newest = rows[0].number if rows else 0
    old = whole_number(request.args, "from", default=max(newest - 1, 1))
    new = whole_number(request.args, "to", default=newest)
    try:
        changes = drafts.compare(course, old, new)
    except LookupError:
        abort(404)
    return render_template("studio/compare.html", course=course, title=localized(course.titles, current_language()),
                           rows=rows, old=old, new=new, changes=changes)


@bp.post("/studio/<slug>/versions/<int:number>/restore")
@trainer_required
def restore(slug: str, number: int):
    course = packages.authored_or_404(slug)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        count = drafts.restore(current_user, course, number)
    except LookupError:
        abort(404)
    except Refusal as refusal:
        return refuse(refusal, url_for("studio.course", slug=slug))
    db.session.commit()
    flash(ngettext("Version %(number)d is restored as %(num)d draft: publish it to make that version the newest.",
                   "Version %(number)d is restored as %(num)d drafts: publish them to make that version the newest.",
                   count, number=number), "success")
    return redirect(url_for("studio.files", slug=slug))


_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


@bp.post("/studio/new")
@trainer_required
def new_course():
    """A new course from nothing (courses/studio/skeleton.py), published as version 1: she is
    its author and edits it from there."""
    import tempfile
    from pathlib import Path

    from courses.studio import skeleton

    form = _new_course_form()
    if not form.validate_on_submit():
        return _index(PublishForm(formdata=None), [], 422, new=form)
    slug = form.slug.data.strip()
    if not _SLUG.match(slug):
        form.slug.errors.append(_("Use lowercase letters, digits and hyphens, e.g. safety-planning."))
        return _index(PublishForm(formdata=None), [], 422, new=form)
    if db.session.execute(db.select(Course.id).where(Course.slug == slug)).first() is not None:
        form.slug.errors.append(_("There is a course with this name already: choose another."))
        return _index(PublishForm(formdata=None), [], 422, new=form)
    titles = {"en": form.title_en.data.strip(), "zh": (form.title_zh.data or "").strip()}
    summaries = {"en": (form.summary_en.data or "").strip(), "zh": (form.summary_zh.data or "").strip()}
    try:
        with tempfile.TemporaryDirectory(prefix="amicus-new-") as tmp:
            root = Path(tmp) / slug
            root.mkdir()
            skeleton.write(root, titles, summaries, form.track.data)
            row, _report = packages.publish(current_user, root, "studio")
    except packages.PackageRefusal as refusal:
        db.session.rollback()
        form.slug.errors.append(str(refusal.message))
        return _index(PublishForm(formdata=None), refusal.problems, 422, new=form)
    audit.record(current_user, "course.publish", row.slug, request.remote_addr, version=row.number, created=True)
    db.session.commit()
    flash(_("“%(title)s” is created. Write its lesson, quiz and surveys, then publish.", title=titles["en"]), "success")
    return redirect(url_for("studio.files", slug=slug))


@bp.post("/studio/<slug>/images")
@trainer_required
def upload_image(slug: str):
    """An image for the lessons, as a draft of the package's assets/."""
    course = packages.authored_or_404(slug)
    form = ImageForm()
    if not form.validate_on_submit():
        return _files_page(course, 422, image_form=form)
    try:
        path = drafts.upload_image(current_user, course, form.image.data.filename, form.image.data.read())
    except Refusal as refusal:
        db.session.rollback()
        form.image.errors.append(str(refusal.message))
        return _files_page(course, 422, image_form=form)
    db.session.commit()
    flash(_("Added as a draft. Show it in a lesson with: ![a short description](%(path)s)", path=path), "success")
    return redirect(url_for("studio.files", slug=slug))
