"""Case exercise pages: the participant's case file, submission and results (under the course), and
the trainer's run and the judges' sheets (under /case-runs/<id>)."""
from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, abort, flash, jsonify, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from courses.cases import judging, runs, scoring, services
from courses.cases.forms import ScheduleForm
from courses.cases.models import CaseExercise, CaseRun, CaseTeam
from courses.cases.services import CaseError
from courses.models import Activity, localized
from courses.views import open_activity
from training import audit
from training.cohorts import Cohort, can_manage, participants
from training.extensions import db
from training.forms import ConfirmForm
from training.i18n import current_language

bp = Blueprint("cases", __name__)


def _csrf() -> None:
    if not ConfirmForm().validate_on_submit():
        abort(400)


def _refuse(error: CaseError, to: str):
    db.session.rollback()
    flash(str(error.message), "error")
    return redirect(to)


def _download(attachment, name: str):
    response = make_response(attachment.data)
    response.mimetype = attachment.mimetype
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.cache_control.private = True
    response.cache_control.no_store = True
    return response


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
        from training.cohorts import cohorts_run_by

        managed = [(c, services.run_for_cohort(ctx.exercise, c.id)) for c in cohorts_run_by(current_user)
                   if c.course_id == ctx.course.id]
    trainer_preview = current_user.is_trainer and not ctx.roles
    docs = services.visible_documents(state, ctx.exercise, ctx.roles, trainer_preview, locale)
    submission = services.submission_of(ctx.team) if ctx.team is not None else None
    peer = judging.my_peer_review(state, ctx.team) if state else None
    response = render_template(
        "cases/show.html", ctx=ctx, state=state, docs=docs, managed=managed, form=ConfirmForm(),
        summary=localized(ctx.exercise.settings.get("summaries"), locale),
        members=services.team_members(ctx.team) if ctx.team else [],
        submission=submission, peer=peer,
        clarifications=services.published_clarifications(state.run) if state else [],
        my_questions=services.my_questions(state.run, current_user) if state else [],
        open_teams=runs.teams(state.run) if state and state.run.teams_open and ctx.team is None else [],
    )
    db.session.commit()  # the submission row, created on first visit
    return response


@bp.get("/courses/<slug>/cases/<activity>/documents/<doc>")
@login_required
def document(slug: str, activity: str, doc: str):
    ctx, refused = _case(slug, activity)
    if ctx is None:
        return refused
    trainer_preview = current_user.is_trainer and not ctx.roles
    try:
        view = services.open_document(ctx.state, ctx.exercise, ctx.roles, trainer_preview, doc, current_language())
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
        _csrf()
        autosave = request.headers.get("X-Amicus-Autosave") == "1"
        base = request.form.get("version", type=int)
        submitting = request.form.get("action") == "submit"
        try:
            row, conflict = services.save_draft(ctx.state, ctx.team, current_user, request.form.get("text", ""), base)
            if submitting and not conflict:
                services.submit(ctx.state, ctx.team, current_user, row.version)
        except CaseError as error:
            db.session.rollback()
            if autosave:
                return jsonify(saved=False, error=str(error.message)), 409
            flash(str(error.message), "error")
            return redirect(here)
        db.session.commit()
        if submitting and not conflict:
            flash(_("Your team's submission is in.") + (" " + _("It was late; your trainer sees that.") if row.late else ""),
                  "success")
            return redirect(url_for("cases.show", slug=slug, activity=activity))
        message = _("A teammate saved changes while you were writing. Your text is kept as a version of its own: compare the versions below.") if conflict else ""
        if autosave:
            return jsonify(saved=True, version=row.version, words=services.count_words(row.text),
                           conflict=conflict, error=message)
        flash(message or _("Saved."), "error" if conflict else "success")
        return redirect(here)
    row = services.submission_of(ctx.team)
    db.session.commit()
    return render_template("cases/submission.html", ctx=ctx, state=ctx.state, row=row, form=ConfirmForm(),
                           words=services.count_words(row.text), versions=services.versions(row),
                           attachment=services.attachment_of(row))


