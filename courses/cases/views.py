"""Case exercise pages of a participant: the case file, her team's submission, questions, results
(under the course). The trainer's and judges' pages are in run_views, on the same blueprint."""
from __future__ import annotations

from flask import Blueprint, abort, flash, jsonify, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from courses.cases import judging, runs, scoring, services
from courses.cases.services import CaseError
from courses.cases.settings import Rubric
from courses.models import localized
from courses.views import open_activity
from training.cohorts import cohorts_run_by
from training.extensions import db
from training.forms import ConfirmForm
from training.i18n import current_language
from training.params import whole_number
from training.refusals import refuse

bp = Blueprint("cases", __name__)


def download(attachment, name: str):
    response = make_response(attachment.data)
    response.mimetype = attachment.mimetype
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.cache_control.private = True
    response.cache_control.no_store = True
    return response


def rubric_view(rubric: Rubric) -> dict:
    """The rubric in the reader's language, ready for the scoring form."""
    locale = current_language()
    if rubric.banded:
        criteria = [{"slug": c.slug, "title": localized(c.titles, locale), "weight": c.weight}
                    for c in rubric.criteria] or [{"slug": "total", "title": _("Total"), "weight": 1}]
        return {"kind": "banded", "criteria": criteria, "bands": scoring.BANDS,
                "low": scoring.BAND_LOW, "high": scoring.BAND_HIGH}
    return {"kind": "criteria", "criteria": [
        {"slug": c.slug, "title": localized(c.titles, locale), "weight": c.weight,
         "levels": [localized(level, locale) for level in c.levels]} for c in rubric.criteria]}


# --- the participant's pages --------------------------------------------------------------------

def _case(slug: str, activity: str):
    return open_activity(slug, activity, services.case_context)


@bp.get("/courses/<slug>/cases/<activity>")
@login_required
def show(slug: str, activity: str):
    ctx, refused = _case(slug, activity)
    if ctx is None:
        return refused
    locale = current_language()
    state = ctx.state
    managed = []
    if current_user.is_trainer:
        managed = [(c, services.run_for_cohort(ctx.exercise, c.id)) for c in cohorts_run_by(current_user)
                   if c.course_id == ctx.course.id]
    docs = services.visible_documents(state, ctx.exercise, ctx.roles, ctx.sees_all, locale)
    submission = services.find_submission(ctx.team) if ctx.team is not None else None
    peer = judging.my_peer_review(state, ctx.team) if state else None
    return render_template(
        "cases/show.html", ctx=ctx, state=state, docs=docs, managed=managed, form=ConfirmForm(),
        summary=localized(ctx.exercise.settings.summaries, locale),
        in_cohort=ctx.outline.enrolment is not None and ctx.outline.enrolment.cohort_id is not None,
        members=services.team_members(ctx.team) if ctx.team else [],
        submission=submission, peer=peer,
        clarifications=services.published_clarifications(state.run) if state else [],
        my_questions=services.my_questions(state.run, current_user) if state else [],
        open_teams=runs.teams(state.run) if state and state.run.teams_open and ctx.team is None else [],
    )


@bp.get("/courses/<slug>/cases/<activity>/documents/<doc>")
@login_required
def document(slug: str, activity: str, doc: str):
    ctx, refused = _case(slug, activity)
    if ctx is None:
        return refused
    try:
        view = services.open_document(ctx.state, ctx.exercise, ctx.roles, ctx.sees_all, doc, current_language())
    except CaseError as error:
        return render_template("errors/error.html", code=403, title=_("You cannot open this document"),
                               text=str(error.message)), 403
    if view is None:
        abort(404)
    return render_template("cases/document.html", ctx=ctx, doc=view)


