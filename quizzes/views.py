"""Quiz pages: the quiz, an attempt (answers saved as given), the review, the marking queue."""
from __future__ import annotations

import csv
import io

from flask import Blueprint, Response, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import format_time, ngettext
from flask_babel import gettext as _
from flask_login import current_user, login_required

from courses import services as course_services
from courses.models import Activity, Course, localized
from courses.views import open_activity
from quizzes import results as results_service
from quizzes import services
from quizzes.forms import MarkForm, UploadForm
from quizzes.models import QuestionImport, Quiz, QuizAttempt
from training import audit, timezones
from training.cohorts import Cohort
from training.csv_export import csv_cell
from training.db import utcnow
from training.extensions import db
from training.forms import ConfirmForm
from training.i18n import current_language
from training.refusals import refuse

bp = Blueprint("quizzes", __name__)


@bp.get("/courses/<slug>/quizzes/<activity>")
@login_required
def show(slug: str, activity: str):
    ctx, refused = open_activity(slug, activity, services.quiz_context)
    if ctx is None:
        return refused
    state = services.summary(ctx.quiz, current_user) if ctx.outline.enrolled else None
    return render_template("quizzes/show.html", ctx=ctx, state=state, form=ConfirmForm(),
                           question_count=len(services.active_questions(ctx.quiz)))


@bp.post("/courses/<slug>/quizzes/<activity>/start")
@login_required
def start(slug: str, activity: str):
    if not ConfirmForm().validate_on_submit():
        abort(400)
    ctx, refused = open_activity(slug, activity, services.quiz_context)
    if ctx is None:
        return refused
    try:
        attempt = services.start_attempt(ctx, current_user)
    except services.QuizError as not_started:
        return refuse(not_started, url_for("quizzes.show", slug=slug, activity=activity))
    db.session.commit()
    return redirect(url_for("quizzes.attempt", attempt_id=attempt.id))


def _own_attempt(attempt_id: int) -> QuizAttempt:
    try:
        return services.own_attempt(attempt_id, current_user)
    except LookupError:
        abort(404)


def _where(attempt: QuizAttempt) -> tuple[Quiz, Activity, Course]:
    """The attempt's quiz, its activity and its course, in one query."""
    quiz = services.quiz_with_course(attempt.quiz_id)
    return quiz, quiz.activity, quiz.activity.course


@bp.get("/quizzes/attempts/<int:attempt_id>")
@login_required
def attempt(attempt_id: int):
    attempt = _own_attempt(attempt_id)
    if services.close_if_expired(attempt, current_user):
        db.session.commit()
        flash(_("The time for this attempt ran out; it was submitted with the answers saved."), "info")
    if attempt.state != "in_progress":
        return redirect(url_for("quizzes.review", attempt_id=attempt.id))
    _quiz, activity, course = _where(attempt)
    return render_template("quizzes/attempt.html", attempt=attempt, course=course,
                           title=localized(activity.titles, current_language()),
                           questions=services.shown_questions(attempt, lang=current_language()), form=ConfirmForm(),
                           seconds_left=int((attempt.deadline_at - utcnow()).total_seconds()) if attempt.deadline_at else None)


def _wants_json() -> bool:
    # A save sent as the page closes (sendBeacon) cannot set a header: it says so in the form.
    return request.headers.get("X-Amicus-Autosave") == "1" or request.form.get("autosave") == "1"