@bp.post("/courses/<slug>/cases/<activity>/submission/attachment")
@login_required
def upload(slug: str, activity: str):
    ctx, refused = _case(slug, activity)
    if ctx is None:
        return refused
    _csrf()
    here = url_for("cases.submission", slug=slug, activity=activity)
    if ctx.state is None:
        flash(_("Only members of a team write a submission."), "error")
        return redirect(here)
    file = request.files.get("file")
    if file is None or not file.filename:
        flash(_("Choose a file to attach."), "error")
        return redirect(here)
    data = file.stream.read(services.uploads.MAX_BYTES + 1)
    try:
        services.attach(ctx.state, ctx.team, current_user, file.filename, data)
    except CaseError as error:
        return _refuse(error, here)
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
    row = services.attachment_of(services.submission_of(ctx.team))
    if row is None:
        abort(404)
    return _download(row, row.filename)


@bp.get("/courses/<slug>/cases/<activity>/submission/versions/<int:number>")
@login_required
def version(slug: str, activity: str, number: int):
    ctx, refused = _case(slug, activity)
    if ctx is None:
        return refused
    if ctx.team is None:
        abort(403)
    found = next((v for v in services.versions(services.submission_of(ctx.team)) if v[0].number == number), None)
    if found is None:
        abort(404)
    return render_template("cases/version.html", ctx=ctx, version=found[0], author=found[1])


@bp.post("/courses/<slug>/cases/<activity>/questions")
@login_required
def ask(slug: str, activity: str):
    ctx, refused = _case(slug, activity)
    if ctx is None:
        return refused
    _csrf()
    here = url_for("cases.show", slug=slug, activity=activity)
    if ctx.state is None:
        flash(_("Only the people taking part in this exercise may ask questions."), "error")
        return redirect(here)
    try:
        services.ask(ctx.state, current_user, bool(ctx.roles), request.form.get("question", ""))
    except CaseError as error:
        return _refuse(error, here)
    db.session.commit()
    flash(_("Your question is sent. The trainer's answer will be shown here to everyone, without your name."), "success")
    return redirect(here)


@bp.post("/courses/<slug>/cases/<activity>/teams/<int:number>/join")
@login_required
def join(slug: str, activity: str, number: int):
    ctx, refused = _case(slug, activity)
    if ctx is None:
        return refused
    _csrf()
    here = url_for("cases.show", slug=slug, activity=activity)
    team = judging.team_by_number(ctx.state, number) if ctx.state else None
    if team is None:
        abort(404)
    try:
        runs.join_team(ctx.state, team, current_user.id)
    except CaseError as error:
        return _refuse(error, here)
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
    if ctx.state is None:
        flash(_("Results are shown to the members of a team."), "error")
        return redirect(back)
    locale = current_language()
    if request.method == "POST":
        _csrf()
        try:
            completed = services.write_reflection(ctx.state, ctx.team, current_user, ctx.activity.id,
                                                  request.form.get("reflection", ""), locale)
        except CaseError as error:
            return _refuse(error, url_for("cases.results", slug=slug, activity=activity))
        db.session.commit()
        flash(_("Your reflection is saved. You have completed this exercise.") if completed
              else _("Your reflection is saved."), "success")
        return redirect(url_for("cases.results", slug=slug, activity=activity))
    try:
        mine = services.my_result(ctx.state, ctx.team, current_user, locale)
    except CaseError as error:
        return _refuse(error, back)
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
        _csrf()
        try:
            judging.write_peer_review(ctx.state, ctx.team, current_user, request.form, request.form.get("feedback", ""))
        except CaseError as error:
            return _refuse(error, here)
        db.session.commit()
        flash(_("Your team's review is submitted."), "success")
        return redirect(url_for("cases.show", slug=slug, activity=activity))
    review, target, target_submission = found
    db.session.commit()
    return render_template("cases/peer_review.html", ctx=ctx, state=ctx.state, review=review, team=target,
                           submission=target_submission, rubric=_rubric_view(ctx.exercise.settings["written_rubric"]),
                           marks=review.marks or {}, form=ConfirmForm())


# --- the trainer's run --------------------------------------------------------------------------

def _run(run_id: int) -> tuple[services.RunState, bool]:
    """The run and whether the current user manages it; 404 if there is no such run."""
    run = db.get_or_404(CaseRun, run_id)
    state = services.run_state(run, current_language())
    return state, can_manage(current_user, state.cohort)


def _managed_run(run_id: int) -> services.RunState:
    state, manager = _run(run_id)
    if not manager:
        abort(403)
    return state


