"""Trainers' cohort pages and participants joining a cohort by invite code."""
from __future__ import annotations

import csv
import io

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required
from sqlalchemy import func, select
from wtforms.fields.choices import SelectChoice

from courses import services
from courses.cases import cohort_progress
from courses.cohorts.forms import CohortForm, CohortMessageForm, JoinCohortForm
from courses.models import Course, localized
from courses.views import activity_url
from training import audit, cohorts, messages, timezones
from training.cohorts import Cohort, CohortMember
from training.csv_export import csv_cell
from training.db import utcnow
from training.extensions import db, limiter
from training.forms import ConfirmForm
from training.i18n import current_language
from training.progress import enrol
from training.public_links import public_url
from training.regions import region_name
from training.roles import trainer_required

bp = Blueprint("cohorts", __name__, template_folder="templates")


def _managed_cohort(cohort_id: int) -> Cohort:
    cohort = db.get_or_404(Cohort, cohort_id)
    if not cohorts.can_manage(current_user, cohort):
        abort(403)
    return cohort


@bp.get("/cohorts")
@trainer_required
def index():
    rows = cohorts.cohorts_run_by(current_user)
    course_titles = {c.id: localized(c.titles, current_language())
                     for c in db.session.execute(select(Course)).scalars()}
    return render_template("cohorts/index.html", cohorts=rows, course_titles=course_titles)


@bp.route("/cohorts/new", methods=["GET", "POST"])
@trainer_required
def new():
    form = CohortForm()
    courses = list(db.session.execute(select(Course).order_by(Course.slug)).scalars())
    form.course_id.choices = [SelectChoice(c.id, localized(c.titles, current_language())) for c in courses]
    if request.method == "GET":  # her zone and her today, unless she chooses others
        form.timezone.data = timezones.zone_of(current_user)
        form.starts_on.data = form.starts_on.data or timezones.today_in(form.timezone.data)
    if form.validate_on_submit():
        try:
            cohort = cohorts.create_cohort(current_user, form.course_id.data, form.name.data,
                                           form.starts_on.data, form.ends_on.data, form.identified_surveys.data,
                                           timezone=form.timezone.data or None)
            db.session.commit()
        except cohorts.CohortError as error:
            db.session.rollback()
            getattr(form, error.field).errors.append(error.message)
        else:
            flash(_("Cohort created. Share the invite code %(code)s with your participants.",
                    code=cohort.invite_code_display), "success")
            return redirect(url_for("cohorts.show", cohort_id=cohort.id))
    return render_template("cohorts/new.html", form=form, has_courses=bool(courses)), 200 if not form.errors else 422


def _matrix(cohort: Cohort):
    sort = request.args.get("sort", "handle")
    if sort not in services.MATRIX_SORTS:
        sort = "handle"
    descending = request.args.get("dir") == "desc"
    return services.cohort_matrix(cohort, current_language(), sort, descending), sort, descending


@bp.get("/cohorts/<int:cohort_id>")
@login_required
def show(cohort_id: int):
    cohort = _managed_cohort(cohort_id)
    matrix, sort, descending = _matrix(cohort)
    join_url = public_url("cohorts.join", code=cohort.invite_code_display)
    runs = cohort_progress.runs_of(cohort.id)
    return render_template("cohorts/show.html", matrix=matrix, sort=sort, descending=descending,
                           course_title=localized(matrix.course.titles, current_language()),
                           column_urls=[activity_url(matrix.course.slug, c) for c in matrix.columns],
                           case_runs=[(c, runs.get(c.id)) for c in matrix.columns if c.kind == "case"],
                           join_url=join_url, form=ConfirmForm())


@bp.get("/cohorts/<int:cohort_id>/progress.csv")
@login_required
def export(cohort_id: int):
    cohort = _managed_cohort(cohort_id)
    matrix, _sort, _desc = _matrix(cohort)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["handle", "profession", "region", "percent", "done", *[c.slug for c in matrix.columns]])
    for row in matrix.rows:
        writer.writerow([csv_cell(v) for v in (row.user.handle, row.user.profession, region_name(row.user.region),
                                                 row.percent, row.done, *[int(c.done) for c in row.cells])])
    audit.record(current_user, "export.cohort_progress", f"cohort {cohort.id} ({cohort.name})", request.remote_addr,
                 rows=len(matrix.rows))
    db.session.commit()
    filename = f"cohort-{cohort.id}-progress.csv"
    return Response("\ufeff" + out.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@bp.post("/cohorts/<int:cohort_id>/code")
@login_required
def new_code(cohort_id: int):
    cohort = _managed_cohort(cohort_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    cohorts.new_invite_code(current_user, cohort)
    db.session.commit()
    flash(_("New invite code: %(code)s. The old one no longer works.", code=cohort.invite_code_display), "success")
    return redirect(url_for("cohorts.show", cohort_id=cohort.id))


@bp.route("/cohorts/<int:cohort_id>/message", methods=["GET", "POST"])
@login_required
@limiter.limit("20 per hour", methods=["POST"], key_func=lambda: f"cohort-message:{current_user.get_id()}")
def message(cohort_id: int):
    """Write to the cohort's participants: plain text, to their notifications, and by email to
    whoever chose it (docs/messages.md). The trainer sees no one's address."""
    cohort = _managed_cohort(cohort_id)
    form = CohortMessageForm()
    if form.validate_on_submit():
        try:
            sent = messages.send_cohort_message(current_user, cohort, form.text.data)
        except messages.MessageError as error:
            db.session.rollback()
            form.text.errors.append(error.message)
        else:
            audit.record(current_user, "cohort.message", f"cohort {cohort.id} ({cohort.name})", request.remote_addr,
                         recipients=sent, characters=len(form.text.data))
            db.session.commit()
            flash(ngettext("Sent to %(num)d participant.", "Sent to %(num)d participants.", sent), "success")
            return redirect(url_for("cohorts.show", cohort_id=cohort.id))
    count = db.session.execute(select(func.count(CohortMember.id)).where(
        CohortMember.cohort_id == cohort.id, CohortMember.role == "participant")).scalar_one()
    return render_template("cohorts/message.html", cohort=cohort, form=form, count=count), 422 if form.errors else 200


@bp.route("/join", methods=["GET", "POST"])
@login_required
@limiter.limit(lambda: current_app.config["AMICUS_JOIN_LIMIT"], methods=["POST"])
def join():
    form = JoinCohortForm()
    if request.method == "GET" and request.args.get("code"):
        form.code.data = request.args["code"][:32]
    if form.validate_on_submit():
        try:
            cohort = cohorts.join_cohort(current_user, form.code.data, utcnow().date())
        except cohorts.CohortError as error:
            form.code.errors.append(error.message)
        else:
            enrol(current_user, cohort.course_id, cohort.id)
            db.session.commit()
            course = db.session.get(Course, cohort.course_id)
            flash(_("You have joined %(cohort)s.", cohort=cohort.name), "success")
            return redirect(url_for("courses.show", slug=course.slug))
    return render_template("cohorts/join.html", form=form), 200 if not form.errors else 422