@bp.route("/courses/<slug>/cases/<activity>/submission", methods=["GET", "POST"])
@login_required
def submission(slug: str, activity: str):
    ctx, refused = _case(slug, activity)
    if ctx is None:
        return refused
    here = url_for("cases.submission", slug=slug, activity=activity)
    if ctx.state is None or ctx.team is None:
        flash(_("Only members of a team write a submission."), "error")
        return redirect(url_for("cases.show", slug=slug, activity=activity))
    if request.method == "POST":
        autosave = request.headers.get("X-Amicus-Autosave") == "1"
        base = whole_number(request.form, "version")
        submitting = request.form.get("action") == "submit"
        confirmed = submitting and request.form.get("confirmed") == "1"
        try:
            if confirmed:  # from the confirmation page: the version it showed, as it was saved
                row, conflict = services.submit(ctx.state, ctx.team, current_user, base), None
            else:
                row, conflict = services.save_draft(ctx.state, ctx.team, current_user, request.form.get("text", ""), base)
                if submitting and conflict is None:
                    services.check_submittable(ctx.state, ctx.team, row.version)
        except CaseError as error:
            if autosave:
                db.session.rollback()
                return jsonify(saved=False, error=str(error.message)), 409
            return refuse(error, here)
        db.session.commit()
        if conflict is not None:
            # Her text is kept as a version; the team's stays the teammate's until she merges.
            message = _("%(who)s saved the team's text while you were writing, so yours did not replace it: "
                        "it is kept as version %(n)d. Compare both texts, merge them, then save.",
                        who=conflict.their_author, n=conflict.kept_version)
            if autosave:
                return jsonify(saved=False, conflict=True, error=message, their_text=conflict.their_text,
                               their_version=conflict.their_version, kept_version=conflict.kept_version,
                               words=services.count_words(row.text)), 409
            flash(message, "error")
            return redirect(url_for("cases.submission", slug=slug, activity=activity, kept=conflict.kept_version))
        if submitting and not confirmed:
            # Saved; submitting is final for the whole team, so she confirms what becomes final.
            return render_template("cases/submission_confirm.html", ctx=ctx, state=ctx.state, row=row,
                                   words=services.count_words(row.text), attachment=services.attachment_of(row),
                                   late=ctx.state.now > ctx.state.run.submissions_due, form=ConfirmForm())
        if submitting:
            flash(_("Your team's submission is in.") + (" " + _("It was late; your trainer sees that.") if row.late else ""),
                  "success")
            return redirect(url_for("cases.show", slug=slug, activity=activity))
        if autosave:
            return jsonify(saved=True, version=row.version, words=services.count_words(row.text), conflict=False)
        flash(_("Saved."), "success")
        return redirect(here)
    row = services.draft_of(ctx.team)
    versions = services.versions(row)
    # After a conflicting save without JavaScript: her kept text beside the team's, to merge by hand.
    kept = services.kept_version(row, versions, current_user, whole_number(request.args, "kept"))
    conflict = {"message": "", "mine": kept.text, "theirs": row.text} if kept is not None else None
    return render_template("cases/submission.html", ctx=ctx, state=ctx.state, row=row, form=ConfirmForm(),
                           words=services.count_words(row.text), versions=versions, conflict=conflict,
                           kept_aside={v.number for v, _who in versions if services.is_kept_aside(row, v)},
                           attachment=services.attachment_of(row))


@bp.post("/courses/<slug>/cases/<activity>/submission/attachment")
@login_required
def upload(slug: str, activity: str):
    ctx, refused = _case(slug, activity)
    if ctx is None:
        return refused
    here = url_for("cases.submission", slug=slug, activity=activity)
    file = request.files.get("file")
    if file is None or not file.filename:
        flash(_("Choose a file to attach."), "error")
        return redirect(here)
    data = file.stream.read(services.uploads.MAX_BYTES + 1)
    try:
        services.attach(ctx.state, ctx.team, current_user, file.filename, data)
    except CaseError as error:
        return refuse(error, here)
    db.session.commit()
    flash(_("The document is attached."), "success")
    return redirect(here)


@bp.get("/courses/<slug>/cases/<activity>/submission/attachment")
@login_required
def attachment(slug: str, activity: str):
    ctx, refused = _case(slug, activity)
    if ctx is None:
        return refused
    if ctx.team is None:
        abort(403)
    row = services.attachment_of(services.find_submission(ctx.team))
    if row is None:
        abort(404)
    return download(row, row.filename)