@bp.post("/cohorts/<int:cohort_id>/cases/<activity>")
@login_required
def set_up(cohort_id: int, activity: str):
    """The cohort's run of the exercise (set up on first use); its trainers only."""
    cohort = db.get_or_404(Cohort, cohort_id)
    if not can_manage(current_user, cohort):
        abort(403)
    exercise = db.session.execute(select(CaseExercise).join(Activity, Activity.id == CaseExercise.activity_id).where(
        Activity.course_id == cohort.course_id, Activity.slug == activity)).scalar_one_or_none() or abort(404)
    _csrf()
    try:
        run = runs.set_up(current_user, cohort, exercise)
    except CaseError as error:
        return _refuse(error, url_for("cohorts.show", cohort_id=cohort.id))
    db.session.commit()
    return redirect(url_for("cases.run", run_id=run.id))


def _utc_naive(value: datetime | None) -> datetime | None:
    return value.astimezone(UTC).replace(tzinfo=None) if value else None


@bp.get("/case-runs/<int:run_id>")
@login_required
def run(run_id: int):
    state = _managed_run(run_id)
    form = ScheduleForm(data={"due": _utc_naive(state.run.submissions_due), "late_until": _utc_naive(state.run.late_until)})
    every = services.results(state)
    team_rows = runs.teams(state.run)
    placed = {m.id for row in team_rows for m in row.members}
    return render_template(
        "cases/run.html", state=state, teams=team_rows, judges=runs.judges(state.run),
        free=[p for p in participants(state.cohort) if p.id not in placed], trainers_and_people=_cohort_people(state.cohort),
        clarifications=runs.clarifications(state.run), results=every, form=ConfirmForm(), schedule_form=form,
        course_slug=state.course.slug,
    )


def _cohort_people(cohort: Cohort):
    from training.accounts import User
    from training.cohorts import CohortMember

    return list(db.session.execute(select(User, CohortMember.role).join(
        CohortMember, CohortMember.user_id == User.id).where(CohortMember.cohort_id == cohort.id)
        .order_by(CohortMember.role.desc(), User.handle_key)).all())


def _int(name: str) -> int | None:
    return request.form.get(name, type=int)


@bp.post("/case-runs/<int:run_id>/manage")
@login_required
def manage(run_id: int):
    """Every change a trainer makes to a run, named by the form's ``action``."""
    state = _managed_run(run_id)
    _csrf()
    here = url_for("cases.run", run_id=run_id)
    action = request.form.get("action", "")
    if action == "invite_guest":
        return _invite_guest(state)
    team = None
    if _int("team") is not None:
        team = db.session.get(CaseTeam, _int("team"))
        if team is None or team.run_id != state.run.id:
            abort(404)
    try:
        message = _do(action, state, team)
    except CaseError as error:
        return _refuse(error, here)
    db.session.commit()
    flash(message, "success")
    return redirect(here + request.form.get("anchor", ""))


def _invite_guest(state: services.RunState):
    """A guest judge's account and its one-time link, shown once to the trainer."""
    try:
        guest, token = runs.invite_guest_judge(current_user, state, request.form.get("handle", ""))
    except CaseError as error:
        return _refuse(error, url_for("cases.run", run_id=state.run.id) + "#judges")
    audit.record(current_user, "case.guest_judge", f"case run {state.run.id}, guest {guest.handle}", request.remote_addr)
    db.session.commit()
    return render_template("admin/reset_link.html", user=guest, hours=runs.GUEST_LINK_HOURS,
                           link=url_for("accounts.reset", token=token, _external=True),
                           back=url_for("cases.run", run_id=state.run.id))


