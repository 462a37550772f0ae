"""Certificate pages: hers, the public verification, the admins' list and the trainers' ZIP."""
from __future__ import annotations

import json
from dataclasses import dataclass

from flask import Blueprint, Response, abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from certificates import badges, batch, services
from certificates.forms import NameForm, RevokeForm, VerifyForm
from certificates.models import Certificate, CertificateBatch
from certificates.render import render_certificate, verify_url
from courses import services as course_services
from courses.cohorts.views import _managed_cohort
from courses.models import Activity, Course, localized
from training import audit, jobs, timezones
from training.cohorts import Cohort
from training.db import utcnow
from training.extensions import db, limiter
from training.forms import ConfirmForm
from training.i18n import current_language
from training.params import page_number
from training.public_links import base_url
from training.refusals import refuse
from training.roles import admin_required

bp = Blueprint("certificates", __name__)


def _course_or_404(slug: str) -> Course:
    course = course_services.get_course(slug)
    if course is None:
        abort(404)
    return course


def _filename(course: Course, ext: str) -> str:
    return f"certificate-{course.slug}.{ext}"


# --- Hers ------------------------------------------------------------------------------------

@bp.route("/courses/<slug>/certificate", methods=["GET", "POST"])
@login_required
def mine(slug: str):
    course = _course_or_404(slug)
    cert, new = services.own_certificate(current_user, course)
    if new:
        db.session.commit()  # issued just now: she met the rule before the course had certificates
    form = NameForm()
    if cert is not None and cert.revoked_at is None and cert.printed_name is None and form.validate_on_submit():
        try:
            services.set_printed_name(cert, current_user, form.name.data, current_language())
        except services.CertificateError as error:
            db.session.rollback()
            form.name.errors = [*form.name.errors, str(error.message)]
        else:
            db.session.commit()
            flash(_("Your certificate is ready."), "success")
            return redirect(url_for("certificates.mine", slug=slug))
    elif request.method == "POST" and (cert is None or cert.printed_name is not None):
        flash(_("The name on this certificate has already been given.") if cert else
              _("You have not completed this course yet."), "error")
        return redirect(url_for("certificates.mine", slug=slug))
    progress = None
    if cert is None:
        enrolment = course_services.load_course(slug, current_user)[1]
        progress = services.rule_progress(current_user.id, course.id, enrolment.cohort_id if enrolment else None)
    return render_template(
        "certificates/mine.html", course=course, course_title=localized(course.titles, current_language()),
        cert=cert, form=form, progress=progress, now=utcnow(),
        code=services.display_code(cert.code) if cert else None,
        url=verify_url(cert.code) if cert else None, status=cert.status(utcnow()) if cert else None)


def _named_own(slug: str) -> tuple[Course, Certificate]:
    course = _course_or_404(slug)
    cert = services.latest_certificate(current_user.id, course.id)
    if cert is None or cert.printed_name is None or cert.revoked_at is not None:
        abort(404)
    return course, cert