@bp.get("/courses/<slug>/cases/<activity>/submission/versions/<int:number>")
@login_required
def version(slug: str, activity: str, number: int):
    ctx, refused = _case(slug, activity)
    if ctx is None:
        return refused
    if ctx.team is None:
        abort(403)
    found = next((v for v in services.versions(services.draft_of(ctx.team)) if v[0].number == number), None)
    if found is None:
        abort(404)
    return render_template("cases/version.html", ctx=ctx, version=found[0], author=found[1])


@bp.post("/courses/<slug>/cases/<activity>/questions")
@login_required
def ask(slug: str, activity: str):
    ctx, refused = _case(slug, activity)
    if ctx is None:
        return refused
    here = url_for("cases.show", slug=slug, activity=activity)
    try:
        services.ask(ctx.state, current_user, bool(ctx.roles), request.form.get("question", ""))
    except CaseError as error:
        return refuse(error, here)
    db.session.commit()
    flash(_("Your question is sent. The trainer's answer will be shown here to everyone, without your name."), "success")
    return redirect(here)


@bp.post("/courses/<slug>/cases/<activity>/teams/<int:number>/join")
@login_required
def join(slug: str, activity: str, number: int):
    ctx, refused = _case(slug, activity)
    if ctx is None:
        return refused
    here = url_for("cases.show", slug=slug, activity=activity)
    team = judging.team_by_number(ctx.state, number) if ctx.state else None
    if team is None:
        abort(404)
    try:
        runs.join_team(ctx.state, team, current_user.id)
    except CaseError as error:
        return refuse(error, here)
    db.session.commit()
    flash(_("You joined team %(n)d.", n=number), "success")
    return redirect(here)


@bp.route("/courses/<slug>/cases/<activity>/results", methods=["GET", "POST"])
@login_required
def results(slug: str, activity: str):
    ctx, refused = _case(slug, activity)
    if ctx is None:
        return refused
    back = url_for("cases.show", slug=slug, activity=activity)
    locale = current_language()
    if request.method == "POST":
        try:
            completed = services.write_reflection(ctx.state, ctx.team, current_user, ctx.activity.id,
                                                  request.form.get("reflection", ""), locale)
        except CaseError as error:
            return refuse(error, url_for("cases.results", slug=slug, activity=activity))
        db.session.commit()
        flash(_("Your reflection is saved. You have completed this exercise.") if completed
              else _("Your reflection is saved."), "success")
        return redirect(url_for("cases.results", slug=slug, activity=activity))
    try:
        mine = services.my_result(ctx.state, ctx.team, current_user, locale)
    except CaseError as error:
        return refuse(error, back)
    return render_template("cases/results.html", ctx=ctx, state=ctx.state, mine=mine, form=ConfirmForm())


@bp.route("/courses/<slug>/cases/<activity>/peer-review", methods=["GET", "POST"])
@login_required
def peer_review(slug: str, activity: str):
    ctx, refused = _case(slug, activity)
    if ctx is None:
        return refused
    found = judging.my_peer_review(ctx.state, ctx.team) if ctx.state else None
    if found is None:
        flash(_("Your team has no submission to review."), "error")
        return redirect(url_for("cases.show", slug=slug, activity=activity))
    here = url_for("cases.peer_review", slug=slug, activity=activity)
    if request.method == "POST":
        try:
            judging.write_peer_review(ctx.state, ctx.team, current_user, request.form, request.form.get("feedback", ""))
        except CaseError as error:
            return refuse(error, here)
        db.session.commit()
        flash(_("Your team's review is submitted."), "success")
        return redirect(url_for("cases.show", slug=slug, activity=activity))
    review, target, target_submission = found
    return render_template("cases/peer_review.html", ctx=ctx, state=ctx.state, review=review, team=target,
                           submission=target_submission, rubric=rubric_view(ctx.exercise.settings.written_rubric),
                           marks=review.marks or {}, form=ConfirmForm())