def _do(action: str, state: services.RunState, team: CaseTeam | None) -> str:
    form, user = request.form, current_user
    if action == "start":
        runs.start(user, state)
        return _("The exercise has started: the case file is open to the teams.")
    if action == "open_stage":
        runs.open_stage(user, state, form.get("stage", ""))
        return _("The stage is open.")
    if action == "schedule":
        schedule = ScheduleForm()
        if not schedule.validate():
            raise CaseError(_("Give the deadline as a date and time."))
        stage_times = {}
        for stage in state.stages:
            raw = form.get(f"stage-{stage.slug}")
            if raw is not None:
                stage_times[stage.slug] = _parse_local(raw)
        runs.schedule(user, state, _aware(schedule.due.data), _aware(schedule.late_until.data), stage_times)
        return _("The schedule is saved.")
    if action == "add_team":
        new = runs.add_team(user, state, form.get("side", ""))
        return _("Team %(n)d is formed.", n=new.number)
    if action == "add_member" and team is not None:
        runs.assign_member(user, state, team, _int("user") or 0)
        return _("Added to team %(n)d.", n=team.number)
    if action == "remove_member" and team is not None:
        runs.remove_member(user, state, team, _int("user") or 0)
        return _("Removed from team %(n)d.", n=team.number)
    if action == "teams_open":
        runs.set_teams_open(user, state, form.get("value") == "1")
        return _("Saved.")
    if action == "add_judge":
        runs.add_judge(user, state, _int("user") or 0, form.get("presiding") == "1")
        return _("The judge is added.")
    if action == "remove_judge":
        runs.remove_judge(user, state, _int("user") or 0)
        return _("The judge is removed.")
    if action == "penalty" and team is not None:
        try:
            points = float(form.get("points", "").replace(",", "."))
        except ValueError:
            raise CaseError(_("A penalty is from 0 to 100 points.")) from None
        runs.set_penalty(user, state, team, points, form.get("reason", ""))
        audit.record(user, "case.penalty", f"case run {state.run.id}, team {team.number}", request.remote_addr,
                     points=points)
        return _("The penalty for team %(n)d is saved.", n=team.number)
    if action == "answer":
        runs.answer(user, state, _int("clarification") or 0, form.get("question", ""), form.get("answer", ""))
        return _("The answer is published to everyone in the exercise.")
    if action == "peer_reviews":
        n = judging.assign_peer_reviews(state)
        return _("Peer reviews are assigned to %(n)d teams.", n=n)
    if action == "publish":
        runs.publish(user, state, form.get("show_rank") == "1")
        audit.record(user, "case.publish", f"case run {state.run.id} ({state.cohort.name})", request.remote_addr)
        return _("The results are published to the teams.")
    abort(400)


def _aware(value: datetime | None) -> datetime | None:
    return value.replace(tzinfo=UTC) if value is not None else None


def _parse_local(raw: str) -> datetime | None:
    raw = (raw or "").strip()
    if not raw:
        return None
    try:
        return datetime.fromisoformat(raw).replace(tzinfo=UTC)
    except ValueError:
        raise CaseError(_("Give each stage's opening time as a date and time, or leave it empty.")) from None


@bp.get("/case-runs/<int:run_id>/teams/<int:number>")
@login_required
def team_submission(run_id: int, number: int):
    """A team's submission as the trainer reads it (not blind: the trainer formed the teams)."""
    state = _managed_run(run_id)
    team = judging.team_by_number(state, number) or abort(404)
    row = services.submission_of(team)
    db.session.commit()
    return render_template("cases/read.html", state=state, team=team, row=row,
                           members=services.team_members(team), versions=services.versions(row),
                           attachment=services.attachment_of(row))


@bp.get("/case-runs/<int:run_id>/teams/<int:number>/attachment")
@login_required
def team_attachment(run_id: int, number: int):
    """A team's attachment for its trainer and for judges, under a name that does not identify anyone."""
    state, manager = _run(run_id)
    team = judging.team_by_number(state, number) or abort(404)
    if not manager:
        try:
            judging.require_judge(state, current_user)
        except PermissionError:
            abort(403)
        if judging.own_team_id(state, current_user) == team.id:
            abort(403)
    submission = services.submission_of(team)
    row = services.attachment_of(submission)
    if row is None or (not manager and submission.submitted_at is None):
        abort(404)
    return _download(row, f"team-{team.number}{services.uploads.EXTENSIONS[row.mimetype]}")


# --- judging ------------------------------------------------------------------------------------

def _judge_run(run_id: int) -> services.RunState:
    state, _manager = _run(run_id)
    try:
        judging.require_judge(state, current_user)
    except PermissionError:
        abort(403)
    return state


def _rubric_view(rubric: dict) -> dict:
    """The rubric in the reader's language, ready for the scoring form."""
    locale = current_language()
    if rubric["kind"] == "banded":
        criteria = [{"slug": c["slug"], "title": localized(c["titles"], locale), "weight": c["weight"]}
                    for c in rubric["criteria"]] or [{"slug": "total", "title": _("Total"), "weight": 1}]
        return {"kind": "banded", "criteria": criteria, "bands": scoring.BANDS,
                "low": scoring.BAND_LOW, "high": scoring.BAND_HIGH}
    return {"kind": "criteria", "criteria": [
        {"slug": c["slug"], "title": localized(c["titles"], locale), "weight": c["weight"],
         "levels": [localized(level, locale) for level in c["levels"]]} for c in rubric["criteria"]]}


