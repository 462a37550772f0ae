"""The trainer's session pages: the cohort's sessions, and each session's attendance list."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from courses.models import Course, localized
from courses.workshops import services
from courses.workshops.forms import SessionForm, WalkInForm, mode_labels
from courses.workshops.models import STATUSES
from training import audit, qr, timezones
from training.cohorts import Cohort, can_manage
from training.csv_export import csv_response
from training.extensions import db
from training.forms import ConfirmForm
from training.i18n import current_language
from training.public_links import public_url
from training.refusals import refuse
from training.roles import trainer_required

bp = Blueprint("workshops", __name__, template_folder="templates")


def neutral_title(site: str) -> str:
    """What a session is called in her calendar: the site's name (a setting, which an
    organisation may make neutral) and nothing about the course."""
    return _("%(site)s session", site=site)


def status_labels() -> dict[str, str]:
    return {"present": _("Present"), "late": _("Late"), "absent": _("Absent"), "excused": _("Excused")}


def _managed(cohort_id: int) -> Cohort:
    cohort = db.get_or_404(Cohort, cohort_id)
    if not can_manage(current_user, cohort):
        abort(403)
    return cohort


def _session(cohort: Cohort, session_id: int):
    session = services.session_of(cohort, session_id)
    if session is None:
        abort(404)
    return session


def _sessions_page(cohort: Cohort, form: SessionForm, status: int = 200):
    course = db.session.get(Course, cohort.course_id)
    return render_template("workshops/sessions.html", cohort=cohort, form=form, confirm=ConfirmForm(),
                           course_title=localized(course.titles, current_language()),
                           sessions=services.sessions_of(cohort), modes=mode_labels(),
                           zone=timezones.zone_label(cohort.timezone)), status


@bp.get("/cohorts/<int:cohort_id>/sessions")
@trainer_required
def index(cohort_id: int):
    return _sessions_page(_managed(cohort_id), SessionForm())


@bp.post("/cohorts/<int:cohort_id>/sessions")
@trainer_required
def add(cohort_id: int):
    cohort = _managed(cohort_id)
    form = SessionForm()
    if not form.validate_on_submit():
        return _sessions_page(cohort, form, 422)
    try:
        services.add_session(current_user, cohort, services.SessionSpec(
            title=form.title.data, starts=form.starts.data, ends=form.ends.data, mode=form.mode.data,
            place=form.place.data, hide_place=form.hide_place.data, facilitators=form.facilitators.data,
            capacity=form.capacity.data))
    except services.WorkshopError as problem:
        db.session.rollback()
        field = getattr(form, problem.field or "title")
        field.errors = [*field.errors, str(problem.message)]
        return _sessions_page(cohort, form, 422)
    db.session.commit()
    flash(_("The session is added."), "success")
    return redirect(url_for("workshops.index", cohort_id=cohort.id))


@bp.post("/cohorts/<int:cohort_id>/sessions/<int:session_id>/delete")
@trainer_required
def delete(cohort_id: int, session_id: int):
    cohort = _managed(cohort_id)
    session = _session(cohort, session_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    services.delete_session(current_user, cohort, session)
    db.session.commit()
    flash(_("The session and its attendance are deleted."), "success")
    return redirect(url_for("workshops.index", cohort_id=cohort.id))


@bp.get("/cohorts/<int:cohort_id>/sessions/<int:session_id>")
@trainer_required
def attendance(cohort_id: int, session_id: int):
    cohort = _managed(cohort_id)
    return _attendance_page(cohort, _session(cohort, session_id), WalkInForm())


def _attendance_page(cohort, session, walk_in_form, status: int = 200):
    rows = services.roster(cohort, session)
    return render_template("workshops/attendance.html", cohort=cohort, session=session, rows=rows,
                           counts=services.counts(rows), statuses=STATUSES, labels=status_labels(),
                           taken=services.places_taken(session) if session.capacity is not None else None,
                           form=ConfirmForm(), walk_in_form=walk_in_form, modes=mode_labels()), status


@bp.post("/cohorts/<int:cohort_id>/sessions/<int:session_id>/mark")
@trainer_required
def mark(cohort_id: int, session_id: int):
    cohort = _managed(cohort_id)
    session = _session(cohort, session_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    key = request.form.get("who", "")
    here = url_for("workshops.attendance", cohort_id=cohort.id, session_id=session.id)
    try:
        services.mark(current_user, cohort, session, key, request.form.get("status", ""))
    except services.WorkshopError as problem:
        return refuse(problem, here)
    db.session.commit()
    return redirect(f"{here}#row-{key}")


@bp.post("/cohorts/<int:cohort_id>/sessions/<int:session_id>/walk-in")
@trainer_required
def walk_in(cohort_id: int, session_id: int):
    cohort = _managed(cohort_id)
    session = _session(cohort, session_id)
    form = WalkInForm()
    if not form.validate_on_submit():
        return _attendance_page(cohort, session, form, 422)
    try:
        label = services.add_walk_in(current_user, cohort, session, form.handle.data, form.name.data,
                                     over_capacity=form.over_capacity.data)
    except services.WorkshopError as problem:
        db.session.rollback()
        field = getattr(form, problem.field or "name")
        field.errors = [*field.errors, str(problem.message)]
        return _attendance_page(cohort, session, form, 422)
    db.session.commit()
    flash(_("%(who)s is on the list, marked present.", who=label), "success")
    return redirect(url_for("workshops.attendance", cohort_id=cohort.id, session_id=session.id))


@bp.get("/cohorts/<int:cohort_id>/attendance.csv")
@trainer_required
def attendance_csv(cohort_id: int):
    cohort = _managed(cohort_id)
    rows = services.attendance_rows(cohort)
    audit.record(current_user, "export.attendance", f"cohort {cohort.id} ({cohort.name})", request.remote_addr,
                 rows=len(rows) - 1)
    db.session.commit()
    return csv_response(rows, f"attendance-cohort-{cohort.id}.csv")


@bp.get("/cohorts/<int:cohort_id>/sessions/<int:session_id>/check-in")
@trainer_required
def check_in_screen(cohort_id: int, session_id: int):
    """The code the trainer shows the room (a projector, or her phone held up): it changes every
    30 seconds, and the page reloads itself when it does (no script needed)."""
    cohort = _managed(cohort_id)
    session = _session(cohort, session_id)
    code, seconds_left = services.check_in_code(session)
    link = public_url("workshops.check_in", code=code)
    code_image = qr.svg_data_uri(link, scale=8)
    rows = services.roster(cohort, session)
    return render_template("workshops/check_in_screen.html", cohort=cohort, session=session, qr=code_image,
                           seconds_left=seconds_left, counts=services.counts(rows), labels=status_labels())


@bp.route("/check-in/<code>", methods=["GET", "POST"])
@login_required
def check_in(code: str):
    """Where the room's code leads: a signed-in participant confirms, and is marked present."""
    try:
        session = services.read_check_in_code(code)
    except services.WorkshopError as problem:
        return render_template("workshops/check_in.html", problem=problem.message, session=None), 410
    form = ConfirmForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        try:
            services.read_check_in_code(code)  # again: the code may have expired while she read
            marked = services.check_in(current_user, session)
        except services.WorkshopError as problem:
            db.session.rollback()
            return render_template("workshops/check_in.html", problem=problem.message, session=None), 410
        db.session.commit()
        flash(_("You are checked in for “%(title)s”.", title=session.title) if marked else
              _("You were already on the list for “%(title)s”.", title=session.title), "success")
        return redirect(url_for("courses.learning"))
    return render_template("workshops/check_in.html", problem=None, session=session, form=form)