@bp.post("/quizzes/attempts/<int:attempt_id>/save")
@login_required
def save(attempt_id: int):
    attempt = _own_attempt(attempt_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        services.save_answers(attempt, current_user, services.answers_from_form(attempt, request.form))
    except services.QuizError as problem:
        if _wants_json():
            db.session.rollback()
            return jsonify(saved=False, error=str(problem.message)), 409
        return refuse(problem, url_for("quizzes.attempt", attempt_id=attempt.id))
    db.session.commit()
    if _wants_json():
        return jsonify(saved=True, at=format_time(utcnow(), "HH:mm:ss"))  # in the reader's zone
    flash(_("Your answers are saved."), "success")
    return redirect(url_for("quizzes.attempt", attempt_id=attempt.id))


@bp.post("/quizzes/attempts/<int:attempt_id>/submit")
@login_required
def submit(attempt_id: int):
    attempt = _own_attempt(attempt_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if attempt.state == "in_progress":
        try:
            raw = services.answers_from_form(attempt, request.form)
            if request.form.get("confirmed") != "1" and not services.deadline_passed(attempt):
                # Her answers are saved first; with questions left empty she confirms on a page
                # that lists them and carries the answers, so its submit sends what she confirmed.
                services.save_answers(attempt, current_user, raw)
                empty = services.unanswered(attempt, current_language())
                if empty:
                    fields = services.answer_fields(attempt)
                    db.session.commit()
                    _quiz, activity, course = _where(attempt)
                    return render_template("quizzes/confirm.html", attempt=attempt, course=course,
                                           title=localized(activity.titles, current_language()),
                                           unanswered=empty, fields=fields, form=ConfirmForm())
            services.submit(attempt, current_user, raw)
        except services.QuizError as problem:
            db.session.rollback()
            if attempt.state != "in_progress":  # submitted meanwhile (another tab): her review
                return redirect(url_for("quizzes.review", attempt_id=attempt.id))
            return refuse(problem, url_for("quizzes.attempt", attempt_id=attempt.id))
        db.session.commit()
    return redirect(url_for("quizzes.review", attempt_id=attempt.id))


@bp.get("/quizzes/attempts/<int:attempt_id>/review")
@login_required
def review(attempt_id: int):
    attempt = db.session.get(QuizAttempt, attempt_id)
    if attempt is None or not services.can_review(current_user, attempt):
        abort(404)
    if attempt.state == "in_progress":
        if attempt.user_id == current_user.id:
            return redirect(url_for("quizzes.attempt", attempt_id=attempt.id))
        abort(404)
    quiz, activity, course = _where(attempt)
    is_owner = attempt.user_id == current_user.id
    show = {  # trainers see everything; participants what the quiz allows
        "score": quiz.show_score or not is_owner,
        "answers": quiz.show_answers or not is_owner,
        "feedback": quiz.show_feedback or not is_owner,
    }
    state = services.summary(quiz, current_user) if is_owner else None
    lines = services.review_lines(attempt, current_language())
    return render_template("quizzes/review.html", attempt=attempt, quiz=quiz, course=course, activity=activity,
                           title=localized(activity.titles, current_language()), show=show, is_owner=is_owner,
                           lines=lines, score=services.score_shown(attempt, lines), state=state,
                           next_step=services.next_step(quiz, state) if state else None, form=ConfirmForm())


@bp.get("/quizzes/marking")
@login_required
def marking():
    try:
        items = services.marking_queue(current_user, current_language())
    except services.NotAllowed:
        abort(403)
    return render_template("quizzes/marking.html", items=items, form=MarkForm())


@bp.post("/quizzes/responses/<int:response_id>/mark")
@login_required
def mark(response_id: int):
    try:
        services.marking_target(current_user, response_id)
    except LookupError:
        abort(404)
    except services.NotAllowed:
        abort(403)
    form = MarkForm()
    if not form.validate_on_submit():
        flash(_("That mark could not be saved: %(errors)s", errors="; ".join(
            e for errs in form.errors.values() for e in errs)), "error")
        return redirect(url_for("quizzes.marking"))
    try:
        services.mark_response(current_user, response_id, float(form.fraction.data), form.comment.data)
    except LookupError:
        abort(404)
    except services.NotAllowed:
        abort(403)
    except services.QuizError as problem:
        return refuse(problem, url_for("quizzes.marking"))
    db.session.commit()
    flash(_("Mark saved."), "success")
    return redirect(url_for("quizzes.marking"))


@bp.route("/courses/<slug>/questions", methods=["GET", "POST"])
@login_required
def bank(slug: str):
    """The course's question bank: categories, GIFT upload with a preview, export."""
    from quizzes import bank as bank_service  # here: the GIFT reader is for trainers, not every worker (#22)

    course = _bank_course(slug)
    form = UploadForm()
    if form.validate_on_submit():
        upload = form.file.data
        try:
            staged = bank_service.stage_upload(current_user, course, upload.filename, upload.read(), form.category.data)
        except bank_service.BankError as problem:
            form.file.errors.append(problem.message)
        else:
            db.session.commit()
            return redirect(url_for("quizzes.bank_preview", slug=slug, import_id=staged.id))
    return render_template("quizzes/bank.html", course=course, title=localized(course.titles, current_language()),
                           categories=bank_service.bank_categories(course), form=form), 200 if not form.errors else 422


def _bank_course(slug: str):
    """The course whose bank the current user manages; 404 or 403 otherwise."""
    from quizzes import bank as bank_service  # here: the GIFT reader is for trainers, not every worker (#22)

    course = course_services.get_course(slug)
    if course is None:
        abort(404)
    if not bank_service.can_manage(current_user, course):
        abort(403)
    return course


def _staged(slug: str, import_id: int):
    staged = db.session.get(QuestionImport, import_id)
    if staged is None or staged.user_id != current_user.id:
        abort(404)
    course = _bank_course(slug)
    if staged.course_id != course.id:
        abort(404)
    return course, staged


@bp.get("/courses/<slug>/questions/imports/<int:import_id>")
@login_required
def bank_preview(slug: str, import_id: int):
    from quizzes import bank as bank_service  # here: the GIFT reader is for trainers, not every worker (#22)
    from quizzes.package import render_question

    course, staged = _staged(slug, import_id)
    questions = bank_service.read_questions(staged.text)
    return render_template("quizzes/bank_preview.html", course=course, staged=staged, form=ConfirmForm(),
                           title=localized(course.titles, current_language()),
                           questions=[(q, render_question(q)) for q in questions])


@bp.post("/courses/<slug>/questions/imports/<int:import_id>")
@login_required
def bank_confirm(slug: str, import_id: int):
    from quizzes import bank as bank_service  # here: the GIFT reader is for trainers, not every worker (#22)

    course, staged = _staged(slug, import_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        report = bank_service.confirm_upload(current_user, staged)
    except bank_service.BankError as problem:
        return refuse(problem, url_for("quizzes.bank", slug=slug))
    db.session.commit()
    flash(ngettext("%(num)d question added to %(categories)s; %(dup)d already there.",
                   "%(num)d questions added to %(categories)s; %(dup)d already there.", report.added,
                   categories=", ".join(report.categories) or "—", dup=report.duplicates), "success")
    return redirect(url_for("quizzes.bank", slug=slug))


@bp.get("/courses/<slug>/questions.gift")
@login_required
def bank_export(slug: str):
    from quizzes import bank as bank_service  # here: the GIFT reader is for trainers, not every worker (#22)

    course = _bank_course(slug)
    return Response(bank_service.export_course(course), mimetype="text/plain",
                    headers={"Content-Disposition": f'attachment; filename="{course.slug}-questions.gift"'})


def _cohort_results(cohort_id: int, activity: str):
    cohort = db.get_or_404(Cohort, cohort_id)
    try:
        data = results_service.cohort_results(current_user, cohort, activity, current_language())
    except PermissionError:
        abort(403)
    if data is None:
        abort(404)
    return data


@bp.get("/cohorts/<int:cohort_id>/quizzes/<activity>")
@login_required
def cohort_results(cohort_id: int, activity: str):
    data = _cohort_results(cohort_id, activity)
    peak = max(data.histogram) or 1
    bars = [(f"{i * 10}–{i * 10 + 10}%", count, round(100 * count / peak)) for i, count in enumerate(data.histogram)]
    return render_template("quizzes/results.html", r=data, bars=bars)


@bp.get("/cohorts/<int:cohort_id>/quizzes/<activity>.csv")
@login_required
def cohort_results_csv(cohort_id: int, activity: str):
    data = _cohort_results(cohort_id, activity)
    out = io.StringIO()
    writer = csv.writer(out)
    zone = timezones.zone_of(current_user)  # the reader's, named in the header
    writer.writerow(["handle", "attempt", timezones.csv_header("submitted_at", zone), "score", "waiting_for_marking",
                     *[f"q{n}" for n in range(1, len(data.question_ids) + 1)]])
    for user, attempt, fractions in data.attempts:
        writer.writerow([csv_cell(user.handle), attempt.number,
                         timezones.csv_moment(attempt.submitted_at, zone),
                         "" if attempt.score is None else attempt.score, int(attempt.needs_marking),
                         *["" if fractions.get(qid) is None else round(fractions[qid], 4) for qid in data.question_ids]])
    audit.record(current_user, "export.quiz_attempts", f"cohort {data.cohort.id}, quiz {data.activity.slug}",
                 request.remote_addr, rows=len(data.attempts))
    db.session.commit()
    filename = f"cohort-{data.cohort.id}-{data.activity.slug}-attempts.csv"
    return Response("\ufeff" + out.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})