def _run_reader(run_id: int) -> tuple[services.RunState, set[str], bool]:
    """A run opened by its trainer or one of its judges: (state, roles she reads as, manager?)."""
    state, manager = _run(run_id)
    judge = services.judge_of(state.run, current_user)
    if not manager and judge is None:
        abort(403)
    roles = services.reader_roles(services.team_of(state.run, current_user), judge, in_cohort=True)
    return state, roles, manager


@bp.get("/case-runs/<int:run_id>/documents/<doc>")
@login_required
def run_document(run_id: int, doc: str):
    """The case file as a judge reads it (guest judges take no course), or as the trainer does."""
    state, roles, manager = _run_reader(run_id)
    try:
        view = services.open_document(state, state.exercise, roles, manager, doc, current_language())
    except CaseError as error:
        return render_template("errors/error.html", code=403, title=_("You cannot open this document"),
                               text=str(error.message)), 403
    if view is None:
        abort(404)
    return render_template("cases/document.html", ctx=None, state=state, doc=view)


@bp.get("/case-runs/<int:run_id>/judging")
@login_required
def judging_list(run_id: int):
    state = _judge_run(run_id)
    roles = services.reader_roles(services.team_of(state.run, current_user), services.judge_of(state.run, current_user), True)
    return render_template("cases/judging.html", state=state, entries=judging.queue(state, current_user),
                           docs=services.visible_documents(state, state.exercise, roles, False, current_language()),
                           has_oral=bool(state.settings.get("oral_rubric")), hearing_open=judging.hearing_open(state))


@bp.route("/case-runs/<int:run_id>/judging/<int:number>", methods=["GET", "POST"])
@login_required
def score(run_id: int, number: int):
    state = _judge_run(run_id)
    team = judging.team_by_number(state, number) or abort(404)
    back = url_for("cases.judging_list", run_id=run_id)
    if request.method == "POST":
        _csrf()
        try:
            judging.score_written(state, current_user, team, request.form, request.form.get("feedback", ""))
        except CaseError as error:
            return _refuse(error, url_for("cases.score", run_id=run_id, number=number))
        db.session.commit()
        flash(_("Your score for team %(n)d is saved.", n=number), "success")
        return redirect(back)
    try:
        sheet = judging.sheet(state, current_user, team)
    except CaseError as error:
        return _refuse(error, back)
    return render_template("cases/score.html", state=state, sheet=sheet, form=ConfirmForm(),
                           rubric=_rubric_view(state.settings["written_rubric"]),
                           marks=sheet.mine.marks if sheet.mine else {},
                           attachment=services.attachment_of(sheet.submission))


@bp.route("/case-runs/<int:run_id>/hearing/<int:number>", methods=["GET", "POST"])
@login_required
def hearing(run_id: int, number: int):
    state = _judge_run(run_id)
    team = judging.team_by_number(state, number) or abort(404)
    here = url_for("cases.hearing", run_id=run_id, number=number)
    if request.method == "POST":
        _csrf()
        try:
            judging.score_speaker(state, current_user, team, _int("speaker") or 0, request.form,
                                  request.form.get("feedback", ""))
        except CaseError as error:
            return _refuse(error, here)
        db.session.commit()
        flash(_("The speaker's score is saved."), "success")
        return redirect(here)
    if not state.settings.get("oral_rubric"):
        abort(404)
    return render_template("cases/hearing.html", state=state, team=team, form=ConfirmForm(),
                           speakers=judging.speakers(team), mine=judging.oral_scores(state, current_user, team),
                           rubric=_rubric_view(state.settings["oral_rubric"]), open=judging.hearing_open(state))


@bp.get("/case-runs/<int:run_id>/timer")
@login_required
def timer(run_id: int):
    """The clerk's timer for the hearing: trainers and judges."""
    state, manager = _run(run_id)
    if not manager:
        try:
            judging.require_judge(state, current_user)
        except PermissionError:
            abort(403)
    hearing_settings = state.settings.get("hearing") or {"speaker_minutes": 10, "rebuttal_minutes": 0}
    return render_template("cases/timer.html", state=state, hearing=hearing_settings)
