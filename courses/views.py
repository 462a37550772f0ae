"""Catalog, course page, lessons, enrolling, completing, My learning and course images."""
from __future__ import annotations

from flask import Blueprint, abort, flash, g, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from courses import services
from courses.forms import CatalogSearchForm
from courses.models import CourseAsset, Handbook, localized
from training import cohorts
from training.extensions import db
from training.forms import ConfirmButtons, ConfirmForm
from training.i18n import current_language
from training.read_only import read_only

bp = Blueprint("courses", __name__)

def activity_url(course_slug: str, activity) -> str:
    """URL of an activity page; url_for runs once per course and kind in a request, not per row."""
    prefixes = g.setdefault("_activity_url_prefixes", {})
    key = (course_slug, activity.endpoint)
    if key not in prefixes:
        marker = "__activity__"
        prefixes[key] = url_for(activity.endpoint, slug=course_slug, activity=marker).split(marker)
    head, tail = prefixes[key]
    return f"{head}{activity.slug}{tail}"


def _course_or_404(slug: str):
    course = services.get_course(slug)
    if course is None:
        abort(404)
    return course


def open_activity(slug: str, activity: str, context):
    """Look up an activity of the course ``slug`` with a kind's context function.

    Returns (context, None), or (None, the refusal page) when the reader may not open it
    yet; unknown course or activity: 404. Used by every activity kind's views.
    """
    course = _course_or_404(slug)
    try:
        ctx = context(course, activity, current_user, current_language())
    except services.CourseAccessError as error:
        return None, refusal(error, course)
    if ctx is None:
        abort(404)
    return ctx, None


def refusal(error: services.CourseAccessError, course):
    """The page for an activity the reader may not open yet: locked module, or not enrolled.

    Used by every activity kind's views (lessons, quizzes, surveys)."""
    if isinstance(error, services.Locked):
        return render_template("courses/locked.html", course=course,
                               title=localized(course.titles, current_language()),
                               blocking=error.blocking_module_title), 403
    if isinstance(error, services.GuestAccount):
        flash(_("A guest judge's account judges case exercises only; it cannot take courses."), "error")
        return redirect(url_for("courses.learning"))
    flash(_("Enrol in the course to open its activities."), "info")
    return redirect(url_for("courses.show", slug=course.slug))


@bp.get("/courses")
@read_only
def catalog():
    form = CatalogSearchForm(formdata=request.args)
    form.validate()
    # A field sent wrong is named on the page and left out of the search.
    query, track, lang = (("" if field.errors else (field.data or "")).strip() for field in (form.q, form.track, form.lang))
    found = services.catalog(current_user, current_language(), query, track, lang)
    return render_template("courses/catalog.html", catalog=found, form=form, searched=bool(query or track or lang),
                           query=query), 200 if not form.errors else 422


@bp.get("/courses/<slug>")
@read_only
def show(slug: str):
    user = current_user._get_current_object()
    reader = services.reader_course(slug, user, page="course")
    if reader.course is None:
        abort(404)
    outline = services.course_outline(reader.course, user, current_language(), reader.enrolment, reader.done_ids)
    outline.extras = reader.extras
    return render_template("courses/show.html", outline=outline, form=ConfirmButtons(),
                           can_preview=services.can_preview(user),
                           can_import_questions=cohorts.runs_a_cohort_of(user, reader.course.id))


@bp.post("/courses/<slug>/enrol")
@login_required
def enrol(slug: str):
    course = _course_or_404(slug)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        services.enrol_in_course(current_user, course)
    except services.CourseAccessError as error:
        return refusal(error, course)
    db.session.commit()
    outline = services.course_outline(course, current_user, current_language())
    flash(_("You are enrolled. Start whenever you are ready."), "success")
    if outline.next_activity:
        return redirect(url_for(outline.next_activity.endpoint, slug=slug, activity=outline.next_activity.slug))
    return redirect(url_for("courses.show", slug=slug))


@bp.get("/courses/<slug>/lessons/<activity>")
@login_required
def lesson(slug: str, activity: str):
    user = current_user._get_current_object()
    reader = services.reader_course(slug, user)
    course = reader.course
    if course is None:
        abort(404)
    try:
        page = services.lesson_page(course, activity, user, current_language(), reader.enrolment, reader.done_ids)
    except services.CourseAccessError as error:
        return refusal(error, course)
    if page is None:
        abort(404)
    if page.activity.content_warning and request.args.get("continue") != "1" and not page.activity.done:
        # Warn before showing distressing material; the reader may go on or skip it for now.
        # Opening the warning is not opening the lesson: "Resume" stays put.
        return render_template("courses/warning.html", page=page)
    if request.headers.get("X-Amicus-Offline") != "keep":  # kept for offline reading is not read
        services.remember_place(page)
    html = render_template("courses/lesson.html", page=page, form=ConfirmButtons())
    db.session.commit()  # after rendering, which may still read (a commit expires what was loaded)
    return html


@bp.post("/courses/<slug>/lessons/<activity>/complete")
@login_required
def complete(slug: str, activity: str):
    course = _course_or_404(slug)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        result = services.complete_lesson(course, activity, current_user, current_language())
    except services.CourseAccessError as error:
        return refusal(error, course)
    if result is None:
        abort(404)
    db.session.commit()
    _new, outline = result
    if outline.done == outline.total:
        flash(_("You have completed every lesson of this course."), "success")
        return redirect(url_for("courses.show", slug=slug))
    nxt = outline.next_activity
    if nxt is None:
        return redirect(url_for("courses.show", slug=slug))
    return redirect(url_for(nxt.endpoint, slug=slug, activity=nxt.slug))


