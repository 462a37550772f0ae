"""Survey pages: answering (saved as given, submitted once) and the trainer's results."""
from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, Response, abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import force_locale, ngettext
from flask_babel import gettext as _
from flask_login import current_user, login_required

from courses import services as course_services
from courses.models import Course, localized
from courses.views import open_activity
from quizzes.surveys import invitations, results, services, workshop_report
from quizzes.surveys.forms import SurveyInviteForm
from quizzes.surveys.items import SurveyItem
from training import audit, timezones
from training.accounts import PROFESSION_LABELS
from training.cohorts import Cohort, can_manage
from training.csv_export import csv_response
from training.db import utcnow
from training.extensions import db
from training.forms import ConfirmForm
from training.i18n import current_language
from training.params import whole_number
from training.pdf import render_pdf
from training.refusals import refuse

bp = Blueprint("surveys", __name__, template_folder="templates")
# Numbers on the results page and in the PDF, rounded as the CSV rounds them.
bp.add_app_template_filter(results.rounded, "half_up")
bp.add_app_template_filter(results.percent, "percent")


@dataclass(frozen=True)
class ShownItem:
    """An item as the survey form shows it (surveys/_items.html): in her language, with her answer."""

    item: SurveyItem
    label: str
    choice_labels: list[str]
    scale_labels: tuple[str, ...] | None  # None: the points are shown as numbers
    value: object = None  # her answer as stored, None if none

    @property
    def id(self) -> str:
        return self.item.id

    @property
    def type(self) -> str:
        return self.item.type

    @property
    def points(self) -> int | None:
        return self.item.points


def items_for_display(ctx, response, locale) -> list[ShownItem]:
    answers = (response.answers if response else {}) or {}
    return [ShownItem(item=item, label=localized(item.text, locale),
                      choice_labels=[localized(c, locale) for c in item.choices],
                      scale_labels=item.scale_labels(locale), value=answers.get(item.id))
            for item in ctx.items]


def post_answers(ctx, save, submit, here: str, done: str, thanks: str, submitted: bool):
    """The survey form's POST, for an account's survey page and a respondent card's: ``save(raw)``
    stores a draft and returns it, ``submit(raw)`` submits; both raise SurveyError to refuse.

    Autosaves (quiz.js) get JSON. Submitting with questions left empty is saved first and
    confirmed on a page that lists them and carries the answers, so its Submit sends what she
    confirmed."""
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    # A save sent as the page closes (sendBeacon) cannot set a header: it says so in the form.
    autosave = request.headers.get("X-Amicus-Autosave") == "1" or request.form.get("autosave") == "1"
    submitting = request.form.get("action") == "submit"
    try:
        raw = services.answers_from_form(ctx.items, request.form)
        if submitting and request.form.get("confirmed") != "1" and not submitted:
            saved = save(raw)
            empty = services.unanswered(ctx, saved, current_language())
            if empty:
                fields = services.answer_fields(ctx, saved)
                db.session.commit()
                return render_template("surveys/confirm.html", ctx=ctx, unanswered=empty, fields=fields, form=form,
                                       action=here)
        (submit if submitting else save)(raw)
    except services.SurveyError as problem:
        db.session.rollback()
        if autosave:
            return jsonify(saved=False, error=str(problem.message)), 409
        return refuse(problem, here)
    db.session.commit()
    if autosave:
        return jsonify(saved=True, at="")
    if submitting:
        flash(thanks, "success")
        return redirect(done)
    flash(_("Your answers are saved."), "success")
    return redirect(here)


@bp.route("/courses/<slug>/surveys/<activity>", methods=["GET", "POST"])
@login_required
def answer(slug: str, activity: str):
    ctx, refused = open_activity(slug, activity, services.survey_context)
    if ctx is None:
        return refused
    response = services.my_response(ctx, current_user) if ctx.outline.enrolled else None
    form = ConfirmForm()
    if request.method == "POST":
        return post_answers(ctx, lambda raw: services.save(ctx, current_user, raw),
                            lambda raw: services.submit(ctx, current_user, raw),
                            here=url_for("surveys.answer", slug=slug, activity=activity),
                            done=url_for("courses.show", slug=slug), thanks=_("Thank you. Your answers are submitted."),
                            submitted=response is not None and response.state == "submitted")
    cohort = services.cohort_of(current_user, ctx.course) if ctx.outline.enrolled else None
    return render_template("surveys/answer.html", ctx=ctx, response=response, form=form,
                           identified=bool(cohort and cohort.identified_surveys),
                           items=items_for_display(ctx, response, current_language()))