@bp.get("/learning/sessions.ics")
@login_required
def calendar_file():
    """Her upcoming sessions for her phone's calendar: neutral titles unless ?names=1."""
    from urllib.parse import urlsplit

    from flask import Response, current_app

    from training.public_links import base_url

    site = current_app.config["AMICUS_SITE_NAME"]
    body = services.calendar(current_user, site, neutral_title(site), urlsplit(base_url()).hostname or "amicus", request.args.get("names") == "1",
                             current_language())
    return Response(body, mimetype="text/calendar",
                    headers={"Content-Disposition": 'attachment; filename="sessions.ics"'})


@bp.get("/cohorts/<int:cohort_id>/sessions/<int:session_id>/sign-in.pdf")
@trainer_required
def sign_in_sheet(cohort_id: int, session_id: int):
    """A sheet to sign, for venues that require signatures: everyone on the list, and blank rows
    for walk-ins."""
    from flask import Response

    from training.pdf import render_pdf

    cohort = _managed(cohort_id)
    session = _session(cohort, session_id)
    rows = services.roster(cohort, session)
    html = render_template("workshops/sign_in_pdf.html", cohort=cohort, session=session, rows=rows,
                           blank=max(5, 25 - len(rows)) if len(rows) < 25 else 5, modes=mode_labels(),
                           zone=cohort.timezone)
    audit.record(current_user, "export.sign_in_sheet", f"cohort {cohort.id} ({cohort.name})", request.remote_addr,
                 session=session.id, rows=len(rows))
    db.session.commit()
    return Response(render_pdf(html), mimetype="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="sign-in-session-{session.id}.pdf"'})