@bp.get("/learning")
@login_required
@read_only
def learning():
    from courses.cases.judging import runs_judged_by

    user = current_user._get_current_object()
    items = services.my_learning(user, current_language())
    # Whether she judges anything comes with her courses; without courses (a guest judge), ask.
    judges = not items or any(item.outline.extras.get("judges", True) for item in items)
    from courses.workshops.services import upcoming_for

    # Sessions are a cohort's: someone taking her courses on her own has none to look for.
    sessions = upcoming_for(user, limit=5) if any(item.cohort_name for item in items) else []
    return render_template("courses/learning.html", items=items, sessions=sessions,
                           judging=runs_judged_by(user, current_language()) if judges else [])


@bp.get("/courses/<slug>/assets/<path:path>")
def asset(slug: str, path: str):
    course = _course_or_404(slug)
    row = db.session.execute(select(CourseAsset).where(
        CourseAsset.course_id == course.id, CourseAsset.path == "assets/" + path)).scalar_one_or_none()
    if row is None:
        abort(404)
    if request.if_none_match and row.sha256 in request.if_none_match:
        return "", 304
    response = make_response(row.data)
    response.mimetype = row.mimetype
    response.set_etag(row.sha256)
    response.cache_control.public = True
    response.cache_control.max_age = 3600
    # An SVG opened on its own must not run anything.
    response.headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'; sandbox"
    return response


# --- Handbooks (courses/handbook.py) ------------------------------------------------------------

def _handbook_course(slug: str):
    """The course, if she may read its handbook: enrolled in it, or a trainer or an admin."""
    course, enrolment = services.load_course(slug, current_user)
    if course is None:
        abort(404)
    if enrolment is None and not _may_train():
        abort(403)
    return course


def _may_train() -> bool:
    return current_user.is_trainer or current_user.is_admin


def _handbook_of(course, handbook_id: int):
    row = db.session.get(Handbook, handbook_id)
    if row is None or row.course_id != course.id:
        abort(404)
    if row.edition == "trainer" and not _may_train():
        abort(403)  # the bench memo and the rubrics: never a participant's, even by URL
    return row


@bp.route("/courses/<slug>/handbook", methods=["GET", "POST"])
@login_required
def handbook(slug: str):
    """Choose a language and a paper size; the handbook of the course's version is made once
    in the background and then served to everyone who may read it."""
    from courses import handbook as handbooks

    course = _handbook_course(slug)
    form = ConfirmForm()
    error = None
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        try:
            row = handbooks.request_handbook(course, request.form.get("lang", ""), request.form.get("paper", ""),
                                             request.form.get("edition", ""), trainer=_may_train())
        except handbooks.HandbookError as problem:
            db.session.rollback()
            error = problem.message
        else:
            queued = row.status == "queued"
            db.session.commit()
            if queued:
                handbooks.start(row)
            return redirect(url_for("courses.handbook_status", slug=slug, handbook_id=row.id))
    made = {(h.lang, h.paper, h.edition): h for h in db.session.execute(select(Handbook).where(
        Handbook.course_id == course.id, Handbook.version == course.version)).scalars()}
    langs = [code for code in ("en", "zh") if code in course.languages] + (["both"] if len(course.languages) > 1 else [])
    return render_template("courses/handbook.html", course=course, form=form, error=error, made=made, langs=langs,
                           editions=handbooks.editions_for(course, _may_train()),
                           papers=handbooks.PAPERS, title=localized(course.titles, current_language())), \
        (422 if error else 200)


@bp.get("/courses/<slug>/handbook/<int:handbook_id>")
@login_required
def handbook_status(slug: str, handbook_id: int):
    course = _handbook_course(slug)
    row = _handbook_of(course, handbook_id)
    if request.accept_mimetypes.best == "application/json":
        return {"status": row.status, "done": 1 if row.status == "done" else 0, "total": 1}
    return render_template("courses/handbook_status.html", course=course, row=row,
                           title=localized(course.titles, current_language()))


@bp.get("/courses/<slug>/handbook/<int:handbook_id>.pdf")
@login_required
def handbook_pdf(slug: str, handbook_id: int):
    return _handbook_file(slug, handbook_id, "pdf")


@bp.get("/courses/<slug>/handbook/<int:handbook_id>.epub")
@login_required
def handbook_epub(slug: str, handbook_id: int):
    return _handbook_file(slug, handbook_id, "epub")


def _handbook_file(slug: str, handbook_id: int, extension: str):
    from courses import handbook as handbooks

    course = _handbook_course(slug)
    row = _handbook_of(course, handbook_id)
    if row.status != "done" or row.data is None or (row.paper == "epub") != (extension == "epub"):
        abort(404)
    name = f"{course.slug}-v{row.version}-{row.lang}{'-' + row.edition if row.edition else ''}" + (
        ".epub" if extension == "epub" else f"-{row.paper}.pdf")
    response = make_response(row.data)
    response.headers["Content-Type"] = handbooks.MIMETYPES[row.paper]
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


# --- Offline reading (static/js/reader.js, static/js/offline-sw.js) --------------------------------

@bp.get("/courses/<slug>/offline.json")
@login_required
def offline_manifest(slug: str):
    """What keeping the course on her device downloads: the course page, its lessons (with the
    page past a lesson's content warning), their images, the site's styles and scripts; about
    how many bytes; and a CSRF token for sending what she marked complete while offline."""
    from flask_wtf.csrf import generate_csrf

    from courses import offline

    course, enrolment = services.load_course(slug, current_user)
    if course is None:
        abort(404)
    if enrolment is None:
        abort(403)
    kept = offline.manifest(course, current_user, current_language())
    return {"slug": course.slug, "title": localized(course.titles, current_language()), "urls": kept.urls,
            "bytes": kept.bytes, "locked": kept.locked, "csrf_token": generate_csrf()}