@bp.get("/courses/<slug>/certificate.pdf")
@login_required
def pdf(slug: str):
    course, cert = _named_own(slug)
    return Response(render_certificate(cert), mimetype="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="{_filename(course, "pdf")}"', "Cache-Control": "no-store"})


@bp.get("/courses/<slug>/certificate.json")
@login_required
def badge(slug: str):
    course, cert = _named_own(slug)
    body = json.dumps(badges.credential(cert), ensure_ascii=False, indent=2)
    return Response(body, mimetype="application/ld+json", headers={
        "Content-Disposition": f'attachment; filename="{_filename(course, "json")}"', "Cache-Control": "no-store"})


@dataclass(frozen=True)
class CertificateNotice:
    named: bool  # her name is on it: she can download it


def certificate_notice(outline) -> CertificateNotice | None:
    """For the course page: her live (not revoked) certificate of the outline's course, if she
    has one (a template global). Read with the course when the page asked for it."""
    if not current_user.is_authenticated:
        return None
    if "certificate" in outline.extras:
        named = outline.extras["certificate"]
        return None if named is None else CertificateNotice(named=bool(named))
    cert = services.live_certificate(current_user.id, outline.course.id)
    return None if cert is None else CertificateNotice(named=bool(cert.printed_name))


# --- Public verification ----------------------------------------------------------------------

def _verify_limit() -> str:
    return current_app.config["AMICUS_VERIFY_LIMIT"]


@bp.get("/verify")
@limiter.limit(_verify_limit)
def verify_form():
    form = VerifyForm(request.args)
    if request.args.get("code") is not None and form.validate():
        return redirect(url_for("certificates.verify", code=services.display_code(services.normalise_code(form.code.data))))
    return render_template("certificates/verify.html", form=form, result=None, searched=False)


@bp.get("/verify/<code>")
@limiter.limit(_verify_limit)
def verify(code: str):
    result = services.verify(code, current_language())
    form = VerifyForm(data={"code": code[:64]})
    status = 200 if result else 404
    return render_template("certificates/verify.html", form=form, result=result, searched=True,
                           organisation=current_app.config["AMICUS_ORGANISATION"],
                           code=services.display_code(result.certificate.code) if result else None), status


# --- Admins -------------------------------------------------------------------------------------

@bp.get("/admin/certificates")
@admin_required
def admin_list():
    query = request.args.get("q", "")
    page = db.paginate(services.search(query), page=page_number(request.args), per_page=50,
                       error_out=False)
    return render_template("certificates/admin_list.html", page=page, q=query, now=utcnow(),
                           display_code=services.display_code, locale=current_language())


def _admin_certificate(cert_id: int) -> Certificate:
    """The certificate with its holder's and its revoker's accounts, in one query (again after a
    rollback, which expires it)."""
    cert = db.session.get(Certificate, cert_id, options=[joinedload(Certificate.user), joinedload(Certificate.revoked_by)])
    if cert is None:
        abort(404)
    return cert


@bp.get("/admin/certificates/<int:cert_id>")
@admin_required
def admin_show(cert_id: int):
    cert = _admin_certificate(cert_id)
    return _admin_page(cert, RevokeForm())


def _admin_page(cert: Certificate, form: RevokeForm, status: int = 200):
    """``cert`` as ``_admin_certificate`` loads it."""
    replacement = db.session.execute(select(Certificate).where(Certificate.replaces_id == cert.id)).scalar_one_or_none()
    return render_template("certificates/admin_show.html", cert=cert, holder=cert.user, revoker=cert.revoked_by,
                           replacement=replacement, form=form, confirm=ConfirmForm(), now=utcnow(),
                           code=services.display_code(cert.code), url=verify_url(cert.code),
                           title=localized(cert.course_titles, current_language())), status


@bp.post("/admin/certificates/<int:cert_id>/revoke")
@admin_required
def admin_revoke(cert_id: int):
    cert = _admin_certificate(cert_id)
    form = RevokeForm()
    if not form.validate_on_submit():
        return _admin_page(cert, form, 400)
    try:
        services.revoke(current_user, cert, form.reason.data)
    except services.CertificateError as error:
        db.session.rollback()
        form.reason.errors = [*form.reason.errors, str(error.message)]
        return _admin_page(_admin_certificate(cert_id), form, 400)
    audit.record(current_user, "certificate.revoke", f"certificate {cert.id} ({cert.code})", request.remote_addr)
    db.session.commit()
    flash(_("The certificate is revoked. Its verification page now says so."), "success")
    return redirect(url_for("certificates.admin_show", cert_id=cert.id))


@bp.post("/admin/certificates/<int:cert_id>/reissue")
@admin_required
def admin_reissue(cert_id: int):
    cert = _admin_certificate(cert_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        new = services.reissue(current_user, cert)
    except services.CertificateError as error:
        return refuse(error, url_for("certificates.admin_show", cert_id=cert.id))
    audit.record(current_user, "certificate.reissue", f"certificate {cert.id} -> {new.id}", request.remote_addr)
    db.session.commit()
    flash(_("A new certificate is issued. Its holder is asked for the name to print when she next opens it."),
          "success")
    return redirect(url_for("certificates.admin_show", cert_id=new.id))


# --- Trainers: the cohort's rule and its certificates --------------------------------------------

@bp.route("/cohorts/<int:cohort_id>/completion", methods=["GET", "POST"])
@login_required
def cohort_rule(cohort_id: int):
    cohort = _managed_cohort(cohort_id)
    course = db.session.get(Course, cohort.course_id)
    settings = services.settings_for(course.id)
    form = ConfirmForm()
    today = timezones.today_in(cohort.timezone)  # "before the cohort starts": its first day where it is
    error = error_field = None
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        try:
            services.adjust_cohort_rule(current_user, cohort, request.form.getlist("required"), today,
                                        request.form.get("attendance", "")[:20])
        except services.CertificateError as failure:
            db.session.rollback()
            error, error_field = failure.message, failure.field
        else:
            audit.record(current_user, "completion.adjust", f"cohort {cohort.id} ({cohort.name})", request.remote_addr)
            db.session.commit()
            flash(_("The completion rule of this cohort is saved."), "success")
            return redirect(url_for("certificates.cohort_rule", cohort_id=cohort.id))
    rule = services.cohort_rule(cohort)
    required = set(rule.slugs if rule else [])
    attendance = "" if rule is None or rule.attendance is None else str(rule.attendance)
    if error is not None:
        required = set(request.form.getlist("required"))
        attendance = request.form.get("attendance", "")[:20]
    activities = list(db.session.execute(select(Activity).where(Activity.course_id == course.id)
                                         .order_by(Activity.position)).scalars())
    return render_template("certificates/cohort_rule.html", cohort=cohort, course=course, settings=settings,
                           activities=activities, required=required, attendance=attendance, form=form, error=error,
                           error_field=error_field,
                           editable=services.can_adjust_rule(cohort, today), locale=current_language(),
                           course_title=localized(course.titles, current_language())), (400 if error else 200)


@bp.post("/cohorts/<int:cohort_id>/certificates")
@login_required
def cohort_zip_start(cohort_id: int):
    cohort = _managed_cohort(cohort_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    made = batch.start(current_user, cohort)
    audit.record(current_user, "export.certificates", f"cohort {cohort.id} ({cohort.name})", request.remote_addr)
    db.session.commit()
    # The job runs outside this request: it is handed the address the certificates must print.
    jobs.enqueue("certificates.batch.build_zip", made.id, base_url())
    return redirect(url_for("certificates.cohort_zip", cohort_id=cohort.id, batch_id=made.id))


def _batch(cohort_id: int, batch_id: int) -> tuple[Cohort, CertificateBatch]:
    cohort = _managed_cohort(cohort_id)
    made = db.session.get(CertificateBatch, batch_id)
    if made is None or made.cohort_id != cohort.id:
        abort(404)
    return cohort, made


@bp.get("/cohorts/<int:cohort_id>/certificates/<int:batch_id>")
@login_required
def cohort_zip(cohort_id: int, batch_id: int):
    cohort, made = _batch(cohort_id, batch_id)
    return render_template("certificates/batch.html", cohort=cohort, batch=made)


@bp.get("/cohorts/<int:cohort_id>/certificates/<int:batch_id>/status.json")
@login_required
def cohort_zip_status(cohort_id: int, batch_id: int):
    _cohort, made = _batch(cohort_id, batch_id)
    return jsonify(status=made.status, done=made.done, total=made.total)


@bp.get("/cohorts/<int:cohort_id>/certificates/<int:batch_id>/download")
@login_required
def cohort_zip_download(cohort_id: int, batch_id: int):
    cohort, made = _batch(cohort_id, batch_id)
    if made.status != "done" or made.zip_data is None:
        abort(404)
    return Response(made.zip_data, mimetype="application/zip", headers={
        "Content-Disposition": f'attachment; filename="certificates-cohort-{cohort.id}.zip"',
        "Cache-Control": "no-store"})