def _results(slug: str, activity: str, with_pairs: bool = False):
    """Results for the course's cohorts the user may see, or the one in ``?cohort=``."""
    course = course_services.get_course(slug)
    if course is None:
        abort(404)
    mastery = float(whole_number(request.args, "mastery", default=75, high=100))
    cohort_id = whole_number(request.args, "cohort")
    later = "followup" if request.args.get("compare") == "followup" else "post"
    try:
        data = results.course_survey_results(current_user, course, activity, current_language(), cohort_id, mastery, later,
                                             with_pairs=with_pairs)
    except PermissionError:
        abort(403)
    if data is None:
        abort(404)
    return data


def _log(data, action: str, **detail) -> None:
    audit.record(current_user, action, f"{data.course.slug}: {data.scope}", request.remote_addr,
                 instrument=data.instrument, **detail)
    db.session.commit()


def _links(slug: str, activity: str) -> dict:
    args = {"slug": slug, "activity": activity, "cohort": whole_number(request.args, "cohort"),
            "compare": "followup" if request.args.get("compare") == "followup" else None}
    return {name: url_for(f"surveys.{name}", **args) for name in ("results_csv", "responses_csv", "report_pdf")}


@bp.get("/courses/<slug>/surveys/<activity>/results")
@login_required
def results_page(slug: str, activity: str):
    data = _results(slug, activity)
    if data.people:
        _log(data, "read.identified_survey")
    visible = results.visible_cohorts(current_user, data.course)
    return render_template("surveys/results.html", r=data, links=_links(slug, activity),
                           cohort_choices=visible if visible is not None else course_services.cohorts_of(data.course),
                           selected=whole_number(request.args, "cohort"),
                           profession_labels={str(k): v for k, v in PROFESSION_LABELS.items()})


def _filename(data, kind: str) -> str:
    return f"{data.course.slug}-{data.instrument}{f'-cohort-{data.cohort.id}' if data.cohort else ''}-{kind}"


@bp.get("/courses/<slug>/surveys/<activity>/results.csv")
@login_required
def results_csv(slug: str, activity: str):
    data = _results(slug, activity)
    _log(data, "export.survey_results")
    return csv_response(results.results_table(data), _filename(data, "results.csv"))


@bp.get("/courses/<slug>/surveys/<activity>/responses.csv")
@login_required
def responses_csv(slug: str, activity: str):
    """De-identified answers: a pair id, the item, the phases it was asked in, before, after (items
    of one phase for everyone who answered it). Only from k matched pairs up."""
    data = _results(slug, activity, with_pairs=True)
    if not data.shown:
        abort(404)
    _log(data, "export.survey_responses", rows=len(data.pairs))
    rows = [["pair", "item", "phases", "pre", "post"], *[list(p) for p in data.pairs]]
    return csv_response(rows, _filename(data, "responses.csv"))


@bp.get("/courses/<slug>/surveys/<activity>/report.pdf")
@login_required
def report_pdf(slug: str, activity: str):
    """The results as a PDF for funders: the same numbers, the same suppression."""
    data = _results(slug, activity)
    _log(data, "export.survey_report")
    html = render_template("surveys/report_pdf.html", r=data, today=utcnow(),  # |date: her day, in her zone
                           profession_labels={str(k): v for k, v in PROFESSION_LABELS.items()})
    return Response(render_pdf(html), mimetype="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="{_filename(data, "report.pdf")}"'})


@bp.route("/cohorts/<int:cohort_id>/surveys/<activity>/adjust", methods=["GET", "POST"])
@login_required
def adjust(cohort_id: int, activity: str):
    """A trainer hides or rewords items of a survey's instrument for her cohort, before it starts."""
    cohort = db.get_or_404(Cohort, cohort_id)
    if not can_manage(current_user, cohort):
        abort(403)
    course = db.session.get(Course, cohort.course_id)
    instrument = services.instrument_of(course, activity)
    if instrument is None:
        abort(404)
    items = services.instrument_items(course, instrument)
    form = ConfirmForm()
    today = timezones.today_in(cohort.timezone)  # "before the cohort starts": its first day where it is
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        hidden = [item.id for item in items if not request.form.get(f"ask-{item.id}")]
        texts = {item.id: {lang: request.form.get(f"text-{item.id}-{lang}", "") for lang in course.languages}
                 for item in items}
        try:
            services.adjust(current_user, cohort, instrument, hidden, texts, today)
        except services.SurveyError as problem:
            return refuse(problem, url_for("surveys.adjust", cohort_id=cohort_id, activity=activity))
        audit.record(current_user, "survey.adjust", f"cohort {cohort.id} ({cohort.name})", request.remote_addr,
                     instrument=instrument, hidden=hidden)
        db.session.commit()
        flash(_("The survey is adjusted for this cohort."), "success")
        return redirect(url_for("cohorts.show", cohort_id=cohort_id))
    current = services.adjustment_for(cohort, instrument)
    shown = services.adjusted_items(items, current)
    texts = {item.id: item.text for item in shown}
    return render_template("surveys/adjust.html", cohort=cohort, course=course, instrument=instrument, items=items,
                           asked={item.id for item in shown}, texts=texts, form=form,
                           editable=cohort.starts_on > today)


# --- Inviting a cohort to a survey ----------------------------------------------------------------

def _managed(cohort_id: int) -> Cohort:
    cohort = db.get_or_404(Cohort, cohort_id)
    if not can_manage(current_user, cohort):
        abort(403)
    return cohort


@bp.route("/cohorts/<int:cohort_id>/surveys/invite", methods=["GET", "POST"])
@login_required
def invite(cohort_id: int):
    """Tell the cohort's participants a survey is open: today, or on a later day (the follow-up)."""
    cohort = _managed(cohort_id)
    course = db.session.get(Course, cohort.course_id)
    lang = current_language()
    form = SurveyInviteForm()
    form.survey.choices = [(a.slug, localized(a.titles, lang)) for a in invitations.surveys_of(course)]
    if form.validate_on_submit():
        try:
            row = invitations.invite(current_user, cohort, form.survey.data, form.send_on.data)
        except invitations.InvitationError as error:
            db.session.rollback()
            getattr(form, error.field).errors.append(error.message)
        else:
            audit.record(current_user, "survey.invite", f"cohort {cohort.id} ({cohort.name})", request.remote_addr,
                         survey=form.survey.data, send_on=row.send_on.isoformat())
            db.session.commit()
            if row.sent_at is not None:
                flash(ngettext("Sent to %(num)d participant.", "Sent to %(num)d participants.", row.recipients),
                      "success")
            else:
                flash(_("Planned: the cohort is told on %(day)s.", day=row.send_on.isoformat()), "success")
            return redirect(url_for("surveys.invite", cohort_id=cohort.id))
    return render_template("surveys/invite.html", cohort=cohort, course=course, form=form, cancel=ConfirmForm(),
                           rows=[(row, localized(a.titles, lang)) for row, a in invitations.invitations(cohort)],
                           zone=timezones.zone_name(zone=cohort.timezone)), 422 if form.errors else 200


@bp.post("/cohorts/<int:cohort_id>/surveys/invitations/<int:invitation_id>/cancel")
@login_required
def cancel_invitation(cohort_id: int, invitation_id: int):
    cohort = _managed(cohort_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        invitations.cancel(current_user, cohort, invitation_id)
    except LookupError:
        abort(404)
    except invitations.InvitationError as error:
        flash(error.message, "error")
    else:
        db.session.commit()
        flash(_("The invitation is cancelled."), "success")
    return redirect(url_for("surveys.invite", cohort_id=cohort.id))


# --- The workshop report for funders -----------------------------------------------------------

def _workshop_report(slug: str, locale: str):
    course = course_services.get_course(slug)
    if course is None:
        abort(404)
    cohort_id = whole_number(request.args, "cohort")
    try:
        chosen = workshop_report.cohorts_for(current_user, course, cohort_id)
    except PermissionError:
        abort(403)
    return workshop_report.build(course, chosen, locale, whole_course=cohort_id is None)


def _report_language() -> str:
    """The language asked for (``?lang=``) if the site has it, else the page's."""
    asked = request.args.get("lang", "")
    return asked if asked in current_app.config["AMICUS_LANGUAGES"] else current_language()


def _report_filename(report, kind: str) -> str:
    one = report.cohorts[0].id if len(report.cohorts) == 1 else None
    return f"{report.course.slug}{f'-cohort-{one}' if one else ''}-workshop-report.{kind}"


def _log_report(report, action: str) -> None:
    audit.record(current_user, action, f"{report.course.slug}: {report.scope}", request.remote_addr)
    db.session.commit()


@bp.get("/courses/<slug>/workshop-report")
@login_required
def workshop_report_page(slug: str):
    report = _workshop_report(slug, current_language())
    args = {"slug": slug, "cohort": whole_number(request.args, "cohort")}
    return render_template("surveys/workshop_report.html", w=report, for_pdf=False, args=args,
                           cohort_choices=workshop_report.cohorts_for(current_user, report.course, None),
                           selected=args["cohort"])


@bp.get("/courses/<slug>/workshop-report.pdf")
@login_required
def workshop_report_pdf(slug: str):
    lang = _report_language()
    with force_locale(lang):
        report = _workshop_report(slug, lang)
        html = render_template("surveys/workshop_report_pdf.html", w=report, for_pdf=True, lang=lang)
    _log_report(report, "export.workshop_report")
    return Response(render_pdf(html), mimetype="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="{_report_filename(report, "pdf")}"'})


@bp.get("/courses/<slug>/workshop-report.csv")
@login_required
def workshop_report_csv(slug: str):
    report = _workshop_report(slug, current_language())
    _log_report(report, "export.workshop_report")
    return csv_response(workshop_report.table(report), _report_filename(report, "csv"))
